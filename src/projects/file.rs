//! The projects file: YAML in, checked projects with their keys out. Every
//! error is one line naming the file and, where one is at fault, the entry.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::signature::{keys_from_text, SigningKey};

/// The flag every error line starts with.
pub const FLAG: &str = "--signalwire.projects-file";

/// A listed project, its key files read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectEntry {
    pub name: String,
    /// The SignalWire Project ID, as callbacks carry it in `AccountSid`.
    pub account_sid: String,
    pub keys: Vec<SigningKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    projects: Vec<EntryShape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryShape {
    name: Option<String>,
    account_sid: Option<String>,
    #[serde(default)]
    signing_key_files: Vec<PathBuf>,
}

/// Reads and checks `path`, and every key file it names.
pub fn load(path: &Path) -> Result<Vec<ProjectEntry>, String> {
    let in_file = |e: String| format!("{FLAG} {}: {e}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| in_file(e.to_string()))?;
    let shape: FileShape = if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(in_file(
            "the file is empty: it needs a projects: list".into(),
        ));
    } else {
        serde_norway::from_str(&text).map_err(|e| in_file(e.to_string().replace('\n', " ")))?
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut entries: Vec<ProjectEntry> = Vec::with_capacity(shape.projects.len());
    for (i, entry) in shape.projects.into_iter().enumerate() {
        let at = match &entry.name {
            Some(name) => format!("projects[{i}] {name:?}"),
            None => format!("projects[{i}]"),
        };
        let checked = check(entry, dir, &entries).map_err(|e| in_file(format!("{at}: {e}")))?;
        entries.push(checked);
    }
    Ok(entries)
}

fn check(entry: EntryShape, dir: &Path, before: &[ProjectEntry]) -> Result<ProjectEntry, String> {
    let name = entry.name.ok_or("name is missing")?;
    check_name(&name)?;
    let account_sid = entry.account_sid.unwrap_or_default().trim().to_owned();
    if account_sid.is_empty() {
        return Err("account_sid is missing or empty".into());
    }
    let earlier = |same: &dyn Fn(&ProjectEntry) -> bool| before.iter().position(same);
    if let Some(j) = earlier(&|p| p.name == name) {
        return Err(format!("the name is also projects[{j}]'s"));
    }
    if let Some(j) = earlier(&|p| p.account_sid == account_sid) {
        let other = &before[j].name;
        return Err(format!(
            "account_sid {account_sid:?} is also projects[{j}] {other:?}'s"
        ));
    }
    if entry.signing_key_files.is_empty() {
        return Err("no signing_key_files: a project needs at least one key".into());
    }
    let mut keys = Vec::new();
    for file in &entry.signing_key_files {
        // Relative to the projects file, as a mounted ConfigMap expects.
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("signing key file {}: {e}", path.display()))?;
        let found = keys_from_text(&text);
        if found.is_empty() {
            return Err(format!("signing key file {} has no key", path.display()));
        }
        for key in found {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    Ok(ProjectEntry {
        name,
        account_sid,
        keys,
    })
}

fn check_name(name: &str) -> Result<(), String> {
    let allowed = |b: u8| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-');
    if name.is_empty() || name.len() > 32 || !name.bytes().all(allowed) {
        return Err("the name must be 1 to 32 characters of a-z, 0-9, _ and -".into());
    }
    if name == crate::domain::OTHER {
        return Err("the name \"other\" is reserved for unlisted accounts".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn dir(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("swx-projects-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("prod-key"), "# prod\nprodkey\n").unwrap();
        std::fs::write(d.join("empty-key"), "# nothing\n\n").unwrap();
        Dir(d)
    }

    fn load_text(d: &Dir, yaml: &str) -> Result<Vec<ProjectEntry>, String> {
        let path = d.0.join("projects.yml");
        std::fs::write(&path, yaml).unwrap();
        load(&path).map_err(|e| e.replace(&path.display().to_string(), "F"))
    }

    #[test]
    fn relative_key_files_are_read_beside_the_projects_file() {
        let d = dir("ok");
        let got = load_text(
            &d,
            "projects:\n  - name: prod\n    account_sid: ' a1 '\n    \
             signing_key_files: [prod-key, prod-key]\n",
        );
        let want = ProjectEntry {
            name: "prod".into(),
            account_sid: "a1".into(),
            keys: vec![SigningKey::new("prodkey")],
        };
        assert_eq!(got, Ok(vec![want]));
    }

    #[test]
    fn each_mistake_is_one_line_naming_the_file_and_the_entry() {
        let d = dir("bad");
        let entry = |name: &str, sid: &str, files: &str| {
            format!("  - name: {name}\n    account_sid: {sid}\n    signing_key_files: {files}\n")
        };
        let prod = entry("prod", "a1", "[prod-key]");
        let cases = [
            (
                entry("Prod", "a1", "[prod-key]"),
                "F: projects[0] \"Prod\": the name must be \
              1 to 32 characters of a-z, 0-9, _ and -",
            ),
            (
                entry("other", "a1", "[prod-key]"),
                "F: projects[0] \"other\": the name \
              \"other\" is reserved for unlisted accounts",
            ),
            (
                prod.clone() + &entry("prod", "a2", "[prod-key]"),
                "F: projects[1] \"prod\": the name is also projects[0]'s",
            ),
            (
                prod.clone() + &entry("stage", "a1", "[prod-key]"),
                "F: projects[1] \"stage\": account_sid \"a1\" is also projects[0] \"prod\"'s",
            ),
            (
                entry("prod", "a1", "[]"),
                "F: projects[0] \"prod\": no signing_key_files: \
              a project needs at least one key",
            ),
        ];
        for (body, want) in cases {
            let err = load_text(&d, &format!("projects:\n{body}")).unwrap_err();
            let want = want.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(err, format!("{FLAG} {want}"));
        }
        let err = load_text(
            &d,
            &format!("projects:\n{}", entry("p", "a", "[empty-key]")),
        );
        assert!(err.unwrap_err().ends_with("empty-key has no key"));
        let err = load_text(&d, &format!("projects:\n{}", entry("p", "a", "[nope]")));
        let err = err.unwrap_err();
        assert!(err.starts_with(&format!("{FLAG} F: projects[0] \"p\": signing key file ")));
        assert!(!err.contains('\n'), "{err}");
        let err = load(Path::new("/nonexistent/projects.yml")).unwrap_err();
        assert!(err.starts_with(&format!("{FLAG} /nonexistent/projects.yml: ")));
    }
}
