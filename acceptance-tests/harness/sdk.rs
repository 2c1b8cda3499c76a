//! The AWS SDK's Secrets Manager client against LocalStack, as the harness
//! uses it: for the read-only probe, the out-of-band writes and the
//! clean-up of a name prefix. Never reads or writes a secret value.

use std::collections::BTreeMap;
use std::future::Future;

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SecretListEntry, Tag};
use aws_sdk_secretsmanager::Client;
use futures::stream::{self, StreamExt};

/// A client for one endpoint and account, with a runtime to block on.
pub struct Sdk {
    rt: tokio::runtime::Runtime,
    pub client: Client,
}

impl Sdk {
    /// A client for `endpoint` in the account of `access_key` (LocalStack
    /// takes a twelve-digit access key id as the account id; `"test"` is its
    /// default account). `provider_name` names the credentials in SDK logs.
    pub fn new(endpoint: &str, access_key: &str, provider_name: &'static str) -> Sdk {
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
                provider_name,
            ))
            .build();
        Sdk {
            rt,
            client: Client::from_conf(config),
        }
    }

    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    /// Every secret whose name starts with `prefix` (every secret of the
    /// account when `prefix` is empty), scheduled ones included.
    pub fn list_prefix(&self, prefix: &str) -> Result<Vec<SecretListEntry>, String> {
        self.block_on(list_prefix(&self.client, prefix))
    }

    /// Deletes for good (no recovery window) every secret whose name starts
    /// with `prefix` (every secret of the account when `prefix` is empty),
    /// sixteen at a time; returns how many. Test clean-up only: the provider
    /// never force-deletes. Never panics: it runs from `Drop`, possibly while
    /// a test is failing.
    pub fn purge_prefix(&self, prefix: &str) -> usize {
        let Ok(found) = self.list_prefix(prefix) else {
            return 0;
        };
        let client = &self.client;
        self.block_on(
            stream::iter(found.into_iter().filter_map(|entry| entry.name))
                .map(|name| async move {
                    client
                        .delete_secret()
                        .secret_id(name)
                        .force_delete_without_recovery(true)
                        .send()
                        .await
                        .is_ok()
                })
                .buffer_unordered(16)
                .filter(|ok| futures::future::ready(*ok))
                .count(),
        )
    }
}

/// ListSecrets, every page, for the names starting with `prefix` (all of
/// them when `prefix` is empty), scheduled ones included.
pub async fn list_prefix(client: &Client, prefix: &str) -> Result<Vec<SecretListEntry>, String> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = client
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
        let out = req
            .send()
            .await
            .map_err(|e| format!("ListSecrets {prefix}* failed: {e:?}"))?;
        found.extend(
            out.secret_list()
                .iter()
                .filter(|s| s.name().is_some_and(|n| n.starts_with(prefix)))
                .cloned(),
        );
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(found)
}

/// Tags as a map, key to value.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A map of tags as the SDK takes them.
pub fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}
