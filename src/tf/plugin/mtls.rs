//! go-plugin's AutoMTLS, server side, with the client certificate required.
//!
//! Terraform generates a one-off certificate (self-signed, a CA, ECDSA P-521
//! with SHA-512) and passes it as PEM in `PLUGIN_CLIENT_CERT`; it trusts only
//! the server certificate we put in the handshake line. So each side pins
//! the other's certificate:
//! - we make a fresh P-256 key and a `localhost` certificate for this process;
//! - we accept exactly the client certificate Terraform gave us, byte for
//!   byte. webpki's standard verifier would refuse it anyway (a CA certificate
//!   used as an end entity), and pinning is stricter than go-plugin's "signed
//!   by the pool": nothing but the launching Terraform can connect.
//!
//! The aws-lc-rs provider matters: it verifies P-521 signatures, and a client
//! certificate is only sent by Go when the server's CertificateRequest lists
//! a signature scheme its key can use.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme,
};

/// The TLS side of the plugin channel: the config to accept connections with
/// and the certificate to announce in the handshake line.
pub struct ServerTls {
    /// Requires and pins the client certificate; TLS 1.2 and 1.3; ALPN h2.
    pub config: Arc<ServerConfig>,
    /// DER of this process's server certificate.
    pub cert_der: CertificateDer<'static>,
}

/// TLS as Terraform asks for it: on when `PLUGIN_CLIENT_CERT` is set, off
/// (plain gRPC) when it is not, e.g. under `TF_DISABLE_PLUGIN_TLS`.
pub fn from_env() -> Result<Option<ServerTls>, String> {
    match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !pem.trim().is_empty() => server_tls(&pem).map(Some),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err("PLUGIN_CLIENT_CERT is not valid PEM (not even UTF-8)".to_owned())
        }
    }
}

/// Builds the server side for a client presenting one of the certificates
/// in `client_cert_pem`.
pub fn server_tls(client_cert_pem: &str) -> Result<ServerTls, String> {
    let allowed = client_certificates(client_cert_pem)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let (cert_der, key) = generate_identity(&provider)?;
    let verifier = PinnedClientCert {
        allowed,
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("cannot set up TLS for the plugin channel: {e}"))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![cert_der.clone()], key)
        .map_err(|e| format!("cannot use the generated plugin certificate: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    // One host, one connection, one process lifetime: resumption buys nothing.
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(ServerTls {
        config: Arc::new(config),
        cert_der,
    })
}

fn client_certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("PLUGIN_CLIENT_CERT is not valid PEM: {e}"))?;
    if certs.is_empty() {
        return Err("PLUGIN_CLIENT_CERT holds no CERTIFICATE block".to_owned());
    }
    Ok(certs)
}

/// A fresh key and certificate for `localhost`, valid from 30 s ago (clock
/// skew) for as long as go-plugin's own. Not a CA, so that rustls-based
/// clients accept it as an end entity too; Go's client accepts either.
fn generate_identity(
    provider: &CryptoProvider,
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), String> {
    let failed = |e: rcgen::Error| format!("cannot generate the plugin's TLS certificate: {e}");
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(failed)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).map_err(failed)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "terraform-provider");
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(262_980);
    let mut serial = [0u8; 16];
    provider.secure_random.fill(&mut serial).map_err(|_| {
        "cannot generate the plugin's TLS certificate: no secure random numbers".to_owned()
    })?;
    serial[0] &= 0x7f; // a positive INTEGER
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    let cert = params.self_signed(&key).map_err(failed)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
}

/// Accepts only the pinned client certificate(s); verifies the handshake
/// signature with the provider's algorithms (P-521 included).
#[derive(Debug)]
struct PinnedClientCert {
    allowed: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: Go then offers its certificate whatever its issuer.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self
            .allowed
            .iter()
            .any(|pinned| pinned.as_ref() == end_entity.as_ref())
        {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_PEM: &str = "hello";

    #[test]
    fn client_cert_must_be_pem() {
        assert!(server_tls(NOT_PEM).is_err());
        assert!(
            server_tls("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n").is_err()
        );
    }

    #[test]
    fn offers_p521_and_requires_a_certificate() {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let verifier = PinnedClientCert {
            allowed: vec![CertificateDer::from(vec![1, 2, 3])],
            algorithms: provider.signature_verification_algorithms,
        };
        let schemes = verifier.supported_verify_schemes();
        assert!(schemes.contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
        assert!(schemes.contains(&SignatureScheme::ECDSA_NISTP256_SHA256));
        assert!(verifier.offer_client_auth() && verifier.client_auth_mandatory());
        let now = UnixTime::now();
        assert!(verifier
            .verify_client_cert(&CertificateDer::from(vec![1, 2, 3]), &[], now)
            .is_ok());
        assert!(verifier
            .verify_client_cert(&CertificateDer::from(vec![1, 2, 4]), &[], now)
            .is_err());
    }

    #[test]
    fn server_certificate_is_for_localhost() {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let (der, _key) = generate_identity(&provider).unwrap();
        // The bytes hold the SAN dNSName "localhost".
        assert!(der.windows(9).any(|w| w == b"localhost"));
    }
}
