//! The set of known workflow profiles, and how a case's `workflow` field picks one.

use crate::profile::Profile;

/// A case named a profile that is not known.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown workflow profile `{spec}`{}", hint.as_deref().map(|h| format!("; {h}")).unwrap_or_default())]
pub struct UnknownProfileError {
    /// What the case named.
    pub spec: String,
    /// A suggestion.
    pub hint: Option<String>,
}

/// Known profiles, every version of each.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    profiles: Vec<Profile>,
}

impl Profiles {
    /// Adds a profile; an existing `id@version` is replaced.
    pub fn add(&mut self, profile: Profile) {
        self.profiles
            .retain(|p| !(p.id() == profile.id() && p.version() == profile.version()));
        self.profiles.push(profile);
    }

    /// Every profile.
    pub fn all(&self) -> &[Profile] {
        &self.profiles
    }

    /// Resolves `id` (the newest version) or `id@version`.
    pub fn resolve(&self, spec: &str) -> Result<&Profile, UnknownProfileError> {
        let (id, version) = match spec.split_once('@') {
            Some((id, v)) => (id, Some(v)),
            None => (spec, None),
        };
        let found = match version {
            Some(v) => self
                .profiles
                .iter()
                .find(|p| p.id() == id && p.version().to_string() == v),
            None => self
                .profiles
                .iter()
                .filter(|p| p.id() == id)
                .max_by_key(|p| p.version()),
        };
        found.ok_or_else(|| {
            let mut ids: Vec<String> = self.profiles.iter().map(|p| p.pinned()).collect();
            ids.sort();
            let id_list: Vec<&str> = self.profiles.iter().map(|p| p.id()).collect();
            let hint = match crate::fuzzy::did_you_mean(id, &id_list) {
                Some(m) if m != id => Some(format!("did you mean `{m}`?")),
                _ => Some(format!(
                    "known profiles: {}",
                    ids.iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            UnknownProfileError {
                spec: spec.to_owned(),
                hint,
            }
        })
    }
}
