//! The provider binary started as Terraform starts it, and gRPC channels to
//! it as Terraform opens them: the pieces tests/handshake.rs and
//! tests/malformed_input.rs share.
//!
//! Magic cookie, protocol list, a P-521 client certificate in
//! PLUGIN_CLIENT_CERT, the handshake line, mutual TLS over the Unix socket
//! or, with [`FORCE_TCP`], over TCP on loopback as on Windows.

#![allow(dead_code)]

use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use base64::Engine as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::SupportedProtocolVersion;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};
use tonic::transport::{Channel, Endpoint, Uri};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

pub const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-planton");
pub const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
pub const TLS13: &SupportedProtocolVersion = &rustls::version::TLS13;
pub const TLS12: &SupportedProtocolVersion = &rustls::version::TLS12;
/// The provider's variable that picks the plugin transport.
pub const TRANSPORT_VARIABLE: &str = "PLANTON_PLUGIN_TRANSPORT";
/// The environment that puts the provider on TCP, as on Windows.
pub const FORCE_TCP: (&str, &str) = (TRANSPORT_VARIABLE, "tcp");

// ---------------------------------------------------------------------------
// Certificates as go-plugin makes them

/// A client certificate made exactly as go-plugin's `generateCert` (mtls.go)
/// makes Terraform's: ECDSA P-521, SHA-512 signature, self-signed CA, CN and
/// SAN `localhost`, client and server auth.
pub struct ClientCert {
    pub pem: String,
    pub der: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
}

pub fn go_plugin_cert() -> ClientCert {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyAgreement,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(262_980);
    let cert = params.self_signed(&key).unwrap();
    ClientCert {
        pem: cert.pem(),
        der: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

// ---------------------------------------------------------------------------
// The provider process

/// Where the handshake line says to connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

impl Address {
    /// Connects as go-plugin's client does for this network.
    pub async fn connect(&self) -> std::io::Result<Box<dyn Io>> {
        Ok(match self {
            Address::Unix(path) => Box::new(UnixStream::connect(path).await?),
            Address::Tcp(address) => Box::new(TcpStream::connect(address).await?),
        })
    }
}

/// The provider, started as Terraform starts it, after its handshake line.
pub struct Provider {
    pub child: Child,
    pub address: Address,
    pub server_cert: Option<CertificateDer<'static>>,
    pub stdout_lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl Provider {
    /// Starts the provider with TLS when `client` is given, plain otherwise.
    pub fn start(client: Option<&ClientCert>) -> Self {
        Self::start_with(client, &[])
    }

    pub fn start_with(client: Option<&ClientCert>, env: &[(&str, &str)]) -> Self {
        let mut command = provider_command(client);
        command.envs(env.iter().copied());
        Self::spawn(command, client)
    }

    /// Runs `command` (made by [`provider_command`] for `client`) and waits
    /// for its handshake line.
    pub fn spawn(mut command: Command, client: Option<&ClientCert>) -> Self {
        let mut child = command.spawn().expect("start the provider");
        let stderr = collect(child.stderr.take().unwrap());
        let (line_tx, line_rx) = mpsc::channel();
        let stdout_lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::clone(&stdout_lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line.clone());
                let _ = line_tx.send(line);
            }
        });
        let line = match line_rx.recv_timeout(Duration::from_secs(10)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("no handshake line; stderr:\n{}", stderr.lock().unwrap());
            }
        };
        let (address, server_cert) = parse_handshake(&line);
        assert_eq!(
            server_cert.is_some(),
            client.is_some(),
            "a certificate in the handshake exactly when the host sent one: {line}"
        );
        Provider {
            child,
            address,
            server_cert,
            stdout_lines,
            stderr,
        }
    }

    /// The Unix socket; fails the test when the provider serves TCP.
    pub fn socket(&self) -> &Path {
        match &self.address {
            Address::Unix(path) => path,
            Address::Tcp(address) => panic!("the provider serves TCP on {address}, not a socket"),
        }
    }

    pub fn pid(&self) -> libc::pid_t {
        libc::pid_t::try_from(self.child.id()).unwrap()
    }

    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill has no memory-safety preconditions.
        assert_eq!(unsafe { libc::kill(self.pid(), signal) }, 0);
    }

    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "provider still running after {within:?}; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn assert_running(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "provider exited; stderr:\n{}",
            self.stderr()
        );
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// A gRPC channel as Terraform opens it: TLS 1.3 with our certificate.
    pub async fn channel(&self, client: &ClientCert) -> Channel {
        channel(self, Some(client), TLS13).await.expect("connect")
    }
}

impl Drop for Provider {
    /// Killed, as Terraform's plugin client ends a provider that does not
    /// stop when asked (signals do not stop it); the socket it leaves is
    /// removed here, with the private directory made for it.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Address::Unix(socket) = &self.address {
            if std::fs::remove_file(socket).is_ok() {
                if let Some(dir) = socket.parent() {
                    let _ = std::fs::remove_dir(dir);
                }
            }
        }
    }
}

/// The command Terraform would run: cookie, protocol list, maybe a client
/// certificate; no stdin; logging off unless a test asks for it.
pub fn provider_command(client: Option<&ClientCert>) -> Command {
    let mut command = Command::new(BIN);
    terraform_env(&mut command, client);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The environment go-plugin's client gives a plugin.
pub fn terraform_env(command: &mut Command, client: Option<&ClientCert>) {
    command
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("PLUGIN_UNIX_SOCKET_DIR")
        .env_remove("PLUGIN_UNIX_SOCKET_GROUP")
        .env_remove(TRANSPORT_VARIABLE)
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER");
    if let Some(client) = client {
        command.env("PLUGIN_CLIENT_CERT", &client.pem);
    }
}

fn collect(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    text
}

/// Checks the line as go-plugin's client does and returns the address and
/// the server certificate.
pub fn parse_handshake(line: &str) -> (Address, Option<CertificateDer<'static>>) {
    let parts: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(parts.len(), 6, "six fields: {line:?}");
    assert_eq!(parts[0], "1", "core protocol version");
    assert_eq!(parts[1], "6", "app protocol version");
    assert_eq!(parts[4], "grpc", "protocol");
    let address = match parts[2] {
        "unix" => {
            let socket = PathBuf::from(parts[3]);
            assert!(socket.is_absolute() && socket.exists(), "{socket:?}");
            Address::Unix(socket)
        }
        "tcp" => {
            let address: SocketAddr = parts[3].parse().expect("IP:PORT");
            assert_eq!(
                address.ip().to_string(),
                "127.0.0.1",
                "loopback only: {line}"
            );
            Address::Tcp(address)
        }
        other => panic!("network {other:?} is neither unix nor tcp: {line}"),
    };
    let cert = (!parts[5].is_empty()).then(|| {
        assert!(!parts[5].contains('='), "no base64 padding: {line}");
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .expect("standard base64 without padding");
        CertificateDer::from(der)
    });
    (address, cert)
}

// ---------------------------------------------------------------------------
// Connecting like go-plugin's client

/// A TLS client trusting only the certificate from the handshake line,
/// naming `localhost`, offering h2, presenting `client` if given.
pub fn client_config(
    server_cert: &CertificateDer<'static>,
    client: Option<&ClientCert>,
    version: &'static SupportedProtocolVersion,
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server_cert.clone()).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_protocol_versions(&[version])
    .unwrap()
    .with_root_certificates(roots);
    let mut config = match client {
        Some(c) => builder
            .with_client_auth_cert(vec![c.der.clone()], c.key.clone_key())
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

pub trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// Dials the provider for tonic, with or without TLS.
#[derive(Clone)]
struct Dialer {
    address: Address,
    tls: Option<(Arc<rustls::ClientConfig>, CertificateDer<'static>)>,
}

impl tower::Service<Uri> for Dialer {
    type Response = hyper_util::rt::TokioIo<Box<dyn Io>>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        let dialer = self.clone();
        Box::pin(async move {
            let stream = dialer.address.connect().await?;
            let io: Box<dyn Io> = match dialer.tls {
                None => Box::new(stream),
                Some((config, expected_server_cert)) => {
                    let name = ServerName::try_from("localhost").unwrap();
                    let tls = tokio_rustls::TlsConnector::from(config)
                        .connect(name, stream)
                        .await?;
                    let (_, connection) = tls.get_ref();
                    assert_eq!(connection.alpn_protocol(), Some(&b"h2"[..]));
                    assert_eq!(
                        connection.peer_certificates().map(|c| c[0].clone()),
                        Some(expected_server_cert)
                    );
                    Box::new(tls)
                }
            };
            Ok(hyper_util::rt::TokioIo::new(io))
        })
    }
}

pub async fn channel(
    provider: &Provider,
    client: Option<&ClientCert>,
    version: &'static SupportedProtocolVersion,
) -> Result<Channel, tonic::transport::Error> {
    let tls = provider
        .server_cert
        .as_ref()
        .map(|cert| (client_config(cert, client, version), cert.clone()));
    let dialer = Dialer {
        address: provider.address.clone(),
        tls,
    };
    Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(5))
        .connect_with_connector(dialer)
        .await
}

/// go-plugin's ping: the health of service "plugin".
pub async fn health(channel: &Channel) -> Result<ServingStatus, tonic::Status> {
    let response = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await?;
    Ok(response.into_inner().status())
}
