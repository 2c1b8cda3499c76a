//! The provider binary Terraform launches. All the work lives in the library.

fn main() -> std::process::ExitCode {
    planton::tf::plugin::run(planton::provider_routes)
}
