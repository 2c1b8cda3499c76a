//! The least-privilege read policy for application roles: one document for
//! a set of secret ARNs, or the same grant split into documents that each
//! fit IAM's managed-policy size limit.
//!
//! Every document allows exactly [`ACTIONS`] on exact ARNs: no wildcard, no
//! condition. The JSON is compact (no whitespace), so its length is the
//! size IAM counts.
//!
//! Splitting (see [`read_policy_documents`]) aims at two things at once:
//! few documents, because a role attaches at most 20 managed policies, and
//! stability, because every document that changes is a policy update.

use sha2::{Digest, Sha256};

use crate::tf::value::Value;

/// What an application needs to read its secrets, and nothing more.
const ACTIONS: [&str; 2] = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
];

/// The descriptions of the attributes every consumer of [`policy_values`]
/// offers (the resource and the data source).
pub const READ_POLICY_JSON_DESCRIPTION: &str = "Least-privilege IAM policy document allowing `secretsmanager:GetSecretValue` and `secretsmanager:DescribeSecret` on exactly these secrets (exact ARNs, no wildcard, no condition), for application roles. Null when there are no secrets. IAM refuses a managed policy over 6,144 characters, which 40 to 70 ARNs reach, depending on the names' length: above that, use `read_policy_documents` or per-application policies (`provider::planton::read_policy_json`).";

pub const READ_POLICY_DOCUMENTS_DESCRIPTION: &str = "The grant of `read_policy_json` split into policy documents that each fit IAM's 6,144-character managed-policy limit, for attaching as several managed policies. Close to the fewest possible: within 1.25 times the minimum from a few hundred secrets on (1,000 typical names take 17 documents where at least 16 are needed). Each ARN is in exactly one document, and the split depends only on the set of secrets: ARNs are placed by a hash, so adding or removing a secret usually rewrites only the document it lands in, sometimes one or two beside it. When everything fits in one document, the list is `[read_policy_json]`; with no secrets it is empty.";

/// IAM's limit for one customer managed policy, in characters not counting
/// whitespace.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;

/// The grant on exactly these ARNs as one document, `None` for no ARNs (a
/// statement with an empty `Resource` is not a valid policy). Order and
/// duplicates in the input do not matter.
pub fn read_policy_json<'a>(arns: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let resources = sorted_unique(arns);
    (!resources.is_empty()).then(|| document(&resources))
}

/// The same grant as [`read_policy_json`] in documents that each fit
/// [`MANAGED_POLICY_LIMIT`]; empty for no ARNs. When everything fits in one
/// document, that document is exactly [`read_policy_json`]'s.
///
/// The split depends only on the set of ARNs. They are ordered by a hash
/// (so names that sort together spread out and a group of related names
/// does not crowd one document), then grouped into *units*: the largest
/// hash-prefix groups that hold at most [`UNIT_DOCUMENTS`] documents' worth
/// of ARNs, as in extendible hashing. Each unit is cut into documents from
/// both of its ends toward its middle (the next bit of the hash); a cut
/// falls where a document is at least [`CUT_FROM_PERCENT`]% full, at the ARN
/// with the lowest second hash among those that still fit, so a change
/// before it rarely moves it; the two documents left at the middle become
/// one when they fit together. A change therefore touches only its own
/// unit, usually the document it lands in and at most the documents
/// between it and its unit's middle; a unit that outgrows its size splits
/// into its two halves, which rewrites that unit's documents.
pub fn read_policy_documents<'a>(arns: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let entries = entries(arns);
    split(&entries)
        .into_iter()
        .map(|group| {
            let mut resources: Vec<&str> = group.iter().map(|e| e.arn).collect();
            resources.sort_unstable();
            document(&resources)
        })
        .collect()
}

/// `read_policy_json` (null for no ARNs) and `read_policy_documents` as the
/// attribute values every consumer of these ARNs records.
pub fn policy_values<'a>(arns: impl IntoIterator<Item = &'a String> + Clone) -> (Value, Value) {
    let strs = || arns.clone().into_iter().map(String::as_str);
    let policy = read_policy_json(strs()).map_or(Value::Null, Value::String);
    let documents = read_policy_documents(strs())
        .into_iter()
        .map(Value::String)
        .collect();
    (policy, Value::List(documents))
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

/// A unit holds at most this many full documents' worth of ARNs. Larger
/// units waste less (one partly filled document per unit) but a change
/// moves more documents between it and the unit's middle.
const UNIT_DOCUMENTS: usize = 7;

/// A document is cut once it holds at least this share of [`BUDGET`].
const CUT_FROM_PERCENT: usize = 90;

/// An ARN placed by its hash: `order` sorts, `cut` picks cut points, `cost`
/// is what it adds to a document.
#[derive(Clone, Debug)]
struct Entry<'a> {
    order: u64,
    cut: u64,
    arn: &'a str,
    cost: usize,
}

impl<'a> Entry<'a> {
    fn new(arn: &'a str) -> Self {
        let digest = Sha256::digest(arn.as_bytes());
        let word = |at: usize| {
            u64::from_be_bytes(digest[at..at + 8].try_into().expect("SHA-256 has 32 bytes"))
        };
        Self {
            order: word(0),
            cut: word(8),
            arn,
            cost: quoted_len(arn) + 1,
        }
    }
}

/// The distinct ARNs in hash order. SHA-256 is fixed across releases and
/// platforms, so documents never move because the provider was upgraded.
fn entries<'a>(arns: impl IntoIterator<Item = &'a str>) -> Vec<Entry<'a>> {
    let mut entries: Vec<Entry> = sorted_unique(arns).into_iter().map(Entry::new).collect();
    entries.sort_unstable_by(|a, b| (a.order, a.arn).cmp(&(b.order, b.arn)));
    entries
}

/// The documents of `entries` (in hash order) as consecutive runs.
fn split<'e, 'a>(entries: &'e [Entry<'a>]) -> Vec<&'e [Entry<'a>]> {
    let mut documents = Vec::new();
    split_units(entries, 0, &mut documents);
    documents
}

fn cost(entries: &[Entry]) -> usize {
    entries.iter().map(|e| e.cost).sum()
}

/// `entries` share their first `depth` hash bits: one unit if small
/// enough, otherwise its two halves by the next bit, lower first.
fn split_units<'e, 'a>(entries: &'e [Entry<'a>], depth: u32, documents: &mut Vec<&'e [Entry<'a>]>) {
    if entries.is_empty() {
        return;
    }
    let middle = middle(entries, depth);
    if cost(entries) <= UNIT_DOCUMENTS * BUDGET || entries.len() == 1 {
        lay_out_unit(entries, middle, documents);
        return;
    }
    let (low, high) = entries.split_at(middle);
    split_units(low, depth + 1, documents);
    split_units(high, depth + 1, documents);
}

/// Where the next hash bit turns to 1; equal 64-bit hashes (never seen in
/// practice) split in halves.
fn middle(entries: &[Entry], depth: u32) -> usize {
    if depth < u64::BITS {
        let bit = 1u64 << (u64::BITS - 1 - depth);
        entries.partition_point(|e| e.order & bit == 0)
    } else {
        entries.len() / 2
    }
}

/// Cuts one unit into documents from both ends toward `middle`.
fn lay_out_unit<'e, 'a>(
    entries: &'e [Entry<'a>],
    middle: usize,
    documents: &mut Vec<&'e [Entry<'a>]>,
) {
    let (low, high) = entries.split_at(middle);
    let mut lows = cut_from_edge(low, false);
    let mut highs = cut_from_edge(high, true);
    highs.reverse();
    // The partly filled documents on either side of the middle share one
    // when they fit together.
    if let (Some(&l), Some(&h)) = (lows.last(), highs.first()) {
        if cost(&entries[middle - l..middle + h]) <= BUDGET {
            lows.pop();
            highs[0] = l + h;
        }
    }
    let mut start = 0;
    for length in lows.into_iter().chain(highs) {
        documents.push(&entries[start..start + length]);
        start += length;
    }
}

/// The lengths of the documents cut from the start of `entries` (from its
/// end when `backwards`), in the order they are cut: each ends at the entry
/// with the lowest `cut` among those that bring it to [`CUT_FROM_PERCENT`]%
/// of the budget without passing it; what is left at the far end is one
/// document when it fits.
fn cut_from_edge(entries: &[Entry], backwards: bool) -> Vec<usize> {
    let count = entries.len();
    let at = |i: usize| {
        if backwards {
            &entries[count - 1 - i]
        } else {
            &entries[i]
        }
    };
    let mut lengths = Vec::new();
    let mut start = 0;
    while start < count {
        let mut size = 0;
        let mut end = start;
        let mut best: Option<(u64, usize)> = None;
        // Always at least one entry, so even an ARN over the budget (which
        // no secret name is long enough to make) ends up in a document.
        while end < count && (end == start || size + at(end).cost <= BUDGET) {
            size += at(end).cost;
            end += 1;
            let candidate = at(end - 1).cut;
            if size * 100 >= CUT_FROM_PERCENT * BUDGET
                && best.is_none_or(|(lowest, _)| candidate < lowest)
            {
                best = Some((candidate, end));
            }
        }
        let stop = if end == count {
            count
        } else {
            best.map_or(end, |(_, at)| at)
        };
        lengths.push(stop - start);
        start = stop;
    }
    lengths
}

fn sorted_unique<'a>(arns: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut resources: Vec<&str> = arns.into_iter().collect();
    resources.sort_unstable();
    resources.dedup();
    resources
}

fn document(resources: &[&str]) -> String {
    let statement = serde_json::json!({
        "Sid": "ReadPlantonSecrets",
        "Effect": "Allow",
        "Action": ACTIONS,
        "Resource": resources,
    });
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [statement],
    })
    .to_string()
}

/// The length of [`document`] for no resources at all.
const EMPTY_DOCUMENT_SIZE: usize = 173;

fn quoted_len(arn: &str) -> usize {
    serde_json::Value::from(arn).to_string().len()
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

    fn resources_of(document: &str) -> Vec<String> {
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

    fn documents_for(arns: &[String]) -> Vec<String> {
        read_policy_documents(arns.iter().map(String::as_str))
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
        assert_eq!(read_policy_size([]), 0);
    }

    #[test]
    fn computed_size_is_the_document_length_without_whitespace() {
        assert_eq!(document(&[]).len(), EMPTY_DOCUMENT_SIZE);
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
        let documents = documents_for(&arns);
        assert_eq!(
            documents,
            [read_policy_json(arns.iter().map(String::as_str)).unwrap()]
        );
        // One more ARN crosses the limit: two documents.
        let mut more = arns.clone();
        more.push(realistic_arns(fit + 6).pop().unwrap());
        assert!(read_policy_size(more.iter().map(String::as_str)) > MANAGED_POLICY_LIMIT);
        assert_eq!(documents_for(&more).len(), 2);
    }

    #[test]
    fn every_document_fits_and_the_union_is_exactly_the_arns() {
        for n in [71, 100, 1_000, 3_000] {
            let arns = realistic_arns(n);
            let documents = documents_for(&arns);
            let mut seen = BTreeSet::new();
            for document in &documents {
                assert!(document.len() <= MANAGED_POLICY_LIMIT, "{}", document.len());
                for arn in resources_of(document) {
                    assert!(seen.insert(arn), "an ARN in two documents");
                }
            }
            let expected: BTreeSet<String> = arns.iter().cloned().collect();
            assert_eq!(seen, expected);
        }
    }

    #[test]
    fn the_split_depends_only_on_the_set() {
        let arns = realistic_arns(1_000);
        let mut reversed = arns.clone();
        reversed.reverse();
        reversed.extend(arns.iter().take(10).cloned());
        assert_eq!(documents_for(&arns), documents_for(&reversed));
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
    fn minimum_documents(arns: &[String]) -> usize {
        cost(&entries(arns.iter().map(String::as_str))).div_ceil(BUDGET)
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
    #[test]
    fn document_figures() {
        for (count, seed) in [(100, 1), (1_000, 2), (10_000, 3)] {
            let arns = platform_arns(count, seed);
            let documents = documents_for(&arns);
            let sizes: Vec<usize> = documents.iter().map(String::len).collect();
            let minimum = minimum_documents(&arns);
            println!(
                "{count} names: {} documents, minimum {minimum} ({:.2}x), sizes {}..{} (mean {})",
                documents.len(),
                documents.len() as f64 / minimum as f64,
                sizes.iter().min().unwrap(),
                sizes.iter().max().unwrap(),
                sizes.iter().sum::<usize>() / sizes.len()
            );
            assert!(sizes.iter().all(|s| *s <= MANAGED_POLICY_LIMIT));
            assert!(
                documents.len() * 4 <= minimum * 5,
                "{count} names: {} documents for a minimum of {minimum}",
                documents.len()
            );
        }
    }

    /// What a policy linter (parliament's checks, as they apply to this
    /// shape of policy) would say about a document: it must be compact JSON
    /// within IAM's limit, Version 2012-10-17, one Allow statement with a
    /// plain Sid, exactly the two read actions (no wildcard action) and a
    /// non-empty list of distinct, complete secret ARNs (the resource type
    /// both actions apply to; no wildcard, no partial ARN), and nothing else:
    /// no Condition, NotAction, NotResource or Principal.
    fn lint(document: &str) -> Vec<String> {
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

    #[test]
    fn every_document_passes_the_lint() {
        for (count, seed) in [(1, 4), (70, 5), (100, 1), (1_000, 2), (10_000, 3)] {
            let arns = platform_arns(count, seed);
            let single = read_policy_json(arns.iter().map(String::as_str)).unwrap();
            let mut documents = documents_for(&arns);
            if documents.len() == 1 {
                assert_eq!(documents[0], single);
            }
            documents.push(single);
            for document in documents.iter().filter(|d| d.len() <= MANAGED_POLICY_LIMIT) {
                assert_eq!(lint(document), Vec::<String>::new(), "{count} names");
            }
        }
        // The lint can fail: a wildcard, a partial ARN, an extra key.
        let wildcard = document(&["arn:aws:secretsmanager:us-east-1:123456789012:secret:app/*"]);
        assert!(lint(&wildcard)[0].contains("has a wildcard"));
        let partial = document(&["arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db"]);
        assert!(lint(&partial)[0].contains("lacks the suffix"));
        let widened =
            read_policy_json(["arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf"])
                .unwrap()
                .replace("\"Effect\"", "\"Condition\":{},\"Effect\"");
        assert!(lint(&widened)[0].starts_with("statement keys"));
    }

    /// Long names, as the acceptance tests make them: a per-run prefix,
    /// then `team-N/production/service-NNN/DATABASE_PASSWORD`.
    fn long_arns(count: usize, prefix: &str) -> Vec<String> {
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

    /// Not tuned to three sizes or one name shape: wherever at least four
    /// documents are needed (one more is then 1.25x), never more than
    /// 1.25x the minimum, for short names from 250 to 12,000 and for long
    /// ones (about 140 characters per ARN) under six prefixes from 150 to
    /// 1,500. Below four, a minimum of two or three leaves no room for any
    /// slack: 190 of the short names, minimum 3, take 4.
    #[test]
    fn within_a_quarter_of_the_minimum_at_every_size() {
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
        for arns in sets {
            let minimum = minimum_documents(&arns);
            if minimum < 4 {
                continue;
            }
            let documents = split(&entries(arns.iter().map(String::as_str))).len();
            assert!(
                documents * 4 <= minimum * 5,
                "{} names like {}: {documents} documents for a minimum of {minimum}",
                arns.len(),
                arns[0]
            );
        }
    }

    /// The documents of a hash-ordered entry list, each named by what it
    /// holds (the sum and count of its entries' hashes), for comparing
    /// splits quickly.
    fn fingerprints(entries: &[Entry]) -> BTreeSet<(u128, usize)> {
        split(entries)
            .into_iter()
            .map(|group| {
                let sum = group.iter().map(|e| u128::from(e.order)).sum();
                (sum, group.len())
            })
            .collect()
    }

    /// How many documents one change rewrites: those that are gone or new.
    fn changed(before: &BTreeSet<(u128, usize)>, after: &BTreeSet<(u128, usize)>) -> usize {
        before
            .difference(after)
            .count()
            .max(after.difference(before).count())
    }

    /// The other closing figure: how many documents a single added or
    /// removed name changes, over many random ones at each size.
    #[test]
    fn one_name_added_or_removed_changes_few_documents() {
        for (count, seed, trials) in [(100, 11, 400), (1_000, 12, 1_000), (10_000, 13, 300)] {
            let arns = platform_arns(count + trials, seed);
            let (present, extra) = arns.split_at(count);
            let base = entries(present.iter().map(String::as_str));
            let before = fingerprints(&base);
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut histogram = std::collections::BTreeMap::new();
            for added in extra {
                let entry = Entry::new(added);
                let mut more = base.clone();
                let at = more.partition_point(|e| (e.order, e.arn) < (entry.order, entry.arn));
                more.insert(at, entry);
                *histogram
                    .entry(changed(&before, &fingerprints(&more)))
                    .or_insert(0) += 1;
                let mut fewer = base.clone();
                fewer.remove(rng.usize(..fewer.len()));
                *histogram
                    .entry(changed(&before, &fingerprints(&fewer)))
                    .or_insert(0) += 1;
            }
            let total: usize = histogram.values().sum();
            let at_most_two: usize = histogram.range(..=2).map(|(_, n)| n).sum();
            println!(
                "{count} names, {total} single changes: documents changed -> times {histogram:?}"
            );
            assert!(at_most_two * 10 >= total * 9, "{histogram:?}");
        }
    }
}
