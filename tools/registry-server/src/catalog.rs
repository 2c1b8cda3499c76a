//! What the registry offers: the releases found in release directories, and the registry
//! protocol's JSON answers about them.
//!
//! A release directory is what `scripts/release` writes (DESIGN, "Registry installation"):
//!
//! ```text
//! terraform-provider-TYPE_VERSION_OS_ARCH.zip     one per platform
//! terraform-provider-TYPE_VERSION_SHA256SUMS      sha256sum lines for every zip and the manifest
//! terraform-provider-TYPE_VERSION_SHA256SUMS.sig  binary detached OpenPGP signature of SHA256SUMS
//! terraform-provider-TYPE_VERSION_manifest.json   {"version": 1, "metadata": {"protocol_versions": [...]}}
//! signing-key.asc                                 the signer's ASCII-armored public key
//! ```
//!
//! A directory may hold several versions. The catalog is read once, like a registry's publish
//! step: the `shasum` and signing key a package description names are those found then, while
//! the files themselves are read from disk at every download. A file changed after the start
//! is therefore served as changed, which is how tests tamper with a published release.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::openpgp;

/// The file holding the signer's public key in a release directory.
pub const SIGNING_KEY_FILE: &str = "signing-key.asc";

/// Every release in the given directories of one provider.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub namespace: String,
    pub type_name: String,
    /// By version string.
    pub releases: BTreeMap<String, Release>,
}

/// One version of the provider.
#[derive(Clone, Debug)]
pub struct Release {
    pub version: String,
    pub dir: PathBuf,
    /// The plugin protocol versions from the manifest, such as `["6.0"]`.
    pub protocols: Vec<String>,
    /// By `(os, arch)`.
    pub packages: BTreeMap<(String, String), Package>,
    pub shasums_file: String,
    pub signature_file: String,
    pub manifest_file: String,
    pub key: SigningKey,
}

/// One platform's zip.
#[derive(Clone, Debug)]
pub struct Package {
    pub os: String,
    pub arch: String,
    pub filename: String,
    /// Its SHA-256, lower-case hex, as SHA256SUMS lists it.
    pub shasum: String,
}

#[derive(Clone, Debug)]
pub struct SigningKey {
    pub key_id: String,
    pub ascii_armor: String,
    /// The OpenPGP public key algorithm of the primary key (22: EdDSA).
    pub algorithm: u8,
}

/// Why a release directory cannot be served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogError(pub String);

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CatalogError {}

fn err<T>(msg: impl Into<String>) -> Result<T, CatalogError> {
    Err(CatalogError(msg.into()))
}

/// Parses sha256sum output: `HASH  NAME` (or `HASH *NAME`, binary mode) per line.
pub fn parse_shasums(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (hash, name) = line
            .split_once(' ')
            .ok_or_else(|| format!("line {}: not `HASH  FILENAME`: {line:?}", i + 1))?;
        let name = name
            .strip_prefix(' ')
            .or_else(|| name.strip_prefix('*'))
            .ok_or_else(|| format!("line {}: not `HASH  FILENAME`: {line:?}", i + 1))?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("line {}: {hash:?} is not a SHA-256 in hex", i + 1));
        }
        out.push((hash.to_ascii_lowercase(), name.to_string()));
    }
    Ok(out)
}

/// Numeric-aware ordering of version strings, so 0.10.0 sorts after 0.9.0.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<(u64, String)> {
        v.split(['.', '-', '+'])
            .map(|p| (p.parse::<u64>().unwrap_or(u64::MAX), p.to_string()))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

impl Catalog {
    /// Reads every release in `dirs`. Fails on a directory without any release, on an
    /// incomplete release, and on a version found in two places.
    pub fn scan(
        namespace: &str,
        type_name: &str,
        dirs: &[PathBuf],
    ) -> Result<Catalog, CatalogError> {
        if dirs.is_empty() {
            return err("no release directory given");
        }
        let mut releases: BTreeMap<String, Release> = BTreeMap::new();
        for dir in dirs {
            let found = scan_dir(type_name, dir)?;
            if found.is_empty() {
                return err(format!(
                    "{}: no terraform-provider-{type_name}_VERSION_SHA256SUMS file: not a release directory (see scripts/release)",
                    dir.display()
                ));
            }
            for release in found {
                if let Some(other) = releases.get(&release.version) {
                    return err(format!(
                        "version {} is in both {} and {}",
                        release.version,
                        other.dir.display(),
                        release.dir.display()
                    ));
                }
                releases.insert(release.version.clone(), release);
            }
        }
        Ok(Catalog {
            namespace: namespace.to_string(),
            type_name: type_name.to_string(),
            releases,
        })
    }

    /// Whether `namespace/type` of a request names this provider. Registry addresses are
    /// case-insensitive.
    pub fn is_provider(&self, namespace: &str, type_name: &str) -> bool {
        namespace.eq_ignore_ascii_case(&self.namespace)
            && type_name.eq_ignore_ascii_case(&self.type_name)
    }

    /// Versions, oldest first.
    pub fn versions(&self) -> Vec<&Release> {
        let mut v: Vec<&Release> = self.releases.values().collect();
        v.sort_by(|a, b| compare_versions(&a.version, &b.version));
        v
    }

    /// `GET :namespace/:type/versions`.
    pub fn versions_json(&self) -> Value {
        let versions: Vec<Value> = self
            .versions()
            .into_iter()
            .map(|r| {
                let platforms: Vec<Value> = r
                    .packages
                    .values()
                    .map(|p| json!({"os": p.os, "arch": p.arch}))
                    .collect();
                json!({
                    "version": r.version,
                    "protocols": r.protocols,
                    "platforms": platforms,
                })
            })
            .collect();
        json!({ "versions": versions })
    }

    /// `GET :namespace/:type/:version/download/:os/:arch`; `None` when there is no such
    /// package. `base` is the URL the files are under, such as `http://127.0.0.1:PORT`.
    pub fn download_json(&self, version: &str, os: &str, arch: &str, base: &str) -> Option<Value> {
        let release = self.releases.get(version)?;
        let package = release.packages.get(&(os.to_string(), arch.to_string()))?;
        let file_url = |name: &str| format!("{base}{}", file_path(&release.version, name));
        Some(json!({
            "protocols": release.protocols,
            "os": package.os,
            "arch": package.arch,
            "filename": package.filename,
            "download_url": file_url(&package.filename),
            "shasums_url": file_url(&release.shasums_file),
            "shasums_signature_url": file_url(&release.signature_file),
            "shasum": package.shasum,
            "signing_keys": {
                "gpg_public_keys": [{
                    "key_id": release.key.key_id,
                    "ascii_armor": release.key.ascii_armor,
                    "trust_signature": "",
                    "source": "",
                    "source_url": null,
                }],
            },
        }))
    }

    /// The file behind `GET /files/:version/:name`, if it belongs to that release.
    pub fn file(&self, version: &str, name: &str) -> Option<PathBuf> {
        let release = self.releases.get(version)?;
        let known = name == release.shasums_file
            || name == release.signature_file
            || name == release.manifest_file
            || name == SIGNING_KEY_FILE
            || release.packages.values().any(|p| p.filename == name);
        known.then(|| release.dir.join(name))
    }
}

/// Where a release's file is served.
pub fn file_path(version: &str, name: &str) -> String {
    format!("/files/{version}/{name}")
}

fn scan_dir(type_name: &str, dir: &Path) -> Result<Vec<Release>, CatalogError> {
    let entries = fs::read_dir(dir).map_err(|e| {
        CatalogError(format!(
            "cannot read the release directory {}: {e}",
            dir.display()
        ))
    })?;
    let prefix = format!("terraform-provider-{type_name}_");
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| CatalogError(format!("{}: {e}", dir.display())))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    let mut releases = Vec::new();
    for name in &names {
        let Some(version) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix("_SHA256SUMS"))
        else {
            continue;
        };
        releases.push(read_release(type_name, dir, version)?);
    }
    Ok(releases)
}

fn read_release(type_name: &str, dir: &Path, version: &str) -> Result<Release, CatalogError> {
    let base = format!("terraform-provider-{type_name}_{version}");
    let shasums_file = format!("{base}_SHA256SUMS");
    let signature_file = format!("{shasums_file}.sig");
    let manifest_file = format!("{base}_manifest.json");
    let at = |name: &str| dir.join(name);
    let read = |name: &str| {
        fs::read_to_string(at(name))
            .map_err(|e| CatalogError(format!("{}: {e}", at(name).display())))
    };

    let sums = parse_shasums(&read(&shasums_file)?)
        .map_err(|e| CatalogError(format!("{}: {e}", at(&shasums_file).display())))?;
    if !at(&signature_file).is_file() {
        return err(format!(
            "{} is missing: Terraform installs only signed releases",
            at(&signature_file).display()
        ));
    }
    let armor = read(SIGNING_KEY_FILE)?;
    let name = openpgp::key_name(&armor)
        .map_err(|e| CatalogError(format!("{}: {e}", at(SIGNING_KEY_FILE).display())))?;
    let manifest: Value = serde_json::from_str(&read(&manifest_file)?)
        .map_err(|e| CatalogError(format!("{}: not JSON: {e}", at(&manifest_file).display())))?;
    let protocols: Vec<String> = manifest
        .pointer("/metadata/protocol_versions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if protocols.is_empty() {
        return err(format!(
            "{}: no metadata.protocol_versions",
            at(&manifest_file).display()
        ));
    }

    let mut packages = BTreeMap::new();
    for (shasum, filename) in sums {
        let Some(platform) = filename
            .strip_prefix(&format!("{base}_"))
            .and_then(|rest| rest.strip_suffix(".zip"))
        else {
            continue;
        };
        let Some((os, arch)) = platform.split_once('_') else {
            return err(format!(
                "{}: {filename} does not end in _OS_ARCH.zip",
                at(&shasums_file).display()
            ));
        };
        if !at(&filename).is_file() {
            return err(format!(
                "{} lists {filename}, which is not in {}",
                shasums_file,
                dir.display()
            ));
        }
        packages.insert(
            (os.to_string(), arch.to_string()),
            Package {
                os: os.to_string(),
                arch: arch.to_string(),
                filename,
                shasum,
            },
        );
    }
    if packages.is_empty() {
        return err(format!(
            "{} lists no {base}_OS_ARCH.zip",
            at(&shasums_file).display()
        ));
    }
    Ok(Release {
        version: version.to_string(),
        dir: dir.to_path_buf(),
        protocols,
        packages,
        shasums_file,
        signature_file,
        manifest_file,
        key: SigningKey {
            key_id: name.key_id,
            ascii_armor: armor,
            algorithm: name.algorithm,
        },
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::openpgp::tests::ED25519_KEY;

    const ZIP_SUM: &str = "0000000000000000000000000000000000000000000000000000000000000abc";

    /// A release directory with fake contents (nothing here checks a hash or a signature).
    pub(crate) fn fake_release(dir: &Path, version: &str) {
        let base = format!("terraform-provider-planton_{version}");
        fs::write(dir.join(format!("{base}_linux_amd64.zip")), b"zip").unwrap();
        fs::write(dir.join(format!("{base}_darwin_arm64.zip")), b"zip2").unwrap();
        fs::write(
            dir.join(format!("{base}_manifest.json")),
            r#"{"version": 1, "metadata": {"protocol_versions": ["6.0"]}}"#,
        )
        .unwrap();
        fs::write(
            dir.join(format!("{base}_SHA256SUMS")),
            format!(
                "{ZIP_SUM}  {base}_darwin_arm64.zip\n{ZIP_SUM}  {base}_linux_amd64.zip\n{ZIP_SUM}  {base}_manifest.json\n"
            ),
        )
        .unwrap();
        fs::write(dir.join(format!("{base}_SHA256SUMS.sig")), b"sig").unwrap();
        fs::write(dir.join(SIGNING_KEY_FILE), ED25519_KEY).unwrap();
    }

    #[test]
    fn versions_list_every_release_with_protocols_and_platforms() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        fake_release(a.path(), "0.10.0");
        fake_release(b.path(), "0.9.1");
        let catalog = Catalog::scan(
            "project-planton",
            "planton",
            &[a.path().to_path_buf(), b.path().to_path_buf()],
        )
        .unwrap();
        assert_eq!(
            catalog.versions_json(),
            json!({"versions": [
                {"version": "0.9.1", "protocols": ["6.0"], "platforms": [
                    {"os": "darwin", "arch": "arm64"}, {"os": "linux", "arch": "amd64"}]},
                {"version": "0.10.0", "protocols": ["6.0"], "platforms": [
                    {"os": "darwin", "arch": "arm64"}, {"os": "linux", "arch": "amd64"}]},
            ]})
        );
        assert!(catalog.is_provider("Project-Planton", "planton"));
        assert!(!catalog.is_provider("hashicorp", "planton"));
    }

    #[test]
    fn download_describes_the_package_its_checksums_and_key() {
        let dir = tempfile::tempdir().unwrap();
        fake_release(dir.path(), "0.1.0");
        let catalog =
            Catalog::scan("project-planton", "planton", &[dir.path().to_path_buf()]).unwrap();
        let got = catalog
            .download_json("0.1.0", "linux", "amd64", "http://127.0.0.1:9")
            .unwrap();
        let files = "http://127.0.0.1:9/files/0.1.0";
        assert_eq!(
            got,
            json!({
                "protocols": ["6.0"],
                "os": "linux",
                "arch": "amd64",
                "filename": "terraform-provider-planton_0.1.0_linux_amd64.zip",
                "download_url": format!("{files}/terraform-provider-planton_0.1.0_linux_amd64.zip"),
                "shasums_url": format!("{files}/terraform-provider-planton_0.1.0_SHA256SUMS"),
                "shasums_signature_url": format!("{files}/terraform-provider-planton_0.1.0_SHA256SUMS.sig"),
                "shasum": ZIP_SUM,
                "signing_keys": {"gpg_public_keys": [{
                    "key_id": "D0A16F7825D097DA",
                    "ascii_armor": ED25519_KEY,
                    "trust_signature": "",
                    "source": "",
                    "source_url": null,
                }]},
            })
        );
        assert!(catalog
            .download_json("0.1.0", "windows", "amd64", "http://x")
            .is_none());
        assert!(catalog
            .download_json("9.9.9", "linux", "amd64", "http://x")
            .is_none());
        assert!(catalog.file("0.1.0", "signing-key.asc").is_some());
        assert!(catalog.file("0.1.0", "../../etc/passwd").is_none());
        assert!(catalog.file("0.1.0", "other.txt").is_none());
    }

    #[test]
    fn incomplete_or_duplicate_releases_are_refused() {
        let empty = tempfile::tempdir().unwrap();
        let e = Catalog::scan("n", "planton", &[empty.path().to_path_buf()]).unwrap_err();
        assert!(e.0.contains("not a release directory"), "{e}");

        let a = tempfile::tempdir().unwrap();
        fake_release(a.path(), "0.1.0");
        let b = tempfile::tempdir().unwrap();
        fake_release(b.path(), "0.1.0");
        let e = Catalog::scan(
            "n",
            "planton",
            &[a.path().to_path_buf(), b.path().to_path_buf()],
        )
        .unwrap_err();
        assert!(e.0.contains("in both"), "{e}");

        fs::remove_file(
            a.path()
                .join("terraform-provider-planton_0.1.0_SHA256SUMS.sig"),
        )
        .unwrap();
        let e = Catalog::scan("n", "planton", &[a.path().to_path_buf()]).unwrap_err();
        assert!(e.0.contains("signed"), "{e}");

        fs::remove_file(
            b.path()
                .join("terraform-provider-planton_0.1.0_linux_amd64.zip"),
        )
        .unwrap();
        let e = Catalog::scan("n", "planton", &[b.path().to_path_buf()]).unwrap_err();
        assert!(e.0.contains("not in"), "{e}");
    }

    #[test]
    fn shasums_parse_text_and_binary_mode_lines() {
        let h = "a".repeat(64);
        assert_eq!(
            parse_shasums(&format!("{h}  x.zip\n{h} *y.zip\n\n")).unwrap(),
            vec![(h.clone(), "x.zip".into()), (h.clone(), "y.zip".into())]
        );
        assert!(parse_shasums("abc  x.zip").is_err());
        assert!(parse_shasums(&format!("{h}x.zip")).is_err());
    }

    #[test]
    fn versions_compare_numerically() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_versions("0.10.0", "0.9.0"), Greater);
        assert_eq!(compare_versions("1.0.0", "1.0.0"), Equal);
        assert_eq!(compare_versions("0.1.0", "0.1.1"), Less);
    }
}
