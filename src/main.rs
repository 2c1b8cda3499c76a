//! The provider binary Terraform launches. All the work lives in the library.

fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!("terraform-provider-planton {}", env!("CARGO_PKG_VERSION"));
        return std::process::ExitCode::SUCCESS;
    }
    limit_malloc_arenas();
    planton::tf::plugin::run(&planton::IDENTITY, planton::provider_routes)
}

/// glibc gives each thread that allocates its own arena; with many secrets
/// in flight that fragments the heap and raises peak memory by a sixth.
/// Two arenas serve the provider's few threads without contention.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tuning; called before any
    // thread is started.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
