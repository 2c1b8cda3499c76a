//! The provider block's schema; docs/index.md is generated from it.

use crate::tf::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::tf::value::Type;

pub const DEFAULT_RECOVERY_WINDOW_DAYS: i64 = 30;

pub fn provider_schema() -> Schema {
    let endpoints = Block::new("Custom service endpoints, for example LocalStack's.")
        .attribute(
            Attribute::optional("secretsmanager", Type::String)
                .description("Endpoint URL for AWS Secrets Manager. Overrides `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `AWS_ENDPOINT_URL`."),
        )
        .attribute(
            Attribute::optional("sts", Type::String)
                .description("Endpoint URL for AWS STS, used to validate credentials and find the account ID. Overrides `AWS_ENDPOINT_URL_STS` and `AWS_ENDPOINT_URL`."),
        )
        .attribute(
            Attribute::optional("kms", Type::String)
                .description("Endpoint URL for AWS KMS, asked (DescribeKey only) to resolve a `kms_key_id` alias to its key ARN and to tell whether a key ARN is the AWS-managed key. Overrides `AWS_ENDPOINT_URL_KMS` and `AWS_ENDPOINT_URL`."),
        );
    let default_tags = Block::new("Tags added to every secret this provider creates.").attribute(
        Attribute::optional("tags", Type::map(Type::String))
            .description("Tags added to every secret this provider creates, beside its own `planton.ai/*` ownership tags. The whole `planton.ai/` namespace is reserved: a key in it, compared without case and ignoring surrounding spaces, is refused. At most 46: AWS allows 50 tags per secret and the provider adds up to 4 of its own over a secret's life. Keys of 1 to 127 and values of at most 255 characters, letters, numbers, spaces and `+ - = . _ : / @`, without the `aws:` prefix, as AWS documents. Changing them updates the secrets in place, adding the new tags before removing the old ones."),
    );
    let ignore_tags = Block::new("Tags other tools set on the secrets, which this provider leaves alone.")
        .attribute(Attribute::optional("keys", Type::set(Type::String)).description(
            "Tag keys to ignore: not set from `default_tags`, not removed, not shown in `tags_all`, and not counted as a change when a scheduled secret is restored.",
        ))
        .attribute(Attribute::optional("key_prefixes", Type::set(Type::String)).description(
            "Tag key prefixes to ignore, as `keys`. Neither may reach the `planton.ai/` ownership tags.",
        ));
    let block = Block::new(
        "Manages AWS Secrets Manager secret containers (never secret values). Every argument is optional and follows the AWS provider's conventions.",
    )
    .attribute(Attribute::optional("region", Type::String).description(
        "AWS region. Defaults to `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's region.",
    ))
    .attribute(Attribute::optional("profile", Type::String).description(
        "Named profile from the shared configuration and credentials files. Defaults to `AWS_PROFILE`.",
    ))
    .attribute(
        Attribute::optional("shared_config_files", Type::list(Type::String))
            .description("Paths of shared configuration files. Defaults to `~/.aws/config`."),
    )
    .attribute(
        Attribute::optional("shared_credentials_files", Type::list(Type::String))
            .description("Paths of shared credentials files. Defaults to `~/.aws/credentials`."),
    )
    .attribute(
        Attribute::optional("access_key", Type::String)
            .sensitive()
            .description("Static access key ID. Without it the standard AWS credential chain is used."),
    )
    .attribute(
        Attribute::optional("secret_key", Type::String)
            .sensitive()
            .description("Static secret access key, required with `access_key`."),
    )
    .attribute(
        Attribute::optional("token", Type::String)
            .sensitive()
            .description("Session token for temporary static credentials."),
    )
    .attribute(Attribute::optional("skip_credentials_validation", Type::Bool).description(
        "Skip the STS GetCallerIdentity call that checks the credentials when the provider is configured.",
    ))
    .attribute(Attribute::optional("skip_requesting_account_id", Type::Bool).description(
        "Do not learn the account ID (STS GetCallerIdentity is then only called to validate credentials, unless `skip_credentials_validation` is set). Resources then cannot check that their secrets are in the provider's account, and `allowed_account_ids` / `forbidden_account_ids` cannot be used.",
    ))
    .attribute(Attribute::optional("recovery_window_in_days", Type::Number).description(
        "Days (7 to 30, default 30) a removed secret stays recoverable before AWS deletes it. Secrets are never force-deleted. A resource's own `recovery_window_in_days` overrides it for that resource.",
    ))
    .attribute(Attribute::optional("max_retries", Type::Number).description(
        "How many times a throttled or failed AWS call is retried (0 to 100, default 10), with jittered exponential back-off. Calls are also paced per operation to stay just under the service's quotas.",
    ))
    .attribute(Attribute::optional("use_fips_endpoint", Type::Bool).description(
        "Use the FIPS endpoints of Secrets Manager, STS and KMS, resolved as the AWS SDK does (also `AWS_USE_FIPS_ENDPOINT`). An endpoint given in `endpoints` (or an `AWS_ENDPOINT_URL*` variable) is used as written.",
    ))
    .attribute(Attribute::optional("use_dualstack_endpoint", Type::Bool).description(
        "Use the dual-stack (IPv4 and IPv6) endpoints, resolved as the AWS SDK does (also `AWS_USE_DUALSTACK_ENDPOINT`). An endpoint given in `endpoints` is used as written.",
    ))
    .attribute(Attribute::optional("retry_mode", Type::String).description(
        "`adaptive` (default): Secrets Manager calls are retried with jittered back-off and each operation is paced to stay under its quota, slowing down after a throttle. `standard`: retried with back-off only, no pacing. STS and KMS calls keep the AWS SDK's standard retries.",
    ))
    .attribute(Attribute::optional("insecure", Type::Bool).description(
        "Accepted for hashicorp/aws compatibility. `false` (default) verifies TLS certificates; `true` is refused, because this provider does not turn off certificate verification: trust a private CA with `custom_ca_bundle` instead.",
    ))
    .attribute(Attribute::optional("skip_metadata_api_check", Type::Bool).description(
        "Accepted for hashicorp/aws compatibility; no effect: the provider itself never calls the EC2 instance metadata API, and the AWS SDK's credential and region chains ask it only as their last source (set `AWS_EC2_METADATA_DISABLED=true` to stop that).",
    ))
    .attribute(Attribute::optional("skip_region_validation", Type::Bool).description(
        "Accept any region name. Without it a region must be shaped like an AWS region name (`us-east-1`, `us-gov-west-1`, ...), checked at plan time.",
    ))
    .block(NestedBlock::new("endpoints", Nesting::Single, endpoints))
    .block(NestedBlock::new("default_tags", Nesting::Single, default_tags))
    .block(NestedBlock::new("ignore_tags", Nesting::Single, ignore_tags));
    Schema::new(0, crate::provider::auth::schema::add_to(block))
}
