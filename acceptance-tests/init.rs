//! `terraform init` installs the provider from a filesystem mirror.

use crate::harness::{
    for_each_terraform, mirror, required_providers_block, Workdir, PROVIDER_VERSION,
};

#[test]
fn init_installs_the_provider_from_the_filesystem_mirror() {
    for_each_terraform(
        "init_installs_the_provider_from_the_filesystem_mirror",
        |tf| {
            let wd = Workdir::new(tf);
            wd.write("main.tf", &required_providers_block());
            let out = wd.init();
            assert!(
                out.stdout.contains(&format!(
                    "Installing project-planton/planton v{PROVIDER_VERSION}"
                )),
                "{}",
                out.describe()
            );
            // "Terraform has been successfully initialized!", "OpenTofu has ...".
            assert!(
                out.stdout.contains(&format!(
                    "{} has been successfully initialized",
                    tf.client.name()
                )),
                "{}",
                out.describe()
            );
            let addr = tf.provider_addr();

            // The provider landed where Terraform runs it from.
            let installed = wd
                .path()
                .join(".terraform/providers")
                .join(&addr)
                .join(PROVIDER_VERSION)
                .join(mirror::platform());
            assert!(
                installed.is_dir(),
                "{} missing after init:\n{}",
                installed.display(),
                out.describe()
            );

            // The lock file pins it.
            let lock = wd.read(".terraform.lock.hcl");
            assert!(
                lock.contains(&format!("provider \"{addr}\""))
                    && lock.lines().any(|l| {
                        let l: String = l.split_whitespace().collect();
                        l == format!("version=\"{PROVIDER_VERSION}\"")
                    }),
                "lock file:\n{lock}"
            );

            // A second init is a no-op that still succeeds (from the lock file).
            wd.init();
        },
    );
}
