//! Authentication against LocalStack's multi-account STS: `assume_role`
//! (one role, and a chain ending in a third account), web identity (block
//! and environment), a profile with `role_arn`, the account guards, a
//! region and an account change under an existing resource, a refused
//! AssumeRole, an HTTP proxy, a custom CA bundle for HTTPS endpoints, and
//! configuration mistakes caught by `terraform validate`. LocalStack files what a role's
//! credentials do under the role's account, so every case is checked on the
//! server. Every credential STS issued (the fault proxy notes them) is
//! searched for in every log, saved plan and state the test produced.

use std::path::PathBuf;

use aws_fault_proxy::{DenyRule, Faults};

use crate::harness::localstack::isolated_access_key;
use crate::harness::resilience::FaultProxy;
use crate::harness::sdk::Sdk;
use crate::harness::{
    for_each_terraform, require_localstack, required_providers_block, unique_prefix, SecretsProbe,
    TfOutput, Workdir,
};

/// One working directory whose provider reaches LocalStack through the
/// fault proxy, with a base account of its own and a log of its runs.
struct AuthCase {
    wd: Workdir,
    proxy: FaultProxy,
    endpoint: String,
    /// The account of the base credentials (a twelve-digit access key).
    base: String,
    prefix: String,
    log: PathBuf,
    /// Accounts whose `prefix` secrets are purged when the case ends.
    accounts: Vec<String>,
    /// Everything Terraform printed, for the credential search.
    outputs: std::cell::RefCell<String>,
}

impl AuthCase {
    fn new(tf: &crate::harness::Terraform, label: &str) -> AuthCase {
        let ls = require_localstack();
        let base = isolated_access_key();
        let mut wd = Workdir::new(tf);
        let log = wd.path().join("terraform.log");
        wd.env("AWS_ACCESS_KEY_ID", &base)
            .env("TF_LOG", "INFO")
            .env("TF_LOG_PATH", &log.display().to_string());
        AuthCase {
            wd,
            proxy: FaultProxy::start(&ls.endpoint),
            endpoint: ls.endpoint.clone(),
            prefix: unique_prefix(label),
            accounts: vec![base.clone()],
            base,
            log,
            outputs: Default::default(),
        }
    }

    /// A fresh account the case cleans up after.
    fn account(&mut self) -> String {
        let account = isolated_access_key();
        self.accounts.push(account.clone());
        account
    }

    fn name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// A provider block reaching STS and Secrets Manager through the proxy,
    /// with credential validation on, plus `extra`.
    fn provider(&self, extra: &str) -> String {
        let ep = self.proxy.endpoint();
        format!(
            "provider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    secretsmanager = \"{ep}\"\n    sts            = \"{ep}\"\n  }}\n{extra}\n}}\n"
        )
    }

    fn write(&self, providers: &str, resources: &str) {
        self.wd.write(
            "main.tf",
            &format!("{}\n{providers}\n{resources}", required_providers_block()),
        );
    }

    fn run(&self, args: &[&str]) -> TfOutput {
        let out = self.wd.run(args);
        self.outputs.borrow_mut().push_str(&out.combined());
        out
    }

    fn apply(&self) -> TfOutput {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    fn plan(&self) -> TfOutput {
        self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
    }

    /// The secret as the server files it in `account`.
    fn describe(
        &self,
        account: &str,
        name: &str,
    ) -> Option<crate::harness::localstack::SecretInfo> {
        SecretsProbe::with_access_key(&self.endpoint, account).describe(name)
    }

    fn state_text(&self) -> String {
        std::fs::read_to_string(self.wd.path().join("terraform.tfstate")).unwrap_or_default()
    }

    /// No credential STS handed out, and no base secret key, appears in the
    /// log, the state, a saved plan or anything Terraform printed. Needs at
    /// least one issued credential, so it cannot pass vacuously.
    fn assert_no_credential_anywhere(&self) {
        let issued: Vec<String> = self
            .proxy
            .operations()
            .into_iter()
            .flat_map(|op| op.issued_credentials)
            .collect();
        assert!(!issued.is_empty(), "STS issued no credentials in this test");
        let mut places = vec![
            (
                "log",
                std::fs::read_to_string(&self.log).unwrap_or_default(),
            ),
            ("state", self.state_text()),
            ("terraform output", self.outputs.borrow().clone()),
        ];
        for file in ["tfplan", "terraform.tfstate.backup"] {
            if let Ok(bytes) = std::fs::read(self.wd.path().join(file)) {
                places.push((file, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        assert!(
            places[0].1.contains("provider.terraform-provider-planton"),
            "the provider's log is missing"
        );
        for credential in issued.iter().filter(|c| c.len() >= 8) {
            for (place, text) in &places {
                assert!(
                    !text.contains(credential.as_str()),
                    "a credential STS issued reached the {place}"
                );
            }
        }
    }
}

impl Drop for AuthCase {
    fn drop(&mut self) {
        for account in &self.accounts {
            Sdk::new(&self.endpoint, account, "planton-acceptance-cleanup")
                .purge_prefix(&self.prefix);
        }
    }
}

fn role(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

/// The ARN in state of `name` in resource `address`.
fn state_arn(case: &AuthCase, address: &str, name: &str) -> String {
    let state = crate::harness::TfState::read(&case.wd);
    let resource = state
        .secrets(address)
        .unwrap_or_else(|| panic!("{address} not in state"));
    resource
        .arns
        .get(name)
        .unwrap_or_else(|| panic!("no ARN for {name} in {address}"))
        .clone()
}

fn assert_error(out: &TfOutput, parts: &[&str]) {
    assert_eq!(out.code(), Some(1), "{}", out.describe());
    // Terraform wraps diagnostics: compare with whitespace runs as one space.
    let text = out
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for part in parts {
        assert!(text.contains(part), "{part:?} missing: {}", out.describe());
    }
}

#[test]
fn roles_chains_account_guards_and_moves_under_a_resource() {
    require_localstack();
    for_each_terraform(
        "roles_chains_account_guards_and_moves_under_a_resource",
        |tf| {
            let mut case = AuthCase::new(tf, "auth-roles");
            let (b, c) = (case.account(), case.account());
            let (b1, b2, c1) = (case.name("b1"), case.name("b2"), case.name("c1"));
            let role_b = role(&b, "deploy");
            let default_provider = |extra: &str| {
                case.provider(&format!(
                "  assume_role {{\n    role_arn     = \"{role_b}\"\n    session_name = \"acceptance\"\n  }}\n{extra}"
            ))
            };
            let chain_provider = case.provider(&format!(
            "  alias = \"c\"\n  assume_role {{\n    role_arn = \"{role_b}\"\n  }}\n  assume_role {{\n    role_arn            = \"{}\"\n    duration            = \"15m\"\n    external_id         = \"platform\"\n    tags                = {{ team = \"platform\" }}\n    transitive_tag_keys = [\"team\"]\n    source_identity     = \"acceptance\"\n    policy_arns         = [\"arn:aws:iam::aws:policy/SecretsManagerReadWrite\"]\n    policy              = jsonencode({{ Version = \"2012-10-17\", Statement = [{{ Effect = \"Allow\", Action = \"secretsmanager:*\", Resource = \"*\" }}] }})\n  }}\n  sts_region          = \"us-west-2\"\n  allowed_account_ids = [\"{c}\"]",
            role(&c, "spoke")
        ));
            let resources = format!(
            "resource \"planton_aws_secrets\" \"b\" {{\n  secret_names = [\"{b1}\", \"{b2}\"]\n}}\n\nresource \"planton_aws_secrets\" \"c\" {{\n  provider     = planton.c\n  secret_names = [\"{c1}\"]\n}}\n"
        );
            let guarded = |extra: &str| format!("{}\n{chain_provider}", default_provider(extra));
            case.write(
                &guarded(&format!("  allowed_account_ids = [\"{b}\"]")),
                &resources,
            );
            case.wd.init();
            case.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
                .assert_success();
            case.run(&["apply", "-input=false", "-no-color", "tfplan"])
                .assert_success();

            // One role: account B; a chain through B: account C; never the base.
            for (account, name, address) in [
                (&b, &b1, "planton_aws_secrets.b"),
                (&b, &b2, "planton_aws_secrets.b"),
                (&c, &c1, "planton_aws_secrets.c"),
            ] {
                let info = case
                    .describe(account, name)
                    .unwrap_or_else(|| panic!("{name} not in {account}"));
                assert!(
                    info.arn.contains(&format!(":{account}:secret:")),
                    "{}",
                    info.arn
                );
                assert_eq!(state_arn(&case, address, name), info.arn);
                assert!(
                    case.describe(&case.base, name).is_none(),
                    "{name} made in the base account"
                );
            }
            let ops = case.proxy.operations();
            assert!(
                ops.iter()
                    .filter(|o| o.operation.as_deref() == Some("AssumeRole"))
                    .count()
                    >= 3
            );
            case.plan().assert_code(0);
            let log = std::fs::read_to_string(&case.log).unwrap_or_default();
            assert!(
                log.contains("assuming role") && log.contains(&role_b),
                "role ARN not in the INFO log"
            );
            assert!(
                log.lines()
                    .any(|l| l.contains("AWS caller identity resolved") && l.contains(&c)),
                "resolved account not in the INFO log"
            );

            // The default provider now acts in C: the resource refuses.
            let before = case.state_text();
            case.write(
                &format!(
                    "{}\n{chain_provider}",
                    case.provider(&format!(
                        "  assume_role {{\n    role_arn = \"{}\"\n  }}",
                        role(&c, "spoke")
                    ))
                ),
                &resources,
            );
            let moved = case.plan();
            assert_error(
                &moved,
                &[
                    "Provider account changed under existing secrets",
                    &b,
                    &c,
                    "provider alias",
                ],
            );
            // A region change likewise.
            case.write(
                &guarded("").replacen("us-east-1", "eu-west-1", 1),
                &resources,
            );
            let moved = case.plan();
            assert_error(
                &moved,
                &[
                    "Provider region changed under existing secrets",
                    "us-east-1",
                    "eu-west-1",
                ],
            );
            assert_eq!(
                case.state_text(),
                before,
                "a refused plan changed the state"
            );
            assert!(case
                .describe(&b, &b1)
                .is_some_and(|s| !s.scheduled_for_deletion));

            // Guards: the wrong account stops before any Secrets Manager call.
            for (extra, argument) in [
                (
                    format!("  allowed_account_ids = [\"{}\"]", case.base),
                    "allowed_account_ids",
                ),
                (
                    format!("  forbidden_account_ids = [\"{b}\"]"),
                    "forbidden_account_ids",
                ),
            ] {
                case.write(&guarded(&extra), &resources);
                case.proxy.clear();
                let refused = case.plan();
                assert_error(&refused, &["AWS account not allowed", &b, argument]);
                // The alias for C still refreshes its own resource; nothing
                // reaches B's secrets.
                let in_b: Vec<_> = case
                    .proxy
                    .operations()
                    .into_iter()
                    .filter(|o| {
                        o.target.is_some()
                            && o.secret
                                .as_deref()
                                .is_some_and(|s| s.contains(&format!(":{b}:")))
                    })
                    .map(|o| (o.operation, o.secret))
                    .collect();
                assert!(
                    in_b.is_empty(),
                    "Secrets Manager calls on B's secrets: {in_b:?}"
                );
            }

            case.write(
                &guarded(&format!("  allowed_account_ids = [\"{b}\"]")),
                &resources,
            );
            case.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
                .assert_success();
            for (account, name) in [(&b, &b1), (&c, &c1)] {
                assert!(case
                    .describe(account, name)
                    .is_some_and(|s| s.scheduled_for_deletion));
            }
            case.assert_no_credential_anywhere();
        },
    );
}

#[test]
fn web_identity_block_environment_and_a_profile_role() {
    require_localstack();
    for_each_terraform("web_identity_block_environment_and_a_profile_role", |tf| {
        let mut case = AuthCase::new(tf, "auth-web");
        let (d, e, f) = (case.account(), case.account(), case.account());
        let token = case.wd.path().join("oidc-token");
        std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.acceptance-oidc-token.c2ln").unwrap();
        let names = [case.name("d"), case.name("e"), case.name("f")];

        // The block.
        case.write(
            &case.provider(&format!(
                "  assume_role_with_web_identity {{\n    role_arn                = \"{}\"\n    session_name            = \"ci\"\n    web_identity_token_file = \"{}\"\n    duration                = \"1h\"\n  }}\n  allowed_account_ids = [\"{d}\"]",
                role(&d, "ci"),
                token.display()
            )),
            &format!("resource \"planton_aws_secrets\" \"x\" {{\n  secret_names = [\"{}\"]\n}}\n", names[0]),
        );
        case.wd.init();
        case.apply().assert_success();
        assert!(case.describe(&d, &names[0]).is_some(), "not made in {d}");
        assert!(case
            .proxy
            .operations()
            .iter()
            .any(|o| o.operation.as_deref() == Some("AssumeRoleWithWebIdentity")));
        case.plan().assert_code(0);
        // The token itself instead of its file: same role, nothing to change.
        case.write(
            &case.provider(&format!(
                "  assume_role_with_web_identity {{\n    role_arn           = \"{}\"\n    web_identity_token = \"inline-acceptance-oidc-token\"\n    policy_arns        = [\"arn:aws:iam::aws:policy/SecretsManagerReadWrite\"]\n  }}\n  allowed_account_ids = [\"{d}\"]",
                role(&d, "ci"),
            )),
            &format!("resource \"planton_aws_secrets\" \"x\" {{\n  secret_names = [\"{}\"]\n}}\n", names[0]),
        );
        case.plan().assert_code(0);
        case.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
            .assert_success();

        // The environment (no keys in it).
        case.wd
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_ROLE_ARN", &role(&e, "ci"))
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token.display().to_string());
        case.write(
            &case.provider(""),
            &format!(
                "resource \"planton_aws_secrets\" \"x\" {{\n  secret_names = [\"{}\"]\n}}\n",
                names[1]
            ),
        );
        case.apply().assert_success();
        assert!(case.describe(&e, &names[1]).is_some(), "not made in {e}");
        case.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
            .assert_success();

        // A profile whose role is assumed from another profile's role
        // (deploy <- hub <- base keys). No endpoint_url anywhere: those
        // AssumeRole calls reach STS only if endpoints.sts carries them.
        case.wd
            .env_remove("AWS_ROLE_ARN")
            .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE");
        let hub = case.account();
        let config = case.wd.path().join("aws-config");
        std::fs::write(
            &config,
            format!(
                "[profile base]\naws_access_key_id = {}\naws_secret_access_key = base-secret-for-profile\n\n[profile hub]\nrole_arn = {}\nsource_profile = base\n\n[profile deploy]\nrole_arn = {}\nsource_profile = hub\nrole_session_name = profile-chain\n",
                case.base,
                role(&hub, "hub"),
                role(&f, "deploy"),
            ),
        )
        .unwrap();
        case.write(
            &case.provider(&format!(
                "  profile             = \"deploy\"\n  shared_config_files = [\"{}\"]\n  allowed_account_ids = [\"{f}\"]",
                config.display()
            )),
            &format!("resource \"planton_aws_secrets\" \"x\" {{\n  secret_names = [\"{}\"]\n}}\n", names[2]),
        );
        let assumed_before = case.proxy.count("AssumeRole");
        case.apply().assert_success();
        assert!(case.describe(&f, &names[2]).is_some(), "not made in {f}");
        let assumed = case.proxy.count("AssumeRole") - assumed_before;
        // Two roles (hub, then deploy) each time a provider starts.
        assert!(
            assumed >= 2 && assumed.is_multiple_of(2),
            "the profile's roles were not assumed through endpoints.sts: {assumed} AssumeRole calls"
        );
        case.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
            .assert_success();
        case.assert_no_credential_anywhere();
        let log = std::fs::read_to_string(&case.log).unwrap_or_default();
        for token in ["acceptance-oidc-token", "inline-acceptance-oidc-token"] {
            assert!(
                !log.contains(token),
                "the web identity token reached the log"
            );
            assert!(
                !case.state_text().contains(token),
                "the web identity token reached the state"
            );
            assert!(
                !case.outputs.borrow().contains(token),
                "the web identity token was printed"
            );
        }
        assert!(
            !log.contains("base-secret-for-profile"),
            "the profile's secret key reached the log"
        );
    });
}

#[test]
fn a_denied_assume_role_is_one_error_naming_role_and_caller() {
    require_localstack();
    for_each_terraform(
        "a_denied_assume_role_is_one_error_naming_role_and_caller",
        |tf| {
            let mut case = AuthCase::new(tf, "auth-denied");
            let b = case.account();
            let role_b = role(&b, "deploy");
            case.proxy.set_faults(Faults {
                deny: vec![DenyRule::new("AssumeRole", "*")],
                ..Faults::default()
            });
            case.write(
                &case.provider(&format!(
                    "  assume_role {{\n    role_arn = \"{role_b}\"\n  }}"
                )),
                &format!(
                    "resource \"planton_aws_secrets\" \"x\" {{\n  secret_names = [\"{}\"]\n}}\n",
                    case.name("a")
                ),
            );
            case.wd.init();
            let out = case.apply();
            assert_error(
                &out,
                &[
                    "Cannot assume AWS role",
                    &role_b,
                    &format!("arn:aws:iam::{}:", case.base),
                    "AccessDenied",
                    "trust policy",
                    "assume_role",
                ],
            );
            assert_eq!(
                out.combined().matches("Error: ").count(),
                1,
                "{}",
                out.describe()
            );
            let calls: Vec<_> = case
                .proxy
                .operations()
                .into_iter()
                .filter(|o| o.target.is_some())
                .map(|o| o.operation)
                .collect();
            assert!(calls.is_empty(), "Secrets Manager was called: {calls:?}");
            assert!(case.describe(&b, &case.name("a")).is_none());
        },
    );
}

#[test]
fn a_proxy_carries_every_call() {
    require_localstack();
    for_each_terraform("a_proxy_carries_every_call", |tf| {
        let mut case = AuthCase::new(tf, "auth-proxy");
        // The endpoint's host does not resolve: only the proxy can reach it.
        let unreachable = "http://aws.planton-proxy-test.invalid:4566";
        let name = case.name("p");
        let provider = |extra: &str| {
            format!(
                "provider \"planton\" {{\n  region     = \"us-east-1\"\n  http_proxy = \"{}\"\n  endpoints {{\n    secretsmanager = \"{unreachable}\"\n    sts            = \"{unreachable}\"\n  }}\n{extra}\n}}\n",
                case.proxy.endpoint()
            )
        };
        let resource = format!(
            "resource \"planton_aws_secrets\" \"x\" {{\n  secret_names = [\"{name}\"]\n}}\n"
        );
        case.write(&provider(""), &resource);
        case.wd.init();
        case.apply().assert_success();
        assert!(case.describe(&case.base, &name).is_some());
        let ops: Vec<String> = case
            .proxy
            .operations()
            .into_iter()
            .filter_map(|o| o.operation)
            .collect();
        assert!(
            ops.contains(&"GetCallerIdentity".to_owned())
                && ops.contains(&"CreateSecret".to_owned()),
            "{ops:?}"
        );

        // no_proxy: a dead proxy is bypassed for the hosts it lists.
        let dead = "http://127.0.0.1:9";
        let direct = case.proxy.endpoint();
        case.write(
            &format!(
                "provider \"planton\" {{\n  region      = \"us-east-1\"\n  https_proxy = \"{dead}\"\n  http_proxy  = \"{dead}\"\n  no_proxy    = \"127.0.0.1,localhost\"\n  endpoints {{\n    secretsmanager = \"{direct}\"\n    sts            = \"{direct}\"\n  }}\n}}\n"
            ),
            &resource,
        );
        case.plan().assert_code(0);
        // Without it, the dead proxy is all there is.
        case.write(
            &format!(
                "provider \"planton\" {{\n  region     = \"us-east-1\"\n  http_proxy = \"{dead}\"\n  endpoints {{\n    secretsmanager = \"{direct}\"\n    sts            = \"{direct}\"\n  }}\n}}\n"
            ),
            &resource,
        );
        assert_eq!(case.plan().code(), Some(1));

        // The same from the environment: HTTP_PROXY carries calls to a host
        // only the proxy reaches; NO_PROXY bypasses a dead one.
        case.wd.env("HTTP_PROXY", &case.proxy.endpoint());
        case.write(
            &format!(
                "provider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    secretsmanager = \"{unreachable}\"\n    sts            = \"{unreachable}\"\n  }}\n}}\n"
            ),
            &resource,
        );
        case.plan().assert_code(0);
        let direct_provider = format!(
            "provider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    secretsmanager = \"{direct}\"\n    sts            = \"{direct}\"\n  }}\n}}\n"
        );
        case.wd.env("HTTP_PROXY", dead).env("NO_PROXY", "127.0.0.1");
        case.write(&direct_provider, &resource);
        case.plan().assert_code(0);
        case.wd.env_remove("NO_PROXY");
        assert_eq!(case.plan().code(), Some(1));
        case.wd.env_remove("HTTP_PROXY");

        // A CA bundle that is not one fails on its argument.
        let bad = case.wd.path().join("not-a-ca.pem");
        std::fs::write(&bad, "not a certificate").unwrap();
        case.write(
            &provider(&format!("  custom_ca_bundle = \"{}\"", bad.display())),
            &resource,
        );
        let out = case.plan();
        assert_error(
            &out,
            &["Invalid CA bundle", "custom_ca_bundle", "not-a-ca.pem"],
        );
        case.write(&provider(""), &resource);
        case.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
            .assert_success();
        assert!(case
            .describe(&case.base, &name)
            .is_some_and(|s| s.scheduled_for_deletion));
    });
}

/// An HTTPS front for a plain-HTTP endpoint, with a certificate for
/// `localhost` from a CA of its own: only a client that trusts `ca_pem`
/// gets through.
struct TlsFront {
    url: String,
    ca_pem: String,
    _runtime: tokio::runtime::Runtime,
}

impl TlsFront {
    fn start(upstream: &str) -> TlsFront {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        use std::sync::Arc;

        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "planton acceptance CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&leaf_key, &ca)
            .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = upstream.trim_start_matches("http://").to_owned();
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    if let Ok(mut plain) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    }
                });
            }
        });
        TlsFront {
            url: format!("https://localhost:{port}"),
            ca_pem: ca.pem(),
            _runtime: runtime,
        }
    }
}

#[test]
fn a_custom_ca_bundle_is_trusted_for_https_endpoints() {
    require_localstack();
    for_each_terraform("a_custom_ca_bundle_is_trusted_for_https_endpoints", |tf| {
        let mut case = AuthCase::new(tf, "auth-ca");
        let front = TlsFront::start(&case.proxy.endpoint());
        let bundle = case.wd.path().join("test-ca.pem");
        std::fs::write(&bundle, &front.ca_pem).unwrap();
        let name = case.name("tls");
        let provider = |extra: &str| {
            format!(
                "provider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    secretsmanager = \"{url}\"\n    sts            = \"{url}\"\n  }}\n{extra}\n}}\n",
                url = front.url
            )
        };
        let resource = format!(
            "resource \"planton_aws_secrets\" \"x\" {{\n  secret_names = [\"{name}\"]\n}}\n"
        );

        // Unknown CA: refused before anything is made.
        case.write(&provider(""), &resource);
        case.wd.init();
        let refused = case.plan();
        assert_eq!(refused.code(), Some(1), "{}", refused.describe());
        assert!(
            refused.combined().to_lowercase().contains("certificate"),
            "{}",
            refused.describe()
        );

        // custom_ca_bundle trusts it.
        case.write(
            &provider(&format!("  custom_ca_bundle = \"{}\"", bundle.display())),
            &resource,
        );
        case.apply().assert_success();
        assert!(case.describe(&case.base, &name).is_some());
        assert!(case.proxy.count("CreateSecret") >= 1);

        // So does AWS_CA_BUNDLE.
        case.wd.env("AWS_CA_BUNDLE", &bundle.display().to_string());
        case.write(&provider(""), &resource);
        case.plan().assert_code(0);
        case.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
            .assert_success();
        assert!(case
            .describe(&case.base, &name)
            .is_some_and(|s| s.scheduled_for_deletion));
    });
}

#[test]
fn authentication_mistakes_fail_validation_on_their_argument() {
    require_localstack();
    for_each_terraform(
        "authentication_mistakes_fail_validation_on_their_argument",
        |tf| {
            let mut case = AuthCase::new(tf, "auth-validate");
            let resource =
                "resource \"planton_aws_secrets\" \"x\" {\n  secret_names = [\"v\"]\n}\n";
            let role = "arn:aws:iam::111111111111:role/deploy";
            let cases = [
            (
                "  allowed_account_ids   = [\"111111111111\"]\n  forbidden_account_ids = [\"222222222222\"]".to_owned(),
                "Conflicting account guards",
            ),
            (
                "  allowed_account_ids        = [\"111111111111\"]\n  skip_requesting_account_id = true".to_owned(),
                "Account guard needs the account ID",
            ),
            (
                format!("  assume_role {{\n    role_arn = \"{role}\"\n    duration = \"5m\"\n  }}"),
                "Invalid duration",
            ),
            (
                "  assume_role {\n    role_arn = \"deploy\"\n  }".to_owned(),
                "Invalid role ARN",
            ),
            (
                format!("  assume_role_with_web_identity {{\n    role_arn = \"{role}\"\n  }}"),
                "Missing web identity token",
            ),
        ];
            case.write(&case.provider(""), resource);
            case.wd.init();
            for (extra, summary) in cases {
                case.write(&case.provider(&extra), resource);
                let out = case.run(&["validate", "-no-color"]);
                assert_error(&out, &[summary]);
            }
            // A profile chain that loops is refused at configure, on
            // `profile`, before any call.
            let config = case.wd.path().join("looping-config");
            std::fs::write(
                &config,
                format!("[profile a]\nrole_arn = {role}\nsource_profile = b\n\n[profile b]\nrole_arn = {role}\nsource_profile = a\n"),
            )
            .unwrap();
            case.wd
                .env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY");
            case.write(
                &case.provider(&format!(
                    "  profile             = \"a\"\n  shared_config_files = [\"{}\"]",
                    config.display()
                )),
                resource,
            );
            assert_error(
                &case.plan(),
                &[
                    "Invalid AWS profile",
                    "form a loop: a -> b -> a",
                    "with provider",
                ],
            );
            // Nothing reached AWS.
            assert!(case.proxy.operations().is_empty());
        },
    );
}
