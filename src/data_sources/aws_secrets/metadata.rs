//! What the data source tells about each secret besides its ARN, all from
//! DescribeSecret: whether it holds a value (a version labelled AWSCURRENT
//! exists; the value itself is never read), its dates, rotation, owner and
//! key; and the lists built from them, for deploy gates and clean-up.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::provider::secrets::SecretInfo;
use crate::provider::tags::{is_planton_owned, KIND_VALUE, OWNERSHIP_ID, OWNERSHIP_KIND};
use crate::tf::value::{Type, Value};

pub const ARN: &str = "arn";
pub const HAS_VALUE: &str = "has_value";
pub const CREATED_DATE: &str = "created_date";
pub const LAST_CHANGED_DATE: &str = "last_changed_date";
pub const LAST_ACCESSED_DATE: &str = "last_accessed_date";
pub const ROTATION_ENABLED: &str = "rotation_enabled";
pub const OWNER_ID: &str = "owner_id";
pub const KMS_KEY_ID: &str = "kms_key_id";

/// The bounds of `unused_after_days`: a day (AWS keeps read dates to the
/// day) to ten years.
pub const UNUSED_AFTER_DAYS: std::ops::RangeInclusive<i64> = 1..=3650;

const DAY: Duration = Duration::from_secs(86_400);

/// The type of one entry of the `secrets` map.
pub fn secret_type() -> Type {
    Type::object([
        (ARN, Type::String),
        (HAS_VALUE, Type::Bool),
        (CREATED_DATE, Type::String),
        (LAST_CHANGED_DATE, Type::String),
        (LAST_ACCESSED_DATE, Type::String),
        (ROTATION_ENABLED, Type::Bool),
        (OWNER_ID, Type::String),
        (KMS_KEY_ID, Type::String),
    ])
}

/// One entry of the `secrets` map.
pub fn secret_value(info: &SecretInfo) -> Value {
    let date = |time: Option<SystemTime>| time.map_or(Value::Null, |t| Value::String(rfc3339(t)));
    let string = |s: Option<&str>| s.map_or(Value::Null, |s| Value::String(s.to_owned()));
    Value::Object(
        [
            (ARN, Value::String(info.arn.clone())),
            (HAS_VALUE, Value::Bool(info.has_current_version)),
            (CREATED_DATE, date(info.created)),
            (LAST_CHANGED_DATE, date(info.last_changed)),
            (LAST_ACCESSED_DATE, date(info.last_accessed)),
            (ROTATION_ENABLED, Value::Bool(info.rotation_enabled)),
            (OWNER_ID, string(owner_id(info))),
            (KMS_KEY_ID, string(info.customer_kms_key())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    )
}

/// The id of the `planton_aws_secrets` resource that made the secret, when
/// it carries this provider's ownership tags.
pub fn owner_id(info: &SecretInfo) -> Option<&str> {
    let made_here = is_planton_owned(&info.tags)
        && info.tags.get(OWNERSHIP_KIND).map(String::as_str) == Some(KIND_VALUE);
    made_here
        .then(|| info.tags.get(OWNERSHIP_ID).map(String::as_str))
        .flatten()
}

/// RFC 3339 in UTC, to the millisecond AWS keeps (`2024-06-10T00:00:00Z`,
/// `2023-11-14T22:13:20.123Z`).
pub fn rfc3339(time: SystemTime) -> String {
    let nanos = match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) => i128::from(since.as_secs()) * 1_000_000_000 + i128::from(since.subsec_nanos()),
        Err(before) => -(before.duration().as_nanos() as i128),
    };
    // Dates decoded from epoch seconds in floating point land a hair off
    // the millisecond AWS meant.
    let millis = (nanos as f64 / 1e6).round() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{millis}ms since 1970"))
}

/// Names (in order) of the secrets without a current version.
pub fn names_without_value(secrets: &BTreeMap<String, SecretInfo>) -> Vec<String> {
    secrets
        .iter()
        .filter(|(_, info)| !info.has_current_version)
        .map(|(name, _)| name.clone())
        .collect()
}

/// Names (in order) of the secrets unused for `days` days at `now`.
pub fn names_unused(
    secrets: &BTreeMap<String, SecretInfo>,
    days: u32,
    now: SystemTime,
) -> Vec<String> {
    secrets
        .iter()
        .filter(|(_, info)| is_unused(info, days, now))
        .map(|(name, _)| name.clone())
        .collect()
}

/// Not read for `days` days: AWS keeps only the day of the last read, so
/// the read may have been as late as that day's end, and the secret counts
/// as unused only once `days` days have passed since then. A secret never
/// read counts from its creation. Without either date, it is not claimed
/// unused.
fn is_unused(info: &SecretInfo, days: u32, now: SystemTime) -> bool {
    let last_use = match info.last_accessed {
        Some(day) => day.checked_add(DAY),
        None => info.created,
    };
    last_use
        .and_then(|t| t.checked_add(DAY * days))
        .is_some_and(|unused_from| unused_from <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::tags::{ownership_tags, OWNERSHIP_RESOURCE};

    fn at(secs: f64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs_f64(secs)
    }

    fn secret(name: &str) -> SecretInfo {
        SecretInfo::plain(name, &format!("arn:{name}"), false, BTreeMap::new())
    }

    #[test]
    fn dates_are_rfc3339_in_utc_to_the_millisecond() {
        assert_eq!(rfc3339(at(1_717_977_600.0)), "2024-06-10T00:00:00Z");
        assert_eq!(rfc3339(at(1_700_000_000.123)), "2023-11-14T22:13:20.123Z");
        // A float a hair below the millisecond, as epoch seconds decode.
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 122_999_999)),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(rfc3339(at(1_705_312_800.5)), "2024-01-15T10:00:00.5Z");
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH - Duration::from_secs(1)),
            "1969-12-31T23:59:59Z"
        );
    }

    #[test]
    fn the_object_maps_every_field_and_nulls_what_is_absent() {
        let mut info = secret("a");
        let value = secret_value(&info);
        let field = |v: &Value, k: &str| v.get_attribute(k).cloned().unwrap();
        assert_eq!(field(&value, ARN), Value::String("arn:a".into()));
        assert_eq!(field(&value, HAS_VALUE), Value::Bool(false));
        for absent in [
            CREATED_DATE,
            LAST_CHANGED_DATE,
            LAST_ACCESSED_DATE,
            OWNER_ID,
            KMS_KEY_ID,
        ] {
            assert_eq!(field(&value, absent), Value::Null, "{absent}");
        }
        info.has_current_version = true;
        info.rotation_enabled = true;
        info.created = Some(at(1_700_000_000.123));
        info.last_changed = Some(at(1_705_312_800.0));
        info.last_accessed = Some(at(1_717_977_600.0));
        info.kms_key_id = Some("arn:aws:kms:us-east-1:1:key/k".into());
        info.tags = ownership_tags(&BTreeMap::new(), "asm-1");
        let value = secret_value(&info);
        assert_eq!(field(&value, HAS_VALUE), Value::Bool(true));
        assert_eq!(field(&value, ROTATION_ENABLED), Value::Bool(true));
        let text = |k: &str| field(&value, k).as_str().unwrap().to_owned();
        assert_eq!(text(CREATED_DATE), "2023-11-14T22:13:20.123Z");
        assert_eq!(text(LAST_CHANGED_DATE), "2024-01-15T10:00:00Z");
        assert_eq!(text(LAST_ACCESSED_DATE), "2024-06-10T00:00:00Z");
        assert_eq!(text(KMS_KEY_ID), "arn:aws:kms:us-east-1:1:key/k");
        assert_eq!(text(OWNER_ID), "asm-1");
        crate::tf::value::msgpack::encode(&value, &secret_type()).expect("of its type");
    }

    #[test]
    fn the_aws_managed_key_is_null() {
        for key in [
            "alias/aws/secretsmanager",
            "arn:aws:kms:us-east-1:1:alias/aws/secretsmanager",
        ] {
            let mut info = secret("a");
            info.kms_key_id = Some(key.into());
            assert_eq!(
                secret_value(&info).get_attribute(KMS_KEY_ID),
                Some(&Value::Null)
            );
        }
    }

    #[test]
    fn only_planton_ownership_tags_give_an_owner() {
        let mut info = secret("a");
        info.tags = ownership_tags(&BTreeMap::new(), "asm-9");
        assert_eq!(owner_id(&info), Some("asm-9"));
        // Someone else's tag of the same name, without the rest.
        let mut lone = secret("b");
        lone.tags.insert(OWNERSHIP_ID.into(), "asm-9".into());
        assert_eq!(owner_id(&lone), None);
        // Another kind of Project Planton resource.
        let mut other_kind = info.clone();
        other_kind
            .tags
            .insert(OWNERSHIP_KIND.into(), "GcpSecretsManager".into());
        assert_eq!(owner_id(&other_kind), None);
        let mut not_true = info.clone();
        not_true
            .tags
            .insert(OWNERSHIP_RESOURCE.into(), "false".into());
        assert_eq!(owner_id(&not_true), None);
    }

    #[test]
    fn lists_are_sorted_by_name() {
        let mut secrets = BTreeMap::new();
        for (name, has_value) in [("c", false), ("a", false), ("b", true)] {
            let mut info = secret(name);
            info.has_current_version = has_value;
            info.created = Some(at(0.0));
            secrets.insert(name.to_owned(), info);
        }
        assert_eq!(names_without_value(&secrets), ["a", "c"]);
        assert_eq!(
            names_unused(&secrets, 1, at(2.0 * 86_400.0)),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn a_read_counts_until_the_end_of_its_day() {
        let day = 86_400.0;
        let mut info = secret("a");
        info.created = Some(at(0.0));
        // Read on day 10 (AWS says: day 10, midnight).
        info.last_accessed = Some(at(10.0 * day));
        // 30 days after the end of day 10 is the start of day 41.
        assert!(!is_unused(&info, 30, at(41.0 * day - 1.0)));
        assert!(is_unused(&info, 30, at(41.0 * day)));
        // Read today: never unused, whatever the hour.
        assert!(!is_unused(&info, 1, at(10.0 * day + 23.0 * 3600.0)));
    }

    #[test]
    fn a_secret_never_read_counts_from_its_creation() {
        let day = 86_400.0;
        let mut info = secret("a");
        info.created = Some(at(5.0 * day + 3600.0));
        assert!(!is_unused(&info, 7, at(12.0 * day)));
        assert!(is_unused(&info, 7, at(12.0 * day + 3600.0)));
        // No dates at all: not claimed unused.
        info.created = None;
        assert!(!is_unused(&info, 1, at(1e9)));
    }
}
