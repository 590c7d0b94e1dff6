//! TLS on the listeners: the plain data of [`TlsFiles`] (what `web_config`
//! read) and the acceptors made from it: rustls with the ring provider,
//! HTTP/1.1 only, and the handshake bounded by --web.read-timeout like a
//! request head.

use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use rustls::server::danger::ClientCertVerifier;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// The listeners' TLS, from `tls_server_config` of `--web.config.file`:
/// read, PEM-decoded and checked when the file was read.
#[derive(Clone)]
pub struct TlsFiles {
    /// The server's certificate chain, DER, leaf first.
    pub cert_chain: Vec<Vec<u8>>,
    /// The server's private key. Its `Debug` never shows it.
    pub key: PrivateKey,
    /// Applies to `--web.metrics-listen-address` only: SignalWire cannot
    /// present a client certificate to the webhook.
    pub client_auth: ClientAuth,
    /// DER certificates of the CAs that sign client certificates.
    pub client_cas: Vec<Vec<u8>>,
    pub min_version: TlsVersion,
    pub max_version: TlsVersion,
    /// exporter-toolkit's `prefer_server_cipher_suites` (default true).
    pub prefer_server_cipher_suites: bool,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFiles")
            .field("certificates", &self.cert_chain.len())
            .field("client_auth", &self.client_auth)
            .field("client_cas", &self.client_cas.len())
            .field("versions", &(self.min_version, self.max_version))
            .finish_non_exhaustive()
    }
}

/// A DER private key and its encoding.
#[derive(Clone)]
pub struct PrivateKey {
    pub format: KeyFormat,
    pub der: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    Pkcs1,
    Pkcs8,
    Sec1,
}

/// exporter-toolkit's `client_auth_type`, the values that verify what they
/// accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    NoClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

/// The TLS versions the exporter offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// The listeners' acceptors. The webhook's never asks for a client
/// certificate (SignalWire cannot present one); `client_auth_type` applies
/// to --web.metrics-listen-address's.
#[derive(Clone)]
pub struct ServerTls {
    webhook: TlsAcceptor,
    metrics: TlsAcceptor,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Checks the certificate, key and client CAs together; errors are one
    /// line, naming the setting at fault.
    pub fn new(files: &TlsFiles) -> Result<Self, String> {
        let provider = Arc::new(ring::default_provider());
        let verifier = match files.client_auth {
            ClientAuth::NoClientCert => None,
            auth => Some(client_verifier(auth, &files.client_cas, &provider)?),
        };
        Ok(ServerTls {
            webhook: acceptor(files, &provider, None)?,
            metrics: acceptor(files, &provider, verifier)?,
        })
    }

    /// For the main listener (the webhook, and /metrics unless it has its own).
    pub fn webhook(&self) -> &TlsAcceptor {
        &self.webhook
    }

    /// For --web.metrics-listen-address.
    pub fn metrics(&self) -> &TlsAcceptor {
        &self.metrics
    }
}

fn acceptor(
    files: &TlsFiles,
    provider: &Arc<CryptoProvider>,
    verifier: Option<Arc<dyn ClientCertVerifier>>,
) -> Result<TlsAcceptor, String> {
    let all = [
        (TlsVersion::Tls12, &rustls::version::TLS12),
        (TlsVersion::Tls13, &rustls::version::TLS13),
    ];
    let versions: Vec<_> = all
        .into_iter()
        .filter(|(v, _)| (files.min_version..=files.max_version).contains(v))
        .map(|(_, v)| v)
        .collect();
    let builder = ServerConfig::builder_with_provider(Arc::clone(provider))
        .with_protocol_versions(&versions)
        .map_err(|e| format!("tls_server_config: {e}"))?;
    let builder = match verifier {
        Some(v) => builder.with_client_cert_verifier(v),
        None => builder.with_no_client_auth(),
    };
    let chain = files.cert_chain.iter().cloned().map(CertificateDer::from);
    let mut config = builder
        .with_single_cert(chain.collect(), key_der(&files.key))
        .map_err(|e| format!("certificate and key: {e}"))?;
    // hyper serves HTTP/1.1 only: say so, so that clients offering h2 fall back.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.ignore_client_order = files.prefer_server_cipher_suites;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn key_der(key: &PrivateKey) -> PrivateKeyDer<'static> {
    let der = key.der.clone();
    match key.format {
        KeyFormat::Pkcs1 => PrivatePkcs1KeyDer::from(der).into(),
        KeyFormat::Pkcs8 => PrivatePkcs8KeyDer::from(der).into(),
        KeyFormat::Sec1 => PrivateSec1KeyDer::from(der).into(),
    }
}

fn client_verifier(
    auth: ClientAuth,
    cas: &[Vec<u8>],
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, String> {
    let mut roots = RootCertStore::empty();
    for ca in cas {
        roots
            .add(CertificateDer::from(ca.clone()))
            .map_err(|e| format!("client CA certificate: {e}"))?;
    }
    let verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider));
    let verifier = if auth == ClientAuth::VerifyClientCertIfGiven {
        verifier.allow_unauthenticated()
    } else {
        verifier
    };
    verifier
        .build()
        .map_err(|e| format!("client CA certificates: {e}"))
}

/// Completes the TLS handshake within `limit`: a client that never finishes
/// it must not hold the connection. `None` when the handshake failed or took
/// too long (logged at debug: scanners are common).
pub async fn handshake(
    tls: &TlsAcceptor,
    stream: TcpStream,
    limit: Duration,
) -> Option<TlsStream<TcpStream>> {
    match tokio::time::timeout(limit, tls.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!("TLS handshake not finished within the read timeout");
            None
        }
    }
}
