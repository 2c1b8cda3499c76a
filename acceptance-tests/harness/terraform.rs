//! The Terraform clients under test.

use std::collections::BTreeSet;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::repo_root;

/// The oldest client the provider supports; it speaks tfplugin6.0 only.
pub const MIN_VERSION: &str = "1.0.3";

/// One Terraform client.
#[derive(Debug, Clone)]
pub struct Terraform {
    /// The executable.
    pub path: PathBuf,
    /// Its version without the `v`, such as `1.0.3`.
    pub version: String,
}

impl Terraform {
    /// `1.0.3 (/path/to/terraform)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.version, self.path.display())
    }

    /// The version as numbers, for comparisons such as
    /// `tf.version_at_least((1, 6, 0))`.
    pub fn version_tuple(&self) -> (u64, u64, u64) {
        let mut parts = self
            .version
            .split(|c: char| !c.is_ascii_digit())
            .map(|p| p.parse::<u64>().unwrap_or(0));
        (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        )
    }

    pub fn version_at_least(&self, v: (u64, u64, u64)) -> bool {
        self.version_tuple() >= v
    }
}

/// Writes to the process's stderr directly, past the test harness's output
/// capture, so the line shows whether or not `--nocapture` is given.
pub fn report(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Asks an executable for its version: `Some("1.0.3")` for a Terraform.
fn terraform_version(path: &Path) -> Option<String> {
    let out = Command::new(path)
        .arg("version")
        // The machine image names a CLI config file that does not exist;
        // without this, every call warns about it.
        .env_remove("TF_CLI_CONFIG_FILE")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first = stdout.lines().next()?;
    let v = first.strip_prefix("Terraform v")?.trim();
    Some(v.to_string())
}

fn find_min_version() -> Terraform {
    let (path, from) = match std::env::var_os("PLANTON_TERRAFORM_1_0_3") {
        Some(p) if !p.is_empty() => (PathBuf::from(p), "PLANTON_TERRAFORM_1_0_3"),
        _ => (
            repo_root().join(".cache/terraform/1.0.3/terraform"),
            "the default location",
        ),
    };
    if !path.is_file() {
        panic!(
            "Terraform v{MIN_VERSION} is required and was not found at {} ({from}).\n\
             Install it with `scripts/install-terraform` (it prints the path), or set \
             PLANTON_TERRAFORM_1_0_3 to an existing Terraform v{MIN_VERSION}.",
            path.display()
        );
    }
    match terraform_version(&path) {
        Some(v) if v == MIN_VERSION => Terraform { path, version: v },
        Some(v) => panic!(
            "{} ({from}) is Terraform v{v}, not v{MIN_VERSION}; run `scripts/install-terraform`",
            path.display()
        ),
        None => panic!(
            "{} ({from}) does not run as Terraform; reinstall it with `scripts/install-terraform`",
            path.display()
        ),
    }
}

fn find_on_path() -> Vec<Terraform> {
    let Some(path_var) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    let mut seen_paths = BTreeSet::new();
    let mut found = Vec::new();
    for dir in std::env::split_paths(&path_var) {
        let candidate = dir.join("terraform");
        if !candidate.is_file() {
            continue;
        }
        let canonical = candidate.canonicalize().unwrap_or(candidate.clone());
        if !seen_paths.insert(canonical) {
            continue;
        }
        if let Some(version) = terraform_version(&candidate) {
            found.push(Terraform {
                path: candidate,
                version,
            });
        }
    }
    found
}

fn discover() -> Vec<Terraform> {
    let mut versions = vec![find_min_version()];
    for tf in find_on_path() {
        if versions.iter().all(|v| v.version != tf.version) {
            versions.push(tf);
        }
    }
    versions.sort_by_key(|tf| tf.version_tuple());
    let labels: Vec<String> = versions.iter().map(Terraform::label).collect();
    report(&format!(
        "acceptance: Terraform versions under test: {}",
        labels.join(", ")
    ));
    versions
}

/// Terraform v1.0.3 (always; its absence is a failure, never a skip) and
/// every other `terraform` on `PATH` with a distinct version, oldest first.
/// Found once per test process.
pub fn terraform_versions() -> &'static [Terraform] {
    static VERSIONS: OnceLock<Result<Vec<Terraform>, String>> = OnceLock::new();
    let found = VERSIONS
        .get_or_init(|| catch_unwind(discover).map_err(|e| panic_message(e.as_ref()).to_string()));
    match found {
        Ok(v) => v,
        Err(msg) => panic!("{msg}"),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(non-string panic payload)")
}

/// Runs `scenario` once per Terraform version, every version even when an
/// earlier one fails, then reports which versions ran and passed. Panics
/// (failing the test) naming each version whose run failed.
pub fn for_each_terraform(test: &str, scenario: impl Fn(&Terraform)) {
    let versions = terraform_versions();
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for tf in versions {
        match catch_unwind(AssertUnwindSafe(|| scenario(tf))) {
            Ok(()) => passed.push(tf.version.clone()),
            Err(e) => failed.push((tf.version.clone(), panic_message(e.as_ref()).to_string())),
        }
    }
    let ran: Vec<&str> = versions.iter().map(|t| t.version.as_str()).collect();
    let failed_versions: Vec<&str> = failed.iter().map(|(v, _)| v.as_str()).collect();
    report(&format!(
        "acceptance: {test}: ran with Terraform {}; passed: [{}]; failed: [{}]",
        ran.join(", "),
        passed.join(", "),
        failed_versions.join(", ")
    ));
    if !failed.is_empty() {
        let details: Vec<String> = failed
            .iter()
            .map(|(v, msg)| format!("--- Terraform {v} ---\n{msg}"))
            .collect();
        panic!(
            "{test} failed with Terraform {}\n{}",
            failed_versions.join(", "),
            details.join("\n")
        );
    }
}
