//! Projects with their own keys (`--signalwire.projects-file`), and the
//! reload of every key source. A callback whose `AccountSid` is a listed
//! project is checked with that project's keys only; any other account with
//! the global keys (`--signalwire.signing-key*`). [`Keys`] is one read of
//! the sources; [`KeyRing`] holds the current one and swaps it on reload.

mod file;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use crate::domain::{Project, ProjectNames};
use crate::signature::{keys_from_text, SigningKey, Verifier};
pub use file::{load, ProjectEntry, FLAG};

/// Why the exporter refuses to start without any key.
pub const NO_KEY: &str = "no signing key configured: set --signalwire.signing-key \
    (or SIGNALWIRE_SIGNING_KEY, or --signalwire.signing-key-file) to your SignalWire \
    project's Signing Key, or pass --insecure.skip-signature-validation to accept \
    unsigned callbacks";

/// Where the keys come from: read at start and again at each reload.
#[derive(Debug, Clone, Default)]
pub struct KeySources {
    /// `--signalwire.signing-key` values (they do not change on reload).
    pub flag_keys: Vec<SigningKey>,
    /// `--signalwire.signing-key-file`.
    pub key_file: Option<PathBuf>,
    /// `--signalwire.projects-file`.
    pub projects_file: Option<PathBuf>,
}

/// One read of the sources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyConfig {
    /// Flag values then the key file's, without repeats.
    pub global: Vec<SigningKey>,
    /// `None` without a projects file.
    pub projects: Option<Vec<ProjectEntry>>,
}

impl KeySources {
    /// Reads the key file and the projects file (with its key files). With
    /// `validation`, some key must be configured somewhere.
    pub fn read(&self, validation: bool) -> Result<KeyConfig, String> {
        let mut global = self.flag_keys.clone();
        if let Some(path) = &self.key_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--signalwire.signing-key-file {}: {e}", path.display()))?;
            global.extend(keys_from_text(&text));
        }
        let mut unique = Vec::with_capacity(global.len());
        for key in global {
            if !unique.contains(&key) {
                unique.push(key);
            }
        }
        let projects = self.projects_file.as_deref().map(load).transpose()?;
        if validation && unique.is_empty() && projects.is_none() {
            return Err(NO_KEY.into());
        }
        Ok(KeyConfig {
            global: unique,
            projects,
        })
    }
}

/// A listed project and the keys its callbacks must carry.
struct Listed {
    project: Project,
    verifier: Verifier,
}

/// The keys in force: per listed account, and the global ones.
pub struct Keys {
    /// `None`: no global keys, so an unlisted account is refused.
    global: Option<Verifier>,
    /// By AccountSid.
    accounts: HashMap<String, Listed>,
    /// The project of every unlisted account.
    other: Project,
}

impl Keys {
    /// `config`'s keys; each listed project is given its index in `names`.
    pub fn new(config: &KeyConfig, names: &ProjectNames) -> Result<Self, String> {
        let mut accounts = HashMap::new();
        for entry in config.projects.iter().flatten() {
            let listed = Listed {
                project: names.project(&entry.name)?,
                verifier: Verifier::new(&entry.keys),
            };
            accounts.insert(entry.account_sid.clone(), listed);
        }
        Ok(Keys {
            global: (!config.global.is_empty()).then(|| Verifier::new(&config.global)),
            accounts,
            other: names.other(),
        })
    }

    /// The keys a callback for `account_sid` must be signed with, and its
    /// project: a listed project's own keys, else the global ones; `None`
    /// when no key can accept it.
    pub fn resolve(&self, account_sid: &str) -> (Option<&Verifier>, &Project) {
        // Without a projects file this is all: no hashing of the account.
        if self.accounts.is_empty() {
            return (self.global.as_ref(), &self.other);
        }
        match self.accounts.get(account_sid) {
            Some(listed) => (Some(&listed.verifier), &listed.project),
            None => (self.global.as_ref(), &self.other),
        }
    }

    /// The one choice of keys, for every route that checks a signature.
    pub fn keys_for(&self, account_sid: &str) -> Option<&Verifier> {
        self.resolve(account_sid).0
    }

    /// Whether any AccountSid has keys of its own (a JSON body is then
    /// parsed before its signature is checked, to find its account).
    pub fn has_projects(&self) -> bool {
        !self.accounts.is_empty()
    }

    /// The listed projects.
    pub fn projects(&self) -> impl Iterator<Item = &Project> {
        self.accounts.values().map(|l| &l.project)
    }
}

/// The keys in force, swapped whole by a reload.
pub struct KeyRing {
    sources: KeySources,
    /// False with `--insecure.skip-signature-validation`.
    validation: bool,
    names: Arc<ProjectNames>,
    current: RwLock<Arc<Keys>>,
}

impl KeyRing {
    /// The ring for `config`, read from `sources` at start.
    pub fn new(sources: KeySources, validation: bool, config: &KeyConfig) -> Result<Self, String> {
        let names = Arc::new(match config.projects {
            Some(_) => ProjectNames::labelled(),
            None => ProjectNames::unlabelled(),
        });
        let keys = Keys::new(config, &names)?;
        Ok(KeyRing {
            sources,
            validation,
            names,
            current: RwLock::new(Arc::new(keys)),
        })
    }

    pub fn validation(&self) -> bool {
        self.validation
    }

    pub fn names(&self) -> &Arc<ProjectNames> {
        &self.names
    }

    pub fn current(&self) -> Arc<Keys> {
        let keys = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&keys)
    }

    /// Reads every source again; the new keys replace the old only if all
    /// of it reads and checks. A projects file cannot appear or vanish:
    /// whether series carry `project` is fixed at start.
    pub fn reload(&self) -> Result<Arc<Keys>, String> {
        let config = self.sources.read(self.validation)?;
        let keys = Arc::new(Keys::new(&config, &self.names)?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&keys);
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, sid: &str, key: &str) -> ProjectEntry {
        ProjectEntry {
            name: name.into(),
            account_sid: sid.into(),
            keys: vec![SigningKey::new(key)],
        }
    }

    #[test]
    fn a_listed_account_gets_its_own_keys_and_others_the_global_ones() {
        let config = KeyConfig {
            global: vec![],
            projects: Some(vec![entry("prod", "A1", "k1"), entry("stage", "A2", "k2")]),
        };
        let ring = KeyRing::new(KeySources::default(), true, &config).unwrap();
        let keys = ring.current();
        assert_eq!(keys.resolve("A1").1.name.as_deref(), Some("prod"));
        assert_eq!(keys.resolve("A2").1.id.index(), 2);
        assert!(keys.keys_for("A3").is_none());
        assert_eq!(keys.resolve("A3").1.name.as_deref(), Some("other"));
        let keyless = KeyRing::new(KeySources::default(), true, &KeyConfig::default()).unwrap();
        assert_eq!(*keyless.current().resolve("A1").1, Project::NONE);
    }

    #[test]
    fn without_any_key_source_validation_refuses() {
        assert_eq!(KeySources::default().read(true), Err(NO_KEY.into()));
        assert_eq!(KeySources::default().read(false), Ok(KeyConfig::default()));
    }
}
