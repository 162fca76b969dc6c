//! Offices (issue 14): which organs' cases a person reads and writes. A user belongs to the
//! organs named in their record (`juece user add NAME --organ ORGAN`); without organs, or as a
//! `province_inspector` (who reads every organ and writes nothing), they act on every organ.
//!
//! Every read and write path of the command line and the server goes through a [`Scope`]: a case
//! of another organ is answered exactly as a reference that exists nowhere ([`Scope::load_case`]
//! gives the same error, with suggestions drawn only from the cases in scope), listings, exports,
//! the audit and the report leave other organs out. The check lives here, in the library, so that
//! no adapter can forget it on one path: the adapters only say who is asking.

use std::collections::BTreeSet;

use juece_core::ids::Role;
use juece_core::Lang;
use juece_store::{CaseRow, ListFilter, Store, StoreError, StoredCase, StoredCatalogue, UserRow};

use crate::names::tr;
use crate::{EngineError, ErrorKind};

pub use juece_core::text::organ_key;

/// The organs a person acts on: every organ, or these (normalized).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    organs: Option<BTreeSet<String>>,
}

impl Scope {
    /// Every organ: the holder of the database file, an unscoped user, an inspector.
    pub fn all() -> Scope {
        Scope { organs: None }
    }

    /// Only these organs' cases (names normalized here).
    pub fn organs<S: AsRef<str>>(organs: impl IntoIterator<Item = S>) -> Scope {
        Scope {
            organs: Some(organs.into_iter().map(|o| organ_key(o.as_ref())).collect()),
        }
    }

    /// What a user reads: every organ when they belong to none or hold `province_inspector`.
    pub fn read_scope(user: &UserRow) -> Scope {
        if user.organs.is_empty() || user.roles.contains(&Role::ProvinceInspector) {
            Scope::all()
        } else {
            Scope::organs(&user.organs)
        }
    }

    /// What a user writes: their organs, or every organ when they belong to none (an inspector
    /// writes nothing; the write path refuses them before any case is read).
    pub fn write_scope(organs: &[String]) -> Scope {
        if organs.is_empty() {
            Scope::all()
        } else {
            Scope::organs(organs)
        }
    }

    /// The read scope of the user named (`--as NAME`); every organ without a name. An unknown
    /// name is refused (exit 2), with the nearest existing name.
    pub fn of_user(store: &Store, name: Option<&str>, lang: Lang) -> Result<Scope, EngineError> {
        let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
            return Ok(Scope::all());
        };
        let name =
            juece_core::text::identifier("user name", name).map_err(EngineError::bad_input)?;
        match store.user(&name)? {
            Some(user) => Ok(Scope::read_scope(&user)),
            None => Err(crate::names::unknown_user(store, &name, lang)),
        }
    }

    /// Whether every organ is in scope.
    pub fn is_all(&self) -> bool {
        self.organs.is_none()
    }

    /// The organs in scope (normalized, sorted), or `None` for every organ.
    pub fn organ_names(&self) -> Option<Vec<String>> {
        self.organs.as_ref().map(|s| s.iter().cloned().collect())
    }

    /// This scope narrowed to one organ (a dashboard's or a report's selector): an organ outside
    /// the scope leaves nothing, exactly like an organ with no cases.
    pub fn narrow(&self, organ: Option<&str>) -> Scope {
        match organ.map(str::trim).filter(|o| !o.is_empty()) {
            None => self.clone(),
            Some(o) if self.sees(o) => Scope::organs([o]),
            Some(_) => Scope::organs(Vec::<String>::new()),
        }
    }

    /// The organs in scope that have cases or catalogues in the database, sorted: the choices
    /// of a per-organ selector.
    pub fn known_organs(&self, store: &Store) -> Result<Vec<String>, StoreError> {
        let mut organs: BTreeSet<String> = store
            .list_cases(&ListFilter::default())?
            .into_iter()
            .map(|r| r.organ)
            .chain(store.list_catalogues()?.into_iter().map(|c| c.organ))
            .filter(|o| self.sees(o))
            .collect();
        if let Some(own) = &self.organs {
            organs.extend(own.iter().cloned());
        }
        Ok(organs.into_iter().collect())
    }

    /// Whether cases of `organ` are in scope.
    pub fn sees(&self, organ: &str) -> bool {
        match &self.organs {
            None => true,
            Some(set) => set.contains(&organ_key(organ)),
        }
    }

    /// Whether `case` is in scope.
    pub fn sees_case(&self, case: &StoredCase) -> bool {
        self.sees(&case.case.header.organ)
    }

    /// Case `case_ref` if it exists and is in scope.
    pub fn find_case(
        &self,
        store: &Store,
        case_ref: &str,
    ) -> Result<Option<StoredCase>, StoreError> {
        Ok(store.load_case(case_ref)?.filter(|c| self.sees_case(c)))
    }

    /// Case `case_ref`, or the error for a reference that exists nowhere — the same for a case of
    /// another organ, suggestions included.
    pub fn load_case(
        &self,
        store: &Store,
        case_ref: &str,
        lang: Lang,
    ) -> Result<StoredCase, EngineError> {
        match self.find_case(store, case_ref)? {
            Some(c) => Ok(c),
            None => Err(crate::names::no_case(store, self, case_ref, lang)),
        }
    }

    /// The listing rows in scope.
    pub fn list_cases(
        &self,
        store: &Store,
        filter: &ListFilter,
    ) -> Result<Vec<CaseRow>, StoreError> {
        let mut rows = store.list_cases(filter)?;
        if !self.is_all() {
            rows.retain(|r| self.sees(&r.organ));
        }
        Ok(rows)
    }

    /// Every case in scope with its history, a chunk at a time (see [`Store::visit_cases`]).
    pub fn visit_cases<E: From<StoreError>>(
        &self,
        store: &Store,
        mut f: impl FnMut(Vec<StoredCase>) -> Result<(), E>,
    ) -> Result<(), E> {
        store.visit_cases(|mut chunk| {
            if !self.is_all() {
                chunk.retain(|c| self.sees_case(c));
            }
            f(chunk)
        })
    }

    /// Every case in scope with its history.
    pub fn load_all(&self, store: &Store) -> Result<Vec<StoredCase>, StoreError> {
        let mut all = Vec::new();
        self.visit_cases(store, |chunk| {
            all.extend(chunk);
            Ok::<(), StoreError>(())
        })?;
        Ok(all)
    }

    /// Every case in scope, mapped on worker threads (see [`Store::map_cases`]).
    pub fn map_cases<R, E>(
        &self,
        store: &Store,
        f: impl Fn(Vec<StoredCase>) -> Result<Vec<R>, E> + Sync,
    ) -> Result<Vec<R>, E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        store.map_cases(|mut chunk| {
            if !self.is_all() {
                chunk.retain(|c| self.sees_case(c));
            }
            f(chunk)
        })
    }

    /// Every case in scope, mapped on worker threads, each chunk's results handed to `each` in
    /// the order of the references (see [`Store::map_cases_each`]).
    pub fn map_cases_each<R, E>(
        &self,
        store: &Store,
        f: impl Fn(Vec<StoredCase>) -> Result<Vec<R>, E> + Sync,
        each: impl FnMut(Vec<R>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        store.map_cases_each(
            |mut chunk| {
                if !self.is_all() {
                    chunk.retain(|c| self.sees_case(c));
                }
                f(chunk)
            },
            each,
        )
    }

    /// Every case in scope through `f` on worker threads, the results handed to `each` in the
    /// order of the references (see [`Store::map_cases_gathered`]).
    pub fn map_cases_gathered<R, E>(
        &self,
        store: &Store,
        f: impl Fn(StoredCase) -> Result<Option<R>, E> + Sync,
        each: impl FnMut(Vec<R>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        store.map_cases_gathered(
            |case| {
                if self.is_all() || self.sees_case(&case) {
                    f(case)
                } else {
                    Ok(None)
                }
            },
            each,
        )
    }

    /// The latest stored catalogues of the organs in scope.
    pub fn catalogues(&self, store: &Store) -> Result<Vec<StoredCatalogue>, StoreError> {
        let mut all = store.latest_catalogues()?;
        all.retain(|c| self.sees(&c.catalogue.organ));
        Ok(all)
    }

    /// Refuses an organ outside the scope for a new case (exit 3, HTTP 422): the user may open
    /// cases only for the organs they belong to.
    pub fn may_open_for(&self, user: &str, organ: &str, lang: Lang) -> Result<(), EngineError> {
        if self.sees(organ) {
            return Ok(());
        }
        let theirs = self.organ_names().unwrap_or_default().join("、");
        Err(EngineError::new(
            ErrorKind::Refused,
            tr(
                lang,
                format!("`{user}` 不得为 `{organ}` 立项：其只属于 {theirs}，只能办理本机关的事项"),
                format!("`{user}` may not open a case for `{organ}`: they belong to {theirs} and act only on those organs' cases"),
            ),
        )
        .with_hint(tr(
            lang,
            format!("由该机关的人员立项，或用 `juece user organ add {user} 机关` 增加所属机关；未写入任何内容"),
            format!("ask someone of that organ, or add the organ with `juece user organ add {user} ORGAN`; nothing was written"),
        )))
    }
}

/// Whether `actor` may open a case for `organ`: never as an inspector, and only for their own
/// organs (exit 3, HTTP 422). The one check of the command line's `case open` and the server's.
pub fn may_open(actor: &crate::Actor, organ: &str, lang: Lang) -> Result<(), EngineError> {
    refuse_inspector(&actor.name, &actor.roles, "opened", lang)?;
    actor.scope().may_open_for(&actor.name, organ, lang)
}

/// Refuses every write by a `province_inspector` (exit 3, HTTP 422) as a role rule: the
/// inspector reads every organ's cases and records nothing.
pub fn refuse_inspector(
    name: &str,
    roles: &[Role],
    event_type: &str,
    lang: Lang,
) -> Result<(), EngineError> {
    if !roles.contains(&Role::ProvinceInspector) {
        return Ok(());
    }
    Err(EngineError {
        kind: ErrorKind::Refused,
        message: tr(
            lang,
            format!("`{name}`（`province_inspector`，省级法治督察）不得记录任何事件：督察只查阅各机关的事项，不参与办理（法治督察与办理分离）"),
            format!("`{name}` (`province_inspector`) may not record anything: an inspector reads every organ's cases and takes no part in handling them"),
        ),
        hints: vec![tr(
            lang,
            "请由本机关具有相应角色的人员办理；未写入任何内容",
            "ask someone of the organ with the role the workflow requires; nothing was written",
        )],
        guards: vec![juece_core::check::inspector_records_nothing(event_type)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organs_compare_as_identifiers_and_narrowing_never_widens() {
        let scope = Scope::organs(["甲县人民政府"]);
        assert!(scope.sees("甲县人民政府 "));
        assert!(scope.sees("\u{3000}甲县人民政府"));
        assert!(!scope.sees("乙县人民政府"));
        assert!(Scope::all().sees("乙县人民政府"));
        // One of the user's organs, or nothing at all for another organ.
        assert_eq!(scope.narrow(Some("甲县人民政府")), scope);
        assert!(!scope.narrow(Some("乙县人民政府")).sees("乙县人民政府"));
        assert!(!scope.narrow(Some("乙县人民政府")).sees("甲县人民政府"));
        assert_eq!(scope.narrow(Some("  ")), scope);
        assert!(Scope::all()
            .narrow(Some("乙县人民政府"))
            .sees("乙县人民政府"));
        assert!(!Scope::all()
            .narrow(Some("乙县人民政府"))
            .sees("甲县人民政府"));
        // Full-width digits fold: `２０２４` is `2024`.
        assert!(Scope::organs(["２号机关"]).sees("2号机关"));
    }

    #[test]
    fn an_inspector_or_a_user_without_organs_reads_every_organ() {
        let user = |roles: Vec<Role>, organs: &[&str]| UserRow {
            name: "x".into(),
            roles,
            organs: organs.iter().map(|o| (*o).to_owned()).collect(),
        };
        assert!(Scope::read_scope(&user(vec![Role::LegalOffice], &[])).is_all());
        assert!(Scope::read_scope(&user(vec![Role::ProvinceInspector], &["甲"])).is_all());
        assert!(!Scope::read_scope(&user(vec![Role::LegalOffice], &["甲"])).is_all());
        assert!(refuse_inspector("x", &[Role::ProvinceInspector], "draft", Lang::En).is_err());
        assert!(refuse_inspector("x", &[Role::LegalOffice], "draft", Lang::En).is_ok());
    }
}
