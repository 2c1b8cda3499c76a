//! Installing the provider from a registry, as users do: `terraform init` against the
//! project's registry server, serving releases made by `scripts/release`, with a CLI
//! configuration that points registry.terraform.io (and registry.opentofu.org) at it and no
//! filesystem mirror. Terraform itself checks the package: zip against SHA256SUMS, the binary
//! signature of SHA256SUMS against the published key. See harness/registry.rs for how the
//! releases are made.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::harness::out_of_band::OutOfBand;
use crate::harness::proxy::RecordingProxy;

use crate::harness::mirror::platform;
use crate::harness::registry::{
    lock_entry, one_line, patch_constraint, read_zip, releases, sha256_hex, start_registry,
    use_registry, zip_h1, ReleaseDir, STAND_IN_PLATFORMS,
};
use crate::harness::terraform::Client;
use crate::harness::{for_each_terraform, require_localstack, unique_prefix, Terraform, Workdir};

const SOURCE: &str = "project-planton/planton";

/// examples/basic with its names under `prefix` and a version constraint on the provider.
fn basic_example(wd: &Workdir, prefix: &str) {
    wd.copy_example("basic");
    let main = wd.read("main.tf");
    let source_line = format!("source = \"{SOURCE}\"");
    assert!(
        main.contains(&source_line) && main.contains("\"demo/app/"),
        "examples/basic/main.tf no longer has `{source_line}` and demo/app/ names:\n{main}"
    );
    let main = main
        .replace(
            &source_line,
            &format!("{source_line}\n      version = \"{}\"", patch_constraint()),
        )
        .replace("\"demo/app/", &format!("\"{prefix}"));
    wd.write("main.tf", &main);
}

/// A working directory whose CLI configuration sends registry requests to `registry`.
fn workdir_using(tf: &Terraform, registry: &registry_server::RegistryHandle) -> Workdir {
    let mut wd = Workdir::new(tf);
    use_registry(&mut wd, registry);
    wd
}

/// A main.tf that only requires the provider from `source`, within this release line.
fn require_provider(wd: &Workdir, source: &str) {
    wd.write(
        "main.tf",
        &format!(
            "terraform {{\n  required_providers {{\n    planton = {{\n      source  = \"{source}\"\n      version = \"{}\"\n    }}\n  }}\n}}\n",
            patch_constraint()
        ),
    );
}

/// `terraform <command> -auto-approve -var <var>` (apply or destroy),
/// asserting success.
fn run_auto_approved(wd: &Workdir, command: &str, var: &str) {
    wd.run_ok(&[
        command,
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-var",
        var,
    ]);
}

/// `terraform plan -detailed-exitcode -var <var>`, asserting no changes.
fn assert_no_changes(wd: &Workdir, var: &str) {
    wd.run(&[
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-var",
        var,
    ])
    .assert_code(0);
}

/// The executable `terraform init` unpacked for `version`.
fn installed_binary(wd: &Workdir, host: &str, version: &str) -> std::path::PathBuf {
    wd.path()
        .join(".terraform/providers")
        .join(host)
        .join(SOURCE)
        .join(version)
        .join(platform())
        .join(format!("terraform-provider-planton_v{version}"))
}

/// Runs `terraform init <args>` and checks that it installed `release` from `host`'s
/// registry, signed by `key_id`.
fn init_installs(wd: &Workdir, args: &[&str], host: &str, release: &ReleaseDir, key_id: &str) {
    let mut command = vec!["init"];
    command.extend_from_slice(args);
    command.extend_from_slice(&["-input=false", "-no-color"]);
    let out = wd.run_ok(&command).combined();
    assert_installed_from(wd, &out, host, release, key_id);
}

/// How the client reports a package whose SHA256SUMS signature it checked against a key
/// the registry published: Terraform calls a key that is neither HashiCorp's nor a
/// partner's "self-signed"; OpenTofu, which has no such tiers, says "signed".
fn signed_by(tf: &Terraform, key_id: &str) -> String {
    match tf.client {
        Client::Terraform => format!("(self-signed, key ID {key_id})"),
        Client::OpenTofu => format!("(signed, key ID {key_id})"),
    }
}

fn assert_installed_from(wd: &Workdir, out: &str, host: &str, release: &ReleaseDir, key_id: &str) {
    let version = &release.version;
    assert!(
        out.contains(&format!("Installing {SOURCE} v{version}"))
            || out.contains(&format!("Installing {host}/{SOURCE} v{version}")),
        "{out}"
    );
    let signed = signed_by(wd.terraform(), key_id);
    assert!(out.contains(&signed), "expected `{signed}`:\n{out}");
    // The lock file records h1: of the package and zh: of everything in SHA256SUMS, as
    // computed here from the files themselves.
    let lock = wd.read(".terraform.lock.hcl");
    let addr = format!("{host}/{SOURCE}");
    let (locked_version, hashes) =
        lock_entry(&lock, &addr).unwrap_or_else(|| panic!("no {addr} in the lock file:\n{lock}"));
    assert_eq!(&locked_version, version, "{lock}");
    assert_eq!(hashes, release.expected_lock_hashes(), "{lock}");

    // What runs is exactly what the zip holds, executable.
    let zip = read_zip(&release.zip());
    assert_eq!(zip.len(), 1, "the zip holds one file");
    assert_eq!(zip[0].name, release.executable_name());
    assert_eq!(zip[0].mode & 0o777, 0o755, "mode of the zipped executable");
    let installed = installed_binary(wd, host, version);
    let bytes =
        fs::read(&installed).unwrap_or_else(|e| panic!("{}: {e}\n{out}", installed.display()));
    assert_eq!(sha256_hex(&bytes), sha256_hex(&zip[0].data));
    let mode = fs::metadata(&installed).unwrap().permissions().mode();
    assert!(
        mode & 0o111 != 0,
        "{} is not executable",
        installed.display()
    );
}

#[test]
fn init_installs_the_signed_release_from_a_registry_and_applies() {
    let ls = require_localstack();
    let rel = releases();
    for_each_terraform(
        "init_installs_the_signed_release_from_a_registry_and_applies",
        |tf| {
            let registry = start_registry(&[&rel.current]);
            let wd = workdir_using(tf, &registry);
            let prefix = unique_prefix("registry-install");
            basic_example(&wd, &prefix);

            let host = tf.client.default_registry();
            init_installs(&wd, &[], host, &rel.current, &rel.key_id);
            // Terraform fetched the package, its checksums and their signature from the
            // registry.
            let paths: Vec<String> = registry.requests().into_iter().map(|r| r.path).collect();
            for file in [
                rel.current.zip(),
                rel.current.shasums(),
                rel.current.signature(),
            ] {
                let name = file.file_name().unwrap().to_string_lossy().to_string();
                assert!(
                    paths.iter().any(|p| p.ends_with(&format!("/{name}"))),
                    "{name} was not downloaded: {paths:?}"
                );
            }

            // The installed provider works: apply, an empty plan, destroy.
            let proxy = RecordingProxy::start(&ls.endpoint);
            let var = format!("localstack_endpoint={}", proxy.endpoint());
            run_auto_approved(&wd, "apply", &var);
            let probe = ls.probe();
            for name in ["DB_PASSWORD", "API_KEY", "SESSION_SECRET"] {
                let full = format!("{prefix}{name}");
                let info = probe
                    .describe(&full)
                    .unwrap_or_else(|| panic!("{full} was not created"));
                assert!(!info.scheduled_for_deletion, "{full}");
            }
            assert_no_changes(&wd, &var);
            run_auto_approved(&wd, "destroy", &var);
            registry.shutdown_blocking();
        },
    );
}

#[test]
fn init_installs_from_the_opentofu_registry_hostname() {
    let rel = releases();
    for_each_terraform("init_installs_from_the_opentofu_registry_hostname", |tf| {
        let registry = start_registry(&[&rel.current]);
        let wd = workdir_using(tf, &registry);
        require_provider(&wd, &format!("registry.opentofu.org/{SOURCE}"));
        init_installs(&wd, &[], "registry.opentofu.org", &rel.current, &rel.key_id);
        assert!(
            registry
                .requests()
                .iter()
                .any(|r| r.path.contains("/v1/providers/project-planton/planton/")),
            "{:?}",
            registry.requests()
        );
        registry.shutdown_blocking();
    });
}

/// The zips the client asked the registry for, by file name, each once (some clients ask
/// twice for the one they install).
fn downloaded_zips(registry: &registry_server::RegistryHandle) -> Vec<String> {
    let mut zips: Vec<String> = registry
        .requests()
        .into_iter()
        .filter_map(|r| {
            let name = r.path.rsplit('/').next()?.to_string();
            name.ends_with(".zip").then_some(name)
        })
        .collect();
    zips.sort();
    zips.dedup();
    zips
}

/// What `scripts/release` made of one binary per platform (this machine's build and the
/// stand-ins, as the release workflow hands it every runner's build): a zip per platform
/// holding exactly that binary under the name the platform runs, every zip and the manifest
/// in SHA256SUMS, a signature of SHA256SUMS that the published key verifies.
fn assert_release_holds_each_platform(
    rel: &ReleaseDir,
    binaries: &BTreeMap<String, std::path::PathBuf>,
) {
    let mut listed: Vec<(String, String)> = fs::read_to_string(rel.shasums())
        .unwrap()
        .lines()
        .map(|l| {
            let (hash, name) = l
                .split_once("  ")
                .unwrap_or_else(|| panic!("SHA256SUMS line {l:?}"));
            (name.to_string(), hash.to_string())
        })
        .collect();
    listed.sort();
    let mut expected: Vec<(String, String)> = binaries
        .keys()
        .map(|p| rel.platform_zip(p))
        .chain([rel.manifest()])
        .map(|f| {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            (name, sha256_hex(&fs::read(&f).unwrap()))
        })
        .collect();
    expected.sort();
    assert_eq!(
        listed, expected,
        "SHA256SUMS lists every zip and the manifest with their hashes"
    );

    for (platform, binary) in binaries {
        let zip = read_zip(&rel.platform_zip(platform));
        assert_eq!(zip.len(), 1, "{platform}: the zip holds one file");
        assert_eq!(
            zip[0].name,
            rel.platform_executable_name(platform),
            "{platform}"
        );
        assert_eq!(
            zip[0].mode & 0o777,
            0o755,
            "{platform}: mode of the executable"
        );
        assert_eq!(
            zip[0].data,
            fs::read(binary).unwrap(),
            "{platform}: the binary it was given"
        );
    }
    assert!(
        rel.platform_executable_name("windows_amd64")
            .ends_with(".exe")
            && !rel.executable_name().ends_with(".exe")
    );

    // The signature, checked with nothing but the published key.
    let keyring = tempfile::tempdir().unwrap();
    let gpg = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new("gpg")
            .env("GNUPGHOME", keyring.path())
            .args(["--batch", "--no-tty"])
            .args(args)
            .output()
            .expect("running gpg")
    };
    let import = gpg(&[
        "--import".as_ref(),
        rel.dir.join("signing-key.asc").as_os_str(),
    ]);
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let verify = gpg(&[
        "--verify".as_ref(),
        rel.signature().as_os_str(),
        rel.shasums().as_os_str(),
    ]);
    assert!(
        verify.status.success()
            && String::from_utf8_lossy(&verify.stderr).contains("Good signature"),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let _ = std::process::Command::new("gpgconf")
        .env("GNUPGHOME", keyring.path())
        .args(["--kill", "all"])
        .status();
}

#[test]
fn a_release_of_several_platforms_gives_each_client_its_own_platforms_zip() {
    let rel = releases();
    assert_release_holds_each_platform(&rel.current, &rel.binaries);
    let host = platform();
    for_each_terraform(
        "a_release_of_several_platforms_gives_each_client_its_own_platforms_zip",
        |tf| {
            let registry = start_registry(&[&rel.current]);
            let wd = workdir_using(tf, &registry);
            require_provider(&wd, SOURCE);
            // init takes this machine's zip, and only that one.
            init_installs(
                &wd,
                &[],
                tf.client.default_registry(),
                &rel.current,
                &rel.key_id,
            );
            let host_zip = rel.current.platform_zip(&host);
            let host_zip = host_zip.file_name().unwrap().to_string_lossy().to_string();
            assert_eq!(downloaded_zips(&registry), [host_zip]);

            // `providers lock` for every platform fetches each platform's zip, checks it
            // against the signed SHA256SUMS, and records each zip's own h1: hash.
            let mut lock = vec!["providers", "lock"];
            let platforms: Vec<String> = rel
                .binaries
                .keys()
                .map(|p| format!("-platform={p}"))
                .collect();
            lock.extend(platforms.iter().map(String::as_str));
            wd.run_ok(&lock);
            let fetched = downloaded_zips(&registry);
            let mut every_zip: Vec<String> = rel
                .binaries
                .keys()
                .map(|p| {
                    rel.current
                        .platform_zip(p)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .to_string()
                })
                .collect();
            every_zip.sort();
            assert_eq!(fetched, every_zip);
            let text = wd.read(".terraform.lock.hcl");
            let addr = format!("{}/{SOURCE}", tf.client.default_registry());
            let (_, hashes) =
                lock_entry(&text, &addr).unwrap_or_else(|| panic!("no {addr}:\n{text}"));
            let mut h1: Vec<String> = hashes
                .into_iter()
                .filter(|h| h.starts_with("h1:"))
                .collect();
            h1.sort();
            let mut expected: Vec<String> = rel
                .binaries
                .keys()
                .map(|p| zip_h1(&rel.current.platform_zip(p)))
                .collect();
            expected.sort();
            expected.dedup();
            assert_eq!(
                h1.len(),
                STAND_IN_PLATFORMS.len() + 1,
                "one h1: per platform, all different:\n{text}"
            );
            assert_eq!(h1, expected, "{text}");
            registry.shutdown_blocking();
        },
    );
}

/// One way of tampering with a published release, and Terraform's own words for it.
struct Tampering {
    name: &'static str,
    apply: fn(&ReleaseDir),
    error: &'static str,
}

fn tamper_zip(r: &ReleaseDir) {
    let path = r.zip();
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    fs::write(&path, bytes).unwrap();
}

fn tamper_shasums(r: &ReleaseDir) {
    let path = r.shasums();
    let zip_name = r.zip().file_name().unwrap().to_string_lossy().to_string();
    let text = fs::read_to_string(&path).unwrap();
    let forged = sha256_hex(b"some other zip");
    let changed: String = text
        .lines()
        .map(|l| {
            if l.ends_with(&zip_name) {
                format!("{forged}  {zip_name}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(changed, text);
    fs::write(&path, changed).unwrap();
}

fn sign_with_another_key(r: &ReleaseDir) {
    // The throwaway release holds the same SHA256SUMS (the zips are reproducible), signed
    // by a key the registry does not publish.
    let other = &releases().throwaway;
    assert_eq!(
        fs::read(other.shasums()).unwrap(),
        fs::read(r.shasums()).unwrap(),
        "the same binary must give the same SHA256SUMS"
    );
    fs::copy(other.signature(), r.signature()).unwrap();
}

const TAMPERINGS: [Tampering; 3] = [
    Tampering {
        name: "tampered zip",
        apply: tamper_zip,
        error: "archive has incorrect checksum",
    },
    Tampering {
        name: "SHA256SUMS that does not match",
        apply: tamper_shasums,
        error: "checksum list has unexpected SHA-256 hash",
    },
    Tampering {
        name: "signature by another key",
        apply: sign_with_another_key,
        error: "authentication signature from unknown issuer",
    },
];

fn refuses(tf: &Terraform, tampering: &Tampering) {
    let rel = releases();
    let dir = tempfile::Builder::new()
        .prefix("planton-tampered-")
        .tempdir()
        .unwrap();
    let copy = rel.current.copy_to(dir.path());
    // Published first (the registry reads checksums and key at start), tampered after.
    let registry = start_registry(&[&copy]);
    (tampering.apply)(&copy);

    let wd = workdir_using(tf, &registry);
    require_provider(&wd, SOURCE);
    let out = wd.run(&["init", "-input=false", "-no-color"]);
    out.assert_failure();
    let text = one_line(&out.combined());
    assert!(
        text.contains("Failed to install provider") && text.contains(tampering.error),
        "{}: expected Terraform's `{}`:\n{}",
        tampering.name,
        tampering.error,
        out.describe()
    );
    let installed = installed_binary(&wd, tf.client.default_registry(), &rel.current.version);
    assert!(
        !installed.exists(),
        "{}: {} was installed anyway",
        tampering.name,
        installed.display()
    );
    registry.shutdown_blocking();
}

#[test]
fn init_refuses_tampered_releases_with_terraforms_own_errors() {
    for_each_terraform(
        "init_refuses_tampered_releases_with_terraforms_own_errors",
        |tf| {
            for tampering in &TAMPERINGS {
                refuses(tf, tampering);
            }
        },
    );
}

/// The id release 0.1.0 derived: `asm-` and 16 hex digits of SHA-256 over the region and the
/// sorted names, each after a zero byte.
fn legacy_id(region: &str, names: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<&str> = names.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let mut hasher = Sha256::new();
    hasher.update(region.as_bytes());
    for name in sorted {
        hasher.update([0]);
        hasher.update(name.as_bytes());
    }
    let hex: String = hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("asm-{hex}")
}

/// Turns the state and secrets the current release wrote into what release 0.1.0 wrote for
/// the same configuration: schema version 0, the derived id in state, in `tags_all` and in
/// every secret's `planton.ai/resource-id` tag. (No 0.1.0 build exists to run: this tree's
/// history has no release tag, and the format is fully described by that release's schema.)
fn rewrite_as_0_1_0(wd: &Workdir, endpoint: &str) -> String {
    let mut state: serde_json::Value =
        serde_json::from_str(&wd.read("terraform.tfstate")).expect("state is JSON");
    let attributes = &mut state["resources"][0]["instances"][0]["attributes"];
    let names: Vec<String> = attributes["secret_names"]
        .as_array()
        .expect("secret_names")
        .iter()
        .map(|n| n.as_str().expect("a name").to_string())
        .collect();
    let id = legacy_id("us-east-1", &names);
    attributes["id"] = serde_json::json!(id);
    attributes["tags_all"]["planton.ai/resource-id"] = serde_json::json!(id);
    state["resources"][0]["instances"][0]["schema_version"] = serde_json::json!(0);
    wd.write(
        "terraform.tfstate",
        &serde_json::to_string_pretty(&state).expect("state serialises"),
    );
    let oob = OutOfBand::new(endpoint, "test");
    let tag = BTreeMap::from([("planton.ai/resource-id".to_string(), id.clone())]);
    for name in &names {
        oob.tag(name, &tag);
    }
    id
}

#[test]
fn state_of_one_release_is_used_by_the_next_after_init_upgrade() {
    let ls = require_localstack();
    let rel = releases();
    for_each_terraform(
        "state_of_one_release_is_used_by_the_next_after_init_upgrade",
        |tf| {
            let prefix = unique_prefix("registry-upgrade");
            let proxy = RecordingProxy::start(&ls.endpoint);
            let var = format!("localstack_endpoint={}", proxy.endpoint());

            // Release N writes the state.
            let host = tf.client.default_registry();
            let old = start_registry(&[&rel.current]);
            let mut wd = workdir_using(tf, &old);
            basic_example(&wd, &prefix);
            init_installs(&wd, &[], host, &rel.current, &rel.key_id);
            run_auto_approved(&wd, "apply", &var);
            old.shutdown_blocking();

            // The registry now offers N and N+1: `init -upgrade` moves to N+1.
            let both = start_registry(&[&rel.current, &rel.next]);
            use_registry(&mut wd, &both);
            init_installs(&wd, &["-upgrade"], host, &rel.next, &rel.key_id);

            // N+1 reads N's state (UpgradeResourceState at the schema version) and plans
            // nothing.
            assert_no_changes(&wd, &var);
            let state: serde_json::Value =
                serde_json::from_str(&wd.read("terraform.tfstate")).expect("state is JSON");
            let resource = &state["resources"][0];
            assert_eq!(resource["type"], "planton_aws_secrets", "{state}");
            assert_eq!(
                resource["provider"],
                format!("provider[\"{}\"]", tf.provider_addr()),
                "{state}"
            );
            assert_eq!(resource["instances"][0]["schema_version"], 1, "{state}");

            // State as release 0.1.0 wrote it (derived id, schema version 0): the upgraded
            // release plans an in-place change of the ownership tag only, then nothing.
            let legacy = rewrite_as_0_1_0(&wd, &ls.endpoint);
            let legacy_state = wd.read("terraform.tfstate");
            let plan = wd.run(&[
                "plan",
                "-detailed-exitcode",
                "-input=false",
                "-no-color",
                "-var",
                &var,
            ]);
            plan.assert_code(2);
            let text = plan.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                text.contains("0 to add, 1 to change, 0 to destroy")
                    && text.contains(&format!("\"planton.ai/resource-id\" = \"{legacy}\" ->")),
                "{}",
                plan.describe()
            );
            run_auto_approved(&wd, "apply", &var);
            assert_no_changes(&wd, &var);
            let upgraded: serde_json::Value =
                serde_json::from_str(&wd.read("terraform.tfstate")).expect("state is JSON");
            let instance = &upgraded["resources"][0]["instances"][0];
            assert_eq!(instance["schema_version"], 1, "{upgraded}");
            let id = instance["attributes"]["id"]
                .as_str()
                .expect("id")
                .to_string();
            assert!(id.len() == 36 && id != legacy, "{upgraded}");
            let probe = ls.probe();
            for name in instance["attributes"]["secret_names"]
                .as_array()
                .expect("names")
            {
                let name = name.as_str().expect("a name");
                let info = probe.describe(name).expect("the secret exists");
                assert_eq!(info.tags["planton.ai/resource-id"], id, "{name}");
            }

            // Another 0.1.0 state of the same secrets (a copied workspace): its refresh
            // reports that they belong to the upgraded one now, instead of sharing them.
            let upgraded_state = wd.read("terraform.tfstate");
            wd.write("terraform.tfstate", &legacy_state);
            let plan = wd.run(&["plan", "-input=false", "-no-color", "-var", &var]);
            plan.assert_success();
            let text = plan
                .combined()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                text.contains("3 secret(s) now belong to another planton_aws_secrets resource")
                    && text.contains(&id),
                "{}",
                plan.describe()
            );
            wd.write("terraform.tfstate", &upgraded_state);

            run_auto_approved(&wd, "destroy", &var);
            both.shutdown_blocking();
        },
    );
}

#[test]
fn release_without_a_key_says_it_signed_with_a_throwaway_key() {
    let rel = releases();
    assert!(
        rel.throwaway_stderr.contains("THROWAWAY key"),
        "{}",
        rel.throwaway_stderr
    );
    let armor = fs::read_to_string(rel.throwaway.dir.join("signing-key.asc")).unwrap();
    assert!(
        armor.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
        "{armor}"
    );
    assert!(!armor.contains("PRIVATE KEY"), "{armor}");
    // A binary signature: Terraform refuses an armored one.
    let sig = fs::read(rel.throwaway.signature()).unwrap();
    assert!(!sig.starts_with(b"-----BEGIN"), "the signature is armored");
    assert_eq!(
        fs::read_to_string(rel.throwaway.manifest())
            .unwrap()
            .parse::<serde_json::Value>()
            .unwrap(),
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );
    // Reproducible: the same binary gives byte-identical zips whatever the key.
    assert_eq!(
        fs::read(rel.throwaway.zip()).unwrap(),
        fs::read(rel.current.zip()).unwrap()
    );
}
