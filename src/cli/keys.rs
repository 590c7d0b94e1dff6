//! Where signing keys and other secrets come from: the signature flags,
//! environment variables and files. One rule for keys everywhere
//! (`signature::keys_from_text`): one a line, trimmed, blank lines and
//! `#` comments skipped. Errors name the file, never its content.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::projects::{KeyConfig, KeySources};
use crate::signature::{keys_from_text, SigningKey};

/// The signature flags: which keys callbacks must be signed with.
#[derive(Debug, Clone, Args)]
pub struct SignatureArgs {
    /// SignalWire Signing Key (repeat, or comma-separate in the variable, to
    /// accept several during rotation).
    #[arg(
        long = "signalwire.signing-key",
        env = "SIGNALWIRE_SIGNING_KEY",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub signing_keys: Vec<String>,

    /// File holding signing keys, one per line; blank lines and # comments
    /// are skipped (e.g. a container secret).
    #[arg(
        long = "signalwire.signing-key-file",
        env = "SIGNALWIRE_SIGNING_KEY_FILE",
        value_name = "FILE"
    )]
    pub signing_key_file: Option<PathBuf>,

    /// Accept callbacks without checking their signature. Anyone who can
    /// reach the port can then write metrics.
    #[arg(
        long = "insecure.skip-signature-validation",
        env = "SIGNALWIRE_EXPORTER_INSECURE_SKIP_SIGNATURE_VALIDATION"
    )]
    pub skip_signature_validation: bool,

    /// YAML file of projects, each with its account SID and its own signing
    /// key files; call series then carry a `project` label. Re-read on
    /// SIGHUP and POST /-/reload.
    #[arg(
        long = "signalwire.projects-file",
        env = "SIGNALWIRE_EXPORTER_PROJECTS_FILE",
        value_name = "FILE"
    )]
    pub projects_file: Option<PathBuf>,
}

#[cfg(test)]
pub(super) use crate::projects::NO_KEY;

impl SignatureArgs {
    /// Where the keys come from, and what they read at start: the global
    /// keys (`None` with validation off) and the projects, or the first
    /// reason they are refused. With a projects file the global keys are
    /// optional; with neither, the exporter refuses to start.
    pub fn keys(&self) -> Result<(KeySources, KeyConfig, Option<Vec<SigningKey>>), String> {
        let validation = !self.skip_signature_validation;
        let sources = KeySources {
            // Validation off: the key flags are not read at all, as before.
            flag_keys: if validation {
                self.signing_keys
                    .iter()
                    .flat_map(|v| keys_from_text(v))
                    .collect()
            } else {
                Vec::new()
            },
            key_file: self.signing_key_file.clone().filter(|_| validation),
            projects_file: self.projects_file.clone(),
        };
        let config = sources.read(validation)?;
        let global = validation.then(|| config.global.clone());
        Ok((sources, config, global))
    }
}

/// The keys given as flag values (comma-separated in the environment
/// variable) and in `file`, in that order, without repeats.
#[cfg_attr(not(feature = "simulator"), allow(dead_code))]
pub(super) fn collect(
    values: &[String],
    file: Option<&Path>,
    file_flag: &str,
) -> Result<Vec<SigningKey>, String> {
    let mut keys: Vec<SigningKey> = values.iter().flat_map(|v| keys_from_text(v)).collect();
    if let Some(path) = file {
        keys.extend(keys_from_text(&read(path, file_flag)?));
    }
    let mut unique = Vec::with_capacity(keys.len());
    for key in keys {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    Ok(unique)
}

/// A one-line secret from a file (a password, a bearer token), trimmed.
pub(super) fn read_secret(path: &Path, flag: &str) -> Result<String, String> {
    let secret = read(path, flag)?.trim().to_owned();
    if secret.is_empty() {
        return Err(format!("{flag} {}: file is empty", path.display()));
    }
    Ok(secret)
}

fn read(path: &Path, flag: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{flag} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_values_then_the_file_without_repeats() {
        let path = std::env::temp_dir().join(format!("swx-keys-{}", std::process::id()));
        std::fs::write(&path, "# rotated 2026-11\nnewkey\n\n flagkey \noldkey\n").unwrap();
        let keys = collect(&["flagkey".into(), " ".into()], Some(&path), "--f");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            keys,
            Ok(["flagkey", "newkey", "oldkey"]
                .map(SigningKey::new)
                .to_vec())
        );
    }

    #[test]
    fn an_unreadable_key_file_is_named_by_its_flag_and_path() {
        let err = collect(&[], Some(Path::new("/nonexistent/key")), "--f").unwrap_err();
        assert!(err.starts_with("--f /nonexistent/key: "), "{err}");
    }
}
