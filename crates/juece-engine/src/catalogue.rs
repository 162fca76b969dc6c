//! The decision catalogues in the audit, the case view and the report: the store's latest
//! versions put through `juece_core::catalogue` (the command line and the server share them).

use chrono::NaiveDate;
use juece_core::catalogue::{
    catalogue_findings, insert_finding, not_in_catalogue, CaseFacts, CatalogueFinding, Catalogues,
};
use juece_core::event::CatalogueRef;
use juece_core::finding::Finding;
use juece_core::ids::Outcome;
use juece_store::{Store, StoredCatalogue};

use crate::EngineError;

/// The latest versions by organ and year.
pub fn index(list: &[StoredCatalogue]) -> Catalogues<'_> {
    list.iter()
        .map(|s| ((s.catalogue.organ.clone(), s.catalogue.year), &s.catalogue))
        .collect()
}

/// Adds `NOT_IN_CATALOGUE` to a case's findings where it applies, where the audit lists it.
pub fn complete_findings(
    findings: &mut Vec<Finding>,
    catalogues: &Catalogues<'_>,
    organ: &str,
    link: Option<&CatalogueRef>,
    decision: Option<(Outcome, NaiveDate)>,
    as_of: NaiveDate,
) {
    if catalogues.is_empty() {
        return;
    }
    let facts = CaseFacts {
        organ,
        link,
        decision,
    };
    if let Some(f) = not_in_catalogue(catalogues, facts, as_of) {
        insert_finding(findings, f);
    }
}

/// One catalogue's entry in the audit.
pub struct CatalogueAudit {
    pub organ: String,
    pub year: i32,
    pub version: u32,
    pub findings: Vec<CatalogueFinding>,
}

/// The findings of every stored catalogue (latest versions), ordered by organ and year.
pub fn audit_catalogues(
    list: &[StoredCatalogue],
    cases: &[CaseFacts<'_>],
    as_of: NaiveDate,
) -> Vec<CatalogueAudit> {
    list.iter()
        .map(|s| CatalogueAudit {
            organ: s.catalogue.organ.clone(),
            year: s.catalogue.year,
            version: s.version,
            findings: catalogue_findings(&s.catalogue, cases, as_of),
        })
        .collect()
}

/// The stored catalogues' latest versions.
pub fn latest(store: &Store) -> Result<Vec<StoredCatalogue>, EngineError> {
    Ok(store.latest_catalogues()?)
}
