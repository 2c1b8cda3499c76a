//! The data source's split: documents that depend only on the set of ARNs,
//! since a data source has no history to keep documents from.

use sha2::{Digest, Sha256};

use super::{arn_cost, document, sorted_unique, KeyGrant, BUDGET};

/// The same grant as [`super::read_policy_json`] in documents that each fit
/// [`super::MANAGED_POLICY_LIMIT`]; empty for no ARNs. When everything fits
/// in one document, that document is exactly `read_policy_json`'s.
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
    keyed_policy_documents(arns, None)
}

/// [`read_policy_documents`] with `key`'s statement in every document
/// (each keeps room for it).
pub fn keyed_policy_documents<'a>(
    arns: impl IntoIterator<Item = &'a str>,
    key: Option<&KeyGrant>,
) -> Vec<String> {
    let entries = entries(arns);
    let budget = BUDGET - key.map_or(0, KeyGrant::room);
    split(&entries, budget)
        .into_iter()
        .map(|group| {
            let mut resources: Vec<&str> = group.iter().map(|e| e.arn).collect();
            resources.sort_unstable();
            document(&resources, key)
        })
        .collect()
}

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
            cost: arn_cost(arn),
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
fn split<'e, 'a>(entries: &'e [Entry<'a>], budget: usize) -> Vec<&'e [Entry<'a>]> {
    let mut documents = Vec::new();
    split_units(entries, 0, budget, &mut documents);
    documents
}

fn cost(entries: &[Entry]) -> usize {
    entries.iter().map(|e| e.cost).sum()
}

/// `entries` share their first `depth` hash bits: one unit if small
/// enough, otherwise its two halves by the next bit, lower first.
fn split_units<'e, 'a>(
    entries: &'e [Entry<'a>],
    depth: u32,
    budget: usize,
    documents: &mut Vec<&'e [Entry<'a>]>,
) {
    if entries.is_empty() {
        return;
    }
    let middle = middle(entries, depth);
    if cost(entries) <= UNIT_DOCUMENTS * budget || entries.len() == 1 {
        lay_out_unit(entries, middle, budget, documents);
        return;
    }
    let (low, high) = entries.split_at(middle);
    split_units(low, depth + 1, budget, documents);
    split_units(high, depth + 1, budget, documents);
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
    budget: usize,
    documents: &mut Vec<&'e [Entry<'a>]>,
) {
    let (low, high) = entries.split_at(middle);
    let mut lows = cut_from_edge(low, false, budget);
    let mut highs = cut_from_edge(high, true, budget);
    highs.reverse();
    // The partly filled documents on either side of the middle share one
    // when they fit together.
    if let (Some(&l), Some(&h)) = (lows.last(), highs.first()) {
        if cost(&entries[middle - l..middle + h]) <= budget {
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
fn cut_from_edge(entries: &[Entry], backwards: bool, budget: usize) -> Vec<usize> {
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
        while end < count && (end == start || size + at(end).cost <= budget) {
            size += at(end).cost;
            end += 1;
            let candidate = at(end - 1).cut;
            if size * 100 >= CUT_FROM_PERCENT * budget
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::policy::tests::{
        minimum_documents, platform_arns, realistic_arns, resources_of, varied_sets,
    };
    use crate::provider::policy::MANAGED_POLICY_LIMIT;
    use std::collections::BTreeSet;

    fn documents_for(arns: &[String]) -> Vec<String> {
        read_policy_documents(arns.iter().map(String::as_str))
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
    fn document_figures() {
        for (count, seed) in [(100, 1), (1_000, 2), (10_000, 3)] {
            let arns = platform_arns(count, seed);
            let documents = documents_for(&arns);
            let sizes: Vec<usize> = documents.iter().map(String::len).collect();
            let minimum = minimum_documents(&arns);
            println!(
                "data source, {count} names: {} documents, minimum {minimum} ({:.2}x), sizes {}..{} (mean {})",
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

    /// Wherever at least four documents are needed (one more is then
    /// 1.25x), never more than 1.25x the minimum. Below four, a minimum of
    /// two or three leaves no room for any slack: 190 of the short names,
    /// minimum 3, take 4.
    #[test]
    fn within_a_quarter_of_the_minimum_at_every_size() {
        for arns in varied_sets() {
            let minimum = minimum_documents(&arns);
            if minimum < 4 {
                continue;
            }
            let documents = split(&entries(arns.iter().map(String::as_str)), BUDGET).len();
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
        split(entries, BUDGET)
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

    /// What the data source's description promises: a single added or
    /// removed name usually (at least 90% of the time) changes at most two
    /// documents, over many random ones at each size. Only the resource's
    /// kept documents guarantee it.
    #[test]
    fn one_name_usually_changes_at_most_two_documents() {
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
                "data source, {count} names, {total} single changes: documents changed -> times {histogram:?}"
            );
            assert!(at_most_two * 10 >= total * 9, "{histogram:?}");
        }
    }
}
