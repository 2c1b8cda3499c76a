//! Which of many names are taken, found with a few ListSecrets queries by
//! the names' shared prefixes instead of one DescribeSecret per name.
//!
//! A create checks every name before it writes (see `apply::create`). One
//! DescribeSecret per name is one request per name, as many as the creates
//! themselves; a listing by shared prefixes answers for hundreds of names in
//! a page or two. What the listing finds is then described and judged as
//! before. A name it does not find is created, and a CreateSecret that
//! meets a secret after all (AWS's ListSecrets can lag writes by minutes)
//! judges what it met, as every create does: nothing is ever taken on the
//! listing's word, the listing only spares requests.
//!
//! Few names, a listing AWS refuses (no `secretsmanager:ListSecrets`) or
//! fails, or one that would page through more unrelated secrets than
//! describing costs: one DescribeSecret per name, as before.

use std::collections::BTreeSet;

use futures::future::join_all;

use crate::provider::batch::MAX_IN_FLIGHT;
use crate::provider::secrets::{list_at_most, ListFilter, SecretsApi, NAME_PREFIXES_PER_QUERY};
use crate::tf::stop::StopSignal;

/// Up to this many names, describing each takes at most two rounds of
/// concurrent requests: no listing.
pub const LISTING_FROM: usize = 2 * MAX_IN_FLIGHT + 1;

/// Queries per listing; their prefixes are as specific as this allows.
const QUERIES: usize = 4;

/// A listing may cost at most this share of the DescribeSecret requests it
/// replaces, in pages (one request each).
const PAGES_PER_NAME: f64 = 0.1;

/// The names among `names` that exist (live or scheduled for deletion), as
/// far as ListSecrets tells; `None` when the names must be described one by
/// one instead (see the module docs).
pub async fn listed(
    api: &dyn SecretsApi,
    stop: &StopSignal,
    names: &[String],
) -> Option<BTreeSet<String>> {
    if names.len() < LISTING_FROM {
        return None;
    }
    let wanted: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let prefixes = covering_prefixes(&wanted, QUERIES * NAME_PREFIXES_PER_QUERY);
    let queries: Vec<ListFilter> = prefixes
        .chunks(NAME_PREFIXES_PER_QUERY)
        .map(|chunk| ListFilter {
            name_prefixes: chunk.to_vec(),
            include_scheduled: true,
            ..ListFilter::default()
        })
        .collect();
    let budget = ((names.len() as f64 * PAGES_PER_NAME) as usize / queries.len()).max(1);
    let pages = join_all(
        queries
            .iter()
            .map(|query| list_at_most(api, query, stop, budget)),
    )
    .await;
    let mut taken = BTreeSet::new();
    for listed in pages {
        match listed {
            Ok(secrets) => taken.extend(
                secrets
                    .into_iter()
                    .map(|secret| secret.name)
                    .filter(|name| wanted.contains(name.as_str())),
            ),
            Err(error) => {
                tracing::debug!(%error, "listing the names to create failed; describing each instead");
                return None;
            }
        }
    }
    Some(taken)
}

/// At most `max` prefixes that together match every name, each as long as
/// that allows: the names' longest common prefix (one per first character
/// when there is none), then, while the count stays within `max`, the
/// shortest prefix is replaced by the prefixes of its names grouped by the
/// character after it. Longer prefixes match fewer unrelated secrets.
fn covering_prefixes(names: &BTreeSet<&str>, max: usize) -> Vec<String> {
    let all: Vec<&str> = names.iter().copied().collect();
    let mut groups = match Group::of(&all) {
        Some(group) if !group.prefix.is_empty() => vec![group],
        _ => Group::split(&all, 0),
    };
    while let Some(at) = shortest_splittable(&groups) {
        let parts = Group::split(&groups[at].names, groups[at].prefix.len());
        if groups.len() - 1 + parts.len() > max {
            break;
        }
        groups.splice(at..=at, parts);
    }
    groups.into_iter().map(|g| g.prefix.to_owned()).collect()
}

/// Names (in name order) and their longest common prefix.
struct Group<'a> {
    prefix: &'a str,
    names: Vec<&'a str>,
}

impl<'a> Group<'a> {
    fn of(names: &[&'a str]) -> Option<Self> {
        let first = *names.first()?;
        let length = names.iter().fold(first.len(), |length, name| {
            first
                .bytes()
                .zip(name.bytes())
                .take(length)
                .take_while(|(a, b)| a == b)
                .count()
        });
        Some(Self {
            prefix: &first[..length],
            names: names.to_vec(),
        })
    }

    /// The names grouped by their byte at `depth` (a name that ends there
    /// is a group of its own). Names are ASCII, so every byte is a char.
    fn split(names: &[&'a str], depth: usize) -> Vec<Self> {
        let mut groups = Vec::new();
        let mut start = 0;
        for end in 1..=names.len() {
            let boundary = end == names.len()
                || names[end].as_bytes().get(depth) != names[start].as_bytes().get(depth);
            if boundary {
                groups.extend(Self::of(&names[start..end]));
                start = end;
            }
        }
        groups
    }
}

/// The group with the shortest prefix that more than one name shares.
fn shortest_splittable(groups: &[Group]) -> Option<usize> {
    (0..groups.len())
        .filter(|&i| groups[i].names.len() > 1)
        .min_by_key(|&i| groups[i].prefix.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::secrets::fake::FakeSecrets;
    use std::collections::BTreeMap;

    fn cover(names: &[&str], max: usize) -> Vec<String> {
        covering_prefixes(&names.iter().copied().collect(), max)
    }

    fn assert_covers(prefixes: &[String], names: &[&str]) {
        for name in names {
            assert!(
                prefixes.iter().any(|p| name.starts_with(p.as_str())),
                "{name} is not covered by {prefixes:?}"
            );
        }
        assert!(prefixes.iter().all(|p| !p.is_empty()), "{prefixes:?}");
    }

    #[test]
    fn a_shared_prefix_is_one_query_and_splits_while_the_budget_allows() {
        let names = ["app/prod/A", "app/prod/B", "app/stage/A", "app/stage/B"];
        assert_eq!(cover(&names, 1), vec!["app/"]);
        assert_eq!(cover(&names, 2), vec!["app/prod/", "app/stage/"]);
        assert_eq!(
            cover(&names, 4),
            vec!["app/prod/A", "app/prod/B", "app/stage/A", "app/stage/B"]
        );
    }

    #[test]
    fn names_without_a_shared_prefix_start_from_their_first_characters() {
        let names = ["alpha/1", "alpha/2", "beta", "gamma/x", "gamma/y"];
        let prefixes = cover(&names, 3);
        assert_eq!(prefixes, vec!["alpha/", "beta", "gamma/"]);
        assert_covers(&prefixes, &names);
    }

    #[test]
    fn a_name_that_prefixes_another_stays_covered() {
        let names = ["a/b", "a/bc", "a/bd"];
        for max in 1..=4 {
            assert_covers(&cover(&names, max), &names);
        }
        assert_eq!(cover(&names, 3), vec!["a/b", "a/bc", "a/bd"]);
    }

    #[test]
    fn never_more_than_the_budget_unless_first_characters_need_it() {
        let names: Vec<String> = (0..1000).map(|i| format!("svc{}/key{i}", i % 37)).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        for max in [1, 10, 40] {
            let prefixes = cover(&names, max);
            assert!(prefixes.len() <= max, "{max}: {}", prefixes.len());
            assert_covers(&prefixes, &names);
        }
    }

    fn names(prefix: &str, count: usize) -> Vec<String> {
        (0..count).map(|i| format!("{prefix}{i:04}")).collect()
    }

    #[tokio::test]
    async fn finds_exactly_the_existing_names_scheduled_ones_too() {
        let fake = FakeSecrets::new();
        let wanted = names("team/app/", 100);
        fake.insert(&wanted[3], BTreeMap::new(), false);
        fake.insert(&wanted[70], BTreeMap::new(), true);
        fake.insert("team/app/other", BTreeMap::new(), false);
        fake.insert("elsewhere/0003", BTreeMap::new(), false);
        let found = listed(&fake, &StopSignal::never(), &wanted).await;
        assert_eq!(
            found,
            Some(BTreeSet::from([wanted[3].clone(), wanted[70].clone()]))
        );
        let calls = fake.calls();
        assert!(
            calls.iter().all(|c| c.starts_with("ListSecrets")),
            "{calls:?}"
        );
        assert!(calls.len() <= QUERIES, "{calls:?}");
    }

    #[tokio::test]
    async fn few_names_are_described_instead() {
        let fake = FakeSecrets::new();
        let few = names("a/", LISTING_FROM - 1);
        assert_eq!(listed(&fake, &StopSignal::never(), &few).await, None);
        assert!(fake.calls().is_empty());
    }

    #[tokio::test]
    async fn a_refused_listing_falls_back_to_describing() {
        let fake = FakeSecrets::new();
        fake.deny_listing();
        let wanted = names("a/", 100);
        assert_eq!(listed(&fake, &StopSignal::never(), &wanted).await, None);
    }

    #[tokio::test]
    async fn a_listing_dearer_than_describing_falls_back() {
        let fake = FakeSecrets::new();
        // 100 names may cost 10 pages of 100; 2,000 unrelated secrets
        // under one of the names would take 20.
        let wanted = names("a/y", 100);
        for other in names(&format!("{}/", wanted[1]), 2000) {
            fake.insert(&other, BTreeMap::new(), false);
        }
        assert_eq!(listed(&fake, &StopSignal::never(), &wanted).await, None);
        let pages = fake.calls().len();
        assert!(pages <= 10, "{pages} pages");
    }
}
