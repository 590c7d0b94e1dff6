//! `--web.config.file`: the web configuration file of Prometheus'
//! exporter-toolkit (TLS and basic auth), read and checked once at start.
//!
//! The format is exporter-toolkit's: unknown keys are an error, relative
//! paths are relative to the file. Settings this exporter cannot honour
//! (unverified client certificates, SAN allow-lists, cipher and curve
//! lists, TLS below 1.2, extra headers, rate limits) are refused by name
//! rather than ignored, since each one is a security promise.
//!
//! What it reads becomes plain data (`tls::TlsFiles` with PEM decoded to
//! DER, users with their bcrypt hashes); `crate::cli` calls it, and it calls
//! `crate::tls` once to check that the certificate and key make a server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;

use crate::tls::{ClientAuth, KeyFormat, PrivateKey, ServerTls, TlsFiles, TlsVersion};

/// What the file turns on, as plain settings: no TLS and no users for a
/// file that sets nothing.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    pub tls: Option<TlsFiles>,
    /// user → bcrypt hash.
    pub users: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    tls_server_config: Option<TlsShape>,
    http_server_config: Option<HttpShape>,
    basic_auth_users: Option<Users>,
    rate_limit: Option<serde_norway::Value>,
}

/// user → bcrypt hash; a user listed twice is an error, as in
/// exporter-toolkit's strict YAML, not "the last one wins".
#[derive(Debug, Default)]
struct Users(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for Users {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Users;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of user names to bcrypt hashes")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Users, A::Error> {
                let mut users = BTreeMap::new();
                while let Some((user, hash)) = map.next_entry::<String, String>()? {
                    if users.contains_key(&user) {
                        let msg = format!("user {user:?} is listed twice");
                        return Err(serde::de::Error::custom(msg));
                    }
                    users.insert(user, hash);
                }
                Ok(Users(users))
            }
        }
        d.deserialize_map(Visitor)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsShape {
    cert: Option<String>,
    key: Option<String>,
    client_ca: Option<String>,
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    client_auth_type: Option<String>,
    client_ca_file: Option<PathBuf>,
    client_allowed_sans: Option<Vec<String>>,
    min_version: Option<String>,
    max_version: Option<String>,
    cipher_suites: Option<Vec<String>>,
    prefer_server_cipher_suites: Option<bool>,
    curve_preferences: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpShape {
    /// Accepted for compatibility; this server speaks HTTP/1.1 either way.
    #[allow(dead_code)]
    http2: Option<bool>,
    headers: Option<BTreeMap<String, String>>,
}

/// Reads and checks `path`; the error is one line naming the file.
pub fn load(path: &Path) -> Result<WebConfig, String> {
    let in_file = |e: String| format!("--web.config.file {}: {e}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| in_file(e.to_string()))?;
    let shape = parse(&text).map_err(in_file)?;
    let dir = path.parent().unwrap_or(Path::new(""));
    from_shape(shape, dir).map_err(in_file)
}

fn parse(text: &str) -> Result<FileShape, String> {
    // An empty file (or comments only) is valid and sets nothing.
    let has_content = text
        .lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    if !has_content {
        return Ok(FileShape::default());
    }
    serde_norway::from_str(text).map_err(|e| e.to_string().replace('\n', " "))
}

fn from_shape(shape: FileShape, dir: &Path) -> Result<WebConfig, String> {
    if shape.rate_limit.is_some() {
        return Err(unsupported("rate_limit"));
    }
    if let Some(http) = &shape.http_server_config {
        if http.headers.as_ref().is_some_and(|h| !h.is_empty()) {
            return Err(unsupported("http_server_config.headers"));
        }
    }
    let tls = match shape.tls_server_config {
        Some(t) if tls_is_set(&t) => {
            let files = tls_files(t, dir)?;
            // Built once here, so that a key that does not match the
            // certificate is refused with the file's name, at start.
            ServerTls::new(&files)?;
            Some(files)
        }
        _ => None,
    };
    let users = match shape.basic_auth_users {
        Some(Users(users)) => check_users(users)?,
        None => BTreeMap::new(),
    };
    Ok(WebConfig { tls, users })
}

fn unsupported(key: &str) -> String {
    format!("{key} is not supported by signalwire-exporter; remove it")
}

/// exporter-toolkit turns TLS on when any of these is set.
fn tls_is_set(t: &TlsShape) -> bool {
    let set = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    let set_path = |p: &Option<PathBuf>| p.as_ref().is_some_and(|p| !p.as_os_str().is_empty());
    set(&t.cert)
        || set(&t.key)
        || set(&t.client_ca)
        || set(&t.client_auth_type)
        || set_path(&t.cert_file)
        || set_path(&t.key_file)
        || set_path(&t.client_ca_file)
}

fn tls_files(t: TlsShape, dir: &Path) -> Result<TlsFiles, String> {
    if t.client_allowed_sans
        .as_ref()
        .is_some_and(|s| !s.is_empty())
    {
        return Err(unsupported("tls_server_config.client_allowed_sans"));
    }
    if t.cipher_suites.as_ref().is_some_and(|s| !s.is_empty()) {
        return Err(unsupported(
            "tls_server_config.cipher_suites (rustls' defaults apply)",
        ));
    }
    if t.curve_preferences.as_ref().is_some_and(|s| !s.is_empty()) {
        return Err(unsupported(
            "tls_server_config.curve_preferences (rustls' defaults apply)",
        ));
    }
    let cert_pem = pem_source(&t.cert, &t.cert_file, "cert", dir)?
        .ok_or("tls_server_config: missing one of cert or cert_file")?;
    let key_pem = pem_source(&t.key, &t.key_file, "key", dir)?
        .ok_or("tls_server_config: missing one of key or key_file")?;
    let cert_chain = certificates(&cert_pem)?;
    if cert_chain.is_empty() {
        return Err(format!("{}: no PEM certificate in it", cert_pem.name));
    }
    let ca_pem = pem_source(&t.client_ca, &t.client_ca_file, "client_ca", dir)?;
    let client_auth = client_auth(t.client_auth_type.as_deref(), ca_pem.is_some())?;
    let (min_version, max_version) = versions(t.min_version.as_deref(), t.max_version.as_deref())?;
    Ok(TlsFiles {
        cert_chain,
        key: private_key(&key_pem)?,
        client_auth,
        client_cas: ca_pem
            .as_ref()
            .map(certificates)
            .transpose()?
            .unwrap_or_default(),
        min_version,
        max_version,
        prefer_server_cipher_suites: t.prefer_server_cipher_suites.unwrap_or(true),
    })
}

/// The DER certificates of a PEM text.
fn certificates(pem: &Pem) -> Result<Vec<Vec<u8>>, String> {
    CertificateDer::pem_slice_iter(&pem.bytes)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: not PEM certificates: {e}", pem.name))
}

/// The first private key of a PEM text, with its encoding.
fn private_key(pem: &Pem) -> Result<PrivateKey, String> {
    let key = PrivateKeyDer::from_pem_slice(&pem.bytes)
        .map_err(|e| format!("{}: no PEM private key in it ({e})", pem.name))?;
    let format = match &key {
        PrivateKeyDer::Pkcs1(_) => KeyFormat::Pkcs1,
        PrivateKeyDer::Sec1(_) => KeyFormat::Sec1,
        PrivateKeyDer::Pkcs8(_) => KeyFormat::Pkcs8,
        _ => return Err(format!("{}: unsupported kind of private key", pem.name)),
    };
    Ok(PrivateKey {
        format,
        der: key.secret_der().to_vec(),
    })
}

/// PEM text, inline or from a file, with a name for error messages.
struct Pem {
    name: String,
    bytes: Vec<u8>,
}

fn pem_source(
    inline: &Option<String>,
    file: &Option<PathBuf>,
    key: &str,
    dir: &Path,
) -> Result<Option<Pem>, String> {
    let inline = inline.as_deref().filter(|s| !s.is_empty());
    let file = file.as_ref().filter(|p| !p.as_os_str().is_empty());
    match (inline, file) {
        (Some(_), Some(_)) => Err(format!(
            "tls_server_config: set {key} or {key}_file, not both"
        )),
        (Some(text), None) => Ok(Some(Pem {
            name: format!("tls_server_config.{key}"),
            bytes: text.as_bytes().to_vec(),
        })),
        (None, Some(path)) => {
            // Relative to the config file, as in exporter-toolkit.
            let path = dir.join(path);
            let name = format!("{key}_file {}", path.display());
            let bytes = std::fs::read(&path).map_err(|e| format!("{name}: {e}"))?;
            Ok(Some(Pem { name, bytes }))
        }
        (None, None) => Ok(None),
    }
}

fn client_auth(kind: Option<&str>, has_ca: bool) -> Result<ClientAuth, String> {
    let auth = match kind.unwrap_or("") {
        "" | "NoClientCert" => ClientAuth::NoClientCert,
        "VerifyClientCertIfGiven" => ClientAuth::VerifyClientCertIfGiven,
        "RequireAndVerifyClientCert" => ClientAuth::RequireAndVerifyClientCert,
        k @ ("RequestClientCert" | "RequireAnyClientCert" | "RequireClientCert") => {
            return Err(format!(
                "tls_server_config.client_auth_type {k} accepts unverified certificates and \
                 is not supported; use RequireAndVerifyClientCert"
            ))
        }
        other => {
            return Err(format!(
                "tls_server_config: invalid client_auth_type {other:?}"
            ))
        }
    };
    match (auth, has_ca) {
        (ClientAuth::NoClientCert, true) => Err("tls_server_config: client CA's have been \
             configured without a client_auth_type"
            .into()),
        (ClientAuth::NoClientCert, false) | (_, true) => Ok(auth),
        (_, false) => Err(format!(
            "tls_server_config: client_auth_type {} needs client_ca_file (or client_ca)",
            kind.unwrap_or_default()
        )),
    }
}

/// min_version and max_version, defaulting to TLS 1.2 and 1.3.
fn versions(min: Option<&str>, max: Option<&str>) -> Result<(TlsVersion, TlsVersion), String> {
    let rank = |v: Option<&str>, default, key: &str| match v.unwrap_or("") {
        "" => Ok(default),
        "TLS12" => Ok(TlsVersion::Tls12),
        "TLS13" => Ok(TlsVersion::Tls13),
        "TLS10" | "TLS11" => Err(format!(
            "tls_server_config.{key} {}: only TLS12 and TLS13 are supported",
            v.unwrap_or_default()
        )),
        other => Err(format!("tls_server_config: unknown {key} {other:?}")),
    };
    let min = rank(min, TlsVersion::Tls12, "min_version")?;
    let max = rank(max, TlsVersion::Tls13, "max_version")?;
    if min > max {
        return Err("tls_server_config: min_version is above max_version".into());
    }
    Ok((min, max))
}

/// Every hash must be a bcrypt hash, and every name usable in Basic auth.
fn check_users(users: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, String> {
    for (user, hash) in &users {
        if user.is_empty() || user.contains(':') {
            return Err(format!(
                "basic_auth_users: user {user:?} cannot be sent in Basic auth (empty or with ':')"
            ));
        }
        let parts: bcrypt::HashParts = hash
            .parse()
            .map_err(|e| format!("basic_auth_users: {user}: not a bcrypt hash ({e})"))?;
        if !(4..=31).contains(&parts.get_cost()) {
            return Err(format!(
                "basic_auth_users: {user}: bcrypt cost {} is outside 4-31",
                parts.get_cost()
            ));
        }
    }
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(yaml: &str) -> Result<FileShape, String> {
        parse(yaml)
    }

    #[test]
    fn an_empty_or_comment_only_file_sets_nothing() {
        let config = from_shape(shape("# nothing yet\n\n").unwrap(), Path::new("")).unwrap();
        assert!(config.tls.is_none() && config.users.is_empty());
        let config = from_shape(shape("basic_auth_users:\n").unwrap(), Path::new("")).unwrap();
        assert!(config.users.is_empty());
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let err = shape("tls_server_config:\n  cert_fil: a.crt\n").unwrap_err();
        assert!(err.contains("unknown field `cert_fil`"), "{err}");
        let err = shape("basic_auth_user:\n  a: b\n").unwrap_err();
        assert!(err.contains("unknown field `basic_auth_user`"), "{err}");
    }

    #[test]
    fn settings_that_cannot_be_honoured_are_refused_by_name() {
        for (yaml, named) in [
            ("rate_limit:\n  interval: 1s\n  burst: 2\n", "rate_limit"),
            (
                "http_server_config:\n  headers:\n    X-Frame-Options: deny\n",
                "headers",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [x]\n",
                "client_allowed_sans",
            ),
        ] {
            let err = from_shape(shape(yaml).unwrap(), Path::new("")).unwrap_err();
            assert!(
                err.contains(named) && err.contains("not supported"),
                "{err}"
            );
        }
        let ok = "http_server_config:\n  http2: false\n";
        assert!(from_shape(shape(ok).unwrap(), Path::new("")).is_ok());
    }

    #[test]
    fn a_user_listed_twice_is_refused() {
        let hash = "$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG";
        let err = shape(&format!("basic_auth_users:\n  a: {hash}\n  a: {hash}\n")).unwrap_err();
        assert!(err.contains("user \"a\" is listed twice"), "{err}");
    }

    #[test]
    fn a_client_auth_type_that_verifies_needs_a_ca_and_others_are_refused() {
        assert_eq!(client_auth(None, false), Ok(ClientAuth::NoClientCert));
        assert_eq!(
            client_auth(Some("RequireAndVerifyClientCert"), true),
            Ok(ClientAuth::RequireAndVerifyClientCert)
        );
        assert_eq!(
            client_auth(Some("VerifyClientCertIfGiven"), true),
            Ok(ClientAuth::VerifyClientCertIfGiven)
        );
        let err = client_auth(Some("RequireAndVerifyClientCert"), false).unwrap_err();
        assert!(err.contains("needs client_ca_file"), "{err}");
        let err = client_auth(None, true).unwrap_err();
        assert!(err.contains("without a client_auth_type"), "{err}");
        let err = client_auth(Some("RequireAnyClientCert"), true).unwrap_err();
        assert!(err.contains("unverified"), "{err}");
        assert!(client_auth(Some("Whatever"), true).is_err());
    }

    #[test]
    fn tls_versions_default_to_1_2_and_1_3() {
        let (tls12, tls13) = (TlsVersion::Tls12, TlsVersion::Tls13);
        assert_eq!(versions(None, None), Ok((tls12, tls13)));
        assert_eq!(versions(Some("TLS13"), None), Ok((tls13, tls13)));
        assert_eq!(versions(None, Some("TLS12")), Ok((tls12, tls12)));
        assert!(versions(Some("TLS10"), None)
            .unwrap_err()
            .contains("only TLS12 and TLS13"));
        assert!(versions(Some("TLS13"), Some("TLS12")).is_err());
        assert!(versions(Some("SSL3"), None).is_err());
    }

    #[test]
    fn users_need_bcrypt_hashes_and_usable_names() {
        let good = "$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG";
        let users = |name: &str, hash: &str| BTreeMap::from([(name.to_owned(), hash.to_owned())]);
        assert!(check_users(users("alice", good)).is_ok());
        let err = check_users(users("alice", "plaintext")).unwrap_err();
        assert!(err.contains("alice: not a bcrypt hash"), "{err}");
        assert!(!err.contains("plaintext"), "{err}");
        assert!(check_users(users("a:b", good)).is_err());
    }
}
