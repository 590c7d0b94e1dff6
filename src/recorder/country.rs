//! The `signalwire_country_*` families (`--labels.country`): each finished
//! call counted once more, by the remote party's country. Separate from the
//! main families, whose labels do not change. A country × direction's
//! series are created together, at 0, with its first call; the labels are
//! closed (`domain::Country`), so the worst case is bounded.
//!
//! With a projects file the families carry a leading `project` label:
//! `CountryMetrics::register(r, true)`, and each call's project label
//! value passed to `record`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use prometheus::{Counter, CounterVec, Registry};

use super::families::counter_vec;
use crate::catalogue;
use crate::domain::{CallStatus, Country, Direction, FinishedCall, Issue};

/// The series of one country × direction (and project).
struct Group {
    /// Index: `CallStatus::index()`; terminal statuses only.
    ended: [Option<Counter>; CallStatus::COUNT],
    with_media: Counter,
    /// Index: `Issue::index()`.
    issues: [Counter; Issue::COUNT],
    silent: Counter,
}

/// Index: `Country::index()` × `Direction::COUNT` + `Direction::index()`.
type Slots = Box<[OnceLock<Group>]>;

fn slots() -> Slots {
    (0..Country::COUNT * Direction::COUNT)
        .map(|_| OnceLock::new())
        .collect()
}

pub(super) struct CountryMetrics {
    ended: CounterVec,
    with_media: CounterVec,
    issues: CounterVec,
    silent: CounterVec,
    /// Without a project label.
    plain: Slots,
    /// With one: per project label value, made on its first call.
    projects: RwLock<HashMap<Box<str>, Arc<Slots>>>,
}

impl CountryMetrics {
    /// Registers the four families; `project`: with a leading `project` label.
    pub(super) fn register(r: &Registry, project: bool) -> Self {
        let labels = |rest: &[&'static str]| -> Vec<&'static str> {
            let lead: &[&'static str] = if project { &["project"] } else { &[] };
            lead.iter().chain(rest).copied().collect()
        };
        CountryMetrics {
            ended: counter_vec(
                r,
                catalogue::COUNTRY_CALLS_ENDED,
                &labels(&["country", "direction", "status"]),
            ),
            with_media: counter_vec(
                r,
                catalogue::COUNTRY_WITH_MEDIA,
                &labels(&["country", "direction"]),
            ),
            issues: counter_vec(
                r,
                catalogue::COUNTRY_QUALITY_ISSUES,
                &labels(&["country", "direction", "issue"]),
            ),
            silent: counter_vec(
                r,
                catalogue::COUNTRY_SILENT,
                &labels(&["country", "direction"]),
            ),
            plain: slots(),
            projects: RwLock::default(),
        }
    }

    /// Counts a finished call that carries its country; `project`: its
    /// project label value, with a projects file only.
    pub(super) fn record(&self, project: Option<&str>, call: &FinishedCall) {
        let Some(country) = call.country else {
            return;
        };
        let i = country.index() * Direction::COUNT + call.direction.index();
        let group = match project {
            None => self.plain[i].get_or_init(|| self.group(None, country, call.direction)),
            Some(p) => {
                let slots = self.project_slots(p);
                let group = slots[i].get_or_init(|| self.group(Some(p), country, call.direction));
                return count(group, call);
            }
        };
        count(group, call);
    }

    fn project_slots(&self, project: &str) -> Arc<Slots> {
        if let Some(s) = self
            .projects
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(project)
        {
            return Arc::clone(s);
        }
        let mut map = self.projects.write().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            map.entry(project.into())
                .or_insert_with(|| Arc::new(slots())),
        )
    }

    fn group(&self, project: Option<&str>, country: Country, direction: Direction) -> Group {
        let (c, d) = (country.as_str(), direction.as_str());
        let with = |rest: &[&str]| -> Vec<String> {
            project
                .into_iter()
                .chain([c, d])
                .chain(rest.iter().copied())
                .map(str::to_owned)
                .collect()
        };
        let child = |vec: &CounterVec, rest: &[&str]| {
            let values = with(rest);
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            vec.with_label_values(&refs)
        };
        Group {
            ended: std::array::from_fn(|i| {
                let status = CallStatus::ALL[i];
                status
                    .is_terminal()
                    .then(|| child(&self.ended, &[status.as_str()]))
            }),
            with_media: child(&self.with_media, &[]),
            issues: std::array::from_fn(|i| child(&self.issues, &[Issue::ALL[i].as_str()])),
            silent: child(&self.silent, &[]),
        }
    }
}

fn count(group: &Group, call: &FinishedCall) {
    if let Some(ended) = &group.ended[call.status.index()] {
        ended.inc();
    }
    if call.audio.with_media {
        group.with_media.inc();
    }
    for issue in call.issues().labels() {
        group.issues[issue.index()].inc();
    }
    if call.is_silent() {
        group.silent.inc();
    }
}
