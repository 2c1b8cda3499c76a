//! The provider binary as a Terraform filesystem mirror, and the CLI
//! configuration that installs it from there.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::terraform::Client;
use super::{PROVIDER_SOURCE, PROVIDER_VERSION};

/// The binary cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-planton"))
}

/// Terraform's name for this machine's platform, such as `linux_amd64`.
pub fn platform() -> String {
    let os = std::env::consts::OS;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}_{arch}")
}

/// The provider's address under each client's default registry: Terraform
/// resolves `project-planton/planton` to registry.terraform.io, OpenTofu to
/// registry.opentofu.org, and the mirror serves both.
pub fn mirrored_addrs() -> Vec<String> {
    [Client::Terraform, Client::OpenTofu]
        .iter()
        .map(|c| format!("{}/{PROVIDER_SOURCE}", c.default_registry()))
        .collect()
}

/// A filesystem mirror holding the provider, plus a CLI config file that
/// installs `project-planton/planton` from it and everything else directly.
#[derive(Debug, Clone)]
pub struct Mirror {
    /// The mirror's root, as named in `filesystem_mirror { path = ... }`.
    pub root: PathBuf,
    /// The provider executable inside the mirror (under registry.terraform.io;
    /// the registry.opentofu.org one is the same file).
    pub binary: PathBuf,
    /// The CLI configuration file, for `TF_CLI_CONFIG_FILE`.
    pub cli_config: PathBuf,
}

fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The CLI configuration text for a mirror rooted at `mirror_root`.
pub fn cli_config_text(mirror_root: &Path) -> String {
    let root = hcl_string(&mirror_root.display().to_string());
    let addrs: Vec<String> = mirrored_addrs().iter().map(|a| hcl_string(a)).collect();
    let addrs = addrs.join(", ");
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {root}\n    include = [{addrs}]\n  }}\n  direct {{\n    exclude = [{addrs}]\n  }}\n}}\n"
    )
}

/// Lays out `<base>/mirror/<host>/project-planton/planton/<version>/
/// <platform>/terraform-provider-planton_v<version>` for both default
/// registry hosts (the built binary, hard-linked or copied) and writes
/// `<base>/terraform.rc`.
pub fn install_mirror(base: &Path) -> Mirror {
    let root = base.join("mirror");
    let source = provider_binary();
    let binaries: Vec<PathBuf> = mirrored_addrs()
        .iter()
        .map(|addr| {
            let dir = root.join(addr).join(PROVIDER_VERSION).join(platform());
            fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
            let binary = dir.join(format!("terraform-provider-planton_v{PROVIDER_VERSION}"));
            link_or_copy(&source, &binary);
            binary
        })
        .collect();
    let cli_config = base.join("terraform.rc");
    fs::write(&cli_config, cli_config_text(&root))
        .unwrap_or_else(|e| panic!("writing {}: {e}", cli_config.display()));
    Mirror {
        root,
        binary: binaries[0].clone(),
        cli_config,
    }
}

/// A hard link when the temporary directory shares cargo's file system
/// (the debug binary is some 200 MB and every working directory has a
/// mirror), an executable copy otherwise.
fn link_or_copy(source: &Path, binary: &Path) {
    if fs::hard_link(source, binary).is_ok() {
        return;
    }
    fs::copy(source, binary).unwrap_or_else(|e| {
        panic!(
            "copying the provider binary {} into the mirror: {e}",
            source.display()
        )
    });
    fs::set_permissions(binary, fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", binary.display()));
}
