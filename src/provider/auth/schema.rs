//! The provider-block schema of the authentication arguments, with the
//! hashicorp/aws provider's names and meanings.

use crate::tf::schema::{Attribute, Block, NestedBlock, Nesting};
use crate::tf::value::Type;

/// Adds the authentication attributes and blocks to the provider block.
pub fn add_to(block: Block) -> Block {
    block
        .attribute(
            Attribute::optional("allowed_account_ids", Type::set(Type::String)).description(
                "Account IDs the provider may act in. The account of the final credentials is learned once with STS GetCallerIdentity when the provider is configured; any other account is an error before any Secrets Manager call. Conflicts with `forbidden_account_ids` and `skip_requesting_account_id`.",
            ),
        )
        .attribute(
            Attribute::optional("forbidden_account_ids", Type::set(Type::String)).description(
                "Account IDs the provider must never act in, checked like `allowed_account_ids` (which it conflicts with).",
            ),
        )
        .attribute(Attribute::optional("sts_region", Type::String).description(
            "Region of every STS call (role assumption and GetCallerIdentity). Defaults to `region`.",
        ))
        .attribute(Attribute::optional("custom_ca_bundle", Type::String).description(
            "Path of a PEM file of CA certificates to trust, in addition to the system's, for every AWS endpoint. Defaults to `AWS_CA_BUNDLE`.",
        ))
        .attribute(Attribute::optional("http_proxy", Type::String).description(
            "Proxy URL for `http://` AWS endpoints. Defaults to `HTTP_PROXY` / `http_proxy`. When both proxy arguments are set they must be equal.",
        ))
        .attribute(Attribute::optional("https_proxy", Type::String).description(
            "Proxy URL for `https://` AWS endpoints. Defaults to `HTTPS_PROXY` / `https_proxy`.",
        ))
        .attribute(Attribute::optional("no_proxy", Type::String).description(
            "Comma-separated hosts that bypass the proxy. Defaults to `NO_PROXY` / `no_proxy`.",
        ))
        .block(NestedBlock::new("assume_role", Nesting::List, assume_role()))
        .block(NestedBlock::new(
            "assume_role_with_web_identity",
            Nesting::Single,
            web_identity(),
        ))
}

fn role_arn(what: &str) -> Attribute {
    Attribute::required("role_arn", Type::String)
        .description(format!("ARN of the IAM role to assume{what}."))
}

fn session_name() -> Attribute {
    Attribute::optional("session_name", Type::String).description(
        "Session name, shown in CloudTrail. Defaults to `terraform-provider-planton-` and a timestamp.",
    )
}

fn duration() -> Attribute {
    Attribute::optional("duration", Type::String).description(
        "Session length as a Go duration (`\"15m\"` to `\"12h\"`, for example `\"1h\"`). Defaults to STS's one hour. Credentials are renewed before they expire, so a long apply keeps working.",
    )
}

fn policy() -> Attribute {
    Attribute::optional("policy", Type::String)
        .description("IAM policy JSON that further restricts the session's permissions.")
}

fn policy_arns() -> Attribute {
    Attribute::optional("policy_arns", Type::set(Type::String))
        .description("ARNs of managed policies that further restrict the session's permissions.")
}

fn assume_role() -> Block {
    Block::new(
        "A role to assume. Several blocks chain in order: each role is assumed with the credentials of the one before, the first with the provider's own credentials.",
    )
    .attribute(role_arn(""))
    .attribute(session_name())
    .attribute(
        Attribute::optional("external_id", Type::String)
            .description("External ID the role's trust policy requires."),
    )
    .attribute(duration())
    .attribute(policy())
    .attribute(policy_arns())
    .attribute(
        Attribute::optional("tags", Type::map(Type::String))
            .description("Session tags."),
    )
    .attribute(
        Attribute::optional("transitive_tag_keys", Type::set(Type::String))
            .description("Keys of session tags that pass on to roles assumed later in the chain."),
    )
    .attribute(
        Attribute::optional("source_identity", Type::String)
            .description("Source identity recorded for the session."),
    )
}

fn web_identity() -> Block {
    Block::new(
        "Exchange an OIDC web identity token (for example from a CI system) for a role's credentials; the `assume_role` chain, if any, starts from them.",
    )
    .attribute(role_arn(" with the token"))
    .attribute(session_name())
    .attribute(
        Attribute::optional("web_identity_token", Type::String)
            .sensitive()
            .description("The OIDC token itself. Conflicts with `web_identity_token_file`."),
    )
    .attribute(Attribute::optional("web_identity_token_file", Type::String).description(
        "Path of a file holding the OIDC token, read again at every renewal.",
    ))
    .attribute(duration())
    .attribute(policy())
    .attribute(policy_arns())
}
