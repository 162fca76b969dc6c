//! The case page's event forms: one form per event type of the vocabulary (interchange.md), a
//! field per field of the event — dates as date inputs, enumerations as selects with the
//! vocabulary's labels, booleans as checkboxes, counts as numbers — built back on the server
//! into the same event object the API takes, and recorded through the same write path. No
//! script: every form posts on its own.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use juece_core::event::FairCompetitionConclusion;
use juece_core::ids::{
    Conclusion, MeetingKind, Outcome, ParticipationMethod, RiskLevel, Step, WaiverReason,
};
use juece_core::Lang;
use maud::{html, Markup};
use serde_json::{Map, Value};

/// The options of an enumeration: `(value, label)`.
type Options = fn(Lang) -> Vec<(&'static str, &'static str)>;

macro_rules! options {
    ($name:ident, $ty:ty) => {
        fn $name(lang: Lang) -> Vec<(&'static str, &'static str)> {
            <$ty>::ALL
                .iter()
                .map(|v| (v.as_str(), v.label(lang)))
                .collect()
        }
    };
}
options!(methods, ParticipationMethod);
options!(levels, RiskLevel);
options!(conclusions, Conclusion);
options!(meeting_kinds, MeetingKind);
options!(outcomes, Outcome);
options!(waiver_reasons, WaiverReason);
options!(steps, Step);

fn fair_conclusions(lang: Lang) -> Vec<(&'static str, &'static str)> {
    use FairCompetitionConclusion as F;
    [F::Compliant, F::NotCompliant, F::Exception]
        .iter()
        .map(|c| (c.as_str(), c.label(lang)))
        .collect()
}

/// What a field holds, and so which input it gets.
#[derive(Clone, Copy)]
enum Kind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Area,
    /// `YYYY-MM-DD`.
    Date,
    /// A whole number, 0 or more.
    Count,
    /// A boolean.
    Check,
    /// One of an enumeration.
    Choice(Options),
    /// Any of an enumeration (a JSON array).
    Choices(Options),
    /// A SHA-256, 64 hex characters.
    Hash,
    /// The experts consulted: [`EXPERT_ROWS`] rows of name, signed, conflict of interest.
    Experts,
}

/// One field: its path in the event object (`meeting.date`), labels (the CLI's), its kind and
/// whether the event needs it.
struct Field {
    path: &'static str,
    zh: &'static str,
    en: &'static str,
    kind: Kind,
    required: bool,
}

const fn f(path: &'static str, zh: &'static str, en: &'static str, kind: Kind) -> Field {
    Field {
        path,
        zh,
        en,
        kind,
        required: false,
    }
}

const fn req(path: &'static str, zh: &'static str, en: &'static str, kind: Kind) -> Field {
    Field {
        path,
        zh,
        en,
        kind,
        required: true,
    }
}

/// How many expert rows the expert-review form offers (empty rows are left out).
pub const EXPERT_ROWS: usize = 5;

/// Every event type a form is offered for, in procedure order, with its fields.
const FORMS: &[(&str, &[Field])] = &[
    (
        "draft",
        &[
            req("version", "版本标签", "Version label", Kind::Text),
            req(
                "sha256",
                "草案文件的 SHA-256（64 位十六进制）",
                "SHA-256 of the draft file (64 hex characters)",
                Kind::Hash,
            ),
        ],
    ),
    (
        "public_participation",
        &[
            req("methods", "方式", "Methods", Kind::Choices(methods)),
            f(
                "comment_period.start",
                "征求意见期第一天",
                "First day of the public comment period",
                Kind::Date,
            ),
            f(
                "comment_period.end",
                "征求意见期最后一天",
                "Last day of the public comment period",
                Kind::Date,
            ),
            f(
                "shortened_reason",
                "征求意见期短于最低期限的理由",
                "Why the period was shorter than the minimum",
                Kind::Text,
            ),
            f(
                "hearing.date",
                "听证会日期",
                "The day a hearing was held",
                Kind::Date,
            ),
            f(
                "opinions_received",
                "收到意见数",
                "Opinions received",
                Kind::Count,
            ),
            f(
                "opinions_adopted",
                "采纳意见数",
                "Opinions adopted",
                Kind::Count,
            ),
        ],
    ),
    (
        "expert_review",
        &[req("experts", "专家", "Experts", Kind::Experts)],
    ),
    (
        "risk_assessment",
        &[
            req("level", "风险等级", "Risk level", Kind::Choice(levels)),
            f(
                "controllable",
                "风险可控",
                "The risk is controllable",
                Kind::Check,
            ),
            f("measures", "防范化解措施", "The measures", Kind::Area),
        ],
    ),
    (
        "fair_competition_review",
        &[
            req(
                "conclusion",
                "公平竞争审查结论",
                "Conclusion",
                Kind::Choice(fair_conclusions),
            ),
            req(
                "basis",
                "结论的依据",
                "The basis of the conclusion",
                Kind::Area,
            ),
            f("reviewer", "审查人", "Who reviewed", Kind::Text),
        ],
    ),
    (
        "waived",
        &[
            req("step", "程序", "Step", Kind::Choice(steps)),
            req("reason", "理由", "Reason", Kind::Choice(waiver_reasons)),
            f(
                "basis",
                "法律依据（文字）",
                "The legal basis, in words",
                Kind::Area,
            ),
        ],
    ),
    (
        "legality_review_submitted",
        &[
            req(
                "draft",
                "送审的草案版本",
                "Draft version submitted",
                Kind::Text,
            ),
            f(
                "shortened_reason",
                "审查期限短于七个工作日的理由",
                "Why the review window is shorter than 7 working days",
                Kind::Text,
            ),
        ],
    ),
    (
        "legality_review_signed",
        &[
            req(
                "draft",
                "审查的草案版本",
                "Draft version reviewed",
                Kind::Text,
            ),
            req(
                "conclusion",
                "审查结论",
                "Conclusion",
                Kind::Choice(conclusions),
            ),
            f("opinion", "书面审查意见", "Written opinion", Kind::Area),
        ],
    ),
    (
        "collective_decision",
        &[
            req(
                "meeting.kind",
                "会议类型",
                "Kind of meeting",
                Kind::Choice(meeting_kinds),
            ),
            req("meeting.date", "会议日期", "Meeting date", Kind::Date),
            req(
                "meeting.members_total",
                "决策机关组成人员数",
                "Members of the deciding body",
                Kind::Count,
            ),
            req(
                "meeting.members_present",
                "出席人数",
                "Members present",
                Kind::Count,
            ),
            req(
                "majority",
                "多数意见",
                "Majority opinion",
                Kind::Choice(outcomes),
            ),
            req(
                "head_decision",
                "行政首长的决定",
                "The head's decision",
                Kind::Choice(outcomes),
            ),
            f(
                "reason",
                "行政首长与多数意见不同时的理由",
                "The head's reason, when it differs from the majority",
                Kind::Area,
            ),
            f(
                "dissent_recorded",
                "会议纪要载明了不同意见",
                "Dissent is recorded in the minutes",
                Kind::Check,
            ),
        ],
    ),
    ("party_report", &[]),
    (
        "published",
        &[f(
            "channel",
            "公布渠道，如 政府网站",
            "Where it was published, e.g. the government website",
            Kind::Text,
        )],
    ),
    ("archived", &[]),
    (
        "voided",
        &[
            req(
                "event",
                "作废的事件序号（#）",
                "Number (#) of the event voided",
                Kind::Count,
            ),
            req("reason", "作废理由", "Why", Kind::Area),
        ],
    ),
];

/// Event types a form is offered for, in procedure order.
pub fn event_types() -> impl Iterator<Item = &'static str> {
    FORMS.iter().map(|(t, _)| *t)
}

fn fields_of(event_type: &str) -> Option<&'static [Field]> {
    FORMS
        .iter()
        .find(|(t, _)| *t == event_type)
        .map(|(_, fields)| *fields)
}

/// The field names of the form `at` input (datetime-local; empty: now).
const AT: &str = "at";

/// The label of an event type (the timeline's and the CLI's words).
pub fn type_label(event_type: &str, lang: Lang) -> &'static str {
    let (zh, en) = match event_type {
        "draft" => ("提交草案", "Record a draft"),
        "public_participation" => ("公众参与", "Public participation"),
        "expert_review" => ("专家论证", "Expert review"),
        "risk_assessment" => ("风险评估", "Risk assessment"),
        "fair_competition_review" => ("公平竞争审查", "Fair-competition review"),
        "waived" => ("免除程序", "Waive a step"),
        "legality_review_submitted" => ("送请合法性审查", "Submit for legality review"),
        "legality_review_signed" => ("签署合法性审查意见", "Sign the legality review"),
        "collective_decision" => ("集体讨论决定", "Collective decision"),
        "party_report" => ("向同级党委请示报告", "Report to the Party committee"),
        "published" => ("决策公布", "Publication"),
        "archived" => ("归档", "Archive"),
        "voided" => ("作废最近一项事件", "Void the latest event"),
        _ => ("", ""),
    };
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

fn label(field: &Field, lang: Lang) -> &'static str {
    if lang == Lang::Zh {
        field.zh
    } else {
        field.en
    }
}

/// Why a form's field cannot be used (answered 400, in place).
fn bad(field: &Field, lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => format!("「{}」{zh}", field.zh),
        Lang::En => format!("“{}” {en}", field.en),
    }
}

/// Sets `path` (`a.b`) in `obj` to `value`.
fn put(obj: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            obj.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = obj
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = inner {
                put(m, rest, value);
            }
        }
    }
}

/// The event object a submitted form stands for (without `actor`/`role`, as the API takes it),
/// or a plain message saying which field is wrong and how. `offset` is the office's, for an
/// `at` given without one (a datetime-local input).
pub fn build_event(
    event_type: &str,
    form: &HashMap<String, String>,
    offset: FixedOffset,
    lang: Lang,
) -> Result<Value, String> {
    let Some(fields) = fields_of(event_type) else {
        return Err(match lang {
            Lang::Zh => format!("没有 `{event_type}` 事件的表单"),
            Lang::En => format!("there is no form for `{event_type}` events"),
        });
    };
    let mut obj = Map::new();
    obj.insert("type".into(), Value::String(event_type.to_owned()));
    let text = |k: &str| form.get(k).map(|s| s.trim()).unwrap_or_default();
    for field in fields {
        let raw = text(field.path);
        let value = match field.kind {
            Kind::Check => Some(Value::Bool(matches!(raw, "true" | "on" | "1"))),
            Kind::Choices(options) => {
                let chosen: Vec<Value> = options(lang)
                    .iter()
                    .filter(|(v, _)| {
                        matches!(text(&format!("{}.{v}", field.path)), "true" | "on" | "1")
                    })
                    .map(|(v, _)| Value::String((*v).to_owned()))
                    .collect();
                if chosen.is_empty() {
                    None
                } else {
                    Some(Value::Array(chosen))
                }
            }
            Kind::Experts => {
                let experts = experts(form, field, lang)?;
                (!experts.is_empty()).then_some(Value::Array(experts))
            }
            _ if raw.is_empty() => None,
            Kind::Text | Kind::Area => Some(Value::String(raw.to_owned())),
            Kind::Date => {
                NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
                    bad(
                        field,
                        lang,
                        &format!("须为日期，如 2024-03-01（收到：{raw}）"),
                        &format!("must be a date like 2024-03-01 (got: {raw})"),
                    )
                })?;
                Some(Value::String(raw.to_owned()))
            }
            Kind::Count => {
                let n: u64 = raw.parse().map_err(|_| {
                    bad(
                        field,
                        lang,
                        &format!("须为不小于 0 的整数（收到：{raw}）"),
                        &format!("must be a whole number, 0 or more (got: {raw})"),
                    )
                })?;
                Some(Value::from(n))
            }
            Kind::Choice(options) => {
                if !options(lang).iter().any(|(v, _)| *v == raw) {
                    let allowed: Vec<&str> = options(lang).iter().map(|(v, _)| *v).collect();
                    return Err(bad(
                        field,
                        lang,
                        &format!("须为以下之一：{}（收到：{raw}）", allowed.join("、")),
                        &format!("must be one of {} (got: {raw})", allowed.join(", ")),
                    ));
                }
                Some(Value::String(raw.to_owned()))
            }
            Kind::Hash => {
                let lower = raw.to_ascii_lowercase();
                if lower.len() != 64 || !lower.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad(
                        field,
                        lang,
                        "须为 64 位十六进制字符（草案文件的 SHA-256，如 `sha256sum 文件` 所示）",
                        "must be 64 hexadecimal characters (the draft file's SHA-256, as `sha256sum FILE` prints it)",
                    ));
                }
                Some(Value::String(lower))
            }
        };
        match value {
            Some(v) => put(&mut obj, field.path, v),
            None if field.required => {
                return Err(bad(field, lang, "必须填写", "is required"));
            }
            None => {}
        }
    }
    let at = text(AT);
    if !at.is_empty() {
        obj.insert("at".into(), Value::String(rfc3339(at, offset, lang)?));
    }
    Ok(Value::Object(obj))
}

/// The experts of the expert-review form's rows (a row without a name is left out).
fn experts(
    form: &HashMap<String, String>,
    field: &Field,
    lang: Lang,
) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for i in 0..EXPERT_ROWS {
        let get = |k: &str| {
            form.get(&format!("{}.{i}.{k}", field.path))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let name = get("name");
        let signed = get("signed") == "true";
        let conflict = get("conflict_of_interest") == "true";
        if name.is_empty() {
            if conflict {
                return Err(bad(
                    field,
                    lang,
                    &format!("第 {} 行没有姓名", i + 1),
                    &format!("row {} has no name", i + 1),
                ));
            }
            continue;
        }
        out.push(
            serde_json::json!({"name": name, "signed": signed, "conflict_of_interest": conflict}),
        );
    }
    Ok(out)
}

/// `at` from a datetime-local input (`2024-03-01T10:00`, in the office's offset) or RFC 3339.
fn rfc3339(at: &str, offset: FixedOffset, lang: Lang) -> Result<String, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(at) {
        return Ok(t.to_rfc3339());
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(at, f).ok())
        .and_then(|t| t.and_local_timezone(offset).single())
        .map(|t| t.to_rfc3339())
        .ok_or_else(|| match lang {
            Lang::Zh => format!("「发生时间」须为日期和时间，如 2024-03-01T10:00（收到：{at}）"),
            Lang::En => format!(
                "“When it happened” must be a date and time like 2024-03-01T10:00 (got: {at})"
            ),
        })
}

/// What a form is prefilled with: the values submitted (after a refusal) or the defaults.
pub struct Prefill<'a> {
    pub values: Option<&'a HashMap<String, String>>,
    pub defaults: HashMap<&'static str, String>,
}

impl Prefill<'_> {
    fn get(&self, k: &str) -> String {
        match self.values {
            Some(v) => v.get(k).cloned().unwrap_or_default(),
            None => self.defaults.get(k).cloned().unwrap_or_default(),
        }
    }
    fn checked(&self, k: &str) -> bool {
        matches!(self.get(k).as_str(), "true" | "on" | "1")
    }
}

/// The inputs of `event_type`'s form (inside a `<form>` the caller makes, with its hidden
/// fields), prefilled.
pub fn inputs(event_type: &str, prefill: &Prefill<'_>, lang: Lang) -> Markup {
    let fields = fields_of(event_type).unwrap_or(&[]);
    let id = |path: &str| format!("f-{event_type}-{}", path.replace('.', "-"));
    html! {
        @for field in fields {
            @let name = field.path;
            @match field.kind {
                Kind::Check => {
                    label.check { input type="checkbox" name=(name) value="true" checked[prefill.checked(name)]; " " (label(field, lang)) }
                }
                Kind::Choices(options) => {
                    fieldset {
                        legend { (label(field, lang)) @if field.required { " *" } }
                        @for (v, l) in options(lang) {
                            @let key = format!("{name}.{v}");
                            label.check { input type="checkbox" name=(key) value="true" checked[prefill.checked(&key)]; " " (l) }
                        }
                    }
                }
                Kind::Experts => {
                    fieldset {
                        legend { (label(field, lang)) " *" }
                        @for i in 0..EXPERT_ROWS {
                            @let key = |k: &str| format!("{name}.{i}.{k}");
                            div.row {
                                label { (if lang == Lang::Zh { "姓名或机构" } else { "Name or institution" }) " " (i + 1)
                                    input type="text" name=(key("name")) value=(prefill.get(&key("name")));
                                }
                                label.check { input type="checkbox" name=(key("signed")) value="true" checked[prefill.checked(&key("signed"))]; " " (if lang == Lang::Zh { "意见已署名" } else { "opinion signed" }) }
                                label.check { input type="checkbox" name=(key("conflict_of_interest")) value="true" checked[prefill.checked(&key("conflict_of_interest"))]; " " (if lang == Lang::Zh { "有直接利害关系" } else { "direct interest" }) }
                            }
                        }
                    }
                }
                kind => {
                    label for=(id(name)) { (label(field, lang)) @if field.required { " *" } }
                    @match kind {
                        Kind::Area => { textarea id=(id(name)) name=(name) rows="3" { (prefill.get(name)) } }
                        Kind::Date => { input id=(id(name)) type="date" name=(name) value=(prefill.get(name)); }
                        Kind::Count => { input id=(id(name)) type="number" min="0" step="1" name=(name) value=(prefill.get(name)); }
                        Kind::Hash => { input id=(id(name)) type="text" name=(name) value=(prefill.get(name)) size="66" pattern="[0-9a-fA-F]{64}" spellcheck="false"; }
                        Kind::Choice(options) => {
                            select id=(id(name)) name=(name) {
                                @for (v, l) in options(lang) {
                                    option value=(v) selected[prefill.get(name) == v] { (l) }
                                }
                            }
                        }
                        _ => { input id=(id(name)) type="text" name=(name) value=(prefill.get(name)); }
                    }
                }
            }
        }
        label for=(id(AT)) { (if lang == Lang::Zh { "发生时间（留空为现在）" } else { "When it happened (empty: now)" }) }
        input id=(id(AT)) type="datetime-local" name=(AT) value=(prefill.get(AT));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test")]
    use super::*;
    use serde_json::json;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn offset() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    #[test]
    fn a_collective_decision_is_built_with_nested_fields_numbers_and_a_checkbox() {
        let e = build_event(
            "collective_decision",
            &form(&[
                ("meeting.kind", "executive"),
                ("meeting.date", "2024-03-01"),
                ("meeting.members_total", "9"),
                ("meeting.members_present", "8"),
                ("majority", "approve"),
                ("head_decision", "approve"),
                ("reason", ""),
                ("at", "2024-03-01T11:00"),
            ]),
            offset(),
            Lang::Zh,
        )
        .unwrap();
        assert_eq!(
            e,
            json!({"type": "collective_decision",
                   "meeting": {"kind": "executive", "date": "2024-03-01", "members_total": 9, "members_present": 8},
                   "majority": "approve", "head_decision": "approve", "dissent_recorded": false,
                   "at": "2024-03-01T11:00:00+08:00"})
        );
    }

    #[test]
    fn malformed_fields_are_refused_with_a_plain_message() {
        let e = build_event(
            "risk_assessment",
            &form(&[("level", "huge")]),
            offset(),
            Lang::En,
        )
        .unwrap_err();
        assert!(
            e.contains("Risk level") && e.contains("low, medium, high"),
            "{e}"
        );
        let e = build_event(
            "draft",
            &form(&[("version", "v1"), ("sha256", "xyz")]),
            offset(),
            Lang::Zh,
        )
        .unwrap_err();
        assert!(e.contains("64 位十六进制"), "{e}");
        let e = build_event(
            "collective_decision",
            &form(&[
                ("meeting.kind", "executive"),
                ("meeting.date", "2024-13-01"),
            ]),
            offset(),
            Lang::Zh,
        )
        .unwrap_err();
        assert!(e.contains("会议日期"), "{e}");
        let e = build_event("public_participation", &form(&[]), offset(), Lang::En).unwrap_err();
        assert!(e.contains("Methods") && e.contains("required"), "{e}");
        let e = build_event(
            "published",
            &form(&[("at", "yesterday")]),
            offset(),
            Lang::En,
        )
        .unwrap_err();
        assert!(e.contains("2024-03-01T10:00"), "{e}");
    }

    #[test]
    fn experts_rows_and_methods_checkboxes_become_arrays() {
        let e = build_event(
            "expert_review",
            &form(&[
                ("experts.0.name", "赵工"),
                ("experts.0.signed", "true"),
                ("experts.2.name", "钱教授"),
                ("experts.2.conflict_of_interest", "true"),
            ]),
            offset(),
            Lang::Zh,
        )
        .unwrap();
        assert_eq!(
            e["experts"],
            json!([{"name": "赵工", "signed": true, "conflict_of_interest": false},
                   {"name": "钱教授", "signed": false, "conflict_of_interest": true}])
        );
        let e = build_event(
            "public_participation",
            &form(&[
                ("methods.public_comment", "true"),
                ("methods.hearing", "true"),
                ("hearing.date", "2024-02-20"),
            ]),
            offset(),
            Lang::Zh,
        )
        .unwrap();
        assert_eq!(e["methods"], json!(["public_comment", "hearing"]));
        assert_eq!(e["hearing"], json!({"date": "2024-02-20"}));
    }
}
