//! Releases made by `scripts/release`, served by the project's registry server, and the hashes
//! Terraform should record for them.
//!
//! [`releases`] makes, once per test process, the release directories the registry tests
//! serve. They package the provider binary cargo built for this test run (stripped of debug
//! information when `strip` is there, which keeps zips small and unzips fast) instead of
//! building a release binary: `scripts/release` is called with `--binary <platform>=<that
//! binary>`, as the release workflow calls it with each runner's build, so everything else —
//! zip layout, manifest, SHA256SUMS, signature, key — is exactly what a real release has.
//!
//! - `current`: the crate's version, signed with a test key from a test keyring
//!   (`PLANTON_SIGNING_KEY_ID`). Besides this machine's platform it holds
//!   [`STAND_IN_PLATFORMS`]: this machine's binary with a line naming the platform appended,
//!   so that each platform's zip differs and a test can tell which one a client took.
//! - `next`: the next patch version, signed with the same key passed as an armored private
//!   key (`PLANTON_SIGNING_KEY`). The binary's version is fixed at compile time, so this
//!   package holds the same binary under a later version (`PLANTON_RELEASE_ANY_VERSION=1`):
//!   what an upgrade test needs is what the registry and the lock file see, a new version.
//! - `throwaway`: the crate's version and platforms again, with no key given, so the script
//!   signs with a throwaway key of its own: a signature by a key the registry does not
//!   publish.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::panic::catch_unwind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine;
use sha2::{Digest, Sha256};

use super::mirror::provider_binary;
use super::workdir::Workdir;
use super::{repo_root, PROVIDER_VERSION};

/// The provider's registry namespace and type.
pub const NAMESPACE: &str = "project-planton";
pub const TYPE: &str = "planton";

/// Platforms the `current` and `throwaway` releases hold besides this machine's, each with a
/// stand-in binary: no other platform's build exists here (the release workflow makes them on
/// their own runners). Windows shows the `.exe` name inside its zip.
pub const STAND_IN_PLATFORMS: [&str; 2] = ["darwin_arm64", "windows_amd64"];

/// One release directory.
#[derive(Debug, Clone)]
pub struct ReleaseDir {
    pub version: String,
    pub dir: PathBuf,
}

impl ReleaseDir {
    pub fn file(&self, suffix: &str) -> PathBuf {
        self.dir.join(format!(
            "terraform-provider-planton_{}_{suffix}",
            self.version
        ))
    }

    /// The zip for this machine's platform.
    pub fn zip(&self) -> PathBuf {
        self.platform_zip(&super::mirror::platform())
    }

    /// The zip for `platform` (`os_arch`).
    pub fn platform_zip(&self, platform: &str) -> PathBuf {
        self.file(&format!("{platform}.zip"))
    }

    pub fn shasums(&self) -> PathBuf {
        self.file("SHA256SUMS")
    }

    pub fn signature(&self) -> PathBuf {
        self.file("SHA256SUMS.sig")
    }

    pub fn manifest(&self) -> PathBuf {
        self.file("manifest.json")
    }

    /// The name of the executable inside this machine's zip.
    pub fn executable_name(&self) -> String {
        self.platform_executable_name(&super::mirror::platform())
    }

    /// The name of the executable inside `platform`'s zip: `.exe` on Windows, which runs
    /// nothing without it.
    pub fn platform_executable_name(&self, platform: &str) -> String {
        let exe = if platform.starts_with("windows_") {
            ".exe"
        } else {
            ""
        };
        format!("terraform-provider-planton_v{}{exe}", self.version)
    }

    /// The `h1:` and `zh:` hashes Terraform should record for this release, computed here
    /// from the files themselves (not from SHA256SUMS): `h1:` of this platform's zip
    /// contents, `zh:` of every file SHA256SUMS lists. Sorted.
    pub fn expected_lock_hashes(&self) -> Vec<String> {
        let listed: Vec<String> = fs::read_to_string(self.shasums())
            .expect("reading SHA256SUMS")
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
            .collect();
        let mut hashes = vec![zip_h1(&self.zip())];
        for name in listed {
            let bytes = fs::read(self.dir.join(&name))
                .unwrap_or_else(|e| panic!("reading {name} listed in SHA256SUMS: {e}"));
            hashes.push(format!("zh:{}", sha256_hex(&bytes)));
        }
        hashes.sort();
        hashes
    }

    /// Copies every file into `dest` (created), for a test that tampers with a release.
    pub fn copy_to(&self, dest: &Path) -> ReleaseDir {
        fs::create_dir_all(dest).unwrap_or_else(|e| panic!("creating {}: {e}", dest.display()));
        for entry in fs::read_dir(&self.dir).expect("reading a release directory") {
            let entry = entry.expect("reading a directory entry");
            fs::copy(entry.path(), dest.join(entry.file_name()))
                .unwrap_or_else(|e| panic!("copying {}: {e}", entry.path().display()));
        }
        ReleaseDir {
            version: self.version.clone(),
            dir: dest.to_path_buf(),
        }
    }
}

/// The release directories of this test process (see the module's documentation).
#[derive(Debug, Clone)]
pub struct Releases {
    /// Where they all live; removed by the next test process.
    pub base: PathBuf,
    /// The binary each platform's zip holds: this machine's build for this machine's
    /// platform, a stand-in for each of [`STAND_IN_PLATFORMS`].
    pub binaries: BTreeMap<String, PathBuf>,
    pub current: ReleaseDir,
    pub next: ReleaseDir,
    pub throwaway: ReleaseDir,
    /// The 16-hex-digit ID of the key `current` and `next` are signed with, as Terraform
    /// prints it ("self-signed, key ID ...").
    pub key_id: String,
    /// What `scripts/release` printed on stderr for `throwaway`.
    pub throwaway_stderr: String,
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One file of a zip: its name, its Unix mode (from the external attributes) and contents.
#[derive(Debug, Clone)]
pub struct ZipEntry {
    pub name: String,
    pub mode: u32,
    pub data: Vec<u8>,
}

fn u16_at(b: &[u8], i: usize) -> usize {
    u16::from_le_bytes([b[i], b[i + 1]]) as usize
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Reads every file of a zip (stored or deflated entries, no zip64), from its central
/// directory.
pub fn read_zip(path: &Path) -> Vec<ZipEntry> {
    let b = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let eocd = (0..b.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(&b, i) == 0x0605_4b50)
        .unwrap_or_else(|| panic!("{}: no end of central directory", path.display()));
    let count = u16_at(&b, eocd + 10);
    let mut at = u32_at(&b, eocd + 16) as usize;
    let mut entries = Vec::new();
    for _ in 0..count {
        assert_eq!(
            u32_at(&b, at),
            0x0201_4b50,
            "{}: bad central directory",
            path.display()
        );
        let method = u16_at(&b, at + 10);
        let compressed = u32_at(&b, at + 20) as usize;
        let size = u32_at(&b, at + 24) as usize;
        let (name_len, extra_len, comment_len) = (
            u16_at(&b, at + 28),
            u16_at(&b, at + 30),
            u16_at(&b, at + 32),
        );
        let external = u32_at(&b, at + 38);
        let local = u32_at(&b, at + 42) as usize;
        let name = String::from_utf8_lossy(&b[at + 46..at + 46 + name_len]).to_string();
        at += 46 + name_len + extra_len + comment_len;

        assert_eq!(
            u32_at(&b, local),
            0x0403_4b50,
            "{}: bad local header",
            path.display()
        );
        let start = local + 30 + u16_at(&b, local + 26) + u16_at(&b, local + 28);
        let raw = &b[start..start + compressed];
        let data = match method {
            0 => raw.to_vec(),
            8 => {
                let mut out = Vec::with_capacity(size);
                flate2::read::DeflateDecoder::new(raw)
                    .read_to_end(&mut out)
                    .unwrap_or_else(|e| panic!("{}: inflating {name}: {e}", path.display()));
                out
            }
            m => panic!("{}: {name} uses compression method {m}", path.display()),
        };
        assert_eq!(
            data.len(),
            size,
            "{}: {name} has the wrong size",
            path.display()
        );
        entries.push(ZipEntry {
            name,
            mode: external >> 16,
            data,
        });
    }
    entries
}

/// Go's `dirhash.Hash1` over a zip's files, as Terraform records it (`h1:`): SHA-256 over the
/// lines `"<sha256 hex>  <name>\n"` of every file, sorted by name, in base64.
pub fn zip_h1(path: &Path) -> String {
    let mut files: Vec<(String, String)> = read_zip(path)
        .into_iter()
        .filter(|e| !e.name.ends_with('/'))
        .map(|e| (e.name, sha256_hex(&e.data)))
        .collect();
    files.sort();
    let mut summary = String::new();
    for (name, hash) in files {
        summary.push_str(&format!("{hash}  {name}\n"));
    }
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(summary.as_bytes()))
    )
}

/// The next patch version: `0.1.0` -> `0.1.1`.
pub fn next_patch(version: &str) -> String {
    let core = version.split(['-', '+']).next().unwrap_or(version);
    let mut parts: Vec<u64> = core.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    parts.resize(3, 0);
    parts[2] += 1;
    format!("{}.{}.{}", parts[0], parts[1], parts[2])
}

/// `~> MAJOR.MINOR.0`: any patch release of the crate's minor version.
pub fn patch_constraint() -> String {
    let mut parts = PROVIDER_VERSION.split('.');
    format!(
        "~> {}.{}.0",
        parts.next().unwrap_or("0"),
        parts.next().unwrap_or("0")
    )
}

fn run(cmd: &mut Command, what: &str) -> (String, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        out.status.success(),
        "{what} failed ({:?})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status.code()
    );
    (stdout, stderr)
}

/// `scripts/release --binary PLATFORM=PATH... VERSION OUT` packaging `binaries`, with `env`
/// added to a clean signing environment. Returns the script's stderr.
fn release(
    binaries: &BTreeMap<String, PathBuf>,
    version: &str,
    out: &Path,
    env: &[(&str, &str)],
) -> String {
    let mut cmd = Command::new(repo_root().join("scripts/release"));
    for (platform, binary) in binaries {
        cmd.arg("--binary")
            .arg(format!("{platform}={}", binary.display()));
    }
    cmd.arg(version)
        .arg(out)
        .current_dir(repo_root())
        .env_remove("PLANTON_SIGNING_KEY_ID")
        .env_remove("PLANTON_SIGNING_KEY")
        .env_remove("PLANTON_SIGNING_KEY_PASSPHRASE")
        .env_remove("PLANTON_RELEASE_ANY_VERSION")
        .env_remove("GNUPGHOME");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (stdout, stderr) = run(&mut cmd, &format!("scripts/release {version}"));
    assert_eq!(
        stdout.trim(),
        out.display().to_string(),
        "scripts/release prints its output directory"
    );
    stderr
}

/// Removes the release directories of earlier test processes that are gone.
fn remove_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(pid) = name
            .strip_prefix("registry-releases-")
            .and_then(|p| p.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        if !alive && pid != std::process::id() as libc::pid_t {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn make_releases() -> Releases {
    let parent = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    remove_stale(&parent);
    let base = parent.join(format!("registry-releases-{}", std::process::id()));
    let _ = fs::remove_dir_all(&base);
    fs::create_dir_all(&base).expect("creating the releases directory");

    // The binary to package: the debug build without its debug information.
    let binary = base.join("terraform-provider-planton");
    let stripped = Command::new("strip")
        .arg("-o")
        .arg(&binary)
        .arg(provider_binary())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !stripped {
        fs::copy(provider_binary(), &binary).expect("copying the provider binary");
    }
    let host_only = BTreeMap::from([(super::mirror::platform(), binary.clone())]);
    let mut binaries = host_only.clone();
    let host_bytes = fs::read(&binary).expect("reading the provider binary");
    for platform in STAND_IN_PLATFORMS {
        let stand_in = base.join(format!("stand-in-{platform}"));
        let mut bytes = host_bytes.clone();
        bytes.extend_from_slice(format!("\nstand-in for {platform}\n").as_bytes());
        fs::write(&stand_in, bytes).expect("writing a stand-in binary");
        binaries.insert(platform.to_string(), stand_in);
    }

    // First the throwaway-key release: it also installs gpg if the machine has none.
    let throwaway = ReleaseDir {
        version: PROVIDER_VERSION.to_string(),
        dir: base.join("throwaway"),
    };
    let throwaway_stderr = release(&binaries, PROVIDER_VERSION, &throwaway.dir, &[]);

    // A test keyring with one RSA key (Terraform 1.0 reads no EdDSA keys).
    let gnupg = base.join("gnupg");
    fs::create_dir_all(&gnupg).expect("creating the test keyring");
    fs::set_permissions(&gnupg, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .expect("chmod 700 the test keyring");
    let gpg = |args: &[&str]| {
        let mut cmd = Command::new("gpg");
        cmd.env("GNUPGHOME", &gnupg)
            .args(["--batch", "--no-tty"])
            .args(args);
        run(&mut cmd, &format!("gpg {}", args.join(" "))).0
    };
    gpg(&[
        "--passphrase",
        "",
        "--quick-gen-key",
        "planton acceptance tests <acceptance@planton.invalid>",
        "rsa3072",
        "sign",
        "never",
    ]);
    let fingerprint = gpg(&["--with-colons", "--list-secret-keys"])
        .lines()
        .find_map(|l| {
            l.strip_prefix("fpr:")
                .map(|r| r.trim_matches(':').to_string())
        })
        .expect("the test key's fingerprint");
    let key_id = fingerprint[fingerprint.len() - 16..].to_string();
    let secret_key = gpg(&["--armor", "--export-secret-keys", &fingerprint]);
    let gnupg_str = gnupg.display().to_string();

    let current = ReleaseDir {
        version: PROVIDER_VERSION.to_string(),
        dir: base.join("current"),
    };
    release(
        &binaries,
        PROVIDER_VERSION,
        &current.dir,
        &[
            ("GNUPGHOME", &gnupg_str),
            ("PLANTON_SIGNING_KEY_ID", &fingerprint),
        ],
    );
    let next_version = next_patch(PROVIDER_VERSION);
    let next = ReleaseDir {
        version: next_version.clone(),
        dir: base.join("next"),
    };
    release(
        &host_only,
        &next_version,
        &next.dir,
        &[
            ("PLANTON_SIGNING_KEY", &secret_key),
            ("PLANTON_RELEASE_ANY_VERSION", "1"),
        ],
    );
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", &gnupg)
        .args(["--kill", "all"])
        .status();

    Releases {
        base,
        binaries,
        current,
        next,
        throwaway,
        key_id,
        throwaway_stderr,
    }
}

/// The release directories, made on first use (a few seconds) and shared by every test of
/// this process. Panics, in every test that asks, if they could not be made.
pub fn releases() -> &'static Releases {
    static RELEASES: OnceLock<Result<Releases, String>> = OnceLock::new();
    let made = RELEASES.get_or_init(|| {
        catch_unwind(make_releases).map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "making the releases panicked".into())
        })
    });
    match made {
        Ok(r) => r,
        Err(msg) => panic!("making the test releases failed: {msg}"),
    }
}

/// Points `wd`'s Terraform at `registry` for registry.terraform.io and registry.opentofu.org,
/// with a CLI configuration holding nothing else (no filesystem mirror).
pub fn use_registry(wd: &mut Workdir, registry: &registry_server::RegistryHandle) -> PathBuf {
    let path = wd.home().join("registry.tfrc");
    fs::write(
        &path,
        registry.cli_config(&["registry.terraform.io", "registry.opentofu.org"]),
    )
    .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    wd.env("TF_CLI_CONFIG_FILE", &path.display().to_string());
    path
}

/// Starts a registry over `dirs`.
pub fn start_registry(dirs: &[&ReleaseDir]) -> registry_server::RegistryHandle {
    registry_server::start_blocking(registry_server::RegistryConfig::new(
        NAMESPACE,
        TYPE,
        dirs.iter().map(|d| d.dir.clone()).collect(),
    ))
    .expect("starting the registry server")
}

/// The `hashes` of one provider in a `.terraform.lock.hcl`, sorted, and its `version`.
pub fn lock_entry(lock: &str, provider_addr: &str) -> Option<(String, Vec<String>)> {
    let start = lock.find(&format!("provider \"{provider_addr}\""))?;
    let block = &lock[start..];
    let block = &block[..block.find("\n}").unwrap_or(block.len())];
    let version = block
        .lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("version").map(|r| {
                r.trim_start()
                    .trim_start_matches('=')
                    .trim()
                    .trim_matches('"')
            })
        })?
        .to_string();
    let hashes_start = block.find("hashes")?;
    let hashes_block = &block[hashes_start..];
    let hashes_block = &hashes_block[..hashes_block.find(']').unwrap_or(hashes_block.len())];
    let mut hashes: Vec<String> = hashes_block
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    hashes.sort();
    Some((version, hashes))
}

/// Text with every run of whitespace made one space (Terraform wraps its error messages).
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_patch_and_constraint() {
        assert_eq!(next_patch("0.1.0"), "0.1.1");
        assert_eq!(next_patch("1.2.3-rc.1"), "1.2.4");
        assert!(patch_constraint().starts_with("~> "));
    }

    #[test]
    fn lock_entries_parse() {
        let lock = r#"
provider "registry.terraform.io/project-planton/planton" {
  version     = "0.1.0"
  constraints = "~> 0.1.0"
  hashes = [
    "zh:bb",
    "h1:aa=",
  ]
}
"#;
        assert_eq!(
            lock_entry(lock, "registry.terraform.io/project-planton/planton"),
            Some(("0.1.0".into(), vec!["h1:aa=".into(), "zh:bb".into()]))
        );
        assert_eq!(lock_entry(lock, "registry.opentofu.org/x/y"), None);
    }
}
