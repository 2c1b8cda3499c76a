//! An in-memory Secrets Manager for unit tests of resource logic. It follows
//! the real service where the logic depends on it: names stay taken while
//! scheduled for deletion, restore keeps the ARN, a second delete of a
//! scheduled secret is refused. Like the test proxy's strict-AWS mode it
//! answers as AWS's API reference documents: a scheduled secret takes no
//! TagResource, UntagResource or GetResourcePolicy, and a secret carries at
//! most 50 tags (`aws:` ones not counted).

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{
    ApiError, ApiResult, ErrorKind, ListFilter, ListPage, SecretInfo, SecretsApi, LIST_PAGE_SIZE,
};

#[derive(Default)]
pub struct FakeSecrets {
    state: Mutex<FakeState>,
}

#[derive(Default)]
struct FakeState {
    secrets: BTreeMap<String, SecretInfo>,
    next_suffix: u32,
    /// Every call as "Operation name", in order.
    calls: Vec<String>,
    /// Names whose every call fails with AccessDenied.
    denied: HashSet<String>,
    /// (operation, name) pairs that fail with AccessDenied.
    denied_calls: HashSet<(String, String)>,
    /// Names with a resource policy.
    with_policy: HashSet<String>,
    /// Every ListSecrets fails with AccessDenied.
    listing_denied: bool,
    /// Names ListSecrets does not show yet (AWS's listing lags writes).
    unlisted: HashSet<String>,
    /// The recovery window of each name's latest DeleteSecret.
    windows: BTreeMap<String, i64>,
}

fn error(kind: ErrorKind, code: &str, message: String) -> ApiError {
    ApiError {
        kind,
        code: code.to_owned(),
        message,
    }
}

/// A secret as the service describes it right after CreateSecret.
fn made_now(
    name: &str,
    arn: &str,
    scheduled_for_deletion: bool,
    tags: BTreeMap<String, String>,
) -> SecretInfo {
    let now = Some(std::time::SystemTime::now());
    SecretInfo {
        created: now,
        last_changed: now,
        ..SecretInfo::plain(name, arn, scheduled_for_deletion, tags)
    }
}

impl FakeSecrets {
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts a secret in place as if made outside the provider.
    pub fn insert(
        &self,
        name: &str,
        tags: BTreeMap<String, String>,
        scheduled_for_deletion: bool,
    ) -> String {
        let mut state = self.state.lock().unwrap();
        let arn = state.arn_for(name);
        state.secrets.insert(
            name.to_owned(),
            made_now(name, &arn, scheduled_for_deletion, tags),
        );
        arn
    }

    /// Changes a secret as someone outside the provider could.
    pub fn alter(&self, name: &str, change: impl FnOnce(&mut SecretInfo)) {
        let mut state = self.state.lock().unwrap();
        change(
            state
                .secrets
                .get_mut(name)
                .expect("alter a secret that exists"),
        );
    }

    /// Gives a secret a resource policy.
    pub fn attach_policy(&self, name: &str) {
        self.state
            .lock()
            .unwrap()
            .with_policy
            .insert(name.to_owned());
    }

    pub fn deny(&self, name: &str) {
        self.state.lock().unwrap().denied.insert(name.to_owned());
    }

    pub fn allow(&self, name: &str) {
        self.state.lock().unwrap().denied.remove(name);
    }

    /// Only `operation` on `name` fails with AccessDenied.
    pub fn deny_call(&self, operation: &str, name: &str) {
        self.state
            .lock()
            .unwrap()
            .denied_calls
            .insert((operation.to_owned(), name.to_owned()));
    }

    pub fn deny_listing(&self) {
        self.state.lock().unwrap().listing_denied = true;
    }

    /// ListSecrets leaves `name` out, as AWS's may for minutes after a write.
    pub fn hide_from_listing(&self, name: &str) {
        self.state.lock().unwrap().unlisted.insert(name.to_owned());
    }

    pub fn get(&self, name: &str) -> Option<SecretInfo> {
        self.state.lock().unwrap().secrets.get(name).cloned()
    }

    /// The recovery window the latest DeleteSecret of `name` asked for.
    pub fn deletion_window(&self, name: &str) -> Option<i64> {
        self.state.lock().unwrap().windows.get(name).copied()
    }

    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }

    fn enter(
        &self,
        operation: &str,
        key: &str,
    ) -> Result<std::sync::MutexGuard<'_, FakeState>, ApiError> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!("{operation} {key}"));
        let name = state.name_of(key);
        if state.denied.contains(&name)
            || state
                .denied_calls
                .contains(&(operation.to_owned(), name.clone()))
        {
            return Err(error(
                ErrorKind::Other,
                "AccessDeniedException",
                format!("not allowed to {operation} {name}"),
            ));
        }
        Ok(state)
    }
}

/// Whether a secret passes a ListSecrets filter (prefix matches, any tag).
fn listed(secret: &SecretInfo, filter: &ListFilter) -> bool {
    let starts =
        |text: &str, prefix: &Option<String>| prefix.as_deref().is_none_or(|p| text.starts_with(p));
    (filter.include_scheduled || !secret.scheduled_for_deletion)
        && (filter.name_prefixes.is_empty()
            || filter
                .name_prefixes
                .iter()
                .any(|p| secret.name.starts_with(p)))
        && (filter.tag_key.is_none() || secret.tags.keys().any(|k| starts(k, &filter.tag_key)))
        && (filter.tag_value.is_none()
            || secret.tags.values().any(|v| starts(v, &filter.tag_value)))
}

impl FakeState {
    fn arn_for(&mut self, name: &str) -> String {
        self.next_suffix += 1;
        format!(
            "arn:aws:secretsmanager:us-east-1:000000000000:secret:{name}-{:06}",
            self.next_suffix
        )
    }

    /// Accepts a name or an ARN, as the service does.
    fn name_of(&self, key: &str) -> String {
        self.secrets
            .values()
            .find(|s| s.arn == key)
            .map_or_else(|| key.to_owned(), |s| s.name.clone())
    }

    /// A secret that answers calls other than DescribeSecret and
    /// RestoreSecret: not scheduled for deletion.
    fn live_mut(&mut self, key: &str) -> ApiResult<&mut SecretInfo> {
        let secret = self.secret_mut(key)?;
        if secret.scheduled_for_deletion {
            return Err(error(
                ErrorKind::ScheduledForDeletion,
                "InvalidRequestException",
                "You can't perform this operation on the secret because it was marked for deletion."
                    .into(),
            ));
        }
        Ok(secret)
    }

    fn secret_mut(&mut self, key: &str) -> ApiResult<&mut SecretInfo> {
        let name = self.name_of(key);
        self.secrets.get_mut(&name).ok_or_else(|| {
            error(
                ErrorKind::NotFound,
                "ResourceNotFoundException",
                format!("{key} not found"),
            )
        })
    }
}

#[async_trait]
impl SecretsApi for FakeSecrets {
    async fn create(
        &self,
        name: &str,
        tags: &BTreeMap<String, String>,
        kms_key_id: Option<&str>,
    ) -> ApiResult<String> {
        let mut state = self.enter("CreateSecret", name)?;
        if let Some(existing) = state.secrets.get(name) {
            return Err(if existing.scheduled_for_deletion {
                error(
                    ErrorKind::ScheduledForDeletion,
                    "InvalidRequestException",
                    format!("{name} is already scheduled for deletion"),
                )
            } else {
                error(
                    ErrorKind::AlreadyExists,
                    "ResourceExistsException",
                    format!("{name} already exists"),
                )
            });
        }
        let arn = state.arn_for(name);
        let mut info = made_now(name, &arn, false, tags.clone());
        info.kms_key_id = kms_key_id.map(str::to_owned);
        state.secrets.insert(name.to_owned(), info);
        Ok(arn)
    }

    async fn set_kms_key(&self, arn: &str, kms_key_id: &str) -> ApiResult<()> {
        let mut state = self.enter("UpdateSecret", arn)?;
        state.secret_mut(arn)?.kms_key_id = Some(kms_key_id.to_owned());
        Ok(())
    }

    async fn describe(&self, key: &str) -> ApiResult<Option<SecretInfo>> {
        let state = self.enter("DescribeSecret", key)?;
        Ok(state.secrets.get(&state.name_of(key)).cloned())
    }

    async fn restore(&self, arn: &str) -> ApiResult<()> {
        let mut state = self.enter("RestoreSecret", arn)?;
        state.secret_mut(arn)?.scheduled_for_deletion = false;
        Ok(())
    }

    async fn delete(&self, arn: &str, recovery_window_in_days: i64) -> ApiResult<()> {
        let mut state = self.enter("DeleteSecret", arn)?;
        if !(7..=30).contains(&recovery_window_in_days) {
            return Err(error(
                ErrorKind::Other,
                "InvalidParameterException",
                "bad recovery window".into(),
            ));
        }
        let scheduled_now = match state.secret_mut(arn) {
            // AWS refuses a second delete with "marked for deletion"; the
            // trait's contract counts that as deleted.
            Ok(secret) if secret.scheduled_for_deletion => None,
            Ok(secret) => {
                secret.scheduled_for_deletion = true;
                Some(secret.name.clone())
            }
            Err(e) if e.kind == ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if let Some(name) = scheduled_now {
            state.windows.insert(name, recovery_window_in_days);
        }
        Ok(())
    }

    async fn tag(&self, arn: &str, tags: &BTreeMap<String, String>) -> ApiResult<()> {
        let mut state = self.enter("TagResource", arn)?;
        let secret = state.live_mut(arn)?;
        let mut after = secret.tags.clone();
        after.extend(tags.clone());
        let counted = after.keys().filter(|k| !k.starts_with("aws:")).count();
        if counted > 50 {
            return Err(error(
                ErrorKind::Other,
                "InvalidParameterException",
                format!("the secret would carry {counted} tags; 50 are allowed"),
            ));
        }
        secret.tags = after;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: &[String]) -> ApiResult<()> {
        let mut state = self.enter("UntagResource", arn)?;
        let secret = state.live_mut(arn)?;
        for key in keys {
            secret.tags.remove(key);
        }
        Ok(())
    }

    async fn has_resource_policy(&self, arn: &str) -> ApiResult<bool> {
        let mut state = self.enter("GetResourcePolicy", arn)?;
        let name = state.live_mut(arn)?.name.clone();
        Ok(state.with_policy.contains(&name))
    }

    /// Pages in name order; the token is where the next page starts.
    async fn list_page(
        &self,
        filter: &ListFilter,
        next_token: Option<&str>,
    ) -> ApiResult<ListPage> {
        let state = self.enter("ListSecrets", next_token.unwrap_or("-"))?;
        if state.listing_denied {
            return Err(error(
                ErrorKind::Other,
                "AccessDeniedException",
                "not allowed to ListSecrets".into(),
            ));
        }
        let start: usize = next_token.map_or(0, |t| t.parse().unwrap_or(usize::MAX));
        let matching: Vec<&SecretInfo> = state
            .secrets
            .values()
            .filter(|s| listed(s, filter) && !state.unlisted.contains(&s.name))
            .collect();
        let end = start
            .saturating_add(LIST_PAGE_SIZE as usize)
            .min(matching.len());
        let secrets = matching
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(|s| SecretInfo {
                replicated: false,
                ..(*s).clone()
            })
            .collect();
        let next_token = (end < matching.len()).then(|| end.to_string());
        Ok(ListPage {
            secrets,
            next_token,
        })
    }
}
