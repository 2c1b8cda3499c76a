//! Planton groups: the secrets that carry one `planton.ai/resource-id`,
//! found with ListSecrets (metadata only). A group is what one
//! `planton_aws_secrets` owns, or owned before its state was lost; the list
//! resource shows one result per group and import by identity takes one in.

use std::collections::BTreeMap;

use crate::provider::place::region_and_account;
use crate::provider::secrets::{list_all, ApiResult, ListFilter, SecretInfo};
use crate::provider::tags::{is_planton_owned, KIND_VALUE, OWNERSHIP_ID, OWNERSHIP_KIND};
use crate::provider::Configured;
use crate::tf::stop::StopSignal;
use crate::tf::value::Value;

use super::id::is_well_formed;
use super::read::recorded_state;
use super::schema::SECRET_NAMES;

/// Names shown in a display name before the rest are counted.
const NAMES_SHOWN: usize = 3;

/// The secrets of one owner id, each list in name order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub live: Vec<SecretInfo>,
    /// Only when scheduled secrets were asked for.
    pub scheduled: Vec<SecretInfo>,
}

/// What a search found: the groups in id order, and the names of the
/// secrets with a planton.ai/resource-id tag that were left out because
/// they are not marked as this provider marks its secrets.
#[derive(Debug, Default)]
pub struct Found {
    pub groups: Vec<Group>,
    pub left_out: Vec<String>,
}

/// Which planton secrets to look for.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Only the group with this id.
    pub id: Option<String>,
    pub name_prefix: Option<String>,
    pub include_scheduled: bool,
}

impl Search {
    /// ListSecrets filters: AWS narrows by prefix, [`group_by_owner`] then
    /// keeps exact matches only.
    fn filter(&self) -> ListFilter {
        ListFilter {
            tag_key: Some(OWNERSHIP_ID.to_owned()),
            tag_value: self.id.clone(),
            name_prefixes: self.name_prefix.iter().cloned().collect(),
            include_scheduled: self.include_scheduled,
        }
    }
}

/// Lists the planton secrets `search` asks for, page by page, and groups
/// them: ceil(N / 100) ListSecrets pages for N matching secrets.
pub async fn find(client: &Configured, stop: &StopSignal, search: &Search) -> ApiResult<Found> {
    let secrets = list_all(client.secrets.as_ref(), &search.filter(), stop).await?;
    Ok(group_by_owner(secrets, search))
}

/// Like [`find`], but a name prefix only selects groups: each group that
/// holds a matching secret is listed whole (one more listing by its id),
/// so configuration generated from it names every secret of the group.
pub async fn find_whole(
    client: &Configured,
    stop: &StopSignal,
    search: &Search,
) -> ApiResult<Found> {
    let mut found = find(client, stop, search).await?;
    if search.name_prefix.is_none() {
        return Ok(found);
    }
    for group in &mut found.groups {
        let by_id = Search {
            id: Some(group.id.clone()),
            name_prefix: None,
            include_scheduled: search.include_scheduled,
        };
        let whole = find(client, stop, &by_id).await?;
        if let Some(whole) = whole.groups.into_iter().next() {
            *group = whole;
        }
    }
    Ok(found)
}

/// Groups secrets by owner id. A secret counts when it carries
/// `planton.ai/resource = true`, `planton.ai/resource-kind =
/// AwsSecretsManager` and an ownership id this provider writes (the kind is
/// part of a group's identity: another kind's secrets sharing an id are
/// not this resource's), and matches the search exactly (AWS's filters are
/// prefix matches).
pub fn group_by_owner(secrets: Vec<SecretInfo>, search: &Search) -> Found {
    let mut by_id: BTreeMap<String, Group> = BTreeMap::new();
    let mut left_out = Vec::new();
    for secret in secrets {
        let Some(id) = secret.tags.get(OWNERSHIP_ID).cloned() else {
            continue;
        };
        let wanted = search.id.as_ref().is_none_or(|wanted| *wanted == id)
            && search
                .name_prefix
                .as_ref()
                .is_none_or(|prefix| secret.name.starts_with(prefix.as_str()))
            && (search.include_scheduled || !secret.scheduled_for_deletion);
        if !wanted {
            continue;
        }
        let kind = secret.tags.get(OWNERSHIP_KIND).map(String::as_str);
        if !is_planton_owned(&secret.tags) || kind != Some(KIND_VALUE) || !is_well_formed(&id) {
            left_out.push(secret.name);
            continue;
        }
        let group = by_id.entry(id.clone()).or_insert_with(|| Group {
            id,
            live: Vec::new(),
            scheduled: Vec::new(),
        });
        if secret.scheduled_for_deletion {
            group.scheduled.push(secret);
        } else {
            group.live.push(secret);
        }
    }
    let mut groups: Vec<Group> = by_id.into_values().collect();
    for group in &mut groups {
        group.live.sort_by(|a, b| a.name.cmp(&b.name));
        group.scheduled.sort_by(|a, b| a.name.cmp(&b.name));
    }
    left_out.sort();
    Found { groups, left_out }
}

impl Group {
    /// Every name, live or scheduled, in order.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .live
            .iter()
            .chain(&self.scheduled)
            .map(|s| s.name.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// The account the secrets live in, from their ARNs.
    pub fn account(&self) -> Option<&str> {
        self.live
            .iter()
            .chain(&self.scheduled)
            .find_map(|s| region_and_account(&s.arn).map(|(_, account)| account))
    }

    /// The id, how many secrets and the first names: what a person
    /// recognises a group by in `terraform query` output.
    pub fn display_name(&self) -> String {
        let names = self.names();
        let mut shown: Vec<String> = names
            .iter()
            .take(NAMES_SHOWN)
            .map(|n| n.to_string())
            .collect();
        if names.len() > NAMES_SHOWN {
            shown.push(format!("and {} more", names.len() - NAMES_SHOWN));
        }
        let count = match names.len() {
            1 => "1 secret".to_owned(),
            n => format!("{n} secrets"),
        };
        let scheduled = match self.scheduled.len() {
            0 => String::new(),
            n => format!(", {n} scheduled for deletion"),
        };
        format!("{} ({count}{scheduled}: {})", self.id, shown.join(", "))
    }

    /// The group as `planton_aws_secrets` state: what an import of it would
    /// record, except that `secret_names` also lists the scheduled secrets
    /// (so configuration generated from it restores them). The ARN map and
    /// the policies cover the live secrets.
    pub fn state(&self, default_tags: &BTreeMap<String, String>) -> Value {
        let mut value = recorded_state(self.id.clone(), &self.live, default_tags).to_value();
        if let Value::Object(attributes) = &mut value {
            let names = self.names().into_iter().map(Value::string).collect();
            attributes.insert(SECRET_NAMES.to_owned(), Value::Set(names));
        }
        value
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::provider::tags::ownership_tags;
    use crate::resources::aws_secrets::schema::SECRET_ARN_MAP;

    pub const A: &str = "asm-0123456789abcdef0123456789abcdef";
    pub const B: &str = "asm-fedcba9876543210fedcba9876543210";

    pub fn secret(name: &str, id: &str, scheduled: bool) -> SecretInfo {
        SecretInfo::plain(
            name,
            &format!("arn:aws:secretsmanager:us-east-1:111111111111:secret:{name}-AbCdEf"),
            scheduled,
            ownership_tags(&BTreeMap::from([("team".into(), "x".into())]), id),
        )
    }

    #[test]
    fn groups_by_owner_in_id_then_name_order() {
        let mut hand_made = secret("hand/made", A, false);
        hand_made.tags.remove("planton.ai/resource");
        let mut other_kind = secret("other/kind", A, false);
        other_kind
            .tags
            .insert(OWNERSHIP_KIND.into(), "AwsSecretsManagerV2".into());
        let secrets = vec![
            secret("b/2", B, false),
            secret("a/2", A, false),
            secret("b/1", B, true),
            secret("a/1", A, false),
            secret("odd", "asm-not-an-id", false),
            hand_made,
            other_kind,
            SecretInfo::plain("untagged", "arn:x", false, BTreeMap::new()),
        ];
        let search = Search {
            include_scheduled: true,
            ..Search::default()
        };
        let found = group_by_owner(secrets.clone(), &search);
        assert_eq!(found.left_out, ["hand/made", "odd", "other/kind"]);
        let ids: Vec<&str> = found.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, [A, B]);
        assert_eq!(found.groups[0].names(), ["a/1", "a/2"]);
        assert_eq!(found.groups[1].names(), ["b/1", "b/2"]);
        assert_eq!(found.groups[1].scheduled.len(), 1);

        // Without scheduled secrets, and narrowed exactly.
        let live_only = group_by_owner(secrets.clone(), &Search::default());
        assert_eq!(live_only.groups[1].names(), ["b/2"]);
        let prefix = group_by_owner(
            secrets.clone(),
            &Search {
                name_prefix: Some("a/1".into()),
                ..Search::default()
            },
        );
        assert_eq!(prefix.groups.len(), 1);
        assert_eq!(prefix.groups[0].names(), ["a/1"]);
        let legacy_prefix_of_a = "asm-0123456789abcdef";
        let by_id = group_by_owner(
            secrets,
            &Search {
                id: Some(legacy_prefix_of_a.into()),
                ..Search::default()
            },
        );
        assert!(by_id.groups.is_empty(), "a prefix of an id is not the id");
    }

    #[test]
    fn display_names_give_id_count_and_first_names() {
        let one = Group {
            id: A.into(),
            live: vec![secret("app/db", A, false)],
            scheduled: Vec::new(),
        };
        assert_eq!(one.display_name(), format!("{A} (1 secret: app/db)"));
        let many = Group {
            id: B.into(),
            live: (0..5).map(|i| secret(&format!("n{i}"), B, false)).collect(),
            scheduled: vec![secret("a/old", B, true)],
        };
        assert_eq!(
            many.display_name(),
            format!("{B} (6 secrets, 1 scheduled for deletion: a/old, n0, n1, and 3 more)")
        );
        assert_eq!(many.account(), Some("111111111111"));
    }

    #[test]
    fn group_state_is_what_an_import_records_plus_scheduled_names() {
        let group = Group {
            id: A.into(),
            live: vec![secret("app/db", A, false)],
            scheduled: vec![secret("app/old", A, true)],
        };
        let defaults = BTreeMap::from([("team".to_owned(), "y".to_owned())]);
        let state = group.state(&defaults);
        let names = state
            .get_attribute(SECRET_NAMES)
            .unwrap()
            .as_elements()
            .unwrap();
        assert_eq!(names, [Value::string("app/db"), Value::string("app/old")]);
        let arns = state
            .get_attribute(SECRET_ARN_MAP)
            .unwrap()
            .as_map()
            .unwrap();
        assert_eq!(arns.keys().collect::<Vec<_>>(), ["app/db"]);
        assert_eq!(state.get_attribute("id"), Some(&Value::string(A)));
        let tags = state.get_attribute("tags_all").unwrap().as_map().unwrap();
        assert_eq!(tags.get(OWNERSHIP_ID), Some(&Value::string(A)));
        assert_eq!(tags.get("team"), Some(&Value::string("x")));
    }
}
