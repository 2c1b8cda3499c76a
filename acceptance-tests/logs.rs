//! Logs: with TF_LOG=trace, the provider's hclog lines reach Terraform's
//! log, every AWS call has its DEBUG line (operation, secret, outcome,
//! duration, request id), and the static credentials of the provider block
//! appear nowhere in it, neither from the provider nor from the AWS SDK
//! under it.

use crate::harness::proxy::RecordingProxy;
use crate::harness::{
    for_each_terraform, require_localstack, required_providers_block, unique_prefix, Workdir,
};

const ACCESS_KEY: &str = "AKIAPLANTONLOGCHECK7";
const SECRET_KEY: &str = "planton-log-check-secret-5d4c3b2a19";
const TOKEN: &str = "planton-log-check-session-token-0f9e8d7c6b";

#[test]
fn trace_logs_show_the_provider_and_never_its_credentials() {
    let ls = require_localstack();
    for_each_terraform(
        "trace_logs_show_the_provider_and_never_its_credentials",
        |tf| {
            let prefix = unique_prefix("logs");
            let proxy = RecordingProxy::start(&ls.endpoint);
            let mut wd = Workdir::new(tf);
            wd.write(
            "main.tf",
            &format!(
                "{}\nprovider \"planton\" {{\n  region     = \"us-east-1\"\n  access_key = \"{ACCESS_KEY}\"\n  secret_key = \"{SECRET_KEY}\"\n  token      = \"{TOKEN}\"\n  endpoints {{\n    secretsmanager = \"{ep}\"\n    sts            = \"{ep}\"\n  }}\n}}\n\nresource \"planton_aws_secrets\" \"x\" {{\n  secret_names = [\"{prefix}a\"]\n}}\n",
                required_providers_block(),
                ep = proxy.endpoint()
            ),
        );
            wd.init();
            let log = wd.path().join("trace.log");
            wd.env("TF_LOG", "trace")
                .env("TF_LOG_PATH", &log.display().to_string());
            wd.run_ok(&["apply", "-auto-approve", "-input=false", "-no-color"]);
            wd.run_ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);

            let text = std::fs::read_to_string(&log).expect("Terraform wrote its log");
            let provider_lines: Vec<&str> = text
                .lines()
                .filter(|l| l.contains("provider.terraform-provider-planton"))
                .collect();
            assert!(
                provider_lines
                    .iter()
                    .any(|l| l.contains("rpc completed") && l.contains("ApplyResourceChange")),
                "the provider's own log lines are missing from Terraform's trace log"
            );
            assert!(
                provider_lines
                    .iter()
                    .any(|l| l.contains("[TRACE]") || l.contains("[DEBUG]")),
                "the provider's log levels are not passed on"
            );
            // One line per call and attempt, naming the secret, the
            // outcome and AWS's request id.
            let name = format!("{prefix}a");
            for operation in ["GetCallerIdentity", "CreateSecret", "DeleteSecret"] {
                let line = provider_lines
                    .iter()
                    .find(|l| {
                        l.contains("[DEBUG]")
                            && l.contains("AWS call")
                            && l.contains(&format!("aws_operation={operation}"))
                    })
                    .unwrap_or_else(|| panic!("no DEBUG line for {operation}"));
                for field in ["outcome=200", "duration_ms=", "request_id="] {
                    assert!(line.contains(field), "{field} missing: {line}");
                }
                assert!(!line.contains("request_id= "), "no request id: {line}");
                if operation != "GetCallerIdentity" {
                    // The name, or for a deletion the ARN holding it.
                    assert!(line.contains("secret=") && line.contains(&name), "{line}");
                }
            }
            for credential in [ACCESS_KEY, SECRET_KEY, TOKEN] {
                let leaks: Vec<&str> = text
                    .lines()
                    .filter(|l| l.contains(credential))
                    .take(3)
                    .collect();
                assert!(leaks.is_empty(), "a credential reached the log: {leaks:?}");
            }
        },
    );
}
