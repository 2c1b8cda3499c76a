//! The go-plugin handshake against the real binary, done the way Terraform
//! does it: magic cookie, protocol list, a P-521 client certificate in
//! PLUGIN_CLIENT_CERT, the handshake line, mutual TLS over the Unix socket,
//! then go-plugin's health, stdio, broker and controller services. Also the
//! process's life: SIGINT and SIGTERM (ignored), no stdin, and a parent killed with SIGKILL.
//! And the same over TCP on loopback, go-plugin's Windows transport, forced
//! here with PLANTON_PLUGIN_TRANSPORT=tcp: the port range, mutual TLS, errors.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{
    channel, client_config, go_plugin_cert, health, parse_handshake, provider_command,
    terraform_env, Address, ClientCert, Io, Provider, BIN, FORCE_TCP, TLS12, TLS13,
};
use planton::tf::proto::plugin::grpc_broker_client::GrpcBrokerClient;
use planton::tf::proto::plugin::grpc_controller_client::GrpcControllerClient;
use planton::tf::proto::plugin::grpc_stdio_client::GrpcStdioClient;
use planton::tf::proto::plugin::Empty;
use planton::tf::proto::tfplugin6::get_provider_schema;
use planton::tf::proto::tfplugin6::provider_client::ProviderClient;
use rustls::pki_types::ServerName;
use rustls::{AlertDescription, SupportedProtocolVersion};
use tokio::io::AsyncReadExt;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;

// ---------------------------------------------------------------------------
// Connecting like go-plugin's client (the rest is in common/)

type TlsStream = tokio_rustls::client::TlsStream<Box<dyn Io>>;

async fn connect_tls(
    provider: &Provider,
    client: Option<&ClientCert>,
    version: &'static SupportedProtocolVersion,
) -> std::io::Result<TlsStream> {
    let server_cert = provider.server_cert.as_ref().expect("TLS provider");
    let config = client_config(server_cert, client, version);
    let stream = provider.address.connect().await?;
    let name = ServerName::try_from("localhost").unwrap();
    tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
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

    let socket = provider.socket().to_owned();
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

/// Ctrl-C and CI cancellation signal the whole process group: the provider
/// keeps serving, because Terraform still needs its answer to record state.
#[tokio::test]
async fn sigint_and_sigterm_are_ignored() {
    let client = go_plugin_cert();
    let mut provider = Provider::start(Some(&client));
    let channel = provider.channel(&client).await;
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGINT, libc::SIGTERM] {
        provider.signal(signal);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    provider.assert_running();
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
    let fresh = provider.channel(&client).await;
    assert_eq!(health(&fresh).await.unwrap(), ServingStatus::Serving);
    // Terraform's own way to end it still works.
    let socket = provider.socket().to_owned();
    shutdown(&fresh).await.unwrap();
    assert!(provider.wait_exit(Duration::from_secs(3)).success());
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
    let (address, _) = parse_handshake(&handshake.unwrap());
    let Address::Unix(socket) = address else {
        panic!("a socket by default on Unix: {address:?}")
    };
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
    assert_eq!(provider.socket().parent(), Some(dir.path()));
    let channel = provider.channel(&client).await;
    shutdown(&channel).await.unwrap();
    assert!(provider.wait_exit(Duration::from_secs(3)).success());
    assert!(!provider.socket().exists());
    assert!(dir.path().exists(), "the host's directory is the host's");
}

// ---------------------------------------------------------------------------
// TCP, as on Windows

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap().port()
}

#[tokio::test]
async fn tcp_serves_mutual_tls_on_the_first_free_port_of_the_range() {
    // The range starts at a port someone else holds: the provider moves on.
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let min = held.local_addr().unwrap().port();
    let max = min.saturating_add(40);
    let (min_text, max_text) = (min.to_string(), max.to_string());
    let client = go_plugin_cert();
    let mut provider = Provider::start_with(
        Some(&client),
        &[
            FORCE_TCP,
            ("PLUGIN_MIN_PORT", &min_text),
            ("PLUGIN_MAX_PORT", &max_text),
        ],
    );
    let Address::Tcp(address) = provider.address.clone() else {
        panic!("not TCP: {:?}", provider.address)
    };
    println!("range {min}..={max}, {min} held; the provider took {address}");
    assert!(address.ip().is_loopback());
    assert!(
        address.port() > min && address.port() <= max,
        "{address} outside {}..={max}",
        min + 1
    );

    // The same pinned mutual TLS as on the socket.
    for version in [TLS13, TLS12] {
        assert!(tls_refusal(&provider, Some(&client), version)
            .await
            .is_none());
        assert_eq!(
            tls_refusal(&provider, None, version).await,
            Some(rustls::Error::AlertReceived(
                AlertDescription::CertificateRequired
            )),
            "{version:?}"
        );
        assert_eq!(
            tls_refusal(&provider, Some(&go_plugin_cert()), version).await,
            Some(rustls::Error::AlertReceived(AlertDescription::AccessDenied)),
            "{version:?}"
        );
    }
    let channel = provider.channel(&client).await;
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
    let schema = get_provider_schema(&channel)
        .await
        .unwrap_or_else(|e| panic!("GetProviderSchema: {e}; stderr:\n{}", provider.stderr()));
    assert!(schema.resource_schemas.contains_key("planton_aws_secrets"));

    shutdown(&channel).await.unwrap();
    assert!(provider.wait_exit(Duration::from_secs(3)).success());
    // The port is free again once the provider is gone.
    std::net::TcpListener::bind(address).expect("the provider released its port");
    drop(held);
}

#[tokio::test]
async fn tcp_plain_grpc_without_a_client_certificate() {
    let port = free_port().to_string();
    let mut provider = Provider::start_with(
        None,
        &[
            FORCE_TCP,
            ("PLUGIN_MIN_PORT", &port),
            ("PLUGIN_MAX_PORT", &port),
        ],
    );
    assert!(matches!(provider.address, Address::Tcp(a) if a.port().to_string() == port));
    let channel = channel(&provider, None, TLS13).await.unwrap();
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
    shutdown(&channel).await.unwrap();
    assert!(provider.wait_exit(Duration::from_secs(3)).success());
}

/// Exit 1, nothing on stdout, and `expected` on stderr.
fn assert_refused_to_start(env: &[(&str, &str)], expected: &str) {
    let output = provider_command(None)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{env:?}: {stderr}");
    assert!(output.stdout.is_empty(), "no handshake line for {env:?}");
    assert!(stderr.contains(expected), "{env:?}: {stderr}");
}

#[test]
fn tcp_refuses_a_malformed_or_inverted_port_range() {
    assert_refused_to_start(
        &[FORCE_TCP, ("PLUGIN_MIN_PORT", "ten thousand")],
        "PLUGIN_MIN_PORT is \"ten thousand\", which is not a port number",
    );
    assert_refused_to_start(
        &[FORCE_TCP, ("PLUGIN_MAX_PORT", "70000")],
        "PLUGIN_MAX_PORT is \"70000\", which is not a port number",
    );
    assert_refused_to_start(
        &[
            FORCE_TCP,
            ("PLUGIN_MIN_PORT", "20000"),
            ("PLUGIN_MAX_PORT", "19999"),
        ],
        "PLUGIN_MIN_PORT (20000) is greater than PLUGIN_MAX_PORT (19999)",
    );
}

#[test]
fn an_unknown_transport_is_refused() {
    assert_refused_to_start(
        &[("PLANTON_PLUGIN_TRANSPORT", "quic")],
        "PLANTON_PLUGIN_TRANSPORT is \"quic\"; set it to tcp or unix",
    );
}

#[tokio::test]
async fn unix_can_be_named_and_is_the_default() {
    for env in [&[][..], &[("PLANTON_PLUGIN_TRANSPORT", "unix")][..]] {
        let provider = Provider::start_with(None, env);
        assert!(
            matches!(provider.address, Address::Unix(_)),
            "{env:?}: {:?}",
            provider.address
        );
    }
}
