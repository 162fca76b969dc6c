//! The decision catalogue `juece-catalogue/1` (决策事项目录, Decree Art. 3 ¶3) and its three
//! findings: `NOT_IN_CATALOGUE` (per case), `CATALOGUE_ITEM_OPEN` and `CATALOGUE_NOT_CONSENTED`
//! (per catalogue), exactly as interchange.md defines them.
//!
//! Everything here is a pure function of the catalogue, the evaluated cases (their organ, their
//! link to an item and their latest collective decision, as the evaluator gives it) and the
//! as-of date. Adjustments dated after the as-of date are left out, as events are.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::event::CatalogueRef;
use crate::finding::{Code, Finding};
use crate::ids::{Category, Outcome};
use crate::Lang;

/// The catalogue format this version reads and writes.
pub const CATALOGUE_FORMAT: &str = "juece-catalogue/1";

/// One catalogue: one organ, one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Always `juece-catalogue/1`.
    pub format: String,
    /// The deciding organ.
    pub organ: String,
    /// The year it covers.
    pub year: i32,
    /// When the same-level Party committee consented.
    #[serde(default)]
    pub party_consent: Option<NaiveDate>,
    /// When it was published.
    #[serde(default)]
    pub published: Option<NaiveDate>,
    /// The items as first published.
    pub items: Vec<Item>,
    /// Later additions and removals, in date order.
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
}

/// One item (one planned major decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Its id inside the catalogue, e.g. `"3"`.
    pub id: String,
    /// Title.
    pub title: String,
    /// 决策承办单位.
    pub undertaking_unit: String,
    /// Category (Art. 3).
    pub category: Category,
}

/// What an adjustment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Adds `item`.
    Add,
    /// Removes the item `item_id`.
    Remove,
}

/// An adjustment of the catalogue during the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// When.
    pub date: NaiveDate,
    /// `add` or `remove`.
    pub action: Action,
    /// The item added (`add`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<Item>,
    /// The item removed (`remove`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A catalogue document that cannot be accepted: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("catalogue{}: {message}", field.as_deref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
pub struct CatalogueError {
    /// The field at fault, as a path.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> CatalogueError {
    CatalogueError {
        field: Some(field.into()),
        message: message.into(),
    }
}

/// Parses and checks a `juece-catalogue/1` document: unknown fields, duplicate item ids, removals
/// of items that are not in it, and adjustments out of date order are refused.
pub fn parse_catalogue(text: &str) -> Result<Catalogue, CatalogueError> {
    let value: Value = serde_json::from_str(text).map_err(|e| CatalogueError {
        field: None,
        message: format!("not valid JSON: {e}"),
    })?;
    match value.get("format").and_then(Value::as_str) {
        Some(CATALOGUE_FORMAT) => {}
        Some(other) => {
            return Err(err(
                "format",
                format!("unsupported format `{other}`; this version reads `{CATALOGUE_FORMAT}`"),
            ))
        }
        None => {
            return Err(err(
                "format",
                format!("missing; add `\"format\": \"{CATALOGUE_FORMAT}\"`"),
            ))
        }
    }
    let cat: Catalogue = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        CatalogueError {
            field: (path != ".").then_some(path),
            message: e.into_inner().to_string(),
        }
    })?;
    validate(&cat)?;
    Ok(cat)
}

fn validate(cat: &Catalogue) -> Result<(), CatalogueError> {
    if cat.organ.trim().is_empty() {
        return Err(err("organ", "must not be empty"));
    }
    if !(1949..=9999).contains(&cat.year) {
        return Err(err("year", format!("{} is not a plausible year", cat.year)));
    }
    let mut ids: HashSet<&str> = HashSet::new();
    for (i, item) in cat.items.iter().enumerate() {
        check_item(item, &format!("items[{i}]"))?;
        if !ids.insert(item.id.as_str()) {
            return Err(err(
                format!("items[{i}].id"),
                format!(
                    "duplicate item id `{}`: every item needs its own id",
                    item.id
                ),
            ));
        }
    }
    let mut removed: HashSet<&str> = HashSet::new();
    let mut last: Option<NaiveDate> = None;
    for (i, adj) in cat.adjustments.iter().enumerate() {
        let at = format!("adjustments[{i}]");
        if last.is_some_and(|d| adj.date < d) {
            return Err(err(
                format!("{at}.date"),
                format!(
                    "{} is earlier than the adjustment before it; list adjustments in date order",
                    adj.date
                ),
            ));
        }
        last = Some(adj.date);
        match adj.action {
            Action::Add => {
                if adj.item_id.is_some() {
                    return Err(err(
                        format!("{at}.item_id"),
                        "an `add` carries `item`, not `item_id`",
                    ));
                }
                let Some(item) = &adj.item else {
                    return Err(err(
                        format!("{at}.item"),
                        "an `add` needs the `item` it adds",
                    ));
                };
                check_item(item, &format!("{at}.item"))?;
                if !ids.insert(item.id.as_str()) {
                    return Err(err(
                        format!("{at}.item.id"),
                        format!(
                            "duplicate item id `{}`: it is already in the catalogue",
                            item.id
                        ),
                    ));
                }
            }
            Action::Remove => {
                if adj.item.is_some() {
                    return Err(err(
                        format!("{at}.item"),
                        "a `remove` carries `item_id`, not `item`",
                    ));
                }
                let Some(id) = adj.item_id.as_deref() else {
                    return Err(err(
                        format!("{at}.item_id"),
                        "a `remove` needs the `item_id` it removes",
                    ));
                };
                if !ids.contains(id) {
                    return Err(err(
                        format!("{at}.item_id"),
                        format!("no item `{id}` in the catalogue before this adjustment"),
                    ));
                }
                if !removed.insert(id) {
                    return Err(err(
                        format!("{at}.item_id"),
                        format!("item `{id}` is already removed"),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_item(item: &Item, at: &str) -> Result<(), CatalogueError> {
    if item.id.trim().is_empty() {
        return Err(err(format!("{at}.id"), "must not be empty"));
    }
    if item.title.trim().is_empty() {
        return Err(err(format!("{at}.title"), "must not be empty"));
    }
    Ok(())
}

impl Catalogue {
    /// The document as JSON (every optional field present).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Every item listed or added on or before `as_of`, in order, with the date it was removed
    /// (on or before `as_of`), if it was.
    pub fn items_as_of(&self, as_of: NaiveDate) -> Vec<(&Item, Option<NaiveDate>)> {
        let mut out: Vec<(&Item, Option<NaiveDate>)> =
            self.items.iter().map(|i| (i, None)).collect();
        for adj in self.adjustments.iter().filter(|a| a.date <= as_of) {
            match (adj.action, &adj.item, &adj.item_id) {
                (Action::Add, Some(item), _) => out.push((item, None)),
                (Action::Remove, _, Some(id)) => {
                    if let Some(entry) = out.iter_mut().find(|(i, r)| &i.id == id && r.is_none()) {
                        entry.1 = Some(adj.date);
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// What the catalogue rules need to know about one evaluated case.
#[derive(Debug, Clone, Copy)]
pub struct CaseFacts<'a> {
    /// The case's organ.
    pub organ: &'a str,
    /// Its link to a catalogue item.
    pub link: Option<&'a CatalogueRef>,
    /// Its latest collective decision as the evaluator found it: head decision and meeting date.
    pub decision: Option<(Outcome, NaiveDate)>,
}

impl CaseFacts<'_> {
    /// Decided (`approve` or `reject`) with the meeting date.
    fn decided(&self) -> Option<(Outcome, NaiveDate)> {
        self.decision
            .filter(|(o, _)| matches!(o, Outcome::Approve | Outcome::Reject))
    }
}

/// The catalogues by organ and year.
pub type Catalogues<'a> = BTreeMap<(String, i32), &'a Catalogue>;

/// `NOT_IN_CATALOGUE` (warning, Art. 3 ¶3): a case of an organ and year that has a catalogue,
/// decided (`approve` or `reject`) in that year, not linked to one of its items, or linked to an
/// item removed before the decision's meeting date.
pub fn not_in_catalogue(
    catalogues: &Catalogues<'_>,
    case: CaseFacts<'_>,
    as_of: NaiveDate,
) -> Option<Finding> {
    let (outcome, met) = case.decided()?;
    let organ = case.organ;
    let year = met.year();
    let cat = catalogues.get(&(organ.to_owned(), year))?;
    let items = cat.items_as_of(as_of);
    let (zh, en) = match case.link {
        None => (
            format!("{met} 作出{}决定，本机关 {year} 年度已编制决策事项目录，但该事项未关联目录中的事项", outcome.label(Lang::Zh)),
            format!("decided (`{outcome}`) on {met}; {organ} has a decision catalogue for {year}, but the case is not linked to one of its items"),
        ),
        Some(link) => {
            let CatalogueRef { organ: lo, year: ly, item } = link;
            if lo != organ || *ly != year {
                (
                    format!("{met} 作出{}决定，所关联的目录事项（{lo} {ly} 年度第 {item} 项）不在本机关 {year} 年度决策事项目录中", outcome.label(Lang::Zh)),
                    format!("decided (`{outcome}`) on {met}; the linked item ({lo}, {ly}, item {item}) is not in the {year} catalogue of {organ}"),
                )
            } else {
                match items.iter().find(|(i, _)| &i.id == item) {
                    None => (
                        format!("{met} 作出{}决定，所关联的第 {item} 项不在本机关 {year} 年度决策事项目录中", outcome.label(Lang::Zh)),
                        format!("decided (`{outcome}`) on {met}; item {item} is not in the {year} catalogue of {organ}"),
                    ),
                    Some((_, Some(removed))) if *removed < met => (
                        format!("{met} 作出{}决定，所关联的目录第 {item} 项已于 {removed} 调出 {year} 年度决策事项目录", outcome.label(Lang::Zh)),
                        format!("decided (`{outcome}`) on {met}; linked item {item} was removed from the {year} catalogue on {removed}, before the meeting"),
                    ),
                    Some(_) => return None,
                }
            }
        }
    };
    Some(Finding {
        code: Code::NotInCatalogue,
        step: None,
        article: Code::NotInCatalogue.fixed_article().to_owned(),
        message_zh: zh,
        message_en: en,
        event: None,
        estimated: false,
    })
}

/// Inserts a finding without a step where the evaluator would have put it: after the findings
/// about a step, among the others by code.
pub fn insert_finding(findings: &mut Vec<Finding>, f: Finding) {
    let at = findings
        .iter()
        .position(|g| g.step.is_none() && g.code.as_str() > f.code.as_str())
        .unwrap_or(findings.len());
    findings.insert(at, f);
}

/// A finding about a catalogue (`CATALOGUE_ITEM_OPEN`, `CATALOGUE_NOT_CONSENTED`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueFinding {
    /// The finding (no step, no event).
    pub finding: Finding,
    /// The item it is about, where it is about one.
    pub item: Option<String>,
}

/// Where an item stands (as of a date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// Removed by an adjustment.
    Removed,
    /// A linked case was decided (`approve` or `reject`) by the end of the year.
    Decided,
    /// Neither.
    Open,
}

/// Every item listed or added (by `as_of`) and its state. `cases` are all evaluated cases;
/// those linked to an item of this catalogue count.
pub fn item_states<'c>(
    cat: &'c Catalogue,
    cases: &[CaseFacts<'_>],
    as_of: NaiveDate,
) -> Vec<(&'c Item, ItemState)> {
    let end = NaiveDate::from_ymd_opt(cat.year, 12, 31).unwrap_or(NaiveDate::MAX);
    cat.items_as_of(as_of)
        .into_iter()
        .map(|(item, removed)| {
            let state = if removed.is_some() {
                ItemState::Removed
            } else if cases.iter().any(|c| {
                c.link.is_some_and(|l| {
                    l.organ == cat.organ && l.year == cat.year && l.item == item.id
                }) && c.decided().is_some_and(|(_, d)| d <= end)
            }) {
                ItemState::Decided
            } else {
                ItemState::Open
            };
            (item, state)
        })
        .collect()
}

/// The findings about one catalogue as of `as_of`: `CATALOGUE_NOT_CONSENTED` (warning: published
/// before the Party committee's consent, or no consent date; the same day is fine) and, from
/// 31 December of its year on, `CATALOGUE_ITEM_OPEN` (info) for each item neither removed nor
/// decided by the end of the year. Ordered by code, then item order.
pub fn catalogue_findings(
    cat: &Catalogue,
    cases: &[CaseFacts<'_>],
    as_of: NaiveDate,
) -> Vec<CatalogueFinding> {
    let mut out = Vec::new();
    let make = |code: Code, zh: String, en: String, item: Option<String>| CatalogueFinding {
        finding: Finding {
            code,
            step: None,
            article: code.fixed_article().to_owned(),
            message_zh: zh,
            message_en: en,
            event: None,
            estimated: false,
        },
        item,
    };
    let end = NaiveDate::from_ymd_opt(cat.year, 12, 31).unwrap_or(NaiveDate::MAX);
    if as_of >= end {
        for (item, state) in item_states(cat, cases, as_of) {
            if state == ItemState::Open {
                out.push(make(
                    Code::CatalogueItemOpen,
                    format!(
                        "{} 年度决策事项目录第 {} 项“{}”截至 {} 年底未作出决定",
                        cat.year, item.id, item.title, cat.year
                    ),
                    format!(
                        "item {} of the {} catalogue (“{}”) was not decided by the end of {}",
                        item.id, cat.year, item.title, cat.year
                    ),
                    Some(item.id.clone()),
                ));
            }
        }
    }
    let not_consented = match (cat.party_consent, cat.published) {
        (None, _) => Some((
            format!("{} 年度决策事项目录未记录同级党委同意的日期", cat.year),
            format!("the {} catalogue records no date of the Party committee's consent", cat.year),
        )),
        (Some(c), Some(p)) if p < c => Some((
            format!("{} 年度决策事项目录于 {p} 公布，早于同级党委 {c} 同意", cat.year),
            format!("the {} catalogue was published on {p}, before the Party committee consented on {c}", cat.year),
        )),
        _ => None,
    };
    if let Some((zh, en)) = not_consented {
        out.push(make(Code::CatalogueNotConsented, zh, en, None));
    }
    out.sort_by(|a, b| a.finding.code.as_str().cmp(b.finding.code.as_str()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Attributes, CaseHeader};
    use crate::ids::Category;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn doc() -> &'static str {
        r#"{
          "format": "juece-catalogue/1", "organ": "XX县人民政府", "year": 2023,
          "party_consent": "2023-02-20", "published": "2023-02-28",
          "items": [
            { "id": "1", "title": "老旧小区改造", "undertaking_unit": "住建局", "category": "public_construction" },
            { "id": "2", "title": "国土空间规划", "undertaking_unit": "自然资源局", "category": "plan" },
            { "id": "4", "title": "停车收费", "undertaking_unit": "发改局", "category": "public_policy" }
          ],
          "adjustments": [
            { "date": "2023-08-10", "action": "add", "item": { "id": "7", "title": "养老服务", "undertaking_unit": "民政局", "category": "public_policy" }, "reason": "新增" },
            { "date": "2023-09-01", "action": "remove", "item_id": "4", "reason": "暂缓" }
          ]
        }"#
    }

    fn header(link: Option<(&str, i32, &str)>) -> CaseHeader {
        CaseHeader {
            case_ref: "r".into(),
            title: "t".into(),
            organ: "XX县人民政府".into(),
            undertaking_unit: "u".into(),
            category: Category::Other,
            workflow: "decree-713@1".into(),
            attributes: Attributes::default(),
            catalogue: link.map(|(o, y, i)| CatalogueRef {
                organ: o.into(),
                year: y,
                item: i.into(),
            }),
        }
    }

    fn codes(f: &[CatalogueFinding]) -> Vec<(&'static str, Option<&str>)> {
        f.iter()
            .map(|x| (x.finding.code.as_str(), x.item.as_deref()))
            .collect()
    }

    #[test]
    fn parses_and_lists_items_as_of_a_date() {
        let c = parse_catalogue(doc()).unwrap();
        assert_eq!(c.items_as_of(d("2023-08-09")).len(), 3);
        let later = c.items_as_of(d("2023-12-31"));
        assert_eq!(later.len(), 4);
        assert_eq!(later[2].1, Some(d("2023-09-01")));
    }

    #[test]
    fn refuses_unknown_fields_duplicates_and_bad_removals() {
        let bad = doc().replace("\"published\"", "\"publishd\"");
        let e = parse_catalogue(&bad).unwrap_err();
        assert!(e.message.contains("unknown field"), "{e}");
        let dup = doc().replace("\"id\": \"7\"", "\"id\": \"2\"");
        let e = parse_catalogue(&dup).unwrap_err();
        assert!(e.message.contains("duplicate item id `2`"), "{e}");
        assert_eq!(e.field.as_deref(), Some("adjustments[0].item.id"));
        let dup = doc().replace("\"id\": \"4\"", "\"id\": \"1\"");
        assert!(parse_catalogue(&dup)
            .unwrap_err()
            .message
            .contains("duplicate"));
        let gone = doc().replace("\"item_id\": \"4\"", "\"item_id\": \"9\"");
        assert!(parse_catalogue(&gone)
            .unwrap_err()
            .message
            .contains("no item `9`"));
        let fmt = doc().replace("juece-catalogue/1", "juece-catalogue/9");
        assert_eq!(
            parse_catalogue(&fmt).unwrap_err().field.as_deref(),
            Some("format")
        );
        let order = doc().replace("2023-09-01", "2023-08-01");
        assert!(parse_catalogue(&order)
            .unwrap_err()
            .message
            .contains("date order"));
    }

    #[test]
    fn not_consented_trigger_and_near_miss() {
        let mut c = parse_catalogue(doc()).unwrap();
        let as_of = d("2023-06-30");
        assert!(catalogue_findings(&c, &[], as_of).is_empty());
        // Consent on the same day as publication is fine.
        c.party_consent = Some(d("2023-02-28"));
        assert!(catalogue_findings(&c, &[], as_of).is_empty());
        // One day later is not.
        c.party_consent = Some(d("2023-03-01"));
        assert_eq!(
            codes(&catalogue_findings(&c, &[], as_of)),
            vec![("CATALOGUE_NOT_CONSENTED", None)]
        );
        // No consent date at all.
        c.party_consent = None;
        let f = catalogue_findings(&c, &[], as_of);
        assert_eq!(codes(&f), vec![("CATALOGUE_NOT_CONSENTED", None)]);
        assert_eq!(f[0].finding.severity(), crate::ids::Severity::Warning);
        assert_eq!(f[0].finding.article, "第三条");
    }

    #[test]
    fn item_open_appears_from_31_december() {
        let c = parse_catalogue(doc()).unwrap();
        let decided = header(Some(("XX县人民政府", 2023, "1")));
        let undecided = header(Some(("XX县人民政府", 2023, "2")));
        let cases = [
            CaseFacts {
                organ: &decided.organ,
                link: decided.catalogue.as_ref(),
                decision: Some((Outcome::Approve, d("2023-05-10"))),
            },
            CaseFacts {
                organ: &undecided.organ,
                link: undecided.catalogue.as_ref(),
                decision: Some((Outcome::Defer, d("2023-06-10"))),
            },
        ];
        assert!(catalogue_findings(&c, &cases, d("2023-12-30")).is_empty());
        let f = catalogue_findings(&c, &cases, d("2023-12-31"));
        // Item 1 decided, item 4 removed; items 2 (deferred) and 7 (no case) are open.
        assert_eq!(
            codes(&f),
            vec![
                ("CATALOGUE_ITEM_OPEN", Some("2")),
                ("CATALOGUE_ITEM_OPEN", Some("7"))
            ]
        );
        assert_eq!(f[0].finding.severity(), crate::ids::Severity::Info);
        // Decided only in the next year: still open for its own year.
        let late = [CaseFacts {
            organ: &undecided.organ,
            link: undecided.catalogue.as_ref(),
            decision: Some((Outcome::Reject, d("2024-01-05"))),
        }];
        let f = catalogue_findings(&c, &late, d("2024-01-31"));
        assert!(codes(&f).contains(&("CATALOGUE_ITEM_OPEN", Some("2"))));
        let states = item_states(&c, &cases, d("2023-12-31"));
        let s: Vec<ItemState> = states.iter().map(|x| x.1).collect();
        assert_eq!(
            s,
            vec![
                ItemState::Decided,
                ItemState::Open,
                ItemState::Removed,
                ItemState::Open
            ]
        );
    }

    #[test]
    fn not_in_catalogue_trigger_and_near_misses() {
        let c = parse_catalogue(doc()).unwrap();
        let mut cats = Catalogues::new();
        cats.insert(("XX县人民政府".into(), 2023), &c);
        let as_of = d("2023-12-31");
        let check = |link: Option<(&str, i32, &str)>, decision: Option<(Outcome, NaiveDate)>| {
            let h = header(link);
            not_in_catalogue(
                &cats,
                CaseFacts {
                    organ: &h.organ,
                    link: h.catalogue.as_ref(),
                    decision,
                },
                as_of,
            )
            .map(|f| f.message_en)
        };
        let approve = |s: &str| Some((Outcome::Approve, d(s)));
        // Linked to a listed item: fine.
        assert!(check(Some(("XX县人民政府", 2023, "1")), approve("2023-05-01")).is_none());
        // Not linked: warning.
        let m = check(None, approve("2023-05-01")).unwrap();
        assert!(m.contains("not linked"), "{m}");
        // Linked to an item that does not exist, or of another year.
        assert!(check(Some(("XX县人民政府", 2023, "99")), approve("2023-05-01")).is_some());
        assert!(check(Some(("XX县人民政府", 2022, "1")), approve("2023-05-01")).is_some());
        // Item 4 removed on 2023-09-01: a decision after it is not in the catalogue …
        assert!(check(Some(("XX县人民政府", 2023, "4")), approve("2023-09-02")).is_some());
        // … a decision on or before the removal day is.
        assert!(check(Some(("XX县人民政府", 2023, "4")), approve("2023-09-01")).is_none());
        assert!(check(Some(("XX县人民政府", 2023, "4")), approve("2023-08-31")).is_none());
        // Added item.
        assert!(check(Some(("XX县人民政府", 2023, "7")), approve("2023-10-01")).is_none());
        // Rejections count; deferrals and other years do not.
        assert!(check(None, Some((Outcome::Reject, d("2023-05-01")))).is_some());
        assert!(check(None, Some((Outcome::Defer, d("2023-05-01")))).is_none());
        assert!(check(None, approve("2024-01-05")).is_none());
        assert!(check(None, None).is_none());
        // Another organ without a catalogue.
        let mut other = header(None);
        other.organ = "YY县人民政府".into();
        assert!(not_in_catalogue(
            &cats,
            CaseFacts {
                organ: &other.organ,
                link: other.catalogue.as_ref(),
                decision: approve("2023-05-01")
            },
            as_of
        )
        .is_none());
    }

    #[test]
    fn inserted_after_step_findings_by_code() {
        let f = |code: Code, step: Option<crate::ids::Step>| Finding {
            code,
            step,
            article: String::new(),
            message_zh: String::new(),
            message_en: String::new(),
            event: None,
            estimated: false,
        };
        let mut v = vec![
            f(Code::SkippedStep, Some(crate::ids::Step::ExpertReview)),
            f(Code::GuardOverridden, None),
            f(Code::WaivedStep, None),
        ];
        insert_finding(&mut v, f(Code::NotInCatalogue, None));
        let got: Vec<&str> = v.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(
            got,
            vec![
                "SKIPPED_STEP",
                "GUARD_OVERRIDDEN",
                "NOT_IN_CATALOGUE",
                "WAIVED_STEP"
            ]
        );
    }
}
