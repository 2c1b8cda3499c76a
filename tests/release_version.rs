//! One version, named alike in the three places a release takes it from: Cargo.toml (what
//! the binary reports), CHANGELOG.md's newest entry (what an upgrading team reads) and what
//! `scripts/release` would publish.

use std::path::Path;
use std::process::{Command, Output};

const CARGO_VERSION: &str = env!("CARGO_PKG_VERSION");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The version of the first `## [X.Y.Z] - DATE` heading; `## [Unreleased]` is not a version.
fn newest_entry(changelog: &str) -> Option<&str> {
    changelog.lines().find_map(|line| {
        let version = line.strip_prefix("## [")?.split(']').next()?;
        version
            .starts_with(|c: char| c.is_ascii_digit())
            .then_some(version)
    })
}

fn release_print_version(changelog: Option<&Path>) -> Output {
    let mut command = Command::new(repo().join("scripts/release"));
    command.arg("--print-version").current_dir(repo());
    match changelog {
        Some(path) => command.env("PLANTON_CHANGELOG", path),
        None => command.env_remove("PLANTON_CHANGELOG"),
    };
    command.output().expect("running scripts/release")
}

#[test]
fn cargo_toml_the_changelog_and_scripts_release_name_one_version() {
    let changelog = std::fs::read_to_string(repo().join("CHANGELOG.md")).expect("CHANGELOG.md");
    let entry = newest_entry(&changelog).expect("CHANGELOG.md has a `## [X.Y.Z] - DATE` entry");
    assert_eq!(
        entry, CARGO_VERSION,
        "CHANGELOG.md's newest entry is {entry} but Cargo.toml says {CARGO_VERSION}: describe the \
         release in CHANGELOG.md, or bump Cargo.toml (and Cargo.lock)"
    );
    let heading = changelog
        .lines()
        .find(|l| l.starts_with(&format!("## [{entry}]")))
        .unwrap();
    let date = heading.split(" - ").nth(1).unwrap_or("");
    assert!(
        date.len() == 10 && date.chars().filter(|c| *c == '-').count() == 2,
        "the entry's heading gives its date as YYYY-MM-DD: {heading:?}"
    );

    let out = release_print_version(None);
    assert!(
        out.status.success(),
        "scripts/release --print-version failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), CARGO_VERSION);
}

#[test]
fn scripts_release_refuses_a_version_the_changelog_does_not_describe() {
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join("CHANGELOG.md");
    std::fs::write(
        &stale,
        "# Changelog\n\n## [Unreleased]\n\n## [0.0.1] - 2020-01-01\n\n### Added\n\n- Everything.\n",
    )
    .unwrap();
    let out = release_print_version(Some(&stale));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("newest entry")
            && stderr.contains("0.0.1")
            && stderr.contains(CARGO_VERSION),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    std::fs::write(&stale, "# Changelog\n\nNothing yet.\n").unwrap();
    let out = release_print_version(Some(&stale));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has no version entry"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_newest_entry_skips_unreleased() {
    assert_eq!(
        newest_entry("## [Unreleased]\n## [1.2.3] - 2026-01-01\n## [1.2.2] - 2025-01-01\n"),
        Some("1.2.3")
    );
    assert_eq!(newest_entry("# Changelog\n"), None);
}
