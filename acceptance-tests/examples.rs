//! Every example applies exactly as written: examples/basic (the README
//! demo), examples/resources/planton_aws_secrets/resource.tf with
//! examples/provider/provider.tf, and examples/modules/app-secrets used
//! from a root module, and examples/multi-account (the same module in two
//! accounts through two aliases that assume roles), and the readiness gates
//! of examples/readiness with every client that has their features (the
//! others are shown to refuse them at init). The examples name their
//! secrets literally, so each runs in a LocalStack account of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use serde_json::Value;

use crate::harness::localstack::isolated_access_key;
use crate::harness::terraform::{report, Client, Terraform};
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

/// The secrets examples/readiness gates on, as its variable's default.
const SHOP_SECRETS: [&str; 2] = ["shop/prod/DB_PASSWORD", "shop/prod/STRIPE_KEY"];

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A readiness example in a fresh account whose secrets exist without
/// values, as the platform workspace leaves them.
fn readiness_scenario(tf: &Terraform, example: &str) -> Scenario {
    let sc = Scenario::isolated(tf, &format!("example-{example}"));
    sc.wd.copy_example(&format!("readiness/{example}"));
    sc.write_provider_override();
    for name in SHOP_SECRETS {
        sc.oob.create(name, &BTreeMap::new());
    }
    sc
}

/// Unless `tf` has the feature: asserts that it refuses the example at init
/// with `block` unsupported, reports the skip, and returns true.
fn refused_without(sc: &Scenario, has_feature: bool, block: &str, feature: &str) -> bool {
    if has_feature {
        return false;
    }
    let out = sc.tf(&["init", "-input=false", "-no-color"]);
    out.assert_failure();
    let said = one_line(&out.combined());
    assert!(
        said.contains(&format!("Blocks of type \"{block}\" are not expected here")),
        "{}",
        out.describe()
    );
    assert_eq!(sc.proxy.operations().len(), 0, "init called AWS");
    report(&format!(
        "acceptance: {} refuses the {block} example at init ({feature}), as the example says",
        sc.wd.terraform().name()
    ));
    true
}

/// Asserts that the proxy saw reads only: DescribeSecret.
fn assert_describe_only(sc: &Scenario) {
    let seen = sc.proxy.operation_set();
    assert!(seen.iter().all(|op| op == "DescribeSecret"), "{seen:?}");
}

#[test]
fn readiness_check_warns_until_every_secret_has_a_value() {
    for_each_terraform(
        "readiness_check_warns_until_every_secret_has_a_value",
        |tf| {
            let sc = readiness_scenario(tf, "check");
            // Check blocks: Terraform 1.5, OpenTofu 1.6 (its first release).
            let has_checks = tf.client == Client::OpenTofu || tf.version_at_least((1, 5, 0));
            if refused_without(&sc, has_checks, "check", "check blocks need Terraform 1.5+") {
                return;
            }
            sc.init();
            let warning = |names: &str| {
                format!("These secrets have no value yet: {names}. Write them (aws secretsmanager put-secret-value) before the application starts.")
            };
            // A warning naming both, and the apply goes on.
            let out = sc.apply();
            let said = one_line(&out.combined());
            assert!(
                said.contains("Check block assertion failed"),
                "{}",
                out.describe()
            );
            assert!(
                said.contains(&warning(&SHOP_SECRETS.join(", "))),
                "{}",
                out.describe()
            );
            sc.oob.plant_value(SHOP_SECRETS[0], "written-by-its-owner");
            let out = sc.apply();
            assert!(
                one_line(&out.combined()).contains(&warning(SHOP_SECRETS[1])),
                "{}",
                out.describe()
            );
            sc.oob.plant_value(SHOP_SECRETS[1], "written-by-its-owner");
            let out = sc.apply();
            assert!(
                !out.combined().contains("no value yet"),
                "{}",
                out.describe()
            );
            assert!(!out.combined().contains("Warning"), "{}", out.describe());
            assert_describe_only(&sc);
        },
    );
}

#[test]
fn deploy_gate_fails_the_plan_until_every_secret_has_a_value() {
    for_each_terraform(
        "deploy_gate_fails_the_plan_until_every_secret_has_a_value",
        |tf| {
            let sc = readiness_scenario(tf, "deploy-gate");
            // Preconditions (Terraform 1.2) on terraform_data (1.4); every
            // OpenTofu has both.
            let has_gate = tf.client == Client::OpenTofu || tf.version_at_least((1, 4, 0));
            if refused_without(
                &sc,
                has_gate,
                "precondition",
                "preconditions need Terraform 1.2+",
            ) {
                return;
            }
            sc.init();
            let gate =
                |names: &str| format!("Not deploying: these secrets have no value yet: {names}.");
            let out = sc.tf(&["plan", "-input=false", "-no-color"]);
            out.assert_failure();
            let said = one_line(&out.combined());
            assert!(
                said.contains("Resource precondition failed"),
                "{}",
                out.describe()
            );
            assert!(
                said.contains(&gate(&SHOP_SECRETS.join(", "))),
                "{}",
                out.describe()
            );
            sc.oob.plant_value(SHOP_SECRETS[1], "written-by-its-owner");
            let out = sc.try_apply();
            out.assert_failure();
            assert!(
                one_line(&out.combined()).contains(&gate(SHOP_SECRETS[0])),
                "{}",
                out.describe()
            );
            assert!(sc.state().addresses().is_empty(), "deployed past the gate");
            sc.oob.plant_value(SHOP_SECRETS[0], "written-by-its-owner");
            sc.apply();
            let state = sc.state();
            assert_eq!(state.addresses(), ["terraform_data.shop_deployment"]);
            // Made and first read just now: nothing unused for 90 days.
            assert_eq!(state.output("unused_secrets"), Some(&Value::Array(vec![])));
            sc.assert_empty_plan();
            assert_describe_only(&sc);
        },
    );
}
