//! Every example applies exactly as written: examples/basic (the README
//! demo), examples/resources/planton_aws_secrets/resource.tf with
//! examples/provider/provider.tf, and examples/modules/app-secrets used
//! from a root module, and examples/multi-account (the same module in two
//! accounts through two aliases that assume roles). The examples name their
//! secrets literally, so each runs in a LocalStack account of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use serde_json::Value;

use crate::harness::localstack::isolated_access_key;
use crate::harness::{
    for_each_terraform, name_set, policy_grants, require_localstack, required_providers_block,
    Scenario, SecretsProbe,
};

fn read_actions() -> BTreeSet<String> {
    [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
    ]
    .map(String::from)
    .into()
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    serde_json::from_value(v.cloned().unwrap_or_default())
        .unwrap_or_else(|e| panic!("expected a map of strings ({e}): {v:?}"))
}

/// Asserts that `arn_output` maps exactly `names` to the server's ARNs and
/// that `policy_output` allows exactly the two read actions on exactly those
/// ARNs.
fn assert_outputs(
    sc: &Scenario,
    names: &BTreeSet<String>,
    arn_output: &str,
    policy_output: &str,
) -> BTreeMap<String, String> {
    let state = sc.state();
    let arns = string_map(state.output(arn_output));
    assert_eq!(
        arns.keys().cloned().collect::<BTreeSet<_>>(),
        *names,
        "output {arn_output}: {arns:?}"
    );
    for (name, arn) in &arns {
        assert_eq!(&sc.describe(name).arn, arn, "{name}");
    }
    let policy = state
        .output(policy_output)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("output {policy_output} is not a string: {}", state.raw));
    let (actions, resources) = policy_grants(policy);
    assert_eq!(actions, read_actions(), "{policy}");
    assert_eq!(
        resources,
        arns.values().cloned().collect::<BTreeSet<_>>(),
        "{policy}"
    );
    arns
}

fn assert_destroy_schedules(sc: &Scenario, names: &BTreeSet<String>) {
    let at = SystemTime::now();
    sc.destroy();
    for name in names {
        sc.assert_scheduled(name, 30.0, at);
    }
}

#[test]
fn basic_example_applies_as_written() {
    for_each_terraform("basic_example_applies_as_written", |tf| {
        let mut sc = Scenario::isolated(tf, "example-basic");
        sc.wd.copy_example("basic");
        let endpoint = sc.proxy.endpoint();
        sc.wd.env("TF_VAR_localstack_endpoint", &endpoint);
        let names = name_set(&[
            "demo/app/DB_PASSWORD",
            "demo/app/API_KEY",
            "demo/app/SESSION_SECRET",
        ]);
        sc.init();
        sc.apply();
        assert_eq!(sc.secrets("planton_aws_secrets.app").secret_names, names);
        assert_outputs(&sc, &names, "secret_arn_map", "read_policy_json");
        sc.assert_server_matches(&sc.secrets("planton_aws_secrets.app"), &BTreeMap::new());
        sc.assert_empty_plan();
        assert_destroy_schedules(&sc, &names);
        // As the README says: applying again restores them.
        sc.apply();
        assert_outputs(&sc, &names, "secret_arn_map", "read_policy_json");
    });
}

#[test]
fn resource_example_applies_with_the_provider_example() {
    for_each_terraform("resource_example_applies_with_the_provider_example", |tf| {
        let sc = Scenario::isolated(tf, "example-resource");
        sc.wd.copy_example("provider");
        sc.wd.copy_example("resources/planton_aws_secrets");
        // provider.tf is for real AWS; an override file (merged into its
        // provider block by Terraform) points it at LocalStack.
        sc.write_provider_override();
        let names = name_set(&["app/prod/DB_PASSWORD", "app/prod/API_KEY"]);
        sc.init();
        sc.apply();
        let created = sc.secrets("planton_aws_secrets.app");
        assert_eq!(created.secret_names, names);
        assert_outputs(&sc, &names, "app_secret_arns", "app_read_policy");
        // provider.tf's default_tags are on every secret.
        let defaults = BTreeMap::from([
            ("team".to_string(), "platform".to_string()),
            ("environment".to_string(), "prod".to_string()),
        ]);
        sc.assert_server_matches(&created, &defaults);
        sc.assert_empty_plan();
        // recovery_window_in_days = 30, as provider.tf says.
        assert_destroy_schedules(&sc, &names);
    });
}

#[test]
fn app_secrets_module_works_from_a_root_module() {
    for_each_terraform("app_secrets_module_works_from_a_root_module", |tf| {
        let sc = Scenario::isolated(tf, "example-module");
        sc.wd
            .copy_example_into("modules/app-secrets", "modules/app-secrets");
        // The module call as its README shows it.
        sc.wd.write(
            "main.tf",
            &format!(
                r#"{}
{}
module "billing_secrets" {{
  source      = "./modules/app-secrets"
  app         = "billing"
  environment = "prod"
  names       = ["DB_PASSWORD", "STRIPE_KEY"]
}}

output "secret_arn_map" {{
  value = module.billing_secrets.secret_arn_map
}}

output "read_policy_json" {{
  value = module.billing_secrets.read_policy_json
}}
"#,
                required_providers_block(),
                sc.provider_block("")
            ),
        );
        let names = name_set(&["billing/prod/DB_PASSWORD", "billing/prod/STRIPE_KEY"]);
        sc.init();
        sc.apply();
        let created = sc.secrets("module.billing_secrets.planton_aws_secrets.this");
        assert_eq!(created.secret_names, names);
        let arns = assert_outputs(&sc, &names, "secret_arn_map", "read_policy_json");
        assert_eq!(arns, created.arns);
        sc.assert_server_matches(&created, &BTreeMap::new());
        sc.assert_empty_plan();
        assert_destroy_schedules(&sc, &names);
    });
}

#[test]
fn multi_account_example_puts_each_environment_in_its_account() {
    for_each_terraform(
        "multi_account_example_puts_each_environment_in_its_account",
        |tf| {
            let mut sc = Scenario::isolated(tf, "example-multi-account");
            let staging = isolated_access_key();
            let production = isolated_access_key();
            let _purge = [&staging, &production].map(|account| PurgeAccount {
                endpoint: require_localstack().endpoint,
                account: account.clone(),
            });
            // Laid out as in the repository: the module is ../modules/app-secrets.
            sc.wd.copy_example("multi-account");
            sc.wd
                .copy_example_into("modules/app-secrets", "../modules/app-secrets");
            let endpoint = sc.proxy.endpoint();
            sc.wd
                .env("TF_VAR_staging_account_id", &staging)
                .env("TF_VAR_production_account_id", &production)
                .env("TF_VAR_endpoint", &endpoint);
            sc.init();
            sc.apply();
            let state = sc.state();
            for (output, account, environment) in [
                ("staging_secret_arns", &staging, "staging"),
                ("production_secret_arns", &production, "production"),
            ] {
                let arns = string_map(state.output(output));
                let names = name_set(&[
                    &format!("billing/{environment}/DB_PASSWORD"),
                    &format!("billing/{environment}/STRIPE_KEY"),
                ]);
                assert_eq!(arns.keys().cloned().collect::<BTreeSet<_>>(), names);
                let probe = SecretsProbe::with_access_key(&endpoint, account);
                for (name, arn) in &arns {
                    assert!(arn.contains(&format!(":{account}:secret:")), "{arn}");
                    let info = probe
                        .describe(name)
                        .unwrap_or_else(|| panic!("{name} is not in account {account}"));
                    assert_eq!(&info.arn, arn);
                    // Nothing in the base account.
                    assert!(SecretsProbe::with_access_key(&endpoint, &sc.access_key)
                        .describe(name)
                        .is_none());
                }
            }
            sc.assert_empty_plan();
            sc.destroy();
        },
    );
}

/// Purges the `billing/` secrets of an account when a test ends.
struct PurgeAccount {
    endpoint: String,
    account: String,
}

impl Drop for PurgeAccount {
    fn drop(&mut self) {
        crate::harness::sdk::Sdk::new(&self.endpoint, &self.account, "planton-acceptance-cleanup")
            .purge_prefix("billing/");
    }
}
