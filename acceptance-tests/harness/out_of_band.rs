//! Changes made behind Terraform's back, for tests only: someone else
//! creating, deleting or tagging a secret with the AWS SDK directly.
//!
//! This is test code simulating *another* actor. The provider itself never
//! force-deletes and never writes a value; neither does this helper write a
//! value (CreateSecret is sent without one).

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, Tag};
use aws_sdk_secretsmanager::Client;

/// An SDK client against LocalStack that acts like someone else.
pub struct OutOfBand {
    rt: tokio::runtime::Runtime,
    client: Client,
}

impl OutOfBand {
    /// A client for `endpoint` in the account of `access_key` (see
    /// [`super::localstack::isolated_access_key`]; `"test"` is LocalStack's
    /// default account).
    pub fn new(endpoint: &str, access_key: &str) -> OutOfBand {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("building a tokio runtime");
        let config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new(
                access_key,
                "test",
                None,
                None,
                "planton-acceptance-out-of-band",
            ))
            .build();
        OutOfBand {
            rt,
            client: Client::from_conf(config),
        }
    }

    /// CreateSecret without a value, with `tags` (none: a foreign,
    /// untagged secret). Returns the ARN.
    pub fn create(&self, name: &str, tags: &BTreeMap<String, String>) -> String {
        let tags: Vec<Tag> = tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        let mut req = self.client.create_secret().name(name);
        if !tags.is_empty() {
            req = req.set_tags(Some(tags));
        }
        let out = self
            .rt
            .block_on(req.send())
            .unwrap_or_else(|e| panic!("out-of-band CreateSecret {name} failed: {e:?}"));
        out.arn().unwrap_or_default().to_string()
    }

    /// DeleteSecret with ForceDeleteWithoutRecovery: the secret is gone at
    /// once, as if someone deleted it for good.
    pub fn force_delete(&self, name: &str) {
        self.rt
            .block_on(
                self.client
                    .delete_secret()
                    .secret_id(name)
                    .force_delete_without_recovery(true)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("out-of-band force delete of {name} failed: {e:?}"));
    }

    /// DeleteSecret with a recovery window: the secret is scheduled for
    /// deletion, as if someone removed it in the console.
    pub fn schedule_deletion(&self, name: &str, days: i64) {
        self.rt
            .block_on(
                self.client
                    .delete_secret()
                    .secret_id(name)
                    .recovery_window_in_days(days)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("out-of-band DeleteSecret {name} failed: {e:?}"));
    }

    /// TagResource with `tags`.
    pub fn tag(&self, name: &str, tags: &BTreeMap<String, String>) {
        let tags: Vec<Tag> = tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        self.rt
            .block_on(
                self.client
                    .tag_resource()
                    .secret_id(name)
                    .set_tags(Some(tags))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("out-of-band TagResource {name} failed: {e:?}"));
    }

    /// UntagResource of `keys`.
    pub fn untag(&self, name: &str, keys: &[&str]) {
        self.rt
            .block_on(
                self.client
                    .untag_resource()
                    .secret_id(name)
                    .set_tag_keys(Some(keys.iter().map(|k| k.to_string()).collect()))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("out-of-band UntagResource {name} failed: {e:?}"));
    }

    /// Removes for good every secret whose name starts with `prefix` (every
    /// secret of the account when `prefix` is empty), scheduled ones
    /// included, so LocalStack does not fill up with test leftovers. Never
    /// panics: it runs from `Drop`, possibly while a test is failing.
    pub fn purge_prefix(&self, prefix: &str) {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = self
                .client
                .list_secrets()
                .include_planned_deletion(true)
                .max_results(100);
            if !prefix.is_empty() {
                req = req.filters(
                    Filter::builder()
                        .key(FilterNameStringType::Name)
                        .values(prefix)
                        .build(),
                );
            }
            if let Some(t) = &token {
                req = req.next_token(t);
            }
            let Ok(out) = self.rt.block_on(req.send()) else {
                break;
            };
            names.extend(
                out.secret_list()
                    .iter()
                    .filter_map(|s| s.name())
                    .filter(|n| n.starts_with(prefix))
                    .map(str::to_string),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        for name in names {
            let _ = self.rt.block_on(
                self.client
                    .delete_secret()
                    .secret_id(&name)
                    .force_delete_without_recovery(true)
                    .send(),
            );
        }
    }
}
