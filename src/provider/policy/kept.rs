//! The resource's `read_policy_documents`, kept from one state to the next,
//! so that adding or removing one secret rewrites at most two documents and
//! no document moves to another index (users attach them with `count` and
//! `[count.index]`, so a shifted index would rewrite every policy after
//! it).
//!
//! The documents always satisfy this invariant:
//! - every document holds at least one ARN and fits ([`BUDGET`]);
//! - every document but the last holds at least [`CLOSED_MINIMUM`];
//! - with two documents or more, the last holds at least [`OPEN_MINIMUM`],
//!   and all of them together more than one document can hold (so a set
//!   that fits in one is one document, `read_policy_json`'s).
//!
//! Each added or removed ARN is one [`Layout::add`] or [`Layout::remove`],
//! which changes at most two documents, keeps the invariant and makes only
//! the last index appear or disappear. Two suffice because a closed
//! document that loses an ARN is still within one ARN's cost of
//! [`CLOSED_MINIMUM`], and the last document holds at least one ARN's cost:
//! together they always make one closed document, or a closed one and a
//! last one of at least [`OPEN_MINIMUM`].
//!
//! Recorded documents that are not exactly what this module writes, or that
//! break the invariant (state of an older build), are packed afresh: the
//! ARNs added one by one, in name order, to no documents. Name order keeps
//! a prefix's secrets together, so adding or removing an application's
//! secrets at once touches few documents.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use super::{arn_cost, document, KeyGrant, BUDGET};

/// The most one ARN costs: a 512-character name (Secrets Manager's limit)
/// in the longest partition and region names costs 592, under a tenth of
/// the budget (a test checks). A longer ARN still gets correct documents;
/// only the bound on changed documents would not hold for it.
const LONGEST_ARN_COST: usize = BUDGET / 10;

/// With two documents or more, the last holds at least this: as much as
/// any one ARN costs, so it can make up for an ARN a closed document loses.
const OPEN_MINIMUM: usize = LONGEST_ARN_COST;

/// Every document but the last holds at least this, 80% of the budget:
/// what is left of a full document after it gave the last one
/// [`OPEN_MINIMUM`] and one ARN more.
const CLOSED_MINIMUM: usize = BUDGET - OPEN_MINIMUM - LONGEST_ARN_COST;

/// A closed document that falls below this (90%) takes ARNs back from the
/// last one while that can spare them, so the set stays in few documents.
const REFILL_BELOW: usize = BUDGET - LONGEST_ARN_COST;

/// What a document may spend on ARNs, and the minimums that follow from
/// it: less than [`BUDGET`] when every document keeps room for a KMS
/// statement. The ARN bounds stay those of the whole budget.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Limits {
    budget: usize,
    closed_minimum: usize,
    refill_below: usize,
}

impl Limits {
    fn reserving(room: usize) -> Self {
        Self {
            budget: BUDGET - room,
            closed_minimum: CLOSED_MINIMUM - room,
            refill_below: REFILL_BELOW - room,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::reserving(0)
    }
}

/// The resource's documents for `arns`, kept from the `recorded` ones (the
/// prior state's): unchanged when the set is, otherwise changed one ARN at
/// a time (removals first, each in name order); packed afresh when the
/// recorded ones are unusable (see the module's documentation). Plan, apply
/// and refresh all call this with the prior state's documents, so a
/// planned value and the applied one agree.
pub fn kept_documents<'a>(
    recorded: &[String],
    arns: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    keyed_kept_documents(recorded, arns, None, false)
}

/// [`kept_documents`] with `key`'s statement in every document. With
/// `reserve`, every document keeps room for a key statement whether or not
/// there is one yet, so the split never depends on which key it is.
pub fn keyed_kept_documents<'a>(
    recorded: &[String],
    arns: impl IntoIterator<Item = &'a str>,
    key: Option<&KeyGrant>,
    reserve: bool,
) -> Vec<String> {
    let arns: BTreeSet<&str> = arns.into_iter().collect();
    let limits = Limits::reserving(if reserve || key.is_some() {
        KeyGrant::ROOM
    } else {
        0
    });
    // Recorded documents are read with the key they were written with, so
    // a new key keeps the split (the room was already there).
    let recorded_key = recorded.first().and_then(|d| KeyGrant::of_document(d));
    let mut layout = Layout::parse(recorded, recorded_key.as_ref(), &limits)
        .filter(Layout::holds_invariant)
        .unwrap_or_else(|| Layout {
            documents: Vec::new(),
            limits,
        });
    layout.update(&arns);
    layout.render(key)
}

/// One document's ARNs and what they cost it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Document {
    arns: BTreeSet<String>,
    cost: usize,
}

impl Document {
    fn fits(&self, cost: usize, limits: &Limits) -> bool {
        self.cost + cost <= limits.budget
    }

    fn insert(&mut self, arn: String) {
        self.cost += arn_cost(&arn);
        self.arns.insert(arn);
    }

    fn take(&mut self, arn: &str) -> Option<String> {
        let arn = self.arns.take(arn)?;
        self.cost -= arn_cost(&arn);
        Some(arn)
    }

    fn absorb(&mut self, other: Document) {
        self.cost += other.cost;
        self.arns.extend(other.arns);
    }

    /// Moves ARNs to `to`, in name order, each one `wanted` accepts given
    /// both documents as they are then and the ARN's cost.
    fn give(&mut self, to: &mut Document, wanted: impl Fn(&Document, &Document, usize) -> bool) {
        let arns: Vec<String> = self.arns.iter().cloned().collect();
        for arn in arns {
            if wanted(self, to, arn_cost(&arn)) {
                let arn = self.take(&arn).expect("listed just now");
                to.insert(arn);
            }
        }
    }

    fn render(&self, key: Option<&KeyGrant>) -> String {
        let resources: Vec<&str> = self.arns.iter().map(String::as_str).collect();
        document(&resources, key)
    }
}

/// `to` still lacks [`OPEN_MINIMUM`] and has room for an ARN of `cost`.
fn below_open_minimum(limits: &Limits) -> impl Fn(&Document, &Document, usize) -> bool + '_ {
    move |_, to, cost| to.cost < OPEN_MINIMUM && to.fits(cost, limits)
}

/// The documents, in attachment order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Layout {
    documents: Vec<Document>,
    limits: Limits,
}

impl Layout {
    /// Recorded documents, when each is exactly what [`Document::render`]
    /// writes and no ARN is in two of them.
    fn parse(recorded: &[String], key: Option<&KeyGrant>, limits: &Limits) -> Option<Self> {
        let mut seen = BTreeSet::new();
        let mut documents = Vec::with_capacity(recorded.len());
        for text in recorded {
            let mut parsed = Document::default();
            for arn in resources(text)? {
                if !seen.insert(arn.clone()) {
                    return None;
                }
                parsed.insert(arn);
            }
            if parsed.render(key) != *text {
                return None;
            }
            documents.push(parsed);
        }
        Some(Self {
            documents,
            limits: limits.clone(),
        })
    }

    fn holds_invariant(&self) -> bool {
        let Some((last, closed)) = self.documents.split_last() else {
            return true;
        };
        let limits = &self.limits;
        let fits = |d: &Document| !d.arns.is_empty() && d.cost <= limits.budget;
        let total: usize = self.documents.iter().map(|d| d.cost).sum();
        fits(last)
            && closed
                .iter()
                .all(|d| fits(d) && d.cost >= limits.closed_minimum)
            && (closed.is_empty() || (last.cost >= OPEN_MINIMUM && total > limits.budget))
    }

    /// Brings the documents to exactly `arns`, one ARN at a time: the
    /// removals first, then the additions, each in name order.
    fn update(&mut self, arns: &BTreeSet<&str>) {
        let held: BTreeSet<String> = self
            .documents
            .iter()
            .flat_map(|d| d.arns.iter().cloned())
            .collect();
        for arn in held.iter().filter(|a| !arns.contains(a.as_str())) {
            self.remove(arn);
        }
        for arn in arns.iter().filter(|a| !held.contains(**a)) {
            self.add((*arn).to_owned());
        }
    }

    /// Into the last document when it has room, else into the fullest one
    /// that has, else into a new last document. Changes one document, or
    /// two when a new one opens.
    fn add(&mut self, arn: String) {
        let cost = arn_cost(&arn);
        let into = match self.documents.last() {
            Some(last) if last.fits(cost, &self.limits) => Some(self.documents.len() - 1),
            _ => self.fullest_with_room(cost),
        };
        match into {
            Some(at) => self.documents[at].insert(arn),
            None => self.open(arn),
        }
    }

    /// The fullest document with room for `cost`, the first of equals.
    fn fullest_with_room(&self, cost: usize) -> Option<usize> {
        self.documents
            .iter()
            .enumerate()
            .filter(|(_, d)| d.fits(cost, &self.limits))
            .max_by_key(|(at, d)| (d.cost, Reverse(*at)))
            .map(|(at, _)| at)
    }

    /// No document has room for `arn`: it opens a new last document, which
    /// takes ARNs from the one before up to [`OPEN_MINIMUM`]. That one had
    /// no room for `arn`, so it stays above [`CLOSED_MINIMUM`].
    fn open(&mut self, arn: String) {
        let mut last = Document::default();
        last.insert(arn);
        if let Some(previous) = self.documents.last_mut() {
            previous.give(&mut last, below_open_minimum(&self.limits));
        }
        self.documents.push(last);
    }

    /// Out of the document that holds it, which then settles with the last
    /// one: at most those two change.
    fn remove(&mut self, arn: &str) {
        let Some(at) = self.documents.iter().position(|d| d.arns.contains(arn)) else {
            return;
        };
        self.documents[at].take(arn);
        if at + 1 == self.documents.len() {
            self.settle_last();
        } else {
            self.settle_closed(at);
        }
    }

    /// The last document lost an ARN: it joins the one before when both fit
    /// in one, else takes ARNs from it back up to [`OPEN_MINIMUM`] (the one
    /// before then stays above [`CLOSED_MINIMUM`], as in [`Self::open`]).
    fn settle_last(&mut self) {
        let mut last = self.documents.pop().expect("a document lost an ARN");
        match self.documents.last_mut() {
            Some(previous) if previous.fits(last.cost, &self.limits) => previous.absorb(last),
            Some(previous) => {
                previous.give(&mut last, below_open_minimum(&self.limits));
                self.documents.push(last);
            }
            None if last.arns.is_empty() => {}
            None => self.documents.push(last),
        }
    }

    /// Closed document `at` lost an ARN: the last one joins it when the two
    /// fit in one that is still closed (or becomes the last), else gives it
    /// ARNs, down to [`OPEN_MINIMUM`], when it fell below [`REFILL_BELOW`].
    /// Below [`CLOSED_MINIMUM`] it cannot have fallen by more than that ARN,
    /// which the last one's [`OPEN_MINIMUM`] covers, so it ends closed.
    fn settle_closed(&mut self, at: usize) {
        let mut last = self.documents.pop().expect("a last document after it");
        let becomes_last = at == self.documents.len() - 1;
        let closed = &mut self.documents[at];
        let together = closed.cost + last.cost;
        let limits = &self.limits;
        if together <= limits.budget && (together >= limits.closed_minimum || becomes_last) {
            closed.absorb(last);
            return;
        }
        if closed.cost < limits.refill_below {
            last.give(closed, |from, to, cost| {
                to.fits(cost, limits) && from.cost - cost >= OPEN_MINIMUM
            });
        }
        self.documents.push(last);
    }

    fn render(&self, key: Option<&KeyGrant>) -> Vec<String> {
        self.documents.iter().map(|d| d.render(key)).collect()
    }
}

/// The `Resource` list of a recorded document, if it has one of strings.
fn resources(text: &str) -> Option<Vec<String>> {
    let parsed: serde_json::Value = serde_json::from_str(text).ok()?;
    parsed
        .get("Statement")?
        .get(0)?
        .get("Resource")?
        .as_array()?
        .iter()
        .map(|r| r.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::arn::secret_arn_problem;
    use crate::provider::names::MAX_NAME_LEN;
    use crate::provider::policy::tests::{
        lint, minimum_documents, platform_arns, resources_of, varied_sets,
    };
    use crate::provider::policy::{read_policy_json, MANAGED_POLICY_LIMIT};
    use std::collections::BTreeMap;

    fn fresh(arns: &[String]) -> Layout {
        let mut layout = Layout::default();
        layout.update(&arns.iter().map(String::as_str).collect());
        layout
    }

    fn held(layout: &Layout) -> BTreeSet<String> {
        layout
            .documents
            .iter()
            .flat_map(|d| d.arns.iter().cloned())
            .collect()
    }

    /// Documents one step rewrote: indices whose content differs, and
    /// indices that appeared or disappeared.
    fn changed(before: &Layout, after: &Layout) -> usize {
        let (b, a) = (&before.documents, &after.documents);
        let differing = b.iter().zip(a).filter(|(x, y)| x != y).count();
        differing + b.len().abs_diff(a.len())
    }

    /// What the invariant guarantees in any case: the closed documents
    /// hold at least 80% each and the last 10%, so `n` documents need more
    /// than `(n - 1) * 0.8 + 0.1` documents' worth of ARNs.
    fn guaranteed_bound(minimum: usize) -> usize {
        // n <= (minimum - 0.1) / 0.8 + 1, in tenths.
        (minimum * 10 - 1) / 8 + 1
    }

    /// The rendered documents fit, pass the lint, and grant exactly `arns`.
    fn check_rendered(layout: &Layout, arns: &[String]) {
        let mut granted = BTreeSet::new();
        for text in layout.render(None) {
            assert!(text.len() <= MANAGED_POLICY_LIMIT, "{}", text.len());
            assert_eq!(lint(&text), Vec::<String>::new());
            for arn in resources_of(&text) {
                assert!(granted.insert(arn), "an ARN in two documents");
            }
        }
        assert_eq!(granted, arns.iter().cloned().collect());
    }

    /// A random walk of single additions and removals from `start`, with
    /// names drawn from `pool`: checks every step (at most two documents
    /// changed, only the last index appearing or disappearing, the
    /// invariant) and every 250th step's rendered documents. Returns the
    /// final layout and how many steps changed how many documents.
    fn walk(
        start: Layout,
        pool: &[String],
        steps: usize,
        seed: u64,
    ) -> (Layout, BTreeMap<usize, usize>) {
        let mut rng = fastrand::Rng::with_seed(seed);
        let held = held(&start);
        let (mut present, mut absent): (Vec<String>, Vec<String>) =
            pool.iter().cloned().partition(|a| held.contains(a));
        let mut layout = start;
        let mut histogram = BTreeMap::new();
        for step in 0..steps {
            let before = layout.clone();
            if !absent.is_empty() && (present.is_empty() || rng.bool()) {
                let arn = absent.swap_remove(rng.usize(..absent.len()));
                layout.add(arn.clone());
                present.push(arn);
            } else {
                let arn = present.swap_remove(rng.usize(..present.len()));
                layout.remove(&arn);
                absent.push(arn);
            }
            let count = changed(&before, &layout);
            *histogram.entry(count).or_insert(0) += 1;
            assert!(count <= 2, "step {step}: {count} documents changed");
            assert!(before.documents.len().abs_diff(layout.documents.len()) <= 1);
            assert!(layout.holds_invariant(), "step {step}");
            if step % 250 == 249 {
                check_rendered(&layout, &present);
            }
        }
        check_rendered(&layout, &present);
        (layout, histogram)
    }

    #[test]
    fn the_longest_secret_arn_costs_under_a_tenth_of_the_budget() {
        let name = "a".repeat(MAX_NAME_LEN);
        for (partition, region) in [
            ("aws-us-gov", "us-gov-northwest-99"),
            ("aws-iso-b", "us-isob-northwest-99"),
            ("aws-iso-f", "us-isof-northwest-99"),
            ("aws-eusc", "eusc-de-northwest-99"),
        ] {
            let arn = format!(
                "arn:{partition}:secretsmanager:{region}:123456789012:secret:{name}-AbCdEf"
            );
            assert_eq!(secret_arn_problem(&arn), None, "{arn}");
            println!(
                "longest ARN in {partition}: costs {} of {BUDGET}",
                arn_cost(&arn)
            );
            assert!(arn_cost(&arn) * 10 < BUDGET, "{}", arn_cost(&arn));
            assert!(arn_cost(&arn) <= LONGEST_ARN_COST, "{}", arn_cost(&arn));
            // Any longer name or region number is no secret ARN.
            let longer_name = arn.replace(&name, &format!("{name}b"));
            assert!(secret_arn_problem(&longer_name).is_some());
            let longer_region = arn.replace("-99:", "-100:");
            assert!(secret_arn_problem(&longer_region).is_some());
        }
    }

    /// Prints and checks one figure: `documents` for `arns`.
    fn figure(count: usize, when: &str, arns: &[String], documents: usize) {
        let minimum = minimum_documents(arns);
        println!(
            "resource, {count} names, {when}: {} names in {documents} documents, minimum \
             {minimum} ({:.2}x)",
            arns.len(),
            documents as f64 / minimum as f64
        );
        assert!(
            documents <= guaranteed_bound(minimum),
            "{documents} for {minimum}"
        );
        if minimum >= 4 {
            assert!(documents * 4 <= minimum * 5, "{documents} for {minimum}");
        }
    }

    /// The closing figures, asserted: for 100, 1,000 and 10,000 names,
    /// documents against the minimum freshly packed and after a walk of
    /// 2,000 single additions and removals, at most 1.25x wherever the
    /// minimum is at least four (below, a minimum of two or three leaves
    /// no room for slack; the invariant's bound still holds); and at every
    /// step of the walk at most two documents changed.
    #[test]
    fn document_figures() {
        for (count, seed) in [(100, 1), (1_000, 2), (10_000, 3)] {
            let mut pool = platform_arns(count * 2, seed);
            fastrand::Rng::with_seed(seed).shuffle(&mut pool);
            let present = &pool[..count];
            let start = fresh(present);
            assert!(start.holds_invariant());
            check_rendered(&start, present);
            let fresh_count = start.documents.len();
            figure(count, "fresh", present, fresh_count);
            let (walked, histogram) = walk(start, &pool, 2_000, seed);
            let present: Vec<String> = held(&walked).into_iter().collect();
            figure(
                count,
                "after 2,000 single changes",
                &present,
                walked.documents.len(),
            );
            println!(
                "resource, {count} names: documents changed by one name -> steps {histogram:?}"
            );
        }
    }

    /// The guarantee does not rest on short names: names of up to 512
    /// characters mixed with short ones, over 3,000 single changes, never
    /// change more than two documents and keep the invariant.
    #[test]
    fn names_of_any_length_change_at_most_two_documents() {
        let mut rng = fastrand::Rng::with_seed(9);
        let pool: Vec<String> = (0..600)
            .map(|i| {
                let length = if i % 3 == 0 {
                    rng.usize(300..=MAX_NAME_LEN)
                } else {
                    rng.usize(1..60)
                };
                let name = format!("{i:04}{}", "x".repeat(length.saturating_sub(4)));
                format!(
                    "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:{name}-AbCdEf"
                )
            })
            .collect();
        let start = fresh(&pool[..300]);
        let (walked, histogram) = walk(start, &pool, 3_000, 9);
        let present: Vec<String> = held(&walked).into_iter().collect();
        let minimum = minimum_documents(&present);
        println!(
            "resource, long names: {} names in {} documents, minimum {minimum}; documents changed \
             by one name -> steps {histogram:?}",
            present.len(),
            walked.documents.len()
        );
        assert!(walked.documents.len() <= guaranteed_bound(minimum));
    }

    /// Around the size of one document: whenever the set fits in one, the
    /// list is exactly `[read_policy_json]`, however it got there.
    #[test]
    fn a_set_that_fits_in_one_document_is_read_policy_json() {
        let pool = platform_arns(150, 21);
        let mut rng = fastrand::Rng::with_seed(21);
        let fit = super::super::arns_that_fit(pool.iter().map(String::as_str));
        let mut present: BTreeSet<&str> = BTreeSet::new();
        let mut recorded = Vec::new();
        let (mut single, mut split) = (0, 0);
        for step in 0..1_500 {
            let arn = pool[rng.usize(..pool.len())].as_str();
            // Sweep back and forth across the number of names one document
            // holds, with random noise.
            let target = fit - 10 + (step / 10) % 20;
            if present.len() < target || (present.len() == target && rng.bool()) {
                present.insert(arn);
            } else if let Some(&gone) = present.iter().nth(rng.usize(..present.len())) {
                present.remove(gone);
            }
            recorded = kept_documents(&recorded, present.iter().copied());
            let policy = read_policy_json(present.iter().copied()).unwrap();
            if policy.len() <= MANAGED_POLICY_LIMIT {
                assert_eq!(recorded, [policy]);
                single += 1;
            } else {
                assert!(recorded.len() >= 2);
                split += 1;
            }
        }
        assert!(
            single > 100 && split > 100,
            "{single} single, {split} split"
        );
    }

    /// Documents grown by single changes differ from a fresh packing; they
    /// come back exactly as recorded while the set is unchanged, as a plan
    /// with no change and a refresh that finds every secret compute them.
    #[test]
    fn recorded_documents_are_kept_while_the_set_is_unchanged() {
        let mut pool = platform_arns(1_200, 31);
        fastrand::Rng::with_seed(31).shuffle(&mut pool);
        let (walked, _) = walk(fresh(&pool[..1_000]), &pool, 300, 31);
        let recorded = walked.render(None);
        let present = held(&walked);
        let strs = || present.iter().map(String::as_str);
        assert_ne!(recorded, kept_documents(&[], strs()), "not a fresh packing");
        assert_eq!(kept_documents(&recorded, strs()), recorded);
    }

    /// Several names at once are the same single changes in a row, removals
    /// first, each in name order.
    #[test]
    fn several_changes_are_single_changes_in_a_row() {
        let pool = platform_arns(1_100, 41);
        let recorded = kept_documents(&[], pool[..1_000].iter().map(String::as_str));
        let removed: Vec<&String> = pool[..1_000].iter().step_by(97).collect();
        let added = &pool[1_000..1_010];
        let target: BTreeSet<&str> = pool[..1_010]
            .iter()
            .filter(|a| !removed.contains(a))
            .map(String::as_str)
            .collect();
        let mut layout = Layout::parse(&recorded, None, &Limits::default()).unwrap();
        for arn in &removed {
            layout.remove(arn);
        }
        for arn in added {
            layout.add(arn.clone());
        }
        let at_once = kept_documents(&recorded, target.iter().copied());
        assert_eq!(at_once, layout.render(None));
        let changed = recorded
            .iter()
            .zip(&at_once)
            .filter(|(a, b)| a != b)
            .count()
            + recorded.len().abs_diff(at_once.len());
        assert!(changed <= 2 * (removed.len() + added.len()), "{changed}");
    }

    /// Anything but documents this module wrote and that keep its invariant
    /// is packed afresh: not JSON, other formatting, an ARN twice, an
    /// unsorted list, or the data source's hash split (whose documents are
    /// not all closed).
    #[test]
    fn unusable_records_are_packed_afresh() {
        let arns = platform_arns(1_000, 51);
        let strs = || arns.iter().map(String::as_str);
        let fresh = kept_documents(&[], strs());
        let mut duplicated = fresh.clone();
        let first = resources_of(&fresh[0]).remove(0);
        let second = resources_of(&fresh[1]);
        let mut with_duplicate: Vec<&str> = second.iter().map(String::as_str).collect();
        with_duplicate.insert(0, &first);
        with_duplicate.sort_unstable();
        duplicated[1] = document(&with_duplicate, None);
        let mut unsorted: Vec<String> = resources_of(&fresh[0]);
        unsorted.reverse();
        let mut reordered = fresh.clone();
        reordered[0] = document(
            &unsorted.iter().map(String::as_str).collect::<Vec<_>>(),
            None,
        );
        let split = super::super::read_policy_documents(strs());
        assert!(!Layout::parse(&split, None, &Limits::default())
            .unwrap()
            .holds_invariant());
        for recorded in [
            vec!["not json".to_owned()],
            fresh.iter().map(|d| d.replace(',', ", ")).collect(),
            duplicated,
            reordered,
            split,
        ] {
            assert_eq!(kept_documents(&recorded, strs()), fresh);
        }
    }

    /// The fresh packing is within 1.25x of the minimum wherever that is
    /// at least four, at every size and name shape.
    #[test]
    fn fresh_packing_is_within_a_quarter_of_the_minimum_at_every_size() {
        for arns in varied_sets() {
            let minimum = minimum_documents(&arns);
            let documents = fresh(&arns).documents.len();
            assert!(documents <= guaranteed_bound(minimum));
            if minimum >= 4 {
                assert!(documents * 4 <= minimum * 5, "{documents} for {minimum}");
            }
        }
    }

    /// A secret ARN that costs exactly `cost` (69 to 575), named after `tag`.
    fn arn_costing(cost: usize, tag: usize) -> String {
        let name = format!("{tag:06}{}", "x".repeat(cost - 63 - 6));
        let arn = format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf");
        assert_eq!(arn_cost(&arn), cost);
        arn
    }

    /// A document holding `first`, then ARNs of `cost` until it holds at
    /// least `minimum`.
    fn filled(first: String, cost: usize, minimum: usize, tags: &mut usize) -> Document {
        let mut document = Document::default();
        document.insert(first);
        while document.cost < minimum {
            *tags += 1;
            document.insert(arn_costing(cost, *tags));
        }
        document
    }

    /// The tightest case: a closed document barely closed loses its
    /// longest possible ARN while the last document is as small as
    /// allowed. It still takes two documents: the last one holds as much as
    /// that ARN cost, so it always makes up for it.
    #[test]
    fn the_tightest_removal_changes_two_documents() {
        let mut tags = 0;
        let long = arn_costing(575, 0);
        for small in [69, 100, 300] {
            let layout = Layout {
                documents: vec![
                    filled(long.clone(), small, CLOSED_MINIMUM, &mut tags),
                    filled(
                        arn_costing(small, 999_000),
                        small,
                        BUDGET - small,
                        &mut tags,
                    ),
                    filled(arn_costing(small, 999_001), small, OPEN_MINIMUM, &mut tags),
                ],
                limits: Limits::default(),
            };
            assert!(layout.holds_invariant());
            let mut after = layout.clone();
            after.remove(&long);
            assert!(after.holds_invariant(), "{small}");
            assert!(changed(&layout, &after) <= 2, "{small}");
        }
    }
}
