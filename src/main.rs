//! The provider binary Terraform launches. All the work lives in the library.

fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!("terraform-provider-planton {}", env!("CARGO_PKG_VERSION"));
        return std::process::ExitCode::SUCCESS;
    }
    planton::tf::plugin::run(planton::provider_routes)
}
