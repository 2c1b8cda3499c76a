//! The go-plugin handshake against the real binary, done the way Terraform
//! does it: magic cookie, protocol list, a P-521 client certificate in
//! PLUGIN_CLIENT_CERT, the handshake line, mutual TLS over the Unix socket,
//! then go-plugin's health, stdio, broker and controller services. Also the
//! process's life: SIGINT, SIGTERM, no stdin, and a parent killed with SIGKILL.

use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use base64::Engine as _;
use planton::tf::proto::plugin::grpc_broker_client::GrpcBrokerClient;
use planton::tf::proto::plugin::grpc_controller_client::GrpcControllerClient;
use planton::tf::proto::plugin::grpc_stdio_client::GrpcStdioClient;
use planton::tf::proto::plugin::Empty;
use planton::tf::proto::tfplugin6::get_provider_schema;
use planton::tf::proto::tfplugin6::provider_client::ProviderClient;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{AlertDescription, SupportedProtocolVersion};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-planton");
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const TLS13: &SupportedProtocolVersion = &rustls::version::TLS13;
const TLS12: &SupportedProtocolVersion = &rustls::version::TLS12;

// ---------------------------------------------------------------------------
// Certificates as go-plugin makes them

/// A client certificate made exactly as go-plugin's `generateCert` (mtls.go)
/// makes Terraform's: ECDSA P-521, SHA-512 signature, self-signed CA, CN and
/// SAN `localhost`, client and server auth.
struct ClientCert {
    pem: String,
    der: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn go_plugin_cert() -> ClientCert {
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

/// The provider, started as Terraform starts it, after its handshake line.
struct Provider {
    child: Child,
    socket: PathBuf,
    server_cert: Option<CertificateDer<'static>>,
    stdout_lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl Provider {
    /// Starts the provider with TLS when `client` is given, plain otherwise.
    fn start(client: Option<&ClientCert>) -> Self {
        Self::start_with(client, &[])
    }

    fn start_with(client: Option<&ClientCert>, env: &[(&str, &str)]) -> Self {
        let mut command = provider_command(client);
        command.envs(env.iter().copied());
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
        let (socket, server_cert) = parse_handshake(&line);
        assert_eq!(
            server_cert.is_some(),
            client.is_some(),
            "a certificate in the handshake exactly when the host sent one: {line}"
        );
        Provider {
            child,
            socket,
            server_cert,
            stdout_lines,
            stderr,
        }
    }

    fn pid(&self) -> libc::pid_t {
        libc::pid_t::try_from(self.child.id()).unwrap()
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill has no memory-safety preconditions.
        assert_eq!(unsafe { libc::kill(self.pid(), signal) }, 0);
    }

    fn wait_exit(&mut self, within: Duration) -> ExitStatus {
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

    fn assert_running(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "provider exited; stderr:\n{}",
            self.stderr()
        );
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// A gRPC channel as Terraform opens it: TLS 1.3 with our certificate.
    async fn channel(&self, client: &ClientCert) -> Channel {
        channel(self, Some(client), TLS13).await.expect("connect")
    }
}

impl Drop for Provider {
    /// SIGTERM first, so the provider removes its socket; SIGKILL if it lingers.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(self.pid(), libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(3);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The command Terraform would run: cookie, protocol list, maybe a client
/// certificate; no stdin; logging off unless a test asks for it.
fn provider_command(client: Option<&ClientCert>) -> Command {
    let mut command = Command::new(BIN);
    terraform_env(&mut command, client);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The environment go-plugin's client gives a plugin.
fn terraform_env(command: &mut Command, client: Option<&ClientCert>) {
    command
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("PLUGIN_UNIX_SOCKET_DIR")
        .env_remove("PLUGIN_UNIX_SOCKET_GROUP")
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

/// Checks the line as go-plugin's client does and returns the socket and
/// the server certificate.
fn parse_handshake(line: &str) -> (PathBuf, Option<CertificateDer<'static>>) {
    let parts: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(parts.len(), 6, "six fields: {line:?}");
    assert_eq!(parts[0], "1", "core protocol version");
    assert_eq!(parts[1], "6", "app protocol version");
    assert_eq!(parts[2], "unix", "network");
    assert_eq!(parts[4], "grpc", "protocol");
    let socket = PathBuf::from(parts[3]);
    assert!(socket.is_absolute() && socket.exists(), "{socket:?}");
    let cert = (!parts[5].is_empty()).then(|| {
        assert!(!parts[5].contains('='), "no base64 padding: {line}");
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .expect("standard base64 without padding");
        CertificateDer::from(der)
    });
    (socket, cert)
}

// ---------------------------------------------------------------------------
// Connecting like go-plugin's client

/// A TLS client trusting only the certificate from the handshake line,
/// naming `localhost`, offering h2, presenting `client` if given.
fn client_config(
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

type TlsStream = tokio_rustls::client::TlsStream<UnixStream>;

async fn connect_tls(
    provider: &Provider,
    client: Option<&ClientCert>,
    version: &'static SupportedProtocolVersion,
) -> std::io::Result<TlsStream> {
    let server_cert = provider.server_cert.as_ref().expect("TLS provider");
    let config = client_config(server_cert, client, version);
    let stream = UnixStream::connect(&provider.socket).await?;
    let name = ServerName::try_from("localhost").unwrap();
    tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
}

trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// Dials the provider's socket for tonic, with or without TLS.
#[derive(Clone)]
struct Dialer {
    socket: PathBuf,
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
            let stream = UnixStream::connect(&dialer.socket).await?;
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

async fn channel(
    provider: &Provider,
    client: Option<&ClientCert>,
    version: &'static SupportedProtocolVersion,
) -> Result<Channel, tonic::transport::Error> {
    let tls = provider
        .server_cert
        .as_ref()
        .map(|cert| (client_config(cert, client, version), cert.clone()));
    let dialer = Dialer {
        socket: provider.socket.clone(),
        tls,
    };
    Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(5))
        .connect_with_connector(dialer)
        .await
}

/// go-plugin's ping: the health of service "plugin".
async fn health(channel: &Channel) -> Result<ServingStatus, tonic::Status> {
    let response = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await?;
    Ok(response.into_inner().status())
}

async fn shutdown(channel: &Channel) -> Result<(), tonic::Status> {
    GrpcControllerClient::new(channel.clone())
        .shutdown(Empty {})
        .await
        .map(drop)
}

/// Terraform's first provider call, through the generated tfplugin6 client.
async fn get_provider_schema(
    channel: &Channel,
) -> Result<get_provider_schema::Response, tonic::Status> {
    ProviderClient::new(channel.clone())
        .max_decoding_message_size(usize::MAX)
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .map(tonic::Response::into_inner)
}

/// How a TLS connection attempt ended: `None` when the server took the client
/// (it then speaks first, HTTP/2 SETTINGS), else the TLS alert that refused it.
/// A refused TLS 1.3 client learns of it on its first read, after its side of
/// the handshake finished; a TLS 1.2 client already during the handshake.
async fn tls_refusal(
    provider: &Provider,
    client: Option<&ClientCert>,
    version: &'static SupportedProtocolVersion,
) -> Option<rustls::Error> {
    let as_rustls = |e: std::io::Error| {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .cloned()
            .unwrap_or_else(|| panic!("not a TLS error: {e}"))
    };
    let mut stream = match connect_tls(provider, client, version).await {
        Ok(stream) => stream,
        Err(e) => return Some(as_rustls(e)),
    };
    let mut byte = [0u8; 1];
    match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut byte)).await {
        // An accepted client receives the server's HTTP/2 SETTINGS frame.
        Ok(Ok(n)) if n > 0 => None,
        Ok(Ok(_)) => panic!("the server closed the connection without a TLS alert"),
        Ok(Err(e)) => Some(as_rustls(e)),
        Err(_) => panic!("the server neither accepted nor refused the client"),
    }
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn without_the_cookie_it_explains_and_exits_1() {
    let started = Instant::now();
    let output = Command::new(BIN)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no handshake line");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("This binary is a plugin for Terraform/OpenTofu. Do not run it directly")
            && stderr.contains("project-planton/planton"),
        "{stderr}"
    );

    // A wrong cookie is no cookie.
    let output = Command::new(BIN)
        .env("TF_PLUGIN_MAGIC_COOKIE", "nope")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_host_without_protocol_6_is_refused() {
    let output = provider_command(None)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("protocol 6") && stderr.contains("4,5"),
        "{stderr}"
    );
}

#[tokio::test]
async fn terraform_handshake_over_mtls_then_shutdown() {
    let client = go_plugin_cert();
    let mut provider = Provider::start(Some(&client));
    assert!(tls_refusal(&provider, Some(&client), TLS13).await.is_none());
    let channel = provider.channel(&client).await;
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);

    // Terraform's first provider call is answered over the same channel.
    let schema = get_provider_schema(&channel)
        .await
        .unwrap_or_else(|e| panic!("GetProviderSchema: {e}; stderr:\n{}", provider.stderr()));
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    assert!(
        schema.resource_schemas.contains_key("planton_aws_secrets"),
        "{:?}",
        schema.resource_schemas.keys()
    );

    // Like go-plugin's client: open stdio and broker streams; they stay open.
    let mut stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .unwrap()
        .into_inner();
    let (broker_tx, broker_rx) = tokio::sync::mpsc::channel(1);
    let mut broker = GrpcBrokerClient::new(channel.clone())
        .start_stream(tokio_stream::wrappers::ReceiverStream::new(broker_rx))
        .await
        .unwrap()
        .into_inner();
    let quiet = tokio::time::timeout(Duration::from_millis(300), async {
        tokio::select! {
            m = stdio.message() => format!("stdio: {m:?}"),
            m = broker.message() => format!("broker: {m:?}"),
        }
    })
    .await;
    assert!(
        quiet.is_err(),
        "streams must stay open and silent: {quiet:?}"
    );

    let socket = provider.socket.clone();
    let started = Instant::now();
    shutdown(&channel).await.unwrap();
    let status = provider.wait_exit(Duration::from_secs(3));
    assert!(
        status.success(),
        "{status:?}; stderr:\n{}",
        provider.stderr()
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Streams end with the process; the socket and its directory are gone.
    assert!(matches!(stdio.message().await, Ok(None) | Err(_)));
    drop(broker_tx);
    assert!(!socket.exists());
    assert!(!socket.parent().unwrap().exists());
    assert_eq!(
        provider.stdout_lines.lock().unwrap().len(),
        1,
        "stdout stays quiet"
    );
}

#[tokio::test]
async fn tls_1_2_works_too() {
    let client = go_plugin_cert();
    let provider = Provider::start(Some(&client));
    assert!(tls_refusal(&provider, Some(&client), TLS12).await.is_none());
    let channel = channel(&provider, Some(&client), TLS12).await.unwrap();
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
}

#[tokio::test]
async fn a_client_without_the_certificate_is_refused_by_tls() {
    let client = go_plugin_cert();
    let provider = Provider::start(Some(&client));
    for version in [TLS13, TLS12] {
        let started = Instant::now();
        let refusal = tls_refusal(&provider, None, version).await;
        assert_eq!(
            refusal,
            Some(rustls::Error::AlertReceived(
                AlertDescription::CertificateRequired
            )),
            "{version:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "refused, not timed out"
        );
    }
    // And gRPC over it fails, promptly.
    let started = Instant::now();
    let outcome = match channel(&provider, None, TLS13).await {
        Ok(channel) => health(&channel).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    assert!(outcome.is_err(), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_client_with_another_certificate_is_refused_by_tls() {
    let client = go_plugin_cert();
    let impostor = go_plugin_cert();
    let provider = Provider::start(Some(&client));
    for version in [TLS13, TLS12] {
        let started = Instant::now();
        let refusal = tls_refusal(&provider, Some(&impostor), version).await;
        assert_eq!(
            refusal,
            Some(rustls::Error::AlertReceived(AlertDescription::AccessDenied)),
            "{version:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "refused, not timed out"
        );
    }
    let outcome = match channel(&provider, Some(&impostor), TLS13).await {
        Ok(channel) => health(&channel).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    assert!(outcome.is_err(), "{outcome:?}");
    // The real client still gets in.
    let channel = Provider::channel(&provider, &client).await;
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
}

#[tokio::test]
async fn plain_grpc_without_a_client_certificate() {
    // TF_DISABLE_PLUGIN_TLS: Terraform sends no certificate and expects none.
    let mut provider = Provider::start(None);
    let channel = channel(&provider, None, TLS13).await.unwrap();
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
    shutdown(&channel).await.unwrap();
    assert!(provider.wait_exit(Duration::from_secs(3)).success());
}

#[tokio::test]
async fn sigint_is_ignored() {
    let client = go_plugin_cert();
    let mut provider = Provider::start(Some(&client));
    let channel = provider.channel(&client).await;
    provider.signal(libc::SIGINT);
    provider.signal(libc::SIGINT);
    tokio::time::sleep(Duration::from_millis(300)).await;
    provider.assert_running();
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
    let fresh = provider.channel(&client).await;
    assert_eq!(health(&fresh).await.unwrap(), ServingStatus::Serving);
}

#[tokio::test]
async fn sigterm_exits_cleanly() {
    let client = go_plugin_cert();
    let mut provider = Provider::start(Some(&client));
    let socket = provider.socket.clone();
    provider.signal(libc::SIGTERM);
    let status = provider.wait_exit(Duration::from_secs(3));
    assert!(status.success(), "{status:?}");
    assert!(!socket.exists());
}

#[tokio::test]
async fn no_stdin_changes_nothing() {
    // Stdio::null(): stdin is at EOF from the start.
    let client = go_plugin_cert();
    let mut provider = Provider::start(Some(&client));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    provider.assert_running();
    let channel = provider.channel(&client).await;
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
}

#[cfg(target_os = "linux")]
#[test]
fn dies_with_its_parent() {
    let client = go_plugin_cert();
    // A shell stands in for Terraform: it starts the provider, prints its
    // pid and waits. Killing the shell with SIGKILL must take the provider.
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg("\"$0\" & echo \"pid=$!\"; wait")
        .arg(BIN)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    terraform_env(&mut shell, Some(&client));
    let mut shell = shell.spawn().unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = shell.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut pid = None;
    let mut handshake = None;
    while pid.is_none() || handshake.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("pid and handshake");
        match line.strip_prefix("pid=") {
            Some(p) => pid = Some(p.parse::<libc::pid_t>().unwrap()),
            None => handshake = Some(line),
        }
    }
    let pid = pid.unwrap();
    let (socket, _) = parse_handshake(&handshake.unwrap());
    assert!(alive(pid));

    shell.kill().unwrap(); // SIGKILL
    shell.wait().unwrap();
    let started = Instant::now();
    while alive(pid) {
        if started.elapsed() > Duration::from_secs(3) {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("the provider outlived its parent by 3 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // It went through the clean exit: the socket is gone.
    assert!(!socket.exists());
}

/// Alive and not a zombie (a reaper may be slow to collect it).
#[cfg(target_os = "linux")]
fn alive(pid: libc::pid_t) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

#[tokio::test]
async fn logs_are_hclog_json_on_stderr_only() {
    let client = go_plugin_cert();
    let mut provider = Provider::start_with(Some(&client), &[("TF_LOG", "trace")]);
    let channel = provider.channel(&client).await;
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
    shutdown(&channel).await.unwrap();
    assert!(provider.wait_exit(Duration::from_secs(3)).success());
    // The pipe readers finish once the process is gone.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stderr = provider.stderr();
    assert!(!stderr.trim().is_empty(), "TF_LOG=trace logs something");
    for line in stderr.lines() {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON object ({e}): {line}"));
        for key in ["@level", "@message", "@module", "@timestamp"] {
            assert!(object.contains_key(key), "{key} missing: {line}");
        }
        assert_eq!(object["@module"], "provider.terraform-provider-planton");
    }
    assert_eq!(provider.stdout_lines.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn socket_honours_plugin_unix_socket_dir() {
    let dir = tempfile::tempdir().unwrap();
    let client = go_plugin_cert();
    let mut provider = Provider::start_with(
        Some(&client),
        &[("PLUGIN_UNIX_SOCKET_DIR", dir.path().to_str().unwrap())],
    );
    assert_eq!(provider.socket.parent(), Some(dir.path()));
    let channel = provider.channel(&client).await;
    shutdown(&channel).await.unwrap();
    assert!(provider.wait_exit(Duration::from_secs(3)).success());
    assert!(!provider.socket.exists());
    assert!(dir.path().exists(), "the host's directory is the host's");
}
