//! The Terraform and OpenTofu clients under test.

use std::collections::BTreeSet;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::{repo_root, PROVIDER_SOURCE};

/// The oldest client the provider supports; it speaks tfplugin6.0 only.
pub const MIN_VERSION: &str = "1.0.3";

/// Which program a client is: they speak the same plugin protocol, but
/// differ in wording, default registry and feature versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Client {
    Terraform,
    OpenTofu,
}

impl Client {
    /// How the client names itself (`Terraform v1.0.3`, `OpenTofu v1.11.6`).
    pub fn name(self) -> &'static str {
        match self {
            Client::Terraform => "Terraform",
            Client::OpenTofu => "OpenTofu",
        }
    }

    /// The registry a source address without a hostname resolves to.
    pub fn default_registry(self) -> &'static str {
        match self {
            Client::Terraform => "registry.terraform.io",
            Client::OpenTofu => "registry.opentofu.org",
        }
    }

    /// The first version with provider-defined functions (Terraform 1.8,
    /// OpenTofu 1.7).
    pub fn functions_since(self) -> (u64, u64, u64) {
        match self {
            Client::Terraform => (1, 8, 0),
            Client::OpenTofu => (1, 7, 0),
        }
    }

    /// The first version with `import {}` blocks (Terraform 1.5; OpenTofu
    /// has them since its first release, 1.6).
    pub fn import_blocks_since(self) -> (u64, u64, u64) {
        match self {
            Client::Terraform => (1, 5, 0),
            Client::OpenTofu => (1, 6, 0),
        }
    }

    /// The first version with `removed {}` blocks (Terraform 1.7, OpenTofu
    /// 1.7).
    pub fn removed_blocks_since(self) -> (u64, u64, u64) {
        (1, 7, 0)
    }

    /// The first version that records resource identities and imports by
    /// identity (Terraform 1.12); OpenTofu has neither yet.
    pub fn identity_since(self) -> Option<(u64, u64, u64)> {
        match self {
            Client::Terraform => Some((1, 12, 0)),
            Client::OpenTofu => None,
        }
    }

    /// The first version with list resources and `terraform query`
    /// (Terraform 1.14); OpenTofu has neither yet.
    pub fn query_since(self) -> Option<(u64, u64, u64)> {
        match self {
            Client::Terraform => Some((1, 14, 0)),
            Client::OpenTofu => None,
        }
    }
}

/// One client under test.
#[derive(Debug, Clone)]
pub struct Terraform {
    /// The executable.
    pub path: PathBuf,
    /// Terraform or OpenTofu.
    pub client: Client,
    /// Its version without the `v`, such as `1.0.3`.
    pub version: String,
}

impl Terraform {
    /// `Terraform 1.0.3`, `OpenTofu 1.11.6`.
    pub fn name(&self) -> String {
        format!("{} {}", self.client.name(), self.version)
    }

    /// `Terraform 1.0.3 (/path/to/terraform)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name(), self.path.display())
    }

    pub fn is_opentofu(&self) -> bool {
        self.client == Client::OpenTofu
    }

    /// The provider's fully qualified address as this client resolves
    /// `project-planton/planton`: in `providers schema -json`, the lock file,
    /// the state and `.terraform/providers`.
    pub fn provider_addr(&self) -> String {
        format!("{}/{PROVIDER_SOURCE}", self.client.default_registry())
    }

    /// Whether this client calls provider-defined functions.
    pub fn supports_functions(&self) -> bool {
        self.version_at_least(self.client.functions_since())
    }

    pub fn supports_import_blocks(&self) -> bool {
        self.version_at_least(self.client.import_blocks_since())
    }

    pub fn supports_removed_blocks(&self) -> bool {
        self.version_at_least(self.client.removed_blocks_since())
    }

    /// Whether this client records identities and imports by identity.
    pub fn supports_identity(&self) -> bool {
        self.client
            .identity_since()
            .is_some_and(|v| self.version_at_least(v))
    }

    /// Whether this client runs `terraform query` over list resources.
    pub fn supports_query(&self) -> bool {
        self.client
            .query_since()
            .is_some_and(|v| self.version_at_least(v))
    }

    /// The version as numbers, for comparisons such as
    /// `tf.version_at_least((1, 6, 0))`. Compare within one [`Client`]:
    /// OpenTofu forked from Terraform 1.6 and numbers its own releases.
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

/// Reads the first line of `version` output: `Terraform v1.0.3` or
/// `OpenTofu v1.11.6`.
pub fn parse_version_line(line: &str) -> Option<(Client, String)> {
    [Client::Terraform, Client::OpenTofu]
        .into_iter()
        .find_map(|client| {
            let rest = line.strip_prefix(client.name())?.strip_prefix(" v")?;
            let version = rest.split_whitespace().next()?;
            version
                .starts_with(|c: char| c.is_ascii_digit())
                .then(|| (client, version.to_string()))
        })
}

/// Asks an executable which client and version it is.
fn client_version(path: &Path) -> Option<(Client, String)> {
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
    parse_version_line(stdout.lines().next()?)
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
             Install it with `scripts/install-clients` (or `scripts/install-terraform`, which \
             prints its path), or set PLANTON_TERRAFORM_1_0_3 to an existing Terraform v{MIN_VERSION}.",
            path.display()
        );
    }
    match client_version(&path) {
        Some((Client::Terraform, v)) if v == MIN_VERSION => Terraform {
            path,
            client: Client::Terraform,
            version: v,
        },
        Some((client, v)) => panic!(
            "{} ({from}) is {} v{v}, not Terraform v{MIN_VERSION}; run `scripts/install-terraform`",
            path.display(),
            client.name()
        ),
        None => panic!(
            "{} ({from}) does not run as Terraform; reinstall it with `scripts/install-terraform`",
            path.display()
        ),
    }
}

/// The clients `scripts/install-clients` printed, passed as a path list in
/// `PLANTON_CLIENTS`. Each one must run: a listed client that does not is a
/// failure, never a skip.
fn listed_clients(list: &std::ffi::OsStr) -> Vec<Terraform> {
    std::env::split_paths(list)
        .filter(|p| !p.as_os_str().is_empty())
        .map(|path| match client_version(&path) {
            Some((client, version)) => Terraform {
                path,
                client,
                version,
            },
            None => panic!(
                "{} (listed in PLANTON_CLIENTS) does not run as Terraform or OpenTofu; \
                 run `scripts/install-clients` again",
                path.display()
            ),
        })
        .collect()
}

/// Every `terraform` and `tofu` on `PATH`.
fn find_on_path() -> Vec<Terraform> {
    let Some(path_var) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    let mut seen_paths = BTreeSet::new();
    let mut found = Vec::new();
    for dir in std::env::split_paths(&path_var) {
        for program in ["terraform", "tofu"] {
            let candidate = dir.join(program);
            if !candidate.is_file() {
                continue;
            }
            let canonical = candidate.canonicalize().unwrap_or(candidate.clone());
            if !seen_paths.insert(canonical) {
                continue;
            }
            if let Some((client, version)) = client_version(&candidate) {
                found.push(Terraform {
                    path: candidate,
                    client,
                    version,
                });
            }
        }
    }
    found
}

fn discover() -> Vec<Terraform> {
    let others = match std::env::var_os("PLANTON_CLIENTS") {
        Some(list) if !list.is_empty() => listed_clients(&list),
        _ => find_on_path(),
    };
    let mut clients = vec![find_min_version()];
    for tf in others {
        if clients
            .iter()
            .all(|c| (c.client, &c.version) != (tf.client, &tf.version))
        {
            clients.push(tf);
        }
    }
    clients.sort_by_key(|tf| (tf.client, tf.version_tuple()));
    let labels: Vec<String> = clients.iter().map(Terraform::label).collect();
    report(&format!(
        "acceptance: clients under test: {}",
        labels.join(", ")
    ));
    clients
}

/// Terraform v1.0.3 (always; its absence is a failure, never a skip) and
/// every other client with a distinct version: those listed in
/// `PLANTON_CLIENTS` (a path list, as `scripts/install-clients` prints it),
/// else every `terraform` and `tofu` on `PATH`. Terraform first, then
/// OpenTofu, oldest first. Found once per test process.
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

/// Runs `scenario` once per client, every client even when an earlier one
/// fails, then reports which clients ran and passed. Panics (failing the
/// test) naming each client whose run failed.
pub fn for_each_terraform(test: &str, scenario: impl Fn(&Terraform)) {
    let versions = terraform_versions();
    for line in super::proxy::enter_test(test) {
        report(&line);
    }
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    let mut wall = Vec::new();
    for tf in versions {
        let began = std::time::Instant::now();
        match catch_unwind(AssertUnwindSafe(|| scenario(tf))) {
            Ok(()) => passed.push(tf.name()),
            Err(e) => failed.push((tf.name(), panic_message(e.as_ref()).to_string())),
        }
        wall.push(format!(
            "{} {:.1} s",
            tf.name(),
            began.elapsed().as_secs_f64()
        ));
    }
    let ran: Vec<String> = versions.iter().map(Terraform::name).collect();
    let failed_versions: Vec<&str> = failed.iter().map(|(v, _)| v.as_str()).collect();
    report(&format!(
        "acceptance: {test}: ran with {}; passed: [{}]; failed: [{}]; wall time: {}",
        ran.join(", "),
        passed.join(", "),
        failed_versions.join(", "),
        wall.join(", ")
    ));
    if !failed.is_empty() {
        let details: Vec<String> = failed
            .iter()
            .map(|(v, msg)| format!("--- {v} ---\n{msg}"))
            .collect();
        panic!(
            "{test} failed with {}\n{}",
            failed_versions.join(", "),
            details.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_lines_of_both_clients_parse() {
        assert_eq!(
            parse_version_line("Terraform v1.0.3"),
            Some((Client::Terraform, "1.0.3".to_string()))
        );
        assert_eq!(
            parse_version_line("OpenTofu v1.11.6"),
            Some((Client::OpenTofu, "1.11.6".to_string()))
        );
        assert_eq!(
            parse_version_line("Terraform v1.16.0-dev"),
            Some((Client::Terraform, "1.16.0-dev".to_string()))
        );
        assert_eq!(parse_version_line("Terraform vx"), None);
        assert_eq!(parse_version_line("Terragrunt v0.50.0"), None);
        assert_eq!(parse_version_line("on linux_amd64"), None);
    }

    #[test]
    fn each_client_resolves_the_source_through_its_own_registry() {
        let tf = |client, version: &str| Terraform {
            path: PathBuf::from("/x"),
            client,
            version: version.to_string(),
        };
        let tofu = tf(Client::OpenTofu, "1.7.0");
        assert_eq!(
            tofu.provider_addr(),
            "registry.opentofu.org/project-planton/planton"
        );
        assert!(tofu.supports_functions());
        assert_eq!(tofu.name(), "OpenTofu 1.7.0");
        let old = tf(Client::Terraform, "1.7.5");
        assert_eq!(
            old.provider_addr(),
            "registry.terraform.io/project-planton/planton"
        );
        assert!(!old.supports_functions());
        assert!(tf(Client::Terraform, "1.8.0").supports_functions());
    }
}
