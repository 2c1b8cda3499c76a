//! The provider block as a typed configuration, with every check that can
//! be made without touching the network.

use std::cell::Cell;
use std::collections::BTreeMap;

use crate::provider::auth;
use crate::provider::endpoints::endpoint_problem;
use crate::provider::ignore_tags::IgnoreTags;
use crate::provider::region::is_region_name;
use crate::provider::schema::DEFAULT_RECOVERY_WINDOW_DAYS;
use crate::provider::settings::AwsSettings;
use crate::provider::tags;
use crate::tf::diag::Diagnostics;
use crate::tf::typed::ObjectReader;
use crate::tf::value::Value;

/// The provider's configuration once every value is known.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub aws: AwsSettings,
    pub default_tags: BTreeMap<String, String>,
    pub ignore_tags: IgnoreTags,
    pub recovery_window_in_days: i64,
}

/// The outcome of reading the provider block.
pub enum Reading {
    /// Every value is known and valid.
    Ready(Box<ProviderConfig>),
    /// Some values are only known after apply; what is known was checked.
    NotYetKnown,
    /// At least one error diagnostic was added.
    Invalid,
}

/// Reads and checks the provider block. Unknown values are skipped by the
/// checks and make the result [`Reading::NotYetKnown`].
pub fn read(config: &Value, diags: &mut Diagnostics) -> Reading {
    let errors_before = diags
        .iter()
        .filter(|d| d.severity == crate::tf::diag::Severity::Error)
        .count();
    let unknown = Cell::new(false);
    let block = ObjectReader::new(config, &unknown);

    let endpoints = block.object("endpoints");
    let secretsmanager_endpoint = endpoint(&endpoints, "secretsmanager", diags);
    let sts_endpoint = endpoint(&endpoints, "sts", diags);
    let kms_endpoint = endpoint(&endpoints, "kms", diags);

    let skip_region_validation = block.bool("skip_region_validation", diags).unwrap_or(false);
    let region = block.string("region", diags);
    if let Some(region) = region.as_ref().filter(|_| !skip_region_validation) {
        if !is_region_name(region) {
            diags.error_at(
                block.path("region"),
                "Invalid region",
                format!("{region:?} is not an AWS region name; use a name like \"us-east-1\"."),
            );
        }
    }

    let access_key = block.string("access_key", diags);
    let secret_key = block.string("secret_key", diags);
    let token = block.string("token", diags);
    if !unknown.get() {
        match (&access_key, &secret_key) {
            (Some(_), None) => diags.error_at(
                block.path("secret_key"),
                "Incomplete static credentials",
                "access_key is set but secret_key is not. Set both, or neither to use the standard AWS credential chain.",
            ),
            (None, Some(_)) => diags.error_at(
                block.path("access_key"),
                "Incomplete static credentials",
                "secret_key is set but access_key is not. Set both, or neither to use the standard AWS credential chain.",
            ),
            _ => {}
        }
    }

    let recovery_window_in_days = block
        .integer("recovery_window_in_days", 7..=30, diags)
        .unwrap_or(DEFAULT_RECOVERY_WINDOW_DAYS);
    let max_retries = block
        .integer("max_retries", 0..=100, diags)
        .map(|n| n as u32);
    let standard_retries = match block.string("retry_mode", diags).as_deref() {
        None | Some("adaptive") => false,
        Some("standard") => true,
        Some(other) => {
            diags.error_at(
                block.path("retry_mode"),
                "Invalid retry_mode",
                format!("retry_mode is {other:?}; use \"adaptive\" (the default) or \"standard\"."),
            );
            false
        }
    };
    if block.bool("insecure", diags) == Some(true) {
        diags.error_at(
            block.path("insecure"),
            "insecure = true is not supported",
            "This provider always verifies the TLS certificates of AWS endpoints. To trust a \
             private certificate authority (a proxy or an emulator behind TLS), give its \
             certificates in custom_ca_bundle (or AWS_CA_BUNDLE), and remove insecure or set it \
             to false.",
        );
    }
    // Accepted, with no effect (see the schema's description).
    let _ = block.bool("skip_metadata_api_check", diags);
    let ignore_tags = IgnoreTags::read(&block.object("ignore_tags"), diags);

    let default_tags_block = block.object("default_tags");
    let default_tags = default_tags_block
        .string_map("tags", diags)
        .unwrap_or_default();
    tags::validate_default_tags(&default_tags, &default_tags_block.path("tags"), diags);

    let skip_requesting_account_id = block
        .bool("skip_requesting_account_id", diags)
        .unwrap_or(false);
    let auth = auth::read::read(&block, skip_requesting_account_id, diags);
    if let Some(sts_region) = auth.sts_region.as_ref().filter(|r| !is_region_name(r)) {
        diags.error_at(
            block.path("sts_region"),
            "Invalid region",
            format!("{sts_region:?} is not an AWS region name; use a name like \"us-east-1\"."),
        );
    }

    let aws = AwsSettings {
        region,
        profile: block.string("profile", diags),
        shared_config_files: block
            .strings("shared_config_files", diags)
            .unwrap_or_default(),
        shared_credentials_files: block
            .strings("shared_credentials_files", diags)
            .unwrap_or_default(),
        access_key,
        secret_key,
        token,
        secretsmanager_endpoint,
        sts_endpoint,
        kms_endpoint,
        skip_credentials_validation: block
            .bool("skip_credentials_validation", diags)
            .unwrap_or(false),
        skip_requesting_account_id,
        max_retries,
        standard_retries,
        use_fips_endpoint: block.bool("use_fips_endpoint", diags).unwrap_or(false),
        use_dualstack_endpoint: block.bool("use_dualstack_endpoint", diags).unwrap_or(false),
        skip_region_validation,
        auth,
    };

    let errors_after = diags
        .iter()
        .filter(|d| d.severity == crate::tf::diag::Severity::Error)
        .count();
    if errors_after > errors_before {
        Reading::Invalid
    } else if unknown.get() {
        Reading::NotYetKnown
    } else {
        Reading::Ready(Box::new(ProviderConfig {
            aws,
            default_tags,
            ignore_tags,
            recovery_window_in_days,
        }))
    }
}

/// An endpoint override must be an absolute http(s) URL with a host.
fn endpoint(endpoints: &ObjectReader<'_>, name: &str, diags: &mut Diagnostics) -> Option<String> {
    let raw = endpoints.string(name, diags)?;
    match endpoint_problem(&raw) {
        None => Some(raw),
        Some(problem) => {
            diags.error_at(
                endpoints.path(name),
                "Invalid endpoint URL",
                format!(
                    "endpoints.{name} is {raw:?}, which is not usable: {problem}. Use an absolute \
                     http:// or https:// URL such as \"http://127.0.0.1:4566\"."
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::value::{AttributePath, Number};

    fn config(pairs: Vec<(&str, Value)>) -> Value {
        let mut object: BTreeMap<String, Value> = [
            "region",
            "profile",
            "shared_config_files",
            "shared_credentials_files",
            "access_key",
            "secret_key",
            "token",
            "skip_credentials_validation",
            "skip_requesting_account_id",
            "recovery_window_in_days",
            "max_retries",
            "endpoints",
            "default_tags",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), Value::Null))
        .collect();
        for (k, v) in pairs {
            object.insert(k.to_owned(), v);
        }
        Value::Object(object)
    }

    fn object(pairs: Vec<(&str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    #[test]
    fn empty_block_is_ready_with_defaults() {
        let mut diags = Diagnostics::new();
        let Reading::Ready(cfg) = read(&config(vec![]), &mut diags) else {
            panic!("{diags:?}")
        };
        assert_eq!(cfg.recovery_window_in_days, 30);
        assert!(cfg.default_tags.is_empty());
        assert!(!cfg.aws.skip_credentials_validation);
    }

    #[test]
    fn recovery_window_out_of_range_fails_on_its_path() {
        let mut diags = Diagnostics::new();
        let cfg = config(vec![(
            "recovery_window_in_days",
            Value::Number(Number::from_i64(3)),
        )]);
        assert!(matches!(read(&cfg, &mut diags), Reading::Invalid));
        let d = diags.iter().next().unwrap();
        assert_eq!(d.path, Some(AttributePath::root("recovery_window_in_days")));
        assert!(d.detail.contains("7 to 30"));
    }

    #[test]
    fn bad_endpoint_fails_on_its_path() {
        let mut diags = Diagnostics::new();
        let cfg = config(vec![(
            "endpoints",
            object(vec![
                ("secretsmanager", Value::String("not a url".into())),
                ("sts", Value::Null),
            ]),
        )]);
        assert!(matches!(read(&cfg, &mut diags), Reading::Invalid));
        let d = diags.iter().next().unwrap();
        assert_eq!(
            d.path,
            Some(AttributePath::root("endpoints").attribute("secretsmanager"))
        );
    }

    #[test]
    fn half_static_credentials_fail() {
        let mut diags = Diagnostics::new();
        let cfg = config(vec![("access_key", Value::String("AKIA".into()))]);
        assert!(matches!(read(&cfg, &mut diags), Reading::Invalid));
        assert_eq!(
            diags.iter().next().unwrap().path,
            Some(AttributePath::root("secret_key"))
        );
    }

    #[test]
    fn unknown_values_defer_configuration() {
        let mut diags = Diagnostics::new();
        let cfg = config(vec![("region", Value::unknown())]);
        assert!(matches!(read(&cfg, &mut diags), Reading::NotYetKnown));
        assert!(diags.is_empty());
    }

    #[test]
    fn hashicorp_aws_switches_are_read_or_refused_on_their_path() {
        let mut diags = Diagnostics::new();
        let cfg = config(vec![
            ("region", Value::String("US East".into())),
            ("skip_region_validation", Value::Bool(true)),
            ("skip_metadata_api_check", Value::Bool(true)),
            ("insecure", Value::Bool(false)),
            ("use_fips_endpoint", Value::Bool(true)),
            ("retry_mode", Value::String("standard".into())),
        ]);
        let Reading::Ready(ready) = read(&cfg, &mut diags) else {
            panic!("{diags:?}")
        };
        assert!(ready.aws.skip_region_validation && ready.aws.use_fips_endpoint);
        assert!(ready.aws.standard_retries && !ready.aws.use_dualstack_endpoint);
        for (name, value) in [
            ("insecure", Value::Bool(true)),
            ("retry_mode", Value::String("legacy".into())),
        ] {
            let mut diags = Diagnostics::new();
            assert!(matches!(
                read(&config(vec![(name, value)]), &mut diags),
                Reading::Invalid
            ));
            assert_eq!(
                diags.iter().next().unwrap().path,
                Some(AttributePath::root(name))
            );
        }
    }

    #[test]
    fn region_shape_is_checked() {
        let mut diags = Diagnostics::new();
        let cfg = config(vec![("region", Value::String("US East".into()))]);
        assert!(matches!(read(&cfg, &mut diags), Reading::Invalid));
    }
}
