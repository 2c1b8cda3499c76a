//! The tools' command-line conventions: `--flag value` or `--flag=value`, `-h`/`--help`,
//! `listening on ADDR` once ready, and a stop on SIGINT or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

/// One command-line argument, as [`Args`] yields it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// `-h` or `--help`: the tool prints its usage.
    Help,
    /// An argument starting with `-`, without its `=value` part; [`Args::value`] gives the value.
    Flag(String),
    /// Anything else.
    Positional(String),
}

/// The arguments of a tool, one [`Arg`] at a time. A parser matches the flags it knows and
/// asks [`Args::value`] for theirs, so it holds nothing but its own flags.
#[derive(Debug)]
pub struct Args {
    rest: std::vec::IntoIter<String>,
    /// The `=value` of the flag yielded last, until [`Args::value`] takes it.
    inline: Option<String>,
}

impl Args {
    /// The arguments after the program name.
    pub fn new(args: Vec<String>) -> Self {
        Args {
            rest: args.into_iter(),
            inline: None,
        }
    }

    /// The value of `flag`, the flag yielded last: its `=value`, else the next argument.
    pub fn value(&mut self, flag: &str) -> Result<String, String> {
        self.inline
            .take()
            .or_else(|| self.rest.next())
            .ok_or_else(|| format!("{flag} needs a value"))
    }
}

impl Iterator for Args {
    type Item = Arg;

    fn next(&mut self) -> Option<Arg> {
        // A value nobody asked for belongs to the flag before, not to this argument.
        self.inline = None;
        let arg = self.rest.next()?;
        // Only `--flag=value` splits, so a positional `a=b` stays whole.
        let flag = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => {
                self.inline = Some(v.to_string());
                f.to_string()
            }
            _ => arg,
        };
        Some(match flag.as_str() {
            "-h" | "--help" => Arg::Help,
            f if f.starts_with('-') => Arg::Flag(flag),
            _ => Arg::Positional(flag),
        })
    }
}

/// Parses the value of `--listen`.
pub fn listen_addr(value: &str) -> Result<SocketAddr, String> {
    value
        .parse()
        .map_err(|e| format!("--listen {value:?}: not an IP:PORT address ({e})"))
}

/// The error for an argument the tool does not take.
pub fn unknown(arg: &str) -> String {
    format!("unknown argument {arg:?}")
}

/// Parses the process's arguments with `parse`, which answers `Err("")` for [`Arg::Help`].
/// `Err` holds the exit code to end with: success after printing `usage` on help; 2, a usage
/// error, after printing `TOOL: ERROR` and the usage on stderr.
pub fn parse_command_line<T>(
    tool: &str,
    usage: &str,
    parse: impl FnOnce(Vec<String>) -> Result<T, String>,
) -> Result<T, ExitCode> {
    match parse(std::env::args().skip(1).collect()) {
        Ok(v) => Ok(v),
        Err(e) if e.is_empty() => {
            println!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{tool}: {e}\n\n{usage}");
            Err(ExitCode::from(2))
        }
    }
}

/// The single-threaded runtime a tool's `main` waits on; `Err` (after saying why on stderr)
/// holds the exit code to end with.
pub fn current_thread_runtime(tool: &str) -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("{tool}: cannot start a runtime: {e}");
            ExitCode::FAILURE
        })
}

/// Prints `listening on ADDR` on stdout, flushed at once: callers wait for this line (stdout
/// is a pipe, so it would otherwise sit in a buffer) before they connect.
pub fn print_listening(addr: SocketAddr) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {addr}");
    let _ = out.flush();
}

/// Resolves at the first SIGINT or SIGTERM, so a tool stops cleanly on either; an error if they
/// cannot be watched. Needs a Tokio runtime with I/O enabled.
pub async fn signalled() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Args {
        Args::new(s.iter().map(|a| a.to_string()).collect())
    }

    #[test]
    fn yields_flags_positionals_and_help() {
        let got: Vec<Arg> = args(&["--a", "-x", "dir", "a=b", "--", "-", "-h", "--help"]).collect();
        let flag = |f: &str| Arg::Flag(f.to_string());
        let positional = |p: &str| Arg::Positional(p.to_string());
        assert_eq!(
            got,
            [
                flag("--a"),
                flag("-x"),
                positional("dir"),
                positional("a=b"),
                flag("--"),
                flag("-"),
                Arg::Help,
                Arg::Help,
            ]
        );
        // `=` splits long flags only: `-h=x` is not help.
        assert_eq!(args(&["--help=x"]).next(), Some(Arg::Help));
        assert_eq!(args(&["-h=x"]).next(), Some(flag("-h=x")));
    }

    #[test]
    fn a_value_is_inline_or_the_next_argument() {
        let mut a = args(&["--x=1", "--y", "2", "--z=", "--last"]);
        assert_eq!(a.next(), Some(Arg::Flag("--x".into())));
        assert_eq!(a.value("--x").unwrap(), "1");
        assert_eq!(a.next(), Some(Arg::Flag("--y".into())));
        assert_eq!(a.value("--y").unwrap(), "2");
        assert_eq!(a.next(), Some(Arg::Flag("--z".into())));
        assert_eq!(
            a.value("--z").unwrap(),
            "",
            "an empty inline value is a value"
        );
        assert_eq!(a.next(), Some(Arg::Flag("--last".into())));
        assert_eq!(a.value("--last").unwrap_err(), "--last needs a value");
        assert_eq!(a.next(), None);
    }

    #[test]
    fn an_unused_inline_value_is_not_the_next_argument() {
        let mut a = args(&["--flag=v", "--other", "w"]);
        assert_eq!(a.next(), Some(Arg::Flag("--flag".into())));
        assert_eq!(a.next(), Some(Arg::Flag("--other".into())));
        assert_eq!(a.value("--other").unwrap(), "w");
    }

    #[test]
    fn listen_addr_wants_ip_and_port() {
        assert_eq!(
            listen_addr("127.0.0.1:80").unwrap(),
            SocketAddr::from(([127, 0, 0, 1], 80))
        );
        let e = listen_addr("localhost").unwrap_err();
        assert!(
            e.starts_with("--listen \"localhost\": not an IP:PORT address ("),
            "{e}"
        );
        assert_eq!(unknown("--bogus"), "unknown argument \"--bogus\"");
    }
}
