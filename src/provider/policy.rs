//! The least-privilege read policy for application roles: one document for
//! a set of secret ARNs, or the same grant split into documents that each
//! fit IAM's managed-policy size limit.
//!
//! Every document allows exactly [`ACTIONS`] on exact ARNs: no wildcard, no
//! condition. The JSON is compact (no whitespace), so its length is the
//! size IAM counts.
//!
//! Splitting is by hash prefix (extendible hashing): all ARNs start in one
//! bucket; a bucket whose document is too large splits in two by the next
//! bit of each ARN's SHA-256. The split of a set therefore depends only on
//! the set, and adding an ARN changes only the one document it lands in (or
//! splits that document in two); the others keep their exact text. The
//! price is fill: buckets hold about 70% of what fits, so a large set needs
//! about 1.4 times the minimum number of documents.

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

pub const READ_POLICY_DOCUMENTS_DESCRIPTION: &str = "The grant of `read_policy_json` split into as few policy documents as the split allows, each within IAM's 6,144-character managed-policy limit, for attaching as several managed policies. Each ARN is in exactly one document; documents are assigned by a hash of the ARN, so the split depends only on the set of secrets and adding a secret changes only the document it lands in (or splits that one in two). When everything fits in one document, the list is `[read_policy_json]`; with no secrets it is empty.";

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

/// The same grant as [`read_policy_json`] in as few documents as the
/// hash-prefix split allows, each within [`MANAGED_POLICY_LIMIT`]; empty for
/// no ARNs. When everything fits in one document, that document is exactly
/// [`read_policy_json`]'s.
pub fn read_policy_documents<'a>(arns: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut hashed: Vec<Hashed> = sorted_unique(arns)
        .into_iter()
        .map(|arn| (arn_hash(arn), arn, quoted_len(arn)))
        .collect();
    hashed.sort_unstable();
    let mut documents = Vec::new();
    split(&hashed, 0, &mut documents);
    documents
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

/// An ARN with its hash and its length as a JSON string.
type Hashed<'a> = (u64, &'a str, usize);

/// `hashed` is sorted by hash and shares its first `depth` bits: one
/// document if it fits, otherwise the two halves by the next bit, lower
/// first.
fn split(hashed: &[Hashed], depth: u32, documents: &mut Vec<String>) {
    if hashed.is_empty() {
        return;
    }
    let quoted: usize = hashed.iter().map(|(_, _, len)| len).sum();
    let size = EMPTY_DOCUMENT_SIZE + quoted + hashed.len() - 1;
    if size <= MANAGED_POLICY_LIMIT || hashed.len() == 1 {
        let mut resources: Vec<&str> = hashed.iter().map(|(_, arn, _)| *arn).collect();
        resources.sort_unstable();
        documents.push(document(&resources));
        return;
    }
    let (low, high) = if depth < u64::BITS {
        let bit = 1u64 << (u64::BITS - 1 - depth);
        let at = hashed.partition_point(|(hash, _, _)| hash & bit == 0);
        hashed.split_at(at)
    } else {
        // Equal 64-bit prefixes: split the (sorted) rest in halves.
        hashed.split_at(hashed.len() / 2)
    };
    split(low, depth + 1, documents);
    split(high, depth + 1, documents);
}

fn sorted_unique<'a>(arns: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut resources: Vec<&str> = arns.into_iter().collect();
    resources.sort_unstable();
    resources.dedup();
    resources
}

/// The first 64 bits of the ARN's SHA-256: fixed across releases and
/// platforms, so documents never move because the provider was upgraded.
fn arn_hash(arn: &str) -> u64 {
    let digest = Sha256::digest(arn.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("SHA-256 has 32 bytes"))
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

    #[test]
    fn adding_one_arn_changes_one_document_at_most_by_splitting_it() {
        let arns = realistic_arns(1_000);
        let before: BTreeSet<String> = documents_for(&arns).into_iter().collect();
        for extra in realistic_arns(1_020).into_iter().skip(1_000) {
            let mut more = arns.clone();
            more.push(extra.clone());
            let after: BTreeSet<String> = documents_for(&more).into_iter().collect();
            let removed: Vec<_> = before.difference(&after).collect();
            let added: Vec<_> = after.difference(&before).collect();
            assert_eq!(removed.len(), 1, "exactly one document changes");
            assert!((1..=2).contains(&added.len()));
            assert!(added.iter().any(|d| d.contains(&extra)));
        }
    }

    #[test]
    fn fewer_documents_than_twice_the_minimum() {
        let arns = realistic_arns(3_000);
        let total = read_policy_size(arns.iter().map(String::as_str));
        let minimum = total.div_ceil(MANAGED_POLICY_LIMIT - EMPTY_DOCUMENT_SIZE);
        let count = documents_for(&arns).len();
        assert!(
            count >= minimum && count < 2 * minimum,
            "{count} vs {minimum}"
        );
    }

    /// The closing figures: document count and sizes at three scales
    /// (`cargo test document_figures -- --nocapture`).
    #[test]
    fn document_figures() {
        for n in [100, 1_000, 10_000] {
            let arns = realistic_arns(n);
            let documents = documents_for(&arns);
            let sizes: Vec<usize> = documents.iter().map(String::len).collect();
            let single = read_policy_size(arns.iter().map(String::as_str));
            println!(
                "{n} names: read_policy_json {single} chars; {} documents, sizes {}..{} (mean {})",
                documents.len(),
                sizes.iter().min().unwrap(),
                sizes.iter().max().unwrap(),
                sizes.iter().sum::<usize>() / sizes.len()
            );
            assert!(sizes.iter().all(|s| *s <= MANAGED_POLICY_LIMIT));
        }
    }
}
