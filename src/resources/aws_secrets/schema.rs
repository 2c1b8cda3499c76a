//! The `planton_aws_secrets` schema; docs/resources/aws_secrets.md is
//! generated from it.

use crate::provider::policy::{KEPT_DOCUMENTS_DESCRIPTION, READ_POLICY_JSON_DESCRIPTION};
use crate::tf::schema::{Attribute, Block, Schema};
use crate::tf::value::Type;

/// Bumped whenever the stored state's shape or meaning changes; older
/// versions are upgraded in `upgrade.rs`. 1: random ids (0 had derived ones).
pub const SCHEMA_VERSION: i64 = 1;

pub const SECRET_NAMES: &str = "secret_names";
pub const ID: &str = "id";
pub const SECRET_ARN_MAP: &str = "secret_arn_map";
pub const READ_POLICY_JSON: &str = "read_policy_json";
pub const READ_POLICY_DOCUMENTS: &str = "read_policy_documents";
pub const TAGS_ALL: &str = "tags_all";
pub const KMS_KEY_ID: &str = "kms_key_id";
pub const RECOVERY_WINDOW: &str = "recovery_window_in_days";

pub fn resource_schema() -> Schema {
    let block = Block::new(
        "A set of AWS Secrets Manager secret containers, created from a list of names. The resource manages the containers only: it never reads or writes a secret value.",
    )
    .attribute(Attribute::required(SECRET_NAMES, Type::set(Type::String)).description(
        "Names of the secrets that must exist, exactly as written (1 to 512 characters of `A-Za-z0-9/_+=.@-`). Adding a name creates (or restores) that secret; removing one schedules it for deletion with the resource's (else the provider's) recovery window.",
    ))
    .attribute(Attribute::optional(KMS_KEY_ID, Type::String).description(
        "The KMS key every secret of the group is encrypted with: a key id, key ARN, alias name (`alias/...`) or alias ARN, in the provider's region. Unset means the AWS-managed key `aws/secretsmanager`. A change is an in-place update (UpdateSecret with only KmsKeyId on each secret; values already stored stay readable, new versions use the new key), never a replacement. With a customer managed key, `read_policy_json` and `read_policy_documents` also grant `kms:Decrypt` on the key's ARN, only through Secrets Manager (`kms:ViaService`); an alias is resolved to that ARN with `kms:DescribeKey`, as is a key id when the provider does not know its account (`skip_requesting_account_id`). See the access guide for the KMS permissions the provider's role and the readers need.",
    ))
    .attribute(Attribute::optional(RECOVERY_WINDOW, Type::Number).description(
        "Days (7 to 30) a secret this resource removes stays restorable, for the names it removes and for `terraform destroy`; overrides the provider's `recovery_window_in_days`. A destroy receives no configuration, so it uses the value recorded in state: after lowering it, apply once before destroying for the lower value to take effect.",
    ))
    .attribute(Attribute::computed(ID, Type::String).description(
        "Identifier fixed at creation (or import): `asm-` and 32 hex digits of randomness. Every secret carries it in its `planton.ai/resource-id` tag, which marks the secret as this resource's: a secret has one owner, and no other resource adopts, restores or deletes it.",
    ))
    .attribute(Attribute::computed(SECRET_ARN_MAP, Type::map(Type::String)).description(
        "Map from each secret name to its ARN.",
    ))
    .attribute(Attribute::computed(READ_POLICY_JSON, Type::String).description(READ_POLICY_JSON_DESCRIPTION))
    .attribute(Attribute::computed(READ_POLICY_DOCUMENTS, Type::list(Type::String)).description(KEPT_DOCUMENTS_DESCRIPTION))
    .attribute(Attribute::computed(TAGS_ALL, Type::map(Type::String)).description(
        "Tags on every secret: the provider's `default_tags` plus the `planton.ai/*` ownership tags.",
    ));
    Schema::new(SCHEMA_VERSION, block)
}
