//! Projects (`--signalwire.projects-file`): which project an event is of,
//! as an index for the recorder's slots and a label value. Names are never
//! re-indexed: a project keeps its index, and so its series, across reloads.

use std::sync::{Arc, OnceLock, PoisonError, RwLock};

/// A project's index among the names seen since start. Without a projects
/// file every event is of index 0, which has no label; with one, index 0
/// is `other` (unlisted accounts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ProjectId(u16);

impl ProjectId {
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of slot `i`, below [`MAX_PROJECTS`].
    pub fn from_index(i: usize) -> Self {
        ProjectId(u16::try_from(i.min(MAX_PROJECTS - 1)).unwrap_or(0))
    }
}

/// At most this many project names (`other` included) since start.
pub const MAX_PROJECTS: usize = 256;

/// The label value of unlisted accounts.
pub const OTHER: &str = "other";

/// The project of one event: its slot and its label value (`None` without
/// a projects file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub name: Option<Arc<str>>,
}

impl Project {
    /// Every event's project without a projects file.
    pub const NONE: Project = Project {
        id: ProjectId(0),
        name: None,
    };
}

/// Project names by index, append-only.
#[derive(Debug)]
pub struct ProjectNames {
    labelled: bool,
    names: RwLock<Vec<Arc<str>>>,
}

impl ProjectNames {
    /// Without a projects file: one unnamed project.
    pub fn unlabelled() -> Self {
        ProjectNames {
            labelled: false,
            names: RwLock::new(Vec::new()),
        }
    }

    /// With a projects file: `other` first.
    pub fn labelled() -> Self {
        ProjectNames {
            labelled: true,
            names: RwLock::new(vec![Arc::from(OTHER)]),
        }
    }

    /// Whether call families carry the `project` label.
    pub fn is_labelled(&self) -> bool {
        self.labelled
    }

    /// How many slots the recorder needs.
    pub fn capacity(&self) -> usize {
        if self.labelled {
            MAX_PROJECTS
        } else {
            1
        }
    }

    /// The label value of `id`; `None` without a projects file.
    pub fn name(&self, id: ProjectId) -> Option<Arc<str>> {
        let names = self.names.read().unwrap_or_else(PoisonError::into_inner);
        names.get(id.index()).cloned()
    }

    /// The project named `name`, given the next index if new.
    pub fn project(&self, name: &str) -> Result<Project, String> {
        let mut names = self.names.write().unwrap_or_else(PoisonError::into_inner);
        let i = match names.iter().position(|n| &**n == name) {
            Some(i) => i,
            None if names.len() < MAX_PROJECTS => {
                names.push(Arc::from(name));
                names.len() - 1
            }
            None => {
                return Err(format!(
                    "more than {MAX_PROJECTS} project names since start (restart to forget \
                     removed ones)"
                ))
            }
        };
        Ok(Project {
            id: ProjectId(i as u16),
            name: Some(Arc::clone(&names[i])),
        })
    }

    /// The index of `name`, if it has one.
    pub fn find(&self, name: &str) -> Option<ProjectId> {
        let names = self.names.read().unwrap_or_else(PoisonError::into_inner);
        let i = names.iter().position(|n| &**n == name)?;
        Some(ProjectId(i as u16))
    }

    /// `other`, or [`Project::NONE`] without a projects file.
    pub fn other(&self) -> Project {
        match self.name(ProjectId(0)) {
            Some(name) if self.labelled => Project {
                id: ProjectId(0),
                name: Some(name),
            },
            _ => Project::NONE,
        }
    }
}

/// One value per project, made on first use: the hot path finds it with
/// one atomic load, and a project's series are made once.
pub struct ProjectSlots<T> {
    slots: Box<[OnceLock<Box<T>>]>,
}

impl<T> ProjectSlots<T> {
    pub fn new(capacity: usize) -> Self {
        ProjectSlots {
            slots: (0..capacity).map(|_| OnceLock::new()).collect(),
        }
    }

    pub fn get_or_init(&self, id: ProjectId, init: impl FnOnce() -> T) -> &T {
        // An index beyond the slots (none without a file) is slot 0's.
        let slot = self.slots.get(id.index()).unwrap_or(&self.slots[0]);
        slot.get_or_init(|| Box::new(init()))
    }

    pub fn get(&self, id: ProjectId) -> Option<&T> {
        self.slots.get(id.index())?.get().map(|b| &**b)
    }

    /// The projects made so far, with their values.
    pub fn iter(&self) -> impl Iterator<Item = (ProjectId, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.get().map(|v| (ProjectId(i as u16), &**v)))
    }
}

/// `rest` after the project's label value, when there is one: the label
/// values of a call family's child.
pub fn with_project<'a>(project: &'a Option<Arc<str>>, rest: &[&'a str]) -> Vec<&'a str> {
    project
        .as_deref()
        .into_iter()
        .chain(rest.iter().copied())
        .collect()
}

/// `rest` after `project`, when call families carry it: a call family's
/// label names.
pub fn project_labels<'a>(labelled: bool, rest: &[&'a str]) -> Vec<&'a str> {
    labelled
        .then_some("project")
        .into_iter()
        .chain(rest.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_its_index_and_other_is_index_zero() {
        let names = ProjectNames::labelled();
        let prod = names.project("production").unwrap();
        let staging = names.project("staging").unwrap();
        assert_eq!((prod.id.index(), staging.id.index()), (1, 2));
        assert_eq!(names.project("production").unwrap(), prod);
        assert_eq!(names.other().name.as_deref(), Some("other"));
        assert_eq!(ProjectNames::unlabelled().other(), Project::NONE);
        assert_eq!(with_project(&prod.name, &["a"]), ["production", "a"]);
        assert_eq!(with_project(&None, &["a"]), ["a"]);
        assert_eq!(project_labels(true, &["d"]), ["project", "d"]);
    }
}
