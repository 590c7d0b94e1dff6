//! Where signing keys and other secrets come from: flags, environment
//! variables and files. One rule for keys everywhere
//! (`configuration::keys_from_text`): one a line, trimmed, blank lines and
//! `#` comments skipped. Errors name the file, never its content.

use std::path::Path;

use crate::configuration::{keys_from_text, SigningKey};

/// The keys given as flag values (comma-separated in the environment
/// variable) and in `file`, in that order, without repeats.
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
