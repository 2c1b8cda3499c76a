//! Changes made behind Terraform's back, for tests only: someone else
//! creating, deleting or tagging a secret with the AWS SDK directly.
//!
//! This is test code simulating *another* actor. The provider itself never
//! force-deletes and never writes a value. This helper writes one only in
//! [`OutOfBand::plant_value`], playing an attacker who pre-seeds a secret,
//! and never reads one (a planted value is followed by its version id).

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::operation::delete_secret::builders::DeleteSecretFluentBuilder;

use super::sdk::{sdk_tags, Sdk};

/// An SDK client against LocalStack that acts like someone else.
pub struct OutOfBand {
    sdk: Sdk,
}

impl OutOfBand {
    /// A client for `endpoint` in the account of `access_key` (see
    /// [`super::localstack::isolated_access_key`]; `"test"` is LocalStack's
    /// default account).
    pub fn new(endpoint: &str, access_key: &str) -> OutOfBand {
        OutOfBand {
            sdk: Sdk::new(endpoint, access_key, "planton-acceptance-out-of-band"),
        }
    }

    /// CreateSecret without a value, with `tags` (none: a foreign,
    /// untagged secret). Returns the ARN.
    pub fn create(&self, name: &str, tags: &BTreeMap<String, String>) -> String {
        let tags = sdk_tags(tags);
        let mut req = self.sdk.client.create_secret().name(name);
        if !tags.is_empty() {
            req = req.set_tags(Some(tags));
        }
        let out = self
            .sdk
            .block_on(req.send())
            .unwrap_or_else(|e| panic!("out-of-band CreateSecret {name} failed: {e:?}"));
        out.arn().unwrap_or_default().to_string()
    }

    /// DeleteSecret with ForceDeleteWithoutRecovery: the secret is gone at
    /// once, as if someone deleted it for good.
    pub fn force_delete(&self, name: &str) {
        self.delete(name, |request| request.force_delete_without_recovery(true));
    }

    /// DeleteSecret with a recovery window: the secret is scheduled for
    /// deletion, as if someone removed it in the console.
    pub fn schedule_deletion(&self, name: &str, days: i64) {
        self.delete(name, |request| request.recovery_window_in_days(days));
    }

    fn delete(
        &self,
        name: &str,
        how: impl FnOnce(DeleteSecretFluentBuilder) -> DeleteSecretFluentBuilder,
    ) {
        let request = how(self.sdk.client.delete_secret().secret_id(name));
        self.sdk
            .block_on(request.send())
            .unwrap_or_else(|e| panic!("out-of-band DeleteSecret {name} failed: {e:?}"));
    }

    /// TagResource with `tags`.
    pub fn tag(&self, name: &str, tags: &BTreeMap<String, String>) {
        let tags = sdk_tags(tags);
        self.sdk
            .block_on(
                self.sdk
                    .client
                    .tag_resource()
                    .secret_id(name)
                    .set_tags(Some(tags))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("out-of-band TagResource {name} failed: {e:?}"));
    }

    /// UntagResource of `keys`.
    pub fn untag(&self, name: &str, keys: &[&str]) {
        self.sdk
            .block_on(
                self.sdk
                    .client
                    .untag_resource()
                    .secret_id(name)
                    .set_tag_keys(Some(keys.iter().map(|k| k.to_string()).collect()))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("out-of-band UntagResource {name} failed: {e:?}"));
    }

    /// PutSecretValue, as an attacker planting a secret would; returns the
    /// version id, which [`versions`](Self::versions) can follow without
    /// ever reading the value back.
    pub fn plant_value(&self, name: &str, value: &str) -> String {
        let out = self
            .sdk
            .block_on(
                self.sdk
                    .client
                    .put_secret_value()
                    .secret_id(name)
                    .secret_string(value)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("out-of-band PutSecretValue {name} failed: {e:?}"));
        out.version_id().unwrap_or_default().to_string()
    }

    /// The version ids DescribeSecret lists, with their stages (no value).
    pub fn versions(&self, name: &str) -> BTreeMap<String, Vec<String>> {
        let out = self
            .sdk
            .block_on(self.sdk.client.describe_secret().secret_id(name).send())
            .unwrap_or_else(|e| panic!("out-of-band DescribeSecret {name} failed: {e:?}"));
        out.version_ids_to_stages()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect()
    }

    /// PutResourcePolicy with `policy` (a JSON document).
    pub fn put_policy(&self, name: &str, policy: &str) {
        self.sdk
            .block_on(
                self.sdk
                    .client
                    .put_resource_policy()
                    .secret_id(name)
                    .resource_policy(policy)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("out-of-band PutResourcePolicy {name} failed: {e:?}"));
    }

    /// GetResourcePolicy: the policy document, if any.
    pub fn policy(&self, name: &str) -> Option<String> {
        let out = self
            .sdk
            .block_on(self.sdk.client.get_resource_policy().secret_id(name).send())
            .unwrap_or_else(|e| panic!("out-of-band GetResourcePolicy {name} failed: {e:?}"));
        out.resource_policy().map(str::to_string)
    }

    /// Removes for good every secret whose name starts with `prefix` (every
    /// secret of the account when `prefix` is empty), scheduled ones
    /// included, so LocalStack does not fill up with test leftovers. Never
    /// panics: it runs from `Drop`, possibly while a test is failing.
    pub fn purge_prefix(&self, prefix: &str) {
        self.sdk.purge_prefix(prefix);
    }
}
