//! Soft assertions for table-driven tests.

use std::fmt::{Debug, Display};
use std::panic::Location;

/// Collects failed checks and fails once when dropped, listing them all, so
/// that one wrong row of a table does not hide the others. It cannot be
/// forgotten: dropping it is the assertion.
#[derive(Debug)]
pub struct Checklist {
    failures: Vec<String>,
    /// Where the test made it: a panic in `drop` would name this file.
    made_at: &'static Location<'static>,
}

impl Default for Checklist {
    #[track_caller]
    fn default() -> Self {
        Checklist {
            failures: Vec::new(),
            made_at: Location::caller(),
        }
    }
}

impl Checklist {
    pub fn eq<T: PartialEq + Debug>(&mut self, what: impl Display, got: T, want: T) {
        if got != want {
            self.failures
                .push(format!("{what}: got {got:?}, want {want:?}"));
        }
    }

    pub fn that(&mut self, what: impl Display, ok: bool) {
        if !ok {
            self.failures.push(what.to_string());
        }
    }
}

impl Drop for Checklist {
    fn drop(&mut self) {
        if !self.failures.is_empty() && !std::thread::panicking() {
            panic!(
                "{} check(s) failed (checklist of {}):\n  {}",
                self.failures.len(),
                self.made_at,
                self.failures.join("\n  ")
            );
        }
    }
}
