//! hashicorp/aws beside this provider, for the tests that wire its
//! resources to ours (the migration guide, the access guide's consumers).
//! It comes from the filesystem mirror the machine image carries
//! (/opt/tf-plugins, or `PLANTON_AWS_PROVIDER_MIRROR`): nothing from the
//! network.

use std::path::PathBuf;

use super::mirror::mirrored_addrs;
use super::{require_localstack, Scenario};

pub const AWS_VERSION: &str = "5.100.0";
pub const AWS_ADDR: &str = "registry.terraform.io/hashicorp/aws";

/// The filesystem mirror holding hashicorp/aws; its absence fails the test.
pub fn aws_mirror() -> PathBuf {
    let root = std::env::var_os("PLANTON_AWS_PROVIDER_MIRROR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/tf-plugins"));
    let dir = root.join(AWS_ADDR).join(AWS_VERSION);
    assert!(
        dir.is_dir(),
        "hashicorp/aws {AWS_VERSION} is needed at {} (a filesystem mirror; set \
         PLANTON_AWS_PROVIDER_MIRROR to its root)",
        dir.display()
    );
    root
}

/// Points the scenario's client at a CLI configuration that installs both
/// providers from filesystem mirrors.
pub fn use_both_mirrors(sc: &mut Scenario) {
    let ours: Vec<String> = mirrored_addrs().iter().map(|a| format!("{a:?}")).collect();
    let config = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [{}]\n  }}\n  filesystem_mirror {{\n    path    = {:?}\n    include = [{AWS_ADDR:?}]\n  }}\n}}\n",
        sc.wd.mirror().root.display().to_string(),
        ours.join(", "),
        aws_mirror().display().to_string(),
    );
    let rc = sc.wd.path().join("../both-mirrors.tfrc");
    std::fs::write(&rc, config).expect("writing the CLI configuration");
    sc.wd.env("TF_CLI_CONFIG_FILE", &rc.display().to_string());
}

/// `terraform {}` with both providers, and both provider blocks pointing at
/// the recording proxy; hashicorp/aws for the `proxied` services given (its
/// endpoint names: "secretsmanager", ...) with STS, and straight at
/// LocalStack for the `direct` ones (such as "iam"), whose calls are not
/// the Secrets Manager traffic the proxy checks.
pub fn providers(sc: &Scenario, proxied: &[&str], direct: &[&str]) -> String {
    let proxy = sc.proxy.endpoint();
    let localstack = require_localstack().endpoint.clone();
    let endpoints: String = proxied
        .iter()
        .chain(&["sts"])
        .map(|s| (s, proxy.as_str()))
        .chain(direct.iter().map(|s| (s, localstack.as_str())))
        .map(|(s, endpoint)| format!("    {s:<14} = \"{endpoint}\"\n"))
        .collect();
    format!(
        "terraform {{\n  required_providers {{\n    planton = {{\n      source = \"project-planton/planton\"\n    }}\n    aws = {{\n      source  = \"{AWS_ADDR}\"\n      version = \"{AWS_VERSION}\"\n    }}\n  }}\n}}\n\n{}\nprovider \"aws\" {{\n  region                      = \"us-east-1\"\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n  skip_metadata_api_check     = true\n\n  endpoints {{\n{endpoints}  }}\n}}\n",
        sc.provider_block("")
    )
}
