//! `cargo run -p docgen -- [--check] [--root DIR]`: writes the provider's registry docs
//! (docs/index.md, docs/resources/*.md, docs/data-sources/*.md, docs/list-resources/*.md,
//! docs/functions/*.md) from its schema and examples/, or with `--check` only
//! says whether the committed ones are current (exit 1 when not).

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: docgen [--check] [--root DIR]

Generates docs/index.md, docs/resources/, docs/data-sources/, docs/list-resources/ and docs/functions/ from the provider's schema and the examples/
files of the repository at DIR (default: this checkout).
  --check   write nothing; exit 1 naming each page that differs from what would be generated";

fn main() -> ExitCode {
    let mut check = false;
    let mut root = docgen::default_root();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--root" => match args.next() {
                Some(dir) => root = PathBuf::from(dir),
                None => {
                    eprintln!("docgen: --root needs a directory\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("docgen: unknown argument {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let pages = match docgen::generate(&root) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("docgen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        let problems = docgen::stale(&root, &pages);
        if problems.is_empty() {
            eprintln!("docgen: {} pages are up to date", pages.len());
            return ExitCode::SUCCESS;
        }
        for p in &problems {
            eprintln!("docgen: {p}");
        }
        eprintln!("docgen: run `cargo run -p docgen` and commit docs/");
        return ExitCode::FAILURE;
    }
    for page in &pages {
        let path = root.join(&page.path);
        if let Some(parent) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                eprintln!("docgen: cannot create {}: {e}", parent.display());
                return ExitCode::FAILURE;
            }
        }
        let unchanged = std::fs::read_to_string(&path).is_ok_and(|c| c == page.content);
        if !unchanged {
            if let Err(e) = std::fs::write(&path, &page.content) {
                eprintln!("docgen: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
        eprintln!(
            "docgen: {} {}",
            page.path.display(),
            if unchanged { "unchanged" } else { "written" }
        );
    }
    ExitCode::SUCCESS
}
