//! The least-privilege read policy for application roles: one document for
//! a set of secret ARNs, or the same grant split into documents that each
//! fit IAM's managed-policy size limit.
//!
//! Every document allows exactly [`ACTIONS`] on exact ARNs: no wildcard, no
//! condition. The JSON is compact (no whitespace), so its length is the
//! size IAM counts.
//!
//! Splitting aims at two things at once: few documents, because a role
//! attaches at most 20 managed policies, and stability, because every
//! document that changes is a policy update. The resource keeps its
//! documents from one state to the next (`kept.rs`); the data source, which
//! has no history, splits by a hash of each ARN (`split.rs`).

mod kept;
mod split;

use crate::tf::value::Value;

pub use kept::{kept_documents, keyed_kept_documents};
pub use split::{keyed_policy_documents, read_policy_documents};

/// What an application needs to read its secrets, and nothing more.
const ACTIONS: [&str; 2] = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
];

/// The description of `read_policy_json`, which the resource and the data
/// source both offer.
pub const READ_POLICY_JSON_DESCRIPTION: &str = "Least-privilege IAM policy document allowing `secretsmanager:GetSecretValue` and `secretsmanager:DescribeSecret` on exactly these secrets (exact ARNs, no wildcard, no condition), for application roles. Null when there are no secrets. IAM refuses a managed policy over 6,144 characters, which 40 to 70 ARNs reach, depending on the names' length: above that, use `read_policy_documents` or per-application policies (`provider::planton::read_policy_json`).";

/// The resource's `read_policy_documents`, kept from one state to the next.
pub const KEPT_DOCUMENTS_DESCRIPTION: &str = "The grant of `read_policy_json` split into policy documents that each fit IAM's 6,144-character managed-policy limit, for attaching as several managed policies (`count = length(...)`, `[count.index]`). Each ARN is in exactly one document. The documents are kept from one apply to the next: adding or removing one secret rewrites at most two documents, and a document is only ever added or dropped at the end of the list, so no policy moves to another index (several secrets count as that many single changes). Every document but the last is at least 80% full, in practice fuller: 1,000 typical names take 16 documents where at least 16 are needed, 10,000 take 154 for 153. A new or imported resource packs its secrets in name order. When everything fits in one document, the list is `[read_policy_json]`; with no secrets it is empty.";

/// The data source's `read_policy_documents`, split by hash.
pub const SPLIT_DOCUMENTS_DESCRIPTION: &str = "The grant of `read_policy_json` split into policy documents that each fit IAM's 6,144-character managed-policy limit, for attaching as several managed policies. Close to the fewest possible: within 1.25 times the minimum from a few hundred secrets on (1,000 typical names take 17 documents where at least 16 are needed). Each ARN is in exactly one document. A data source keeps no earlier documents, so the split depends only on the set of secrets: ARNs are placed by a hash, and adding or removing a secret usually rewrites only the document it lands in, sometimes a few beside it; a document added or dropped can be in the middle of the list. The resource's `read_policy_documents` guarantees at most two rewritten documents and changes only at the end of the list. When everything fits in one document, the list is `[read_policy_json]`; with no secrets it is empty.";

/// IAM's limit for one customer managed policy, in characters not counting
/// whitespace.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;

/// The grant on exactly these ARNs as one document, `None` for no ARNs (a
/// statement with an empty `Resource` is not a valid policy). Order and
/// duplicates in the input do not matter.
pub fn read_policy_json<'a>(arns: impl IntoIterator<Item = &'a str>) -> Option<String> {
    keyed_policy_json(arns, None)
}

/// [`read_policy_json`] plus `key`'s `kms:Decrypt` statement.
pub fn keyed_policy_json<'a>(
    arns: impl IntoIterator<Item = &'a str>,
    key: Option<&KeyGrant>,
) -> Option<String> {
    let resources = sorted_unique(arns);
    (!resources.is_empty()).then(|| document(&resources, key))
}

/// Customer managed KMS keys a reader needs `kms:Decrypt` on, through
/// Secrets Manager only (`kms:ViaService`): a reader of a secret on a
/// customer key is refused the value without it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyGrant {
    /// Key ARNs (IAM matches a key by its ARN, never by an alias), sorted.
    pub key_arns: Vec<String>,
    /// `secretsmanager.REGION.amazonaws.com`.
    pub via_service: String,
}

impl KeyGrant {
    /// What one statement on one key costs a document at most: the longest
    /// key ARN (partition `aws-iso-b`, a 16-character region, a
    /// multi-region key id) and its ViaService, with the comma before it
    /// (a test checks).
    pub const ROOM: usize = 300;

    /// None for no key.
    pub fn new(key_arns: impl IntoIterator<Item = String>, via_service: String) -> Option<Self> {
        let mut key_arns: Vec<String> = key_arns.into_iter().collect();
        key_arns.sort_unstable();
        key_arns.dedup();
        (!key_arns.is_empty()).then_some(Self {
            key_arns,
            via_service,
        })
    }

    /// What the statement adds to a document.
    pub fn room(&self) -> usize {
        self.statement().to_string().len() + 1
    }

    fn statement(&self) -> serde_json::Value {
        let resource = match self.key_arns.as_slice() {
            [one] => serde_json::json!(one),
            many => serde_json::json!(many),
        };
        serde_json::json!({
            "Sid": "DecryptPlantonSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": resource,
            "Condition": {"StringEquals": {"kms:ViaService": self.via_service}},
        })
    }
}

/// `read_policy_json` (null for no ARNs) and the data source's
/// `read_policy_documents` ([`read_policy_documents`]) as attribute values,
/// with `key`'s statement in each.
pub fn policy_values<'a>(
    arns: impl IntoIterator<Item = &'a String> + Clone,
    key: Option<&KeyGrant>,
) -> (Value, Value) {
    let documents = keyed_policy_documents(arns.clone().into_iter().map(String::as_str), key);
    attribute_values(arns, documents, key)
}

/// `read_policy_json` and the resource's `read_policy_documents`, kept from
/// the `recorded` ones ([`keyed_kept_documents`]), as attribute values.
pub fn kept_policy_values<'a>(
    recorded: &[String],
    arns: impl IntoIterator<Item = &'a String> + Clone,
    key: Option<&KeyGrant>,
    reserve: bool,
) -> (Value, Value) {
    let documents = keyed_kept_documents(
        recorded,
        arns.clone().into_iter().map(String::as_str),
        key,
        reserve,
    );
    attribute_values(arns, documents, key)
}

fn attribute_values<'a>(
    arns: impl IntoIterator<Item = &'a String>,
    documents: Vec<String>,
    key: Option<&KeyGrant>,
) -> (Value, Value) {
    let policy = keyed_policy_json(arns.into_iter().map(String::as_str), key);
    let documents = documents.into_iter().map(Value::String).collect();
    (
        policy.map_or(Value::Null, Value::String),
        Value::List(documents),
    )
}

/// The size [`read_policy_json`]'s document has for these ARNs, without
/// building it; 0 for none.
pub fn read_policy_size<'a>(arns: impl IntoIterator<Item = &'a str>) -> usize {
    let resources = sorted_unique(arns);
    if resources.is_empty() {
        0
    } else {
        document_size(resources.iter().copied())
    }
}

/// How many of these ARNs fit in one document at most: the shortest first.
pub fn arns_that_fit<'a>(arns: impl IntoIterator<Item = &'a str>) -> usize {
    let mut lengths: Vec<usize> = sorted_unique(arns).iter().map(|a| quoted_len(a)).collect();
    lengths.sort_unstable();
    let mut size = EMPTY_DOCUMENT_SIZE;
    let mut fit = 0;
    for (i, length) in lengths.into_iter().enumerate() {
        size += length + usize::from(i > 0);
        if size > MANAGED_POLICY_LIMIT {
            break;
        }
        fit += 1;
    }
    fit
}

/// What one document may spend on ARNs: a document's length is
/// [`EMPTY_DOCUMENT_SIZE`] plus, for each ARN, its quoted length and a
/// comma, less the one comma the last ARN does not have.
const BUDGET: usize = MANAGED_POLICY_LIMIT - EMPTY_DOCUMENT_SIZE + 1;

fn sorted_unique<'a>(arns: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut resources: Vec<&str> = arns.into_iter().collect();
    resources.sort_unstable();
    resources.dedup();
    resources
}

fn document(resources: &[&str], key: Option<&KeyGrant>) -> String {
    let statement = serde_json::json!({
        "Sid": "ReadPlantonSecrets",
        "Effect": "Allow",
        "Action": ACTIONS,
        "Resource": resources,
    });
    let statements: Vec<serde_json::Value> = std::iter::once(statement)
        .chain(key.map(KeyGrant::statement))
        .collect();
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": statements,
    })
    .to_string()
}

impl KeyGrant {
    /// The grant a document written by [`document`] carries: how recorded
    /// state remembers the key ARN an alias resolved to, without asking KMS
    /// again.
    pub fn of_document(document: &str) -> Option<Self> {
        let parsed: serde_json::Value = serde_json::from_str(document).ok()?;
        let statement = parsed.get("Statement")?.get(1)?;
        let key_arns = match statement.get("Resource")? {
            serde_json::Value::String(one) => vec![one.clone()],
            many => many
                .as_array()?
                .iter()
                .map(|k| k.as_str().map(str::to_owned))
                .collect::<Option<_>>()?,
        };
        let via_service = statement
            .get("Condition")?
            .get("StringEquals")?
            .get("kms:ViaService")?
            .as_str()?
            .to_owned();
        Self::new(key_arns, via_service)
    }
}

/// The length of [`document`] for no resources at all.
const EMPTY_DOCUMENT_SIZE: usize = 173;

fn quoted_len(arn: &str) -> usize {
    serde_json::Value::from(arn).to_string().len()
}

/// What `arn` adds to a document: its quoted length and a comma.
fn arn_cost(arn: &str) -> usize {
    quoted_len(arn) + 1
}

/// The length of [`document`] for these (distinct) resources.
fn document_size<'a>(resources: impl Iterator<Item = &'a str>) -> usize {
    let (count, quoted) =
        resources.fold((0usize, 0), |(n, len), arn| (n + 1, len + quoted_len(arn)));
    EMPTY_DOCUMENT_SIZE + quoted + count.saturating_sub(1)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// ARNs as Secrets Manager writes them, for names like real ones.
    pub fn realistic_arns(count: usize) -> Vec<String> {
        (0..count)
            .map(|i| {
                format!(
                    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:team-{}/production/service-{i}/DATABASE_PASSWORD-{:06}",
                    i % 17,
                    (i * 7919) % 1_000_000
                )
            })
            .collect()
    }

    pub fn resources_of(document: &str) -> Vec<String> {
        let parsed: serde_json::Value = serde_json::from_str(document).unwrap();
        let statements = parsed["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        let statement = &statements[0];
        assert_eq!(statement["Effect"], "Allow");
        assert_eq!(statement["Action"], serde_json::json!(ACTIONS));
        assert!(statement.get("Condition").is_none());
        statement["Resource"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect()
    }

    /// The data source's documents and the resource's fresh ones.
    fn both_splits(arns: &[String]) -> [Vec<String>; 2] {
        let strs = || arns.iter().map(String::as_str);
        [read_policy_documents(strs()), kept_documents(&[], strs())]
    }

    #[test]
    fn allows_only_read_actions_on_given_arns() {
        let policy = read_policy_json(["arn:b", "arn:a", "arn:b"]).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&policy).unwrap();
        assert_eq!(parsed["Version"], "2012-10-17");
        assert_eq!(resources_of(&policy), ["arn:a", "arn:b"]);
    }

    #[test]
    fn order_of_input_does_not_matter() {
        assert_eq!(read_policy_json(["x", "y"]), read_policy_json(["y", "x"]));
    }

    #[test]
    fn no_arns_is_no_document() {
        assert_eq!(read_policy_json([]), None);
        assert!(read_policy_documents([]).is_empty());
        assert!(kept_documents(&[], []).is_empty());
        assert_eq!(read_policy_size([]), 0);
    }

    #[test]
    fn computed_size_is_the_document_length_without_whitespace() {
        assert_eq!(document(&[], None).len(), EMPTY_DOCUMENT_SIZE);
        for n in [1, 2, 70, 300] {
            let arns = realistic_arns(n);
            let document = read_policy_json(arns.iter().map(String::as_str)).unwrap();
            assert!(!document.chars().any(char::is_whitespace));
            assert_eq!(
                read_policy_size(arns.iter().map(String::as_str)),
                document.len()
            );
        }
    }

    #[test]
    fn a_set_that_fits_is_one_document_equal_to_the_single_policy() {
        let fit = arns_that_fit(realistic_arns(500).iter().map(String::as_str));
        assert!(fit > 40 && fit < 100, "{fit}");
        // The exact edge: the largest prefix of the set that still fits.
        let mut arns = realistic_arns(fit + 5);
        while read_policy_size(arns.iter().map(String::as_str)) > MANAGED_POLICY_LIMIT {
            arns.pop();
        }
        let size = read_policy_size(arns.iter().map(String::as_str));
        assert!(size <= MANAGED_POLICY_LIMIT && size > MANAGED_POLICY_LIMIT - 120);
        for documents in both_splits(&arns) {
            assert_eq!(
                documents,
                [read_policy_json(arns.iter().map(String::as_str)).unwrap()]
            );
        }
        // One more ARN crosses the limit: two documents.
        let mut more = arns.clone();
        more.push(realistic_arns(fit + 6).pop().unwrap());
        assert!(read_policy_size(more.iter().map(String::as_str)) > MANAGED_POLICY_LIMIT);
        for documents in both_splits(&more) {
            assert_eq!(documents.len(), 2);
        }
    }

    /// Names as a platform team writes them (`app/prod/SERVICE_NAME_KEY`,
    /// 15 to 45 characters) with the ARNs Secrets Manager gives them in
    /// us-east-1 of a 12-digit account: `count` distinct ARNs, the same
    /// ones for the same seed.
    pub fn platform_arns(count: usize, seed: u64) -> Vec<String> {
        const APPS: [&str; 8] = [
            "app", "billing", "search", "checkout", "auth", "ml", "web", "api",
        ];
        const ENVS: [&str; 3] = ["prod", "stage", "dev"];
        const SERVICES: [&str; 8] = [
            "PAYMENTS",
            "USERS",
            "ORDERS",
            "INVENTORY",
            "MAILER",
            "REPORTS",
            "GATEWAY",
            "DB",
        ];
        const KEYS: [&str; 6] = ["KEY", "PASSWORD", "TOKEN", "SECRET", "DSN", "API_KEY"];
        const SUFFIX: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut names = BTreeSet::new();
        while names.len() < count {
            let name = format!(
                "{}/{}/{}_{}{}",
                APPS[rng.usize(..APPS.len())],
                ENVS[rng.usize(..ENVS.len())],
                SERVICES[rng.usize(..SERVICES.len())],
                KEYS[rng.usize(..KEYS.len())],
                rng.usize(..100_000)
            );
            if (15..=45).contains(&name.len()) {
                names.insert(name);
            }
        }
        names
            .into_iter()
            .map(|name| {
                let suffix: String = (0..6)
                    .map(|_| SUFFIX[rng.usize(..SUFFIX.len())] as char)
                    .collect();
                format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-{suffix}")
            })
            .collect()
    }

    /// Fewer documents than this cannot hold the ARNs, however they are
    /// packed.
    pub fn minimum_documents(arns: &[String]) -> usize {
        let unique = sorted_unique(arns.iter().map(String::as_str));
        let cost: usize = unique.into_iter().map(arn_cost).sum();
        cost.div_ceil(BUDGET)
    }

    #[test]
    fn platform_names_are_shaped_as_promised() {
        let arns = platform_arns(1_000, 1);
        assert_eq!(arns.iter().collect::<BTreeSet<_>>().len(), 1_000);
        for arn in &arns {
            assert_eq!(crate::provider::arn::secret_arn_problem(arn), None, "{arn}");
            let name =
                &arn["arn:aws:secretsmanager:us-east-1:123456789012:secret:".len()..arn.len() - 7];
            assert!((15..=45).contains(&name.len()), "{name}");
        }
    }

    /// The closing figures, asserted: documents against the minimum at
    /// 100, 1,000 and 10,000 names (`cargo test document_figures --
    /// --nocapture` prints them).
    /// non-empty list of distinct, complete secret ARNs (the resource type
    /// both actions apply to; no wildcard, no partial ARN), and nothing else:
    /// no Condition, NotAction, NotResource or Principal.
    pub fn lint(document: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if document.len() > MANAGED_POLICY_LIMIT {
            problems.push(format!("{} characters", document.len()));
        }
        let parsed: serde_json::Value = match serde_json::from_str(document) {
            Ok(parsed) => parsed,
            Err(e) => return vec![format!("not JSON: {e}")],
        };
        // Nothing in these documents is whitespace but formatting.
        if document.chars().any(char::is_whitespace) {
            problems.push("not compact JSON".to_owned());
        }
        let keys = |v: &serde_json::Value| -> BTreeSet<String> {
            v.as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        if keys(&parsed) != BTreeSet::from(["Version".to_owned(), "Statement".to_owned()]) {
            problems.push(format!("top-level keys {:?}", keys(&parsed)));
        }
        if parsed["Version"] != "2012-10-17" {
            problems.push(format!("Version {}", parsed["Version"]));
        }
        let statements = parsed["Statement"].as_array().cloned().unwrap_or_default();
        if statements.len() != 1 {
            problems.push(format!("{} statements", statements.len()));
        }
        for statement in &statements {
            let expected: BTreeSet<String> = ["Sid", "Effect", "Action", "Resource"]
                .map(String::from)
                .into();
            if keys(statement) != expected {
                problems.push(format!("statement keys {:?}", keys(statement)));
            }
            let sid = statement["Sid"].as_str().unwrap_or_default();
            if sid.is_empty() || !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
                problems.push(format!("Sid {sid:?}"));
            }
            if statement["Effect"] != "Allow" {
                problems.push(format!("Effect {}", statement["Effect"]));
            }
            if statement["Action"] != serde_json::json!(ACTIONS) {
                problems.push(format!("Action {}", statement["Action"]));
            }
            let resources = statement["Resource"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if resources.is_empty() {
                problems.push("no Resource".to_owned());
            }
            let mut seen = BTreeSet::new();
            for resource in &resources {
                let Some(arn) = resource.as_str() else {
                    problems.push(format!("Resource {resource}"));
                    continue;
                };
                if let Some(problem) = crate::provider::arn::secret_arn_problem(arn) {
                    problems.push(format!("Resource {arn:?}: {problem}"));
                }
                if !seen.insert(arn) {
                    problems.push(format!("Resource {arn:?} twice"));
                }
            }
        }
        problems
    }

    fn grant(key: &str) -> KeyGrant {
        KeyGrant::new(
            [key.to_owned()],
            "secretsmanager.eu-central-1.amazonaws.com".into(),
        )
        .unwrap()
    }

    #[test]
    fn the_key_room_holds_the_longest_statement() {
        let longest = KeyGrant::new(
            [format!(
                "arn:aws-iso-b:kms:us-isob-southeast-1:123456789012:key/mrk-{}",
                "a".repeat(32)
            )],
            "secretsmanager.us-isob-southeast-1.amazonaws.com.cn".into(),
        )
        .unwrap();
        assert!(longest.room() <= KeyGrant::ROOM, "{}", longest.room());
        assert!(longest.room() + 40 > KeyGrant::ROOM, "not far too generous");
    }

    #[test]
    fn a_key_statement_is_in_every_document_and_each_still_fits() {
        let key = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let arns = realistic_arns(600);
        let strs = || arns.iter().map(String::as_str);
        let kept = keyed_kept_documents(&[], strs(), Some(&grant(key)), true);
        let split = keyed_policy_documents(strs(), Some(&grant(key)));
        for document in kept.iter().chain(&split) {
            assert!(document.len() <= MANAGED_POLICY_LIMIT, "{}", document.len());
            let parsed: serde_json::Value = serde_json::from_str(document).unwrap();
            let statement = &parsed["Statement"][1];
            assert_eq!(statement["Action"], "kms:Decrypt");
            assert_eq!(statement["Resource"], key);
            assert_eq!(
                statement["Condition"]["StringEquals"]["kms:ViaService"],
                "secretsmanager.eu-central-1.amazonaws.com"
            );
            assert_eq!(KeyGrant::of_document(document), Some(grant(key)));
        }
        assert!(kept.len() > kept_documents(&[], strs()).len() - 1);
        assert!(KeyGrant::of_document(&kept_documents(&[], strs())[0]).is_none());
    }

    #[test]
    fn another_key_keeps_every_secret_in_its_document() {
        let arns = realistic_arns(400);
        let strs = || arns.iter().map(String::as_str);
        let first = grant("arn:aws:kms:eu-central-1:123456789012:key/k1");
        let second = grant("arn:aws:kms:eu-central-1:123456789012:key/another-longer-key-2");
        let before = keyed_kept_documents(&[], strs(), Some(&first), true);
        let after = keyed_kept_documents(&before, strs(), Some(&second), true);
        let unknown_yet = keyed_kept_documents(&before, strs(), None, true);
        assert_eq!(before.len(), after.len());
        assert_eq!(
            before.len(),
            unknown_yet.len(),
            "the count never needs the key"
        );
        let resources = |d: &String| {
            let parsed: serde_json::Value = serde_json::from_str(d).unwrap();
            parsed["Statement"][0]["Resource"].clone()
        };
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(resources(b), resources(a));
        }
    }

    #[test]
    fn every_document_passes_the_lint() {
        for (count, seed) in [(1, 4), (70, 5), (100, 1), (1_000, 2), (10_000, 3)] {
            let arns = platform_arns(count, seed);
            let single = read_policy_json(arns.iter().map(String::as_str)).unwrap();
            for mut documents in both_splits(&arns) {
                if documents.len() == 1 {
                    assert_eq!(documents[0], single);
                }
                documents.push(single.clone());
                for document in documents.iter().filter(|d| d.len() <= MANAGED_POLICY_LIMIT) {
                    assert_eq!(lint(document), Vec::<String>::new(), "{count} names");
                }
            }
        }
        // The lint can fail: a wildcard, a partial ARN, an extra key.
        let wildcard = document(
            &["arn:aws:secretsmanager:us-east-1:123456789012:secret:app/*"],
            None,
        );
        assert!(lint(&wildcard)[0].contains("has a wildcard"));
        let partial = document(
            &["arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db"],
            None,
        );
        assert!(lint(&partial)[0].contains("lacks the suffix"));
        let widened =
            read_policy_json(["arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf"])
                .unwrap()
                .replace("\"Effect\"", "\"Condition\":{},\"Effect\"");
        assert!(lint(&widened)[0].starts_with("statement keys"));
    }

    /// Long names, as the acceptance tests make them: a per-run prefix,
    /// then `team-N/production/service-NNN/DATABASE_PASSWORD`.
    pub fn long_arns(count: usize, prefix: &str) -> Vec<String> {
        (0..count)
            .map(|i| {
                format!(
                    "arn:aws:secretsmanager:us-east-1:000000000000:secret:{prefix}-team-{}/production/service-{i:03}/DATABASE_PASSWORD-AbC{:03}",
                    i % 7,
                    i % 1_000
                )
            })
            .collect()
    }

    /// Sets of every size, not tuned to three sizes or one name shape:
    /// short names from 250 to 12,000 and long ones (about 140 characters
    /// per ARN) under six prefixes from 150 to 1,500.
    pub fn varied_sets() -> Vec<Vec<String>> {
        let mut short = platform_arns(12_000, 77);
        fastrand::Rng::with_seed(5).shuffle(&mut short);
        let mut sets: Vec<Vec<String>> = (250..=3_000)
            .step_by(125)
            .chain([4_000, 6_000, 8_000, 12_000])
            .map(|count| short[..count].to_vec())
            .collect();
        for prefix in 0..6 {
            for count in (150..=1_500).step_by(75) {
                sets.push(long_arns(count, &format!("p{prefix}")));
            }
        }
        sets
    }
}
