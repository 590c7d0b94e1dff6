//! `basic_auth_users` from --web.config.file: users with bcrypt hashes.
//!
//! A bcrypt check costs tens to hundreds of milliseconds by design, so, as
//! exporter-toolkit does, a successful one is remembered: a scrape every
//! second costs one bcrypt at start, then a SHA-256. The cache key is a
//! keyed hash (a random per-process salt), so memory never holds a fast,
//! unsalted hash of a password. Failures are not cached (anyone could fill
//! the cache with them); instead one bcrypt runs at a time, on a blocking
//! thread, so guessing can take at most one core from the webhook.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::http::HeaderValue;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// More remembered logins than any real set of users and passwords needs.
const CACHE_CAPACITY: usize = 1024;

pub struct BasicAuthUsers {
    /// user → bcrypt hash, each checked when the file was read.
    hashes: BTreeMap<String, String>,
    salt: [u8; 32],
    verified: Mutex<HashSet<[u8; 32]>>,
    bcrypt_slots: Semaphore,
}

impl std::fmt::Debug for BasicAuthUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuthUsers")
            .field("users", &self.hashes.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl BasicAuthUsers {
    /// `hashes` must be already validated (`crate::web_config` does it).
    pub fn new(hashes: BTreeMap<String, String>) -> Arc<Self> {
        Arc::new(BasicAuthUsers {
            hashes,
            salt: rand::random(),
            verified: Mutex::new(HashSet::new()),
            bcrypt_slots: Semaphore::new(1),
        })
    }

    /// Whether an `Authorization` header carries a listed user's password.
    pub async fn allows(&self, authorization: Option<&HeaderValue>) -> bool {
        let Some((user, password)) = authorization.and_then(basic_credentials) else {
            return false;
        };
        let key = self.cache_key(&user, &password);
        if self.remembered(&key) {
            return true;
        }
        // An unknown user still costs a bcrypt, against a real hash, so
        // that timing does not tell which users exist.
        let (known, hash) = match self.hashes.get(&user) {
            Some(hash) => (true, hash.clone()),
            None => match self.hashes.values().next() {
                Some(hash) => (false, hash.clone()),
                None => return false,
            },
        };
        let Ok(_slot) = self.bcrypt_slots.acquire().await else {
            return false;
        };
        let matched = tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash))
            .await
            .is_ok_and(|verified| verified.unwrap_or(false));
        if known && matched {
            self.remember(key);
        }
        known && matched
    }

    fn cache_key(&self, user: &str, password: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        // Lengths first, so that no two (user, password) pairs collide.
        h.update((user.len() as u64).to_be_bytes());
        h.update(user.as_bytes());
        h.update(password);
        h.finalize().into()
    }

    fn remembered(&self, key: &[u8; 32]) -> bool {
        self.verified
            .lock()
            .map(|set| set.contains(key))
            .unwrap_or(false)
    }

    fn remember(&self, key: [u8; 32]) {
        if let Ok(mut set) = self.verified.lock() {
            if set.len() >= CACHE_CAPACITY {
                set.clear();
            }
            set.insert(key);
        }
    }
}

/// `Basic base64(user:password)` → (user, password bytes).
fn basic_credentials(value: &HeaderValue) -> Option<(String, Vec<u8>)> {
    let value = value.to_str().ok()?;
    let (scheme, credential) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = BASE64.decode(credential.trim()).ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    let user = String::from_utf8(decoded[..colon].to_vec()).ok()?;
    Some((user, decoded[colon + 1..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(user: &str, password: &str) -> HeaderValue {
        let encoded = BASE64.encode(format!("{user}:{password}"));
        HeaderValue::from_str(&format!("Basic {encoded}")).unwrap()
    }

    fn users() -> Arc<BasicAuthUsers> {
        let hash = bcrypt::hash("s3cret", 4).unwrap();
        BasicAuthUsers::new(BTreeMap::from([("prometheus".to_owned(), hash)]))
    }

    #[tokio::test]
    async fn only_a_listed_user_with_the_right_password_is_let_in() {
        let users = users();
        assert!(users.allows(Some(&header("prometheus", "s3cret"))).await);
        assert!(!users.allows(Some(&header("prometheus", "wrong"))).await);
        assert!(!users.allows(Some(&header("other", "s3cret"))).await);
        assert!(
            !users
                .allows(Some(&HeaderValue::from_static("Bearer s3cret")))
                .await
        );
        assert!(
            !users
                .allows(Some(&HeaderValue::from_static("Basic !!")))
                .await
        );
        assert!(!users.allows(None).await);
    }

    #[tokio::test]
    async fn a_successful_login_is_remembered_and_a_failed_one_is_not() {
        let users = users();
        assert!(users.allows(Some(&header("prometheus", "s3cret"))).await);
        assert!(!users.allows(Some(&header("prometheus", "wrong"))).await);
        let remembered = users.verified.lock().unwrap().clone();
        assert_eq!(remembered.len(), 1);
        assert!(remembered.contains(&users.cache_key("prometheus", b"s3cret")));
        assert!(users.allows(Some(&header("prometheus", "s3cret"))).await);
        assert_eq!(users.verified.lock().unwrap().len(), 1);
    }

    #[test]
    fn user_and_password_boundaries_do_not_collide_in_the_cache() {
        let users = users();
        assert_ne!(users.cache_key("ab", b"c"), users.cache_key("a", b"bc"));
    }

    #[test]
    fn debug_shows_user_names_only() {
        let shown = format!("{:?}", users());
        assert!(shown.contains("prometheus"), "{shown}");
        assert!(!shown.contains("$2"), "{shown}");
    }
}
