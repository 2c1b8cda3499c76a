//! One resource-lifecycle scenario: a working directory whose provider
//! talks to LocalStack through a recording proxy, a read-only probe of the
//! server, an out-of-band client, and a unique name prefix. Every Terraform
//! command run through it is followed by the "no value, ever" check on
//! everything the proxy has seen so far.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::localstack::{isolated_access_key, require_localstack, SecretInfo, SecretsProbe};
use super::names::unique_prefix;
use super::out_of_band::OutOfBand;
use super::proxy::RecordingProxy;
use super::required_providers_block;
use super::resilience::RunningTf;
use super::state::{PlanJson, SecretsResource, TfState};
use super::terraform::Terraform;
use super::workdir::{TfOutput, Workdir};

/// Operations that change something on the server.
pub const WRITES: [&str; 6] = [
    "CreateSecret",
    "RestoreSecret",
    "DeleteSecret",
    "TagResource",
    "UntagResource",
    "PutResourcePolicy",
];

/// The tag a resource puts on a secret right before it schedules it for
/// deletion (destroy, a removed name): the secret is released, and the next
/// configuration naming it may restore it.
pub const RELEASED_TAG: &str = "planton.ai/released";

/// The ownership tags every secret of resource `id` carries.
pub fn ownership_tags(id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("planton.ai/resource".to_string(), "true".to_string()),
        (
            "planton.ai/resource-kind".to_string(),
            "AwsSecretsManager".to_string(),
        ),
        ("planton.ai/resource-id".to_string(), id.to_string()),
    ])
}

/// The set of `names`, as state and the server report them.
pub fn name_set<S: AsRef<str>>(names: &[S]) -> std::collections::BTreeSet<String> {
    names.iter().map(|s| s.as_ref().to_string()).collect()
}

/// HCL for a list of strings: `["a", "b"]`.
pub fn hcl_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| serde_json::to_string(s).expect("a string serialises"))
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// `resource "planton_aws_secrets" "<name>" { secret_names = [...] }`.
pub fn secrets_resource(name: &str, names: &[&str]) -> String {
    format!(
        "resource \"planton_aws_secrets\" \"{name}\" {{\n  secret_names = {}\n}}\n",
        hcl_list(names)
    )
}

pub struct Scenario {
    pub wd: Workdir,
    pub proxy: RecordingProxy,
    pub probe: SecretsProbe,
    pub oob: OutOfBand,
    /// Every secret of this scenario is named `<prefix>...`.
    pub prefix: String,
    /// The access key id the provider, probe and out-of-band client use.
    pub access_key: String,
    /// What to purge when dropped: names with `prefix`, or (an isolated
    /// account) everything.
    purge_all: bool,
    test: String,
}

impl Scenario {
    /// A scenario in LocalStack's default account, with names under a
    /// prefix unique to this run.
    pub fn new(tf: &Terraform, test: &str) -> Scenario {
        Scenario::build(tf, test, "test".to_string(), false)
    }

    /// A scenario in an account of its own, for configurations whose
    /// secret names are fixed (the examples, as written).
    pub fn isolated(tf: &Terraform, test: &str) -> Scenario {
        Scenario::build(tf, test, isolated_access_key(), true)
    }

    fn build(tf: &Terraform, test: &str, access_key: String, purge_all: bool) -> Scenario {
        let ls = require_localstack();
        let mut wd = Workdir::new(tf);
        wd.env("AWS_ACCESS_KEY_ID", &access_key);
        Scenario {
            wd,
            proxy: RecordingProxy::start(&ls.endpoint),
            probe: SecretsProbe::with_access_key(&ls.endpoint, &access_key),
            oob: OutOfBand::new(&ls.endpoint, &access_key),
            prefix: unique_prefix(test),
            access_key,
            purge_all,
            test: format!("{test} ({})", tf.name()),
        }
    }

    /// `<prefix><suffix>`.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// `provider "planton" { ... }` pointing at the proxy, without
    /// credential validation or account lookup, plus `extra` lines.
    pub fn provider_block(&self, extra: &str) -> String {
        let endpoint = self.proxy.endpoint();
        format!(
            "provider \"planton\" {{\n  region = \"us-east-1\"\n\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n  }}\n\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n{extra}\n}}\n"
        )
    }

    /// Writes `provider_override.tf`, which Terraform merges into the
    /// provider block of an example written for real AWS: the endpoints
    /// point at the proxy, without credential validation or account lookup.
    pub fn write_provider_override(&self) {
        let endpoint = self.proxy.endpoint();
        self.wd.write(
            "provider_override.tf",
            &format!(
                "provider \"planton\" {{\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n  }}\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n}}\n"
            ),
        );
    }

    /// Writes `main.tf`: the required_providers block, the provider block
    /// (with `provider_extra`) and `body`.
    pub fn write_main(&self, provider_extra: &str, body: &str) {
        self.wd.write(
            "main.tf",
            &format!(
                "{}\n{}\n{body}",
                required_providers_block(),
                self.provider_block(provider_extra)
            ),
        );
    }

    /// Runs `terraform <args>`, then checks what the proxy recorded.
    pub fn tf(&self, args: &[&str]) -> TfOutput {
        let out = self.wd.run(args);
        self.proxy.assert_no_value_ever(&format!(
            "{}: after terraform {}",
            self.test,
            args.join(" ")
        ));
        assert!(
            !out.leftover_processes,
            "a provider outlived Terraform: {}",
            out.describe()
        );
        out
    }

    /// Starts `terraform apply -auto-approve` in the background, for a test
    /// that runs two at once or signals it; end it with
    /// [`finish`](Self::finish).
    pub fn spawn_apply(&self) -> RunningTf {
        RunningTf::spawn(
            &self.wd,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
    }

    /// Waits for a command [`spawn_apply`](Self::spawn_apply) started (up
    /// to `timeout`), then checks what the proxy recorded as
    /// [`tf`](Self::tf) does.
    pub fn finish(&self, running: RunningTf, timeout: Duration) -> TfOutput {
        let out = running.wait(timeout);
        self.proxy.assert_no_value_ever(&format!(
            "{}: after terraform {}",
            self.test,
            out.args.join(" ")
        ));
        assert!(
            !out.leftover_processes,
            "a provider outlived Terraform: {}",
            out.describe()
        );
        out
    }

    pub fn init(&self) -> TfOutput {
        let out = self.tf(&["init", "-input=false", "-no-color"]);
        out.assert_success();
        out
    }

    /// `terraform apply -auto-approve`, not asserted.
    pub fn try_apply(&self) -> TfOutput {
        self.try_apply_with(&[])
    }

    /// `terraform apply -auto-approve <extra>` (such as `-replace=ADDRESS`
    /// or `-refresh-only`), not asserted.
    pub fn try_apply_with(&self, extra: &[&str]) -> TfOutput {
        let mut args = vec!["apply", "-auto-approve", "-input=false", "-no-color"];
        args.extend_from_slice(extra);
        self.tf(&args)
    }

    /// `terraform apply -auto-approve`, asserting success.
    pub fn apply(&self) -> TfOutput {
        let out = self.try_apply();
        out.assert_success();
        out
    }

    /// `terraform destroy -auto-approve`, asserting success.
    pub fn destroy(&self) -> TfOutput {
        let out = self.tf(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
        out.assert_success();
        out
    }

    /// `terraform plan -detailed-exitcode`, asserting the exit code: 0 no
    /// changes, 2 changes.
    pub fn plan_code(&self, code: i32) -> TfOutput {
        let out = self.tf(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
        out.assert_code(code);
        out
    }

    /// Asserts a plan shows no changes (exit code 0 of `-detailed-exitcode`).
    pub fn assert_empty_plan(&self) -> TfOutput {
        let out = self.plan_code(0);
        assert!(
            out.stdout.contains("No changes."),
            "expected an empty plan: {}",
            out.describe()
        );
        out
    }

    /// `terraform plan -json -detailed-exitcode -out=tfplan`: the saved plan
    /// (apply it with [`apply_saved_plan`](Self::apply_saved_plan)) and
    /// what the plan said.
    pub fn plan_json_out(&self) -> (TfOutput, PlanJson) {
        let out = self.tf(&[
            "plan",
            "-json",
            "-detailed-exitcode",
            "-input=false",
            "-out=tfplan",
        ]);
        let plan = PlanJson::parse(&out);
        (out, plan)
    }

    /// [`plan_json_out`](Self::plan_json_out), asserting that the plan has
    /// changes and that they are one in-place update of `address`.
    pub fn plan_update(&self, address: &str) -> (TfOutput, PlanJson) {
        let (out, plan) = self.plan_json_out();
        out.assert_code(2);
        assert_eq!(
            plan.changes,
            vec![(address.to_string(), "update".to_string())],
            "expected one in-place update of {address}: {}",
            out.describe()
        );
        (out, plan)
    }

    /// `terraform show -json tfplan`: the `change` of the first resource
    /// change in the saved plan.
    pub fn saved_plan_change(&self) -> serde_json::Value {
        let shown = self.tf(&["show", "-json", "tfplan"]);
        shown.assert_success();
        shown.json()["resource_changes"][0]["change"].clone()
    }

    /// `terraform apply tfplan`, asserting success.
    pub fn apply_saved_plan(&self) -> TfOutput {
        let out = self.tf(&["apply", "-input=false", "-no-color", "tfplan"]);
        out.assert_success();
        out
    }

    pub fn state(&self) -> TfState {
        TfState::read(&self.wd)
    }

    /// The `planton_aws_secrets` at `address` in state; panics if absent.
    pub fn secrets(&self, address: &str) -> SecretsResource {
        let state = self.state();
        state.secrets(address).unwrap_or_else(|| {
            panic!(
                "{address} is not in state (addresses: {:?}): {}",
                state.addresses(),
                state.raw
            )
        })
    }

    /// DescribeSecret; panics if the secret does not exist.
    pub fn describe(&self, name: &str) -> SecretInfo {
        self.probe
            .describe(name)
            .unwrap_or_else(|| panic!("{}: secret {name} does not exist", self.test))
    }

    /// Asserts that every name of `resource` exists on the server, live,
    /// with the ARN state records and this resource's ownership tags (plus
    /// `extra_tags`), on the AWS-managed key.
    pub fn assert_server_matches(
        &self,
        resource: &SecretsResource,
        extra_tags: &BTreeMap<String, String>,
    ) {
        assert_eq!(
            resource
                .arns
                .keys()
                .cloned()
                .collect::<std::collections::BTreeSet<_>>(),
            resource.secret_names,
            "secret_arn_map and secret_names disagree: {resource:?}"
        );
        for (name, arn) in &resource.arns {
            let info = self.describe(name);
            assert_eq!(&info.arn, arn, "{name}: state's ARN is not the server's");
            assert!(
                !info.scheduled_for_deletion,
                "{name} is scheduled for deletion: {info:?}"
            );
            for (k, v) in ownership_tags(&resource.id).iter().chain(extra_tags) {
                assert_eq!(
                    info.tags.get(k),
                    Some(v),
                    "{name}: tag {k} should be {v}: {info:?}"
                );
            }
            assert_eq!(
                info.kms_key_id, None,
                "{name} should use the AWS-managed key: {info:?}"
            );
        }
    }

    /// Asserts the proxy recorded no call that changes anything on the
    /// server since it was last cleared.
    pub fn assert_no_writes(&self, context: &str) {
        for op in WRITES {
            assert_eq!(
                self.proxy.count(op),
                0,
                "{context}: {op} sent: {:?}",
                self.proxy.operation_names()
            );
        }
    }

    /// Asserts that the only writes since the proxy was last cleared are
    /// those of a replacement's handover mark: at most one TagResource
    /// (the destroy half marks one secret) and one UntagResource (the
    /// create half removes the mark before any other write).
    pub fn assert_no_writes_but_the_mark(&self, context: &str) {
        for op in WRITES {
            let most = usize::from(op == "TagResource" || op == "UntagResource");
            assert!(
                self.proxy.count(op) <= most,
                "{context}: {op} sent: {:?}",
                self.proxy.operation_names()
            );
        }
    }

    /// Asserts that `name` is scheduled for deletion `days` (± 1 hour)
    /// after `since`.
    pub fn assert_scheduled(&self, name: &str, days: f64, since: SystemTime) -> SecretInfo {
        let info = self.describe(name);
        assert!(
            info.scheduled_for_deletion,
            "{name} should be scheduled for deletion: {info:?}"
        );
        let got = info
            .deletion_days_after(since)
            .unwrap_or_else(|| panic!("{name}: no DeletedDate: {info:?}"));
        assert!(
            (got - days).abs() < 1.0 / 24.0,
            "{name}: deletion should be {days} days away, is {got:.3} days away: {info:?}"
        );
        info
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        let prefix = if self.purge_all { "" } else { &self.prefix };
        self.oob.purge_prefix(prefix);
    }
}
