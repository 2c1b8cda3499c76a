//! The TCP listener go-plugin uses where there are no Unix sockets
//! (Windows): 127.0.0.1 on the first free port of the range the host
//! allows in `PLUGIN_MIN_PORT` and `PLUGIN_MAX_PORT`.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;

use futures::{Stream, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_stream::wrappers::TcpListenerStream;

/// The range go-plugin's client passes when its host configures none; used
/// for a bound the environment leaves unset (Terraform sets both).
const DEFAULT_PORTS: RangeInclusive<u16> = 10000..=25000;

/// The allowed ports from the values of `PLUGIN_MIN_PORT` and
/// `PLUGIN_MAX_PORT`; an absent or empty bound takes go-plugin's default.
pub fn port_range(min: Option<&str>, max: Option<&str>) -> Result<RangeInclusive<u16>, String> {
    let min = port("PLUGIN_MIN_PORT", min)?.unwrap_or(*DEFAULT_PORTS.start());
    let max = port("PLUGIN_MAX_PORT", max)?.unwrap_or(*DEFAULT_PORTS.end());
    if min > max {
        return Err(format!(
            "PLUGIN_MIN_PORT ({min}) is greater than PLUGIN_MAX_PORT ({max}); \
             set a minimum no greater than the maximum, or unset both."
        ));
    }
    Ok(min..=max)
}

fn port(variable: &str, value: Option<&str>) -> Result<Option<u16>, String> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    value.parse().map(Some).map_err(|_| {
        format!(
            "{variable} is {value:?}, which is not a port number; \
             set it to a number from 0 to 65535, or unset it."
        )
    })
}

/// Listens on 127.0.0.1 at the first free port of the range the environment
/// allows, as go-plugin does. Must run inside the tokio runtime.
pub fn bind() -> Result<(TcpListener, SocketAddr), String> {
    let read = |variable| std::env::var(variable).ok();
    let range = port_range(
        read("PLUGIN_MIN_PORT").as_deref(),
        read("PLUGIN_MAX_PORT").as_deref(),
    )?;
    bind_in(range)
}

fn bind_in(range: RangeInclusive<u16>) -> Result<(TcpListener, SocketAddr), String> {
    let mut last_error = None;
    for port in range.clone() {
        // Any failure (in use, reserved by the system) just moves on.
        match listen((Ipv4Addr::LOCALHOST, port).into()) {
            Ok(bound) => return Ok(bound),
            Err(e) => last_error = Some(e),
        }
    }
    let last_error = last_error.map_or_else(String::new, |e| format!(" (last error: {e})"));
    Err(format!(
        "Cannot listen for Terraform on any port of 127.0.0.1 from {} to {}{last_error}; \
         free a port in that range or widen PLUGIN_MIN_PORT and PLUGIN_MAX_PORT.",
        range.start(),
        range.end()
    ))
}

fn listen(address: SocketAddr) -> io::Result<(TcpListener, SocketAddr)> {
    let listener = std::net::TcpListener::bind(address)?;
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}

/// The accepted connections, with Nagle's algorithm off as Go's client has
/// it: gRPC's small frames must not wait for acknowledgements.
pub fn accepted(
    listener: TcpListener,
) -> impl Stream<Item = io::Result<TcpStream>> + Send + Unpin + 'static {
    TcpListenerStream::new(listener)
        .map(|accepted| accepted.and_then(|stream| stream.set_nodelay(true).map(|()| stream)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::diag::check_sentence;

    #[test]
    fn unset_bounds_take_go_plugins_defaults_10000_to_25000() {
        assert_eq!(port_range(None, None), Ok(10000..=25000));
        assert_eq!(port_range(Some(""), Some(" ")), Ok(10000..=25000));
        assert_eq!(port_range(Some("20000"), None), Ok(20000..=25000));
        assert_eq!(port_range(None, Some("12000")), Ok(10000..=12000));
    }

    #[test]
    fn set_bounds_are_taken_as_given() {
        assert_eq!(port_range(Some("10000"), Some("25000")), Ok(10000..=25000));
        assert_eq!(port_range(Some(" 4000 "), Some("4000")), Ok(4000..=4000));
        assert_eq!(port_range(Some("0"), Some("65535")), Ok(0..=65535));
    }

    #[test]
    fn malformed_bounds_are_refused_with_what_to_do() {
        for (min, max, variable) in [
            (Some("ten"), Some("25000"), "PLUGIN_MIN_PORT"),
            (Some("10000"), Some("65536"), "PLUGIN_MAX_PORT"),
            (Some("-1"), None, "PLUGIN_MIN_PORT"),
            (None, Some("1e4"), "PLUGIN_MAX_PORT"),
        ] {
            let message = port_range(min, max).unwrap_err();
            assert!(message.starts_with(&format!("{variable} is ")), "{message}");
            check_sentence(&message);
        }
    }

    #[test]
    fn a_minimum_above_the_maximum_is_refused() {
        let message = port_range(Some("25001"), Some("25000")).unwrap_err();
        assert!(message.contains("(25001) is greater than"), "{message}");
        check_sentence(&message);
        // An unset minimum defaults to 10000, above this maximum.
        assert!(port_range(None, Some("9999")).is_err());
    }

    #[tokio::test]
    async fn binds_loopback_on_the_first_free_port_of_the_range() {
        let (taken, taken_at) = bind_in(0..=0).unwrap();
        let port = taken_at.port();
        assert_eq!(taken_at.ip(), Ipv4Addr::LOCALHOST);
        // The range starts at a port in use: the next one is taken instead,
        // unless something else holds it, then a later one.
        let (_next, next_at) = bind_in(port..=port.saturating_add(50)).unwrap();
        assert_eq!(next_at.ip(), Ipv4Addr::LOCALHOST);
        assert!(next_at.port() > port && next_at.port() <= port.saturating_add(50));
        let message = bind_in(port..=port).unwrap_err();
        assert!(
            message.contains(&format!("from {port} to {port} (last error: ")),
            "{message}"
        );
        check_sentence(&message);
        drop(taken);
    }
}
