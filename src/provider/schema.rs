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
        );
    let default_tags = Block::new("Tags added to every secret this provider creates.").attribute(
        Attribute::optional("tags", Type::map(Type::String))
            .description("Tags added to every secret this provider creates, beside its own `planton.ai/*` ownership tags. The whole `planton.ai/` namespace is reserved: a key in it, compared without case and ignoring surrounding spaces, is refused. At most 46: AWS allows 50 tags per secret and the provider adds up to 4 of its own over a secret's life. Keys of 1 to 127 and values of at most 255 characters, letters, numbers, spaces and `+ - = . _ : / @`, without the `aws:` prefix, as AWS documents. Changing them updates the secrets in place, adding the new tags before removing the old ones."),
    );
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
        "Days (7 to 30, default 30) a removed secret stays recoverable before AWS deletes it. Secrets are never force-deleted.",
    ))
    .attribute(Attribute::optional("max_retries", Type::Number).description(
        "How many times a throttled or failed AWS call is retried (0 to 100, default 10), with jittered exponential back-off. Calls are also paced per operation to stay just under the service's quotas.",
    ))
    .block(NestedBlock::new("endpoints", Nesting::Single, endpoints))
    .block(NestedBlock::new("default_tags", Nesting::Single, default_tags));
    Schema::new(0, crate::provider::auth::schema::add_to(block))
}
