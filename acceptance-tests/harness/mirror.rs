//! The provider binary as a Terraform filesystem mirror, and the CLI
//! configuration that installs it from there.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::{PROVIDER_ADDR, PROVIDER_VERSION};

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

/// A filesystem mirror holding the provider, plus a CLI config file that
/// installs `project-planton/planton` from it and everything else directly.
#[derive(Debug, Clone)]
pub struct Mirror {
    /// The mirror's root, as named in `filesystem_mirror { path = ... }`.
    pub root: PathBuf,
    /// The provider executable inside the mirror.
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
    let addr = hcl_string(PROVIDER_ADDR);
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {root}\n    include = [{addr}]\n  }}\n  direct {{\n    exclude = [{addr}]\n  }}\n}}\n"
    )
}

/// Lays out `<base>/mirror/registry.terraform.io/project-planton/planton/
/// <version>/<platform>/terraform-provider-planton_v<version>` (the built
/// binary, hard-linked or copied) and writes `<base>/terraform.rc`.
pub fn install_mirror(base: &Path) -> Mirror {
    let root = base.join("mirror");
    let dir = root
        .join(PROVIDER_ADDR)
        .join(PROVIDER_VERSION)
        .join(platform());
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let source = provider_binary();
    let binary = dir.join(format!("terraform-provider-planton_v{PROVIDER_VERSION}"));
    // A hard link when the temporary directory shares cargo's file system
    // (the debug binary is some 200 MB and every working directory has a
    // mirror), a copy otherwise.
    if fs::hard_link(&source, &binary).is_err() {
        fs::copy(&source, &binary).unwrap_or_else(|e| {
            panic!(
                "copying the provider binary {} into the mirror: {e}",
                source.display()
            )
        });
        fs::set_permissions(&binary, fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", binary.display()));
    }
    let cli_config = base.join("terraform.rc");
    fs::write(&cli_config, cli_config_text(&root))
        .unwrap_or_else(|e| panic!("writing {}: {e}", cli_config.display()));
    Mirror {
        root,
        binary,
        cli_config,
    }
}
