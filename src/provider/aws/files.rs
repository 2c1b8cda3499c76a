//! The shared AWS config and credentials files the provider block names,
//! and the check that a selected profile exists in them.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use aws_runtime::env_config::file::EnvConfigFiles;

use super::connect_error::ConnectError;
use crate::provider::settings::AwsSettings;

/// The directory `~` stands for: `HOME`, and on Windows, where `HOME` is
/// rarely set, `USERPROFILE`, then `HOMEDRIVE` with `HOMEPATH` (the order
/// the AWS SDKs use).
pub(super) fn home_dir() -> Option<String> {
    home_from(|name| std::env::var(name).ok(), cfg!(windows))
}

fn home_from(var: impl Fn(&str) -> Option<String>, windows: bool) -> Option<String> {
    let set = |name| var(name).filter(|value| !value.is_empty());
    set("HOME").or_else(|| {
        if !windows {
            return None;
        }
        set("USERPROFILE").or_else(|| Some(format!("{}{}", set("HOMEDRIVE")?, set("HOMEPATH")?)))
    })
}

/// `~/` at the start of a path means the home directory, as in the AWS CLI.
fn expand_home(path: &str, home: Option<&str>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => Path::new(home).join(rest),
        _ if path == "~" && home.is_some() => PathBuf::from(home.unwrap_or_default()),
        _ => PathBuf::from(path),
    }
}

/// The listed files that exist, with `~` expanded. Missing ones are skipped
/// with a warning, as the AWS provider does (the SDK would otherwise fail to
/// load every profile because of one missing file); any other read problem
/// is an error on the attribute.
pub(super) fn existing_files(
    paths: &[String],
    attribute: &'static str,
    home: Option<&str>,
) -> Result<Vec<PathBuf>, ConnectError> {
    let mut found = Vec::new();
    for path in paths.iter().filter(|p| !p.is_empty()) {
        let expanded = expand_home(path, home);
        match std::fs::metadata(&expanded) {
            Ok(meta) if meta.is_file() => found.push(expanded),
            Ok(_) => {
                return Err(ConnectError::new(
                    Some(attribute),
                    "Invalid shared AWS file",
                    format!("{attribute} lists {path:?}, which is not a regular file."),
                ))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(path = %expanded.display(), attribute, "shared AWS file not found; skipped");
            }
            Err(err) => {
                return Err(ConnectError::new(
                    Some(attribute),
                    "Cannot read shared AWS file",
                    format!("{attribute} lists {path:?}, which cannot be read: {err}."),
                ))
            }
        }
    }
    Ok(found)
}

/// The profile file set for the SDK, or `None` to keep its defaults
/// (`AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/...`).
/// Listing files of one kind replaces the default file of that kind only.
pub(super) fn profile_files(
    settings: &AwsSettings,
    config_files: &[PathBuf],
    credentials_files: &[PathBuf],
) -> Option<EnvConfigFiles> {
    use aws_runtime::env_config::file::EnvConfigFileKind as ProfileFileKind;

    let custom_config = settings.shared_config_files.iter().any(|p| !p.is_empty());
    let custom_credentials = settings
        .shared_credentials_files
        .iter()
        .any(|p| !p.is_empty());
    if !custom_config && !custom_credentials {
        return None;
    }
    let mut builder = EnvConfigFiles::builder()
        .include_default_config_file(!custom_config)
        .include_default_credentials_file(!custom_credentials);
    for file in config_files {
        builder = builder.with_file(ProfileFileKind::Config, file);
    }
    for file in credentials_files {
        builder = builder.with_file(ProfileFileKind::Credentials, file);
    }
    // The SDK refuses an empty set; every listed file may have been missing.
    builder = builder.with_contents(ProfileFileKind::Config, "");
    Some(builder.build())
}

/// Errors unless `name` has a section in one of the profile files the SDK
/// will read. The scan is deliberately lenient (any `[name]` or
/// `[profile name]` header counts): it only exists to catch a profile that
/// is certainly absent.
pub(super) fn check_profile_exists(
    name: &str,
    settings: &AwsSettings,
    config_files: &[PathBuf],
    credentials_files: &[PathBuf],
    home: Option<&str>,
) -> Result<(), ConnectError> {
    let default_file = |env: &str, default: &str| -> PathBuf {
        let path = std::env::var(env)
            .ok()
            .filter(|p| !p.is_empty())
            .map(Cow::Owned)
            .unwrap_or(Cow::Borrowed(default));
        expand_home(&path, home)
    };
    let mut files: Vec<PathBuf> = Vec::new();
    if settings.shared_config_files.iter().any(|p| !p.is_empty()) {
        files.extend_from_slice(config_files);
    } else {
        files.push(default_file("AWS_CONFIG_FILE", "~/.aws/config"));
    }
    if settings
        .shared_credentials_files
        .iter()
        .any(|p| !p.is_empty())
    {
        files.extend_from_slice(credentials_files);
    } else {
        files.push(default_file(
            "AWS_SHARED_CREDENTIALS_FILE",
            "~/.aws/credentials",
        ));
    }

    let found = files.iter().any(|file| {
        std::fs::read_to_string(file)
            .map(|text| section_names(&text).any(|section| section == name))
            .unwrap_or(false)
    });
    if found {
        return Ok(());
    }
    let searched = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Err(ConnectError::new(
        Some("profile"),
        "AWS profile not found",
        format!(
            "The profile {name:?} is not defined in any shared AWS file read ({}). Check \
             profile (or AWS_PROFILE), shared_config_files and shared_credentials_files.",
            if searched.is_empty() {
                "none"
            } else {
                &searched
            }
        ),
    ))
}

/// Profile names declared in an ini-style AWS file: `[name]` or
/// `[profile name]`.
fn section_names(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let line = line.trim_start();
        let inner = line.strip_prefix('[')?;
        let inner = inner[..inner.find(']')?].trim();
        Some(match inner.strip_prefix("profile") {
            Some(rest) if rest.starts_with(char::is_whitespace) => rest.trim(),
            _ => inner,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_is_home_else_the_windows_profile_directories() {
        let env = crate::provider::test_env::lookup;
        let all = env(&[
            ("HOME", "/home/u"),
            ("USERPROFILE", r"C:\Users\u"),
            ("HOMEDRIVE", "D:"),
            ("HOMEPATH", r"\u"),
        ]);
        assert_eq!(home_from(all, false).as_deref(), Some("/home/u"));
        assert_eq!(home_from(all, true).as_deref(), Some("/home/u"));
        let windows = env(&[
            ("HOME", ""),
            ("USERPROFILE", r"C:\Users\u"),
            ("HOMEDRIVE", "D:"),
            ("HOMEPATH", r"\u"),
        ]);
        assert_eq!(home_from(windows, false), None);
        assert_eq!(home_from(windows, true).as_deref(), Some(r"C:\Users\u"));
        let drive = env(&[("HOMEDRIVE", "D:"), ("HOMEPATH", r"\u")]);
        assert_eq!(home_from(drive, true).as_deref(), Some(r"D:\u"));
        assert_eq!(home_from(env(&[("HOMEDRIVE", "D:")]), true), None);
    }

    #[test]
    fn home_expansion() {
        assert_eq!(
            expand_home("~/.aws/config", Some("/home/u")),
            PathBuf::from("/home/u/.aws/config")
        );
        assert_eq!(expand_home("~", Some("/home/u")), PathBuf::from("/home/u"));
        assert_eq!(
            expand_home("/etc/aws", Some("/home/u")),
            PathBuf::from("/etc/aws")
        );
        assert_eq!(expand_home("~/x", None), PathBuf::from("~/x"));
        assert_eq!(
            expand_home("~other/x", Some("/home/u")),
            PathBuf::from("~other/x")
        );
    }

    #[test]
    fn profile_sections_are_recognised() {
        let text = "[default]\nregion = x\n[profile dev]\n  [ profile  ops ] # note\n[prod]\n\
                    [sso-session corp]\nkey = [not a section]\n";
        let names: Vec<_> = section_names(text).collect();
        assert_eq!(names, ["default", "dev", "ops", "prod", "sso-session corp"]);
    }

    #[test]
    fn missing_shared_files_are_skipped_and_profiles_checked() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(&config, "[profile dev]\nregion = eu-central-1\n").unwrap();
        let missing = dir.path().join("missing");
        let settings = AwsSettings {
            shared_config_files: vec![config.display().to_string(), missing.display().to_string()],
            shared_credentials_files: vec![missing.display().to_string()],
            ..AwsSettings::default()
        };
        let config_files =
            existing_files(&settings.shared_config_files, "shared_config_files", None).unwrap();
        assert_eq!(config_files, vec![config.clone()]);
        let credentials_files = existing_files(
            &settings.shared_credentials_files,
            "shared_credentials_files",
            None,
        )
        .unwrap();
        assert!(credentials_files.is_empty());
        assert!(profile_files(&settings, &config_files, &credentials_files).is_some());

        check_profile_exists("dev", &settings, &config_files, &credentials_files, None).unwrap();
        let err = check_profile_exists("typo", &settings, &config_files, &credentials_files, None)
            .unwrap_err();
        assert_eq!(err.attribute, Some("profile"));
        assert!(err.detail.contains("\"typo\""), "{err:?}");

        let err = existing_files(
            &[dir.path().display().to_string()],
            "shared_config_files",
            None,
        )
        .unwrap_err();
        assert_eq!(err.attribute, Some("shared_config_files"));
    }
}
