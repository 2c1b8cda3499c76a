//! Real Terraform runs: one resource with N names (apply, no-change plan,
//! destroy), the same names split into groups (one resource per group
//! through `for_each` over a map of name lists) and N single-name resources
//! through `for_each`, and a plan that reads the data source. The
//! provider's own share of each run is read from its "rpc completed" log
//! lines.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::Options;

const ONE_RESOURCE: &str = r#"resource "planton_aws_secrets" "bench" {
  secret_names = var.names
}
"#;

#[derive(Clone)]
pub struct Bench {
    terraform: PathBuf,
    provider_dir: PathBuf,
    endpoint: String,
    work: PathBuf,
}

/// What the provider logged about one RPC type during a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RpcFigures {
    /// Sum over every call of that RPC in the run.
    pub elapsed: Duration,
    pub peak_rss_kb: u64,
}

pub struct OneResource {
    pub names: usize,
    pub apply: Duration,
    pub apply_rpc: RpcFigures,
    pub plan: Duration,
    pub plan_read_rpc: RpcFigures,
    pub plan_peak_rss_kb: u64,
    pub destroy: Duration,
}

pub struct ForEach {
    pub apply: Duration,
    pub destroy: Duration,
}

impl Bench {
    pub fn new(options: &Options) -> Result<Self, String> {
        let provider_dir = options
            .provider
            .parent()
            .ok_or("the provider path has no directory")?
            .to_path_buf();
        std::fs::create_dir_all(&options.work)
            .map_err(|e| format!("creating {}: {e}", options.work.display()))?;
        Ok(Self {
            terraform: options.terraform.clone(),
            provider_dir,
            endpoint: options.endpoint.clone(),
            work: options.work.clone(),
        })
    }

    /// The same runs with the provider binary in `provider_dir`, against
    /// `endpoint`.
    pub fn with(&self, provider_dir: &Path, endpoint: &str) -> Self {
        Self {
            provider_dir: provider_dir.to_path_buf(),
            endpoint: endpoint.to_owned(),
            ..self.clone()
        }
    }

    /// `terraform plan` of a configuration whose only work is reading the
    /// data source over the names `<prefix>/s0..n` (which must exist): the
    /// wall time and the provider's ReadDataSource figures. The
    /// configuration uses only attributes every release of the data source
    /// has, so a baseline binary reads it too.
    pub fn read_data_source(
        &self,
        dir_name: &str,
        prefix: &str,
        n: usize,
    ) -> Result<(Duration, RpcFigures), String> {
        let body = r#"data "planton_aws_secrets" "bench" {
  secret_names = var.names
}

output "found" {
  value = length(data.planton_aws_secrets.bench.secret_arn_map)
}
"#;
        let dir = self.workdir(dir_name)?;
        self.write_config(&dir, prefix, n, None, body)?;
        let (plan, log) = self.run(&dir, &["plan", "-input=false"], "plan")?;
        let read = rpc_figures(&log)
            .get("ReadDataSource")
            .copied()
            .ok_or_else(|| format!("no ReadDataSource in {}", dir.join("plan.log").display()))?;
        Ok((plan, read))
    }

    /// The same runs against another endpoint (the throttling proxy).
    pub fn through(&self, endpoint: &str) -> Self {
        self.with(&self.provider_dir, endpoint)
    }

    /// One apply of one resource with `n` names, nothing else; its wall time.
    pub fn apply_only(&self, prefix: &str, n: usize) -> Result<Duration, String> {
        let dir = self.workdir(&format!("apply-{n}"))?;
        self.write_config(&dir, prefix, n, None, ONE_RESOURCE)?;
        let (apply, _) = self.run(&dir, &["apply", "-auto-approve", "-input=false"], "apply")?;
        Ok(apply)
    }

    pub fn one_resource(&self, prefix: &str, n: usize) -> Result<OneResource, String> {
        self.lifecycle(&format!("one-{n}"), prefix, n, None, ONE_RESOURCE)
    }

    /// The same N names as [`one_resource`](Self::one_resource), in groups
    /// of `group_size`: one resource per group. The RPC figures are sums
    /// over every group.
    pub fn grouped(
        &self,
        prefix: &str,
        n: usize,
        group_size: usize,
    ) -> Result<OneResource, String> {
        let body = r#"resource "planton_aws_secrets" "bench" {
  for_each     = var.groups
  secret_names = each.value
}
"#;
        self.lifecycle(
            &format!("groups-{n}-{group_size}"),
            prefix,
            n,
            Some(group_size),
            body,
        )
    }

    /// Apply, no-change plan and destroy of `body` in a fresh directory.
    fn lifecycle(
        &self,
        dir_name: &str,
        prefix: &str,
        n: usize,
        group_size: Option<usize>,
        body: &str,
    ) -> Result<OneResource, String> {
        let dir = self.workdir(dir_name)?;
        self.write_config(&dir, prefix, n, group_size, body)?;
        let (apply, log) = self.run(&dir, &["apply", "-auto-approve", "-input=false"], "apply")?;
        let apply_rpc = rpc_figures(&log)
            .get("ApplyResourceChange")
            .copied()
            .unwrap_or_default();
        let (plan, log) = self.run(
            &dir,
            &["plan", "-input=false", "-detailed-exitcode"],
            "plan",
        )?;
        let figures = rpc_figures(&log);
        let plan_read_rpc = figures.get("ReadResource").copied().unwrap_or_default();
        let plan_peak_rss_kb = figures.values().map(|f| f.peak_rss_kb).max().unwrap_or(0);
        let (destroy, _) = self.run(
            &dir,
            &["destroy", "-auto-approve", "-input=false"],
            "destroy",
        )?;
        Ok(OneResource {
            names: n,
            apply,
            apply_rpc,
            plan,
            plan_read_rpc,
            plan_peak_rss_kb,
            destroy,
        })
    }

    pub fn for_each(&self, prefix: &str, n: usize) -> Result<ForEach, String> {
        let dir = self.workdir(&format!("each-{n}"))?;
        let body = r#"resource "planton_aws_secrets" "bench" {
  for_each     = toset(var.names)
  secret_names = [each.value]
}
"#;
        self.write_config(&dir, prefix, n, None, body)?;
        let (apply, _) = self.run(&dir, &["apply", "-auto-approve", "-input=false"], "apply")?;
        let (destroy, _) = self.run(
            &dir,
            &["destroy", "-auto-approve", "-input=false"],
            "destroy",
        )?;
        Ok(ForEach { apply, destroy })
    }

    fn workdir(&self, name: &str) -> Result<PathBuf, String> {
        let dir = self.work.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        Ok(dir)
    }

    /// Writes the provider block, the resource and the names (as a tfvars
    /// file: Terraform's range() stops at 1,024 elements), and with
    /// `group_size` also the names as a map of groups.
    fn write_config(
        &self,
        dir: &Path,
        prefix: &str,
        n: usize,
        group_size: Option<usize>,
        resource: &str,
    ) -> Result<(), String> {
        let main = format!(
            r#"terraform {{
  required_providers {{
    planton = {{ source = "project-planton/planton" }}
  }}
}}

provider "planton" {{
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  recovery_window_in_days     = 7
  # LocalStack looks secrets up by scanning its whole store, and a scan that
  # meets a concurrent write fails with a 500 ("dictionary changed size
  # during iteration"); with over ten thousand secrets that becomes common.
  # More retries ride it out so the run measures the provider, not that race.
  max_retries                 = 30
  endpoints {{
    secretsmanager = "{endpoint}"
    sts            = "{endpoint}"
  }}
}}

variable "names" {{
  type = list(string)
}}

variable "groups" {{
  type    = map(list(string))
  default = {{}}
}}

{resource}"#,
            endpoint = self.endpoint
        );
        let names: Vec<String> = (0..n).map(|i| format!("{prefix}/s{i}")).collect();
        let groups: serde_json::Map<String, serde_json::Value> = match group_size {
            Some(size) => names
                .chunks(size.max(1))
                .enumerate()
                .map(|(i, chunk)| (format!("g{i:04}"), serde_json::json!(chunk)))
                .collect(),
            None => serde_json::Map::new(),
        };
        let vars = serde_json::json!({ "names": names, "groups": groups }).to_string();
        let cli = format!(
            "provider_installation {{\n  dev_overrides {{\n    \"project-planton/planton\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            self.provider_dir.display()
        );
        for (file, text) in [
            ("main.tf", main),
            ("names.auto.tfvars.json", vars),
            ("cli.tfrc", cli),
        ] {
            std::fs::write(dir.join(file), text).map_err(|e| format!("writing {file}: {e}"))?;
        }
        Ok(())
    }

    /// Runs one Terraform command and returns its wall time and the log.
    fn run(&self, dir: &Path, args: &[&str], label: &str) -> Result<(Duration, String), String> {
        let log = dir.join(format!("{label}.log"));
        let started = Instant::now();
        let output = Command::new(&self.terraform)
            .args(args)
            .arg("-no-color")
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", dir.join("cli.tfrc"))
            .env("TF_LOG_PROVIDER", "debug")
            .env("TF_LOG_PATH", &log)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .output()
            .map_err(|e| format!("running terraform {label}: {e}"))?;
        let elapsed = started.elapsed();
        if !output.status.success() {
            return Err(format!(
                "terraform {label} in {} failed ({}):\n{}{}",
                dir.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        Ok((elapsed, text))
    }
}

/// Per RPC: the summed duration and the highest peak RSS the provider
/// reported in "rpc completed" lines.
fn rpc_figures(log: &str) -> BTreeMap<String, RpcFigures> {
    let mut figures: BTreeMap<String, RpcFigures> = BTreeMap::new();
    for line in log.lines().filter(|l| l.contains("rpc completed")) {
        let field = |key: &str| {
            line.split_whitespace()
                .find_map(|word| word.strip_prefix(key).map(str::to_owned))
        };
        let (Some(rpc), Some(ms)) = (field("rpc="), field("elapsed_ms=")) else {
            continue;
        };
        let entry = figures.entry(rpc).or_default();
        entry.elapsed += Duration::from_secs_f64(ms.parse::<f64>().unwrap_or(0.0) / 1000.0);
        let rss: u64 = field("peak_rss_kb=")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        entry.peak_rss_kb = entry.peak_rss_kb.max(rss);
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_provider_rpc_lines() {
        let log = "2026 [DEBUG] provider.terraform-provider-planton: rpc completed: @module=x peak_rss_kb=9000 rpc=ApplyResourceChange elapsed_ms=1500.5 timestamp=t\n\
                   2026 [DEBUG] provider.terraform-provider-planton: rpc completed: @module=x peak_rss_kb=9100 rpc=ReadResource elapsed_ms=10 timestamp=t\n\
                   2026 [DEBUG] provider.terraform-provider-planton: rpc completed: @module=x peak_rss_kb=9200 rpc=ReadResource elapsed_ms=5 timestamp=t\n\
                   unrelated line\n";
        let figures = rpc_figures(log);
        assert_eq!(
            figures["ApplyResourceChange"].elapsed,
            Duration::from_secs_f64(1.5005)
        );
        assert_eq!(figures["ReadResource"].elapsed, Duration::from_millis(15));
        assert_eq!(figures["ReadResource"].peak_rss_kb, 9200);
    }
}
