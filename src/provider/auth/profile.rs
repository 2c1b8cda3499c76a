//! A shared-config profile that assumes a role (`role_arn` with
//! `source_profile`, `credential_source` or `web_identity_token_file`).
//!
//! The AWS SDK would assume such a role through an STS client of its own,
//! which knows nothing of `endpoints.sts`, `sts_region` or the provider's
//! timeouts. So the provider reads the profile's chain itself (with the
//! SDK's rules) and assumes each role through its own STS clients, exactly
//! like the `assume_role` blocks, which then go on top.

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::profile::{Profile, ProfileFileCredentialsProvider, ProfileSet};
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::EnvConfigFiles;

use super::role::{self, AssumeRole, StsFactory};
use super::web_identity::{WebIdentity, WebIdentityProvider};

/// What a role-assuming profile starts from, and the roles it then assumes
/// in order (the first with the base's credentials).
#[derive(Debug, PartialEq)]
pub struct ProfileChain {
    pub base: ProfileBase,
    pub roles: Vec<AssumeRole>,
}

/// A profile's role chain with what its base needs: the profile files it
/// was read from, and the provider's HTTP client and region (so credential
/// process, SSO, container and instance credentials go through the same
/// CA bundle and proxies as every other call).
pub struct ProfileSource {
    pub chain: ProfileChain,
    pub files: EnvConfigFiles,
    pub config: ProviderConfig,
}

impl ProfileSource {
    /// The chain's final credentials: the base, then each role assumed
    /// through an STS client from `sts`.
    pub fn provider(self, sts: &StsFactory<'_>) -> SharedCredentialsProvider {
        let config = &self.config;
        let base = match self.chain.base {
            ProfileBase::StaticKeys(keys) => SharedCredentialsProvider::new(keys),
            ProfileBase::Profile(name) => SharedCredentialsProvider::new(
                ProfileFileCredentialsProvider::builder()
                    .configure(config)
                    .profile_name(name)
                    .profile_files(self.files)
                    .build(),
            ),
            ProfileBase::Source(CredentialSource::Environment) => {
                SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new())
            }
            ProfileBase::Source(CredentialSource::Ec2InstanceMetadata) => {
                SharedCredentialsProvider::new(
                    aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                        .configure(config)
                        .build(),
                )
            }
            ProfileBase::Source(CredentialSource::EcsContainer) => SharedCredentialsProvider::new(
                aws_config::ecs::EcsCredentialsProvider::builder()
                    .configure(config)
                    .build(),
            ),
            ProfileBase::WebIdentity(identity) => SharedCredentialsProvider::new(
                WebIdentityProvider::new(sts(None), identity, "profile"),
            ),
        };
        role::stack(Some(base.clone()), self.chain.roles, "profile", sts).unwrap_or(base)
    }
}

/// Where the first credentials of a profile chain come from.
#[derive(Debug, PartialEq)]
pub enum ProfileBase {
    /// Keys written in the profile (`Debug` of [`Credentials`] hides them).
    StaticKeys(Credentials),
    /// A profile without a role (credential_process, SSO, ...): its own
    /// credentials, which the SDK resolves without any STS call.
    Profile(String),
    /// `credential_source`.
    Source(CredentialSource),
    /// `role_arn` + `web_identity_token_file` in one profile.
    WebIdentity(WebIdentity),
}

/// The values `credential_source` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    Environment,
    Ec2InstanceMetadata,
    EcsContainer,
}

/// Why a profile's chain cannot be followed; an error on `profile`.
#[derive(Debug, PartialEq, Eq)]
pub struct ProfileProblem(pub String);

/// The role chain of the selected profile of `profiles`, or `None` when
/// that profile assumes no role (or does not exist), so the SDK's own
/// profile provider is right for it.
pub fn role_chain(profiles: &ProfileSet) -> Result<Option<ProfileChain>, ProfileProblem> {
    let mut name = profiles.selected_profile();
    let mut visited: Vec<&str> = Vec::new();
    let mut roles = Vec::new();
    let base = loop {
        let Some(profile) = profiles.get_profile(name) else {
            if visited.is_empty() {
                return Ok(None);
            }
            return Err(ProfileProblem(format!(
                "profile {:?} names source_profile {name:?}, which is not defined in the shared \
                 AWS files read",
                visited[visited.len() - 1]
            )));
        };
        if visited.contains(&name) {
            visited.push(name);
            return Err(ProfileProblem(format!(
                "the profiles' source_profile settings form a loop: {}",
                visited.join(" -> ")
            )));
        }
        visited.push(name);
        // Past the first profile, keys win over a role (the SDKs' rule).
        if visited.len() > 1 {
            if let Some(keys) = static_keys(profile) {
                break ProfileBase::StaticKeys(keys);
            }
        }
        let Some(role_arn) = non_empty(profile, "role_arn") else {
            if visited.len() == 1 {
                return Ok(None);
            }
            break ProfileBase::Profile(name.to_owned());
        };
        if let Some(token_file) = non_empty(profile, "web_identity_token_file") {
            break ProfileBase::WebIdentity(WebIdentity {
                role_arn: role_arn.to_owned(),
                token_file: Some(token_file.to_owned()),
                session_name: non_empty(profile, "role_session_name").map(str::to_owned),
                ..WebIdentity::default()
            });
        }
        roles.push(AssumeRole {
            role_arn: role_arn.to_owned(),
            external_id: non_empty(profile, "external_id").map(str::to_owned),
            session_name: non_empty(profile, "role_session_name").map(str::to_owned),
            ..AssumeRole::default()
        });
        match (
            non_empty(profile, "source_profile"),
            non_empty(profile, "credential_source"),
        ) {
            (Some(_), Some(_)) => {
                return Err(ProfileProblem(format!(
                    "profile {name:?} sets both source_profile and credential_source; keep one"
                )))
            }
            (None, None) => {
                return Err(ProfileProblem(format!(
                    "profile {name:?} sets role_arn but neither source_profile, \
                     credential_source nor web_identity_token_file, so nothing can assume the role"
                )))
            }
            (None, Some(source)) => break ProfileBase::Source(credential_source(name, source)?),
            // A profile naming itself assumes its role with its own keys.
            (Some(source), None) if source == name => match static_keys(profile) {
                Some(keys) => break ProfileBase::StaticKeys(keys),
                None => {
                    return Err(ProfileProblem(format!(
                        "profile {name:?} is its own source_profile but holds no \
                         aws_access_key_id / aws_secret_access_key"
                    )))
                }
            },
            (Some(source), None) => name = source,
        }
    };
    roles.reverse();
    Ok(Some(ProfileChain { base, roles }))
}

fn non_empty<'a>(profile: &'a Profile, key: &str) -> Option<&'a str> {
    profile.get(key).map(str::trim).filter(|v| !v.is_empty())
}

fn static_keys(profile: &Profile) -> Option<Credentials> {
    Some(Credentials::new(
        non_empty(profile, "aws_access_key_id")?,
        non_empty(profile, "aws_secret_access_key")?,
        non_empty(profile, "aws_session_token").map(str::to_owned),
        None,
        "profile",
    ))
}

fn credential_source(profile: &str, value: &str) -> Result<CredentialSource, ProfileProblem> {
    match value {
        "Environment" => Ok(CredentialSource::Environment),
        "Ec2InstanceMetadata" => Ok(CredentialSource::Ec2InstanceMetadata),
        "EcsContainer" => Ok(CredentialSource::EcsContainer),
        other => Err(ProfileProblem(format!(
            "profile {profile:?} has credential_source = {other:?}; use Environment, \
             Ec2InstanceMetadata or EcsContainer"
        ))),
    }
}

/// A profile file set holding only `config`, as the config file.
#[cfg(test)]
pub(crate) fn files_from_text(config: &str) -> EnvConfigFiles {
    use aws_runtime::env_config::file::EnvConfigFileKind;
    EnvConfigFiles::builder()
        .include_default_config_file(false)
        .include_default_credentials_file(false)
        .with_contents(EnvConfigFileKind::Config, config)
        .build()
}

/// Profiles parsed from the text of one config file, with `selected`
/// selected; nothing of the machine's files or environment is read.
#[cfg(test)]
pub(crate) async fn profiles_from_text(config: &str, selected: &'static str) -> ProfileSet {
    use aws_types::os_shim_internal::{Env, Fs};
    aws_config::profile::load(
        &Fs::from_slice(&[]),
        &Env::from_slice(&[]),
        &files_from_text(config),
        Some(selected.into()),
    )
    .await
    .expect("profile text parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(config: &str, selected: &'static str) -> Result<Option<ProfileChain>, ProfileProblem> {
        let profiles = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(profiles_from_text(config, selected));
        role_chain(&profiles)
    }

    fn roles(chain: &ProfileChain) -> Vec<&str> {
        chain.roles.iter().map(|r| r.role_arn.as_str()).collect()
    }

    const KEYS: &str = "aws_access_key_id = AKIAEXAMPLEKEY\naws_secret_access_key = do-not-show\n";

    #[test]
    fn a_profile_without_a_role_is_left_to_the_sdk() {
        assert_eq!(chain(&format!("[default]\n{KEYS}"), "default"), Ok(None));
        assert_eq!(chain("[profile other]\nregion = x\n", "default"), Ok(None));
    }

    #[test]
    fn roles_chain_from_the_source_profile_outwards() {
        let config = format!(
            "[profile deploy]\nrole_arn = arn:aws:iam::3:role/deploy\nsource_profile = hub\n\
             external_id = ext\nrole_session_name = s\n\
             [profile hub]\nrole_arn = arn:aws:iam::2:role/hub\nsource_profile = base\n\
             [profile base]\n{KEYS}"
        );
        let found = chain(&config, "deploy").unwrap().unwrap();
        assert_eq!(
            roles(&found),
            ["arn:aws:iam::2:role/hub", "arn:aws:iam::3:role/deploy"]
        );
        assert_eq!(found.roles[1].external_id.as_deref(), Some("ext"));
        assert_eq!(found.roles[1].session_name.as_deref(), Some("s"));
        let ProfileBase::StaticKeys(keys) = &found.base else {
            panic!("{:?}", found.base)
        };
        assert_eq!(keys.access_key_id(), "AKIAEXAMPLEKEY");
        assert!(!format!("{found:?}").contains("do-not-show"));
    }

    #[test]
    fn keys_win_over_a_role_past_the_first_profile_and_a_keyless_source_is_a_profile() {
        let config = format!(
            "[profile deploy]\nrole_arn = arn:aws:iam::3:role/deploy\nsource_profile = both\n\
             [profile both]\nrole_arn = arn:aws:iam::2:role/ignored\n{KEYS}\
             [profile sso]\nrole_arn = arn:aws:iam::3:role/viasso\nsource_profile = login\n\
             [profile login]\ncredential_process = /bin/creds\n"
        );
        let found = chain(&config, "deploy").unwrap().unwrap();
        assert_eq!(roles(&found), ["arn:aws:iam::3:role/deploy"]);
        assert!(matches!(found.base, ProfileBase::StaticKeys(_)));
        let found = chain(&config, "sso").unwrap().unwrap();
        assert_eq!(found.base, ProfileBase::Profile("login".into()));
    }

    #[test]
    fn sources_other_than_profiles() {
        let config =
            "[profile env]\nrole_arn = arn:aws:iam::3:role/a\ncredential_source = Environment\n\
             [profile web]\nrole_arn = arn:aws:iam::3:role/w\nweb_identity_token_file = /t\n\
             [profile self]\nrole_arn = arn:aws:iam::3:role/s\nsource_profile = self\n\
             aws_access_key_id = AKIASELF\naws_secret_access_key = x\n";
        let found = chain(config, "env").unwrap().unwrap();
        assert_eq!(
            found.base,
            ProfileBase::Source(CredentialSource::Environment)
        );
        assert_eq!(roles(&found), ["arn:aws:iam::3:role/a"]);
        let found = chain(config, "web").unwrap().unwrap();
        assert!(found.roles.is_empty());
        let ProfileBase::WebIdentity(identity) = found.base else {
            panic!()
        };
        assert_eq!(identity.role_arn, "arn:aws:iam::3:role/w");
        assert_eq!(identity.token_file.as_deref(), Some("/t"));
        let found = chain(config, "self").unwrap().unwrap();
        assert_eq!(roles(&found), ["arn:aws:iam::3:role/s"]);
        assert!(matches!(found.base, ProfileBase::StaticKeys(_)));
    }

    #[test]
    fn broken_chains_are_named() {
        let cases = [
            (
                "[profile a]\nrole_arn = arn:aws:iam::3:role/a\nsource_profile = b\n\
                 [profile b]\nrole_arn = arn:aws:iam::3:role/b\nsource_profile = a\n",
                "a -> b -> a",
            ),
            (
                "[profile a]\nrole_arn = arn:aws:iam::3:role/a\nsource_profile = gone\n",
                "\"gone\", which is not defined",
            ),
            (
                "[profile a]\nrole_arn = arn:aws:iam::3:role/a\n",
                "neither source_profile",
            ),
            (
                "[profile a]\nrole_arn = arn:aws:iam::3:role/a\nsource_profile = a\n",
                "its own source_profile",
            ),
            (
                "[profile a]\nrole_arn = arn:aws:iam::3:role/a\ncredential_source = Laptop\n",
                "credential_source = \"Laptop\"",
            ),
            (
                "[profile a]\nrole_arn = arn:aws:iam::3:role/a\ncredential_source = Environment\n\
                 source_profile = b\n",
                "both source_profile and credential_source",
            ),
        ];
        for (config, expected) in cases {
            let problem = chain(config, "a").unwrap_err();
            assert!(problem.0.contains(expected), "{config}: {}", problem.0);
        }
    }
}
