//! Where Terraform connects: a Unix socket on Unix, TCP on loopback on
//! Windows, as go-plugin chooses; the provider may name an environment
//! variable that forces TCP on Unix (so the Windows transport runs under
//! test on Linux).

use std::net::SocketAddr;

use tokio::net::TcpListener;
#[cfg(unix)]
use tokio::net::UnixListener;

#[cfg(unix)]
use super::unix_socket::{self, SocketGuard};

/// The listener kinds go-plugin's client can connect to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    #[cfg(unix)]
    UnixSocket,
    Tcp,
}

impl Transport {
    /// go-plugin's choice for this platform.
    #[cfg(unix)]
    pub const PLATFORM_DEFAULT: Transport = Transport::UnixSocket;
    #[cfg(not(unix))]
    pub const PLATFORM_DEFAULT: Transport = Transport::Tcp;

    /// The transport asked for by `value` of the environment variable
    /// `variable`: `tcp` or `unix` (Unix only); absent or empty means the
    /// platform's default.
    pub fn from_setting(variable: &str, value: Option<&str>) -> Result<Transport, String> {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(Transport::PLATFORM_DEFAULT);
        };
        match value.to_ascii_lowercase().as_str() {
            "tcp" => Ok(Transport::Tcp),
            #[cfg(unix)]
            "unix" => Ok(Transport::UnixSocket),
            _ => Err(format!(
                "{variable} is {value:?}; set it to {}, or unset it for the platform's default \
                 ({}).",
                if cfg!(unix) { "tcp or unix" } else { "tcp" },
                Transport::PLATFORM_DEFAULT.network()
            )),
        }
    }

    /// The network field of the handshake line.
    pub fn network(self) -> &'static str {
        match self {
            #[cfg(unix)]
            Transport::UnixSocket => "unix",
            Transport::Tcp => "tcp",
        }
    }
}

/// A bound listener and what it takes to clean up after it.
pub enum Listener {
    /// The socket file goes when the guard is dropped.
    #[cfg(unix)]
    UnixSocket(UnixListener, SocketGuard),
    Tcp(TcpListener, SocketAddr),
}

impl Listener {
    /// Binds `transport` as the environment configures it. Must run inside
    /// the tokio runtime.
    pub fn bind(transport: Transport) -> Result<Listener, String> {
        match transport {
            #[cfg(unix)]
            Transport::UnixSocket => {
                unix_socket::bind().map(|(listener, guard)| Listener::UnixSocket(listener, guard))
            }
            Transport::Tcp => {
                super::tcp::bind().map(|(listener, address)| Listener::Tcp(listener, address))
            }
        }
    }

    /// The address field of the handshake line: the socket's path, or
    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        match self {
            #[cfg(unix)]
            Listener::UnixSocket(_, guard) => guard.path().to_string_lossy().into_owned(),
            Listener::Tcp(_, address) => address.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::diag::check_sentence;

    #[test]
    fn unset_or_empty_means_the_platform_default() {
        assert_eq!(
            Transport::from_setting("X", None),
            Ok(Transport::PLATFORM_DEFAULT)
        );
        assert_eq!(
            Transport::from_setting("X", Some(" ")),
            Ok(Transport::PLATFORM_DEFAULT)
        );
        #[cfg(unix)]
        assert_eq!(Transport::PLATFORM_DEFAULT, Transport::UnixSocket);
    }

    #[test]
    fn tcp_and_unix_are_named_as_go_plugin_names_them() {
        assert_eq!(
            Transport::from_setting("X", Some("tcp")),
            Ok(Transport::Tcp)
        );
        assert_eq!(
            Transport::from_setting("X", Some(" TCP ")),
            Ok(Transport::Tcp)
        );
        assert_eq!(Transport::Tcp.network(), "tcp");
        #[cfg(unix)]
        {
            assert_eq!(
                Transport::from_setting("X", Some("unix")),
                Ok(Transport::UnixSocket)
            );
            assert_eq!(Transport::UnixSocket.network(), "unix");
        }
    }

    #[test]
    fn anything_else_is_refused_naming_the_variable() {
        let message = Transport::from_setting("SOME_TRANSPORT", Some("udp")).unwrap_err();
        assert!(
            message.starts_with("SOME_TRANSPORT is \"udp\"; set it to tcp"),
            "{message}"
        );
        check_sentence(&message);
    }

    #[tokio::test]
    async fn a_tcp_listener_announces_loopback_and_its_port() {
        let listener = Listener::bind(Transport::Tcp).unwrap();
        assert!(matches!(listener, Listener::Tcp(..)));
        let address: SocketAddr = listener.address().parse().unwrap();
        assert!(address.ip().is_loopback(), "{address}");
        assert_ne!(address.port(), 0);
    }
}
