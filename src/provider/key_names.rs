//! KMS key names as a secret or a resource gives them: which name is the
//! AWS-managed key, when two names are the same key, and the key ARN a
//! name alone tells. No KMS call (see `keys`), no AWS client: a leaf that
//! `secrets` and `keys` both use.

use crate::provider::arn::partition_of_region;

/// The alias of the key Secrets Manager uses when none is chosen.
pub const AWS_MANAGED_KEY_ALIAS: &str = "alias/aws/secretsmanager";

/// The four ways a key can be named (as CreateSecret's KmsKeyId accepts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyName<'a> {
    /// `1234abcd-...` or `mrk-...`.
    KeyId(&'a str),
    /// `arn:PARTITION:kms:REGION:ACCOUNT:key/ID`.
    KeyArn(&'a str),
    /// `alias/NAME`.
    AliasName(&'a str),
    /// `arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME`.
    AliasArn(&'a str),
}

impl<'a> KeyName<'a> {
    pub fn parse(key: &'a str) -> Self {
        match arn_resource(key) {
            Some(resource) if resource.starts_with("alias/") => KeyName::AliasArn(key),
            Some(_) => KeyName::KeyArn(key),
            None if key.starts_with("alias/") => KeyName::AliasName(key),
            None => KeyName::KeyId(key),
        }
    }

    /// The name as an ARN's resource part: `key/ID` or `alias/NAME`.
    fn resource(&self) -> String {
        match *self {
            KeyName::KeyId(id) => format!("key/{id}"),
            KeyName::AliasName(alias) => alias.to_owned(),
            KeyName::KeyArn(arn) | KeyName::AliasArn(arn) => {
                arn_resource(arn).unwrap_or(arn).to_owned()
            }
        }
    }
}

/// What makes `key` unusable as a KMS key name, if anything (KMS itself
/// judges whether the key exists).
pub fn key_name_problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        return Some("is empty");
    }
    if key.contains(char::is_whitespace) {
        return Some("contains whitespace");
    }
    match KeyName::parse(key) {
        KeyName::KeyArn(arn)
            if !arn_resource(arn).is_some_and(|r| r.len() > 4 && r.starts_with("key/")) =>
        {
            Some("is a KMS ARN that names neither a key (key/ID) nor an alias (alias/NAME)")
        }
        KeyName::KeyId(_) if key.starts_with("arn:") => {
            Some("is an ARN, but not a KMS key or alias ARN")
        }
        KeyName::AliasName(alias) | KeyName::AliasArn(alias) if alias.ends_with('/') => {
            Some("names no alias after alias/")
        }
        _ => None,
    }
}

/// The resource part of a KMS ARN (`key/...` or `alias/...`), or `None`
/// when `key` is not a KMS ARN.
fn arn_resource(key: &str) -> Option<&str> {
    let mut parts = key.splitn(6, ':');
    let (arn, _partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (arn == "arn" && service == "kms").then_some(resource)
}

/// Whether `key` names the AWS-managed key of Secrets Manager by its alias:
/// exactly `alias/aws/secretsmanager`, or an alias ARN whose alias part is
/// exactly that. A look-alike (`alias/alias/aws/secretsmanager`) is a
/// customer's alias, and a key ARN is taken for a customer key unless
/// DescribeKey says otherwise (`keys::is_aws_managed`).
pub fn is_aws_managed_alias(key: &str) -> bool {
    match KeyName::parse(key) {
        KeyName::AliasName(alias) => alias == AWS_MANAGED_KEY_ALIAS,
        KeyName::AliasArn(arn) => arn_resource(arn) == Some(AWS_MANAGED_KEY_ALIAS),
        _ => false,
    }
}

/// Whether a secret encrypted with `secret_key` (as DescribeSecret names
/// it, `None` for the AWS-managed key) is on the key a resource asks for:
/// `wanted` as configured (`None`: the AWS-managed key) and `wanted_arn`,
/// the key ARN it resolved to, when known. Names are compared as they are:
/// the same key id with or without its ARN, the same alias with or without
/// its ARN, or the resolved key ARN; an alias never matches a key id
/// without DescribeKey, which this check does not ask.
pub fn same_key(secret_key: Option<&str>, wanted: Option<&str>, wanted_arn: Option<&str>) -> bool {
    let secret_key = secret_key.filter(|k| !is_aws_managed_alias(k));
    let wanted = wanted.filter(|k| !is_aws_managed_alias(k));
    match (secret_key, wanted) {
        (None, None) => true,
        (Some(secret), Some(wanted)) => {
            secret == wanted
                || Some(secret) == wanted_arn
                || KeyName::parse(secret).resource() == KeyName::parse(wanted).resource()
                    && comparable(secret, wanted)
        }
        _ => false,
    }
}

/// Resource parts compare only when at most one side is an ARN (two ARNs
/// in different accounts or regions are different keys).
fn comparable(a: &str, b: &str) -> bool {
    arn_resource(a).is_none() || arn_resource(b).is_none()
}

/// [`policy_key_arn`] when the name alone tells it (no DescribeKey), as at
/// plan time; `None` when only DescribeKey can.
pub fn known_policy_key_arn(
    key: Option<&str>,
    region: &str,
    account: Option<&str>,
) -> Option<Option<String>> {
    let Some(key) = key.filter(|k| !is_aws_managed_alias(k)) else {
        return Some(None);
    };
    match (KeyName::parse(key), account) {
        (KeyName::KeyArn(arn), _) => Some(Some(arn.to_owned())),
        (KeyName::KeyId(id), Some(account)) => Some(Some(format!(
            "arn:{}:kms:{region}:{account}:key/{id}",
            partition_of_region(region).unwrap_or("aws")
        ))),
        _ => None,
    }
}

/// The `kms:ViaService` value that limits a grant to Secrets Manager in
/// `region`.
pub fn via_service(region: &str) -> String {
    let suffix = match partition_of_region(region) {
        Some("aws-cn") => "amazonaws.com.cn",
        _ => "amazonaws.com",
    };
    format!("secretsmanager.{region}.{suffix}")
}
