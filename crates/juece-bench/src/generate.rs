//! A deterministic generator of realistic `juece-cases/2` files (procedure version 2).
//!
//! Case `i` of seed `s` depends only on `(s, i)`: a file of 400 cases is the first 400 cases of
//! the file of 100 000, and the same seed always gives the same bytes.
//!
//! The mix: all five categories; about a third of the cases technical and a third with a
//! stability risk; some with a required hearing, some confidential, some concerning market
//! entities (these with a fair-competition review before the meeting, Art. 29); both shipped
//! workflows (`decree-713` and `local-strict`); cases opened from 2019 to 2026 with every date,
//! deadline and meeting inside the official holiday calendar (2019–2026) and every meeting on or
//! before [`LAST_MEETING`] (one defect excepted, see [`Defect::CalendarEstimated`]); paths through
//! modify, defer, rediscuss and reject as well as approve, review cycles that send a draft back,
//! and cases still in preparation. About three cases in ten were entered live from some event
//! on: those events carry `recorded_at`, within the 3-day grace of `BACKFILLED`; the others
//! carry none (imported from before version 2).
//!
//! One case in ten (those with `index % 10 == 7`, see [`defect_for`]) carries exactly one
//! procedural defect, cycling through [`Defect::ALL`] so that every finding code of the
//! procedure appears once any 300 consecutive cases are generated. [`Defect::expected_codes`]
//! says which findings the audit must report for it, as of [`AUDIT_AS_OF`]; every other case is
//! clean: it audits with no finding at all. No event is dated after [`LAST_EVENT`]: the
//! `CALENDAR_ESTIMATED` case reaches 2027 through its pending publication deadline (approved in
//! December 2026 under `local-strict`, unpublished on the audit date), not through its events.
//!
//! Lawful dates are picked with the shipped calendar: the comment period is at least 30 days
//! counted inclusively, and a meeting is at least the 8th working day after the latest legality
//! review submission, so that at least 7 working days lie strictly between them.

use std::fmt;
use std::io::Write;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use juece_core::calendar::Calendar;
use juece_core::casefile::{case_to_json, CASES_FORMAT};
use juece_core::event::{
    Attributes, Case, CaseHeader, CollectiveDecision, Draft, Event, EventBody, Expert,
    ExpertReview, FairCompetitionConclusion, FairCompetitionReview, Hearing, Meeting, Override,
    Period, PublicParticipation, Publication, ReviewSignoff, ReviewSubmission, RiskAssessment,
    Voided, Waiver,
};
use juece_core::finding::Code;
use juece_core::ids::{
    Category, Conclusion, MeetingKind, Outcome, ParticipationMethod, RiskLevel, Role, Step,
    WaiverReason,
};
use sha2::{Digest, Sha256};

/// The audit date the expected findings hold for (and the end of the holiday calendar).
pub const AUDIT_AS_OF: (i32, u32, u32) = (2026, 12, 31);
/// No meeting is later than this day, except the one of a [`Defect::CalendarEstimated`] case: it
/// approves in December 2026 (on or before [`LAST_EVENT`]), so that its pending publication
/// deadline runs into 2027, a year the official calendar does not cover.
pub const LAST_MEETING: (i32, u32, u32) = (2026, 9, 30);
/// No event is later than this day, so that a live write on 2026-12-31 comes after every case's
/// history.
pub const LAST_EVENT: (i32, u32, u32) = (2026, 12, 20);
/// The first day a case may be opened.
const FIRST_OPENED: (i32, u32, u32) = (2019, 1, 2);
/// The last day a case may be opened.
const LAST_OPENED: (i32, u32, u32) = (2026, 4, 30);
/// The days a [`Defect::CalendarEstimated`] case is opened between, so that its history reaches
/// a December 2026 meeting.
const LATE_OPENED: ((i32, u32, u32), (i32, u32, u32)) = ((2026, 7, 20), (2026, 9, 20));
/// `publication_deadline_working_days` of `local-strict`: a [`Defect::CalendarEstimated`] case is
/// approved so late that this many working days after the meeting run into 2027.
const LOCAL_STRICT_PUBLICATION_DAYS: u32 = 20;
/// `backfill_grace_days` of both shipped profiles: an event entered more calendar days than this
/// after it happened is `BACKFILLED`.
const BACKFILL_GRACE_DAYS: i64 = 3;

/// A generation failure (a bug in the generator, or a calendar it cannot use).
#[derive(Debug)]
pub struct GenError(String);

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GenError {}

fn gen_err(message: impl Into<String>) -> GenError {
    GenError(message.into())
}

fn date(ymd: (i32, u32, u32)) -> Result<NaiveDate, GenError> {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2)
        .ok_or_else(|| gen_err(format!("invalid date {ymd:?}")))
}

/// The audit date of [`AUDIT_AS_OF`].
pub fn audit_as_of() -> Result<NaiveDate, GenError> {
    date(AUDIT_AS_OF)
}

macro_rules! defects {
    ($( $variant:ident => [$($code:ident),+]; )+) => {
        /// The procedural defect injected into a case, named after the finding code it causes
        /// (each variant has the name of a [`Code`] variant).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Defect {
            $(
                #[doc = concat!("Causes `", stringify!($variant), "`.")]
                $variant,
            )+
        }

        impl Defect {
            /// Every defect, in the order of the finding codes of procedure.md.
            pub const ALL: &'static [Defect] = &[$(Defect::$variant),+];

            /// The finding code the defect is named after.
            pub fn code(self) -> Code {
                match self { $(Defect::$variant => Code::$variant),+ }
            }

            /// Every finding code the audit reports for a case with this defect (as of
            /// [`AUDIT_AS_OF`]), sorted: the defect's own code and any it implies.
            pub fn expected_codes(self) -> Vec<Code> {
                let mut codes = match self { $(Defect::$variant => vec![$(Code::$code),+]),+ };
                codes.sort();
                codes
            }
        }
    };
}

defects! {
    SkippedStep => [SkippedStep];
    OutOfOrder => [OutOfOrder];
    WaivedStep => [WaivedStep];
    ImproperWaiver => [ImproperWaiver, SkippedStep];
    ShortCommentPeriod => [ShortCommentPeriod];
    ShortenedCommentPeriod => [ShortenedCommentPeriod];
    HearingMissing => [HearingMissing];
    ExpertQuorum => [ExpertQuorum];
    UnsignedExpertOpinion => [UnsignedExpertOpinion];
    ConflictedExpert => [ConflictedExpert];
    UncontrolledRisk => [UncontrolledRisk];
    UnlawfulReviewIgnored => [UnlawfulReviewIgnored];
    LegalRiskStated => [LegalRiskStated];
    StaleLegalityReview => [StaleLegalityReview];
    ShortReviewWindow => [ShortReviewWindow];
    ShortenedReviewWindow => [ShortenedReviewWindow];
    FairCompetitionReviewMissing => [FairCompetitionReviewMissing];
    UnauthorizedSigner => [UnauthorizedSigner];
    SelfReview => [SelfReview];
    ImproperMeeting => [ImproperMeeting];
    NoQuorum => [NoQuorum];
    UnexplainedHeadDecision => [UnexplainedHeadDecision];
    NoPartyReport => [NoPartyReport];
    NotPublished => [NotPublished];
    NotArchived => [NotArchived];
    DeferredTooLong => [DeferredTooLong];
    GuardOverridden => [ShortReviewWindow, GuardOverridden];
    Backfilled => [Backfilled];
    VoidedEvent => [VoidedEvent];
    CalendarEstimated => [CalendarEstimated];
}

/// The defect case `index` carries, if any: one case in ten, cycling through [`Defect::ALL`].
pub fn defect_for(index: usize) -> Option<Defect> {
    if index % 10 == 7 {
        Defect::ALL.get((index / 10) % Defect::ALL.len()).copied()
    } else {
        None
    }
}

/// One generated case, with the defect it carries.
#[derive(Debug, Clone)]
pub struct GeneratedCase {
    /// The case, as it is written to the file.
    pub case: Case,
    /// The injected defect; `None` for a clean case.
    pub defect: Option<Defect>,
}

/// What [`write_cases`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Cases written.
    pub cases: usize,
    /// Events written.
    pub events: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Cases carrying a defect.
    pub defective: usize,
    /// The reference of the first case.
    pub first_ref: Option<String>,
    /// The reference of the middle case (index `cases / 2`).
    pub middle_ref: Option<String>,
}

/// Generates the cases of one seed, in order.
pub struct Generator {
    seed: u64,
    calendar: Calendar,
    next: usize,
    total: usize,
}

impl Generator {
    /// A generator of `cases` cases from `seed`.
    pub fn new(seed: u64, cases: usize) -> Result<Generator, GenError> {
        let calendar = juece_core::builtin::calendar()
            .map_err(|e| gen_err(format!("the shipped calendar: {e}")))?;
        Ok(Generator {
            seed,
            calendar,
            next: 0,
            total: cases,
        })
    }

    /// Case `index` of this seed.
    pub fn case(&self, index: usize) -> Result<GeneratedCase, GenError> {
        let mut rng = fastrand::Rng::with_seed(case_seed(self.seed, index));
        let defect = defect_for(index);
        // A draw whose dates run past the calendar or the last meeting day is drawn again; the
        // redraws come from the same per-case stream, so the result stays deterministic.
        for _ in 0..200 {
            if let Some(case) = Plan::draw(&self.calendar, index, defect, &mut rng)? {
                return Ok(GeneratedCase { case, defect });
            }
        }
        Err(gen_err(format!(
            "case {index}: no draw fits the calendar after 200 tries"
        )))
    }
}

impl Iterator for Generator {
    type Item = Result<GeneratedCase, GenError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.total {
            return None;
        }
        let case = self.case(self.next);
        self.next += 1;
        Some(case)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.total - self.next;
        (left, Some(left))
    }
}

/// SplitMix64 of the seed and the index: independent, well-mixed streams per case.
fn case_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed
        ^ (index as u64)
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Writes `cases` cases of `seed` as one `juece-cases/2` document, one case per line, and
/// calls `on_case` with each (for a manifest of the injected defects).
pub fn write_cases<W: Write>(
    out: W,
    seed: u64,
    cases: usize,
    mut on_case: impl FnMut(&GeneratedCase) -> Result<(), GenError>,
) -> Result<Summary, GenError> {
    let mut out = CountingWriter {
        inner: out,
        bytes: 0,
    };
    let io = |e: std::io::Error| gen_err(format!("cannot write the case file: {e}"));
    let mut summary = Summary::default();
    write!(out, "{{\"format\":\"{CASES_FORMAT}\",\"cases\":[").map_err(io)?;
    for (i, generated) in Generator::new(seed, cases)?.enumerate() {
        let generated = generated?;
        out.write_all(if i == 0 { b"\n" } else { b",\n" })
            .map_err(io)?;
        let value = case_to_json(&generated.case, &generated.case.header.workflow);
        serde_json::to_writer(&mut out, &value)
            .map_err(|e| gen_err(format!("cannot write case {i}: {e}")))?;
        summary.cases += 1;
        summary.events += generated.case.events.len();
        if generated.defect.is_some() {
            summary.defective += 1;
        }
        if i == 0 {
            summary.first_ref = Some(generated.case.header.case_ref.clone());
        }
        if i == cases / 2 {
            summary.middle_ref = Some(generated.case.header.case_ref.clone());
        }
        on_case(&generated)?;
    }
    out.write_all(b"\n]}\n").map_err(io)?;
    out.flush().map_err(io)?;
    summary.bytes = out.bytes;
    Ok(summary)
}

struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

// ---- vocabularies of names ----

const ORGANS: &[&str] = &[
    "临江县",
    "青山县",
    "白石县",
    "安平县",
    "东河县",
    "西岭县",
    "南屏县",
    "北川县",
    "清水市",
    "云台市",
    "永和县",
    "凤鸣县",
    "长乐县",
    "石门县",
    "桃源县",
    "望海市",
];

const UNITS: &[&str] = &[
    "住房和城乡建设局",
    "自然资源局",
    "发展和改革局",
    "生态环境局",
    "交通运输局",
    "教育局",
    "卫生健康局",
    "市场监督管理局",
    "水利局",
    "农业农村局",
    "民政局",
    "财政局",
];

const TOPICS: &[&str] = &[
    "老旧小区改造",
    "城区停车管理",
    "农村生活污水治理",
    "中小学校布局调整",
    "城乡供水一体化",
    "生活垃圾分类",
    "公共租赁住房保障",
    "历史文化街区保护",
    "工业园区扩区",
    "城市公交线网优化",
    "医疗卫生服务体系建设",
    "矿产资源开发利用",
    "河道综合治理",
    "养老服务体系建设",
    "营商环境优化",
    "集体土地征收补偿",
];

const LEGAL_OFFICE: &[&str] = &["王敏", "刘芳", "陈静", "杨洋", "黄丽", "徐婷"];
const UNIT_STAFF: &[&str] = &[
    "李强", "张伟", "赵磊", "周杰", "吴涛", "郑浩", "孙亮", "马骏",
];
const LAWYERS: &[&str] = &["陈律师", "何律师", "郭律师", "罗律师", "梁律师", "宋律师"];
const SECRETARIES: &[&str] = &["周秘书", "钱秘书", "韩秘书", "冯秘书"];
const HEADS: &[&str] = &["赵县长", "钱县长", "孙市长", "李县长"];
const EXPERTS: &[&str] = &[
    "赵工",
    "钱教授",
    "孙研究员",
    "李高工",
    "周教授",
    "吴研究员",
    "郑工",
    "王教授",
    "冯研究员",
    "陈工",
];
const MEASURES: &[&str] = &[
    "分期实施，设立投诉专线",
    "开展入户宣传，设立过渡安置",
    "建立应急处置预案，定期评估",
    "先行试点，逐步推开",
];
const CHANNELS: &[&str] = &["政府网站", "政府公报", "政务新媒体"];

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    // Every list above is non-empty.
    &items[rng.usize(..items.len())]
}

fn name(rng: &mut fastrand::Rng, names: &[&'static str]) -> &'static str {
    names[rng.usize(..names.len())]
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn sha(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A history being built in time order. Each event gets a time on its date that is not
/// earlier than the previous event's.
struct History {
    events: Vec<Event>,
    last: Option<NaiveDateTime>,
    offset: FixedOffset,
}

/// `None` from a step of the plan: this draw does not fit (calendar, bounds, order); draw again.
type Fit<T> = Result<Option<T>, GenError>;

impl History {
    fn new() -> Result<History, GenError> {
        Ok(History {
            events: Vec::new(),
            last: None,
            offset: FixedOffset::east_opt(8 * 3600).ok_or_else(|| gen_err("offset"))?,
        })
    }

    fn last_date(&self) -> Option<NaiveDate> {
        self.last.map(|t| t.date())
    }

    /// Appends an event on `day`; `false` when `day` is before the last event's day.
    fn push(
        &mut self,
        rng: &mut fastrand::Rng,
        day: NaiveDate,
        actor: &str,
        role: Role,
        body: EventBody,
    ) -> Result<bool, GenError> {
        let time = match self.last {
            Some(last) if day < last.date() => return Ok(false),
            Some(last) if day == last.date() => {
                let t = last + Duration::minutes(rng.i64(5..=60));
                if t.date() == day {
                    t
                } else {
                    last
                }
            }
            _ => {
                let start = NaiveTime::from_hms_opt(8, 30, 0).ok_or_else(|| gen_err("time"))?;
                day.and_time(start) + Duration::minutes(30 * rng.i64(0..=16))
            }
        };
        self.push_at(time, actor, role, body)?;
        Ok(true)
    }

    /// Appends an event at exactly the time of the previous one (an override beside its gate).
    fn push_beside(&mut self, actor: &str, role: Role, body: EventBody) -> Result<(), GenError> {
        let time = self
            .last
            .ok_or_else(|| gen_err("an override needs a gate before it"))?;
        self.push_at(time, actor, role, body)
    }

    fn push_at(
        &mut self,
        time: NaiveDateTime,
        actor: &str,
        role: Role,
        body: EventBody,
    ) -> Result<(), GenError> {
        let at = self.local(time)?;
        self.events.push(Event {
            at,
            recorded_at: None,
            actor: actor.to_owned(),
            role,
            body,
        });
        self.last = Some(time);
        Ok(())
    }

    fn local(&self, time: NaiveDateTime) -> Result<DateTime<FixedOffset>, GenError> {
        time.and_local_timezone(self.offset)
            .single()
            .ok_or_else(|| gen_err("a fixed offset maps every time once"))
    }

    /// Live use from event `from` on: each event gets a `recorded_at` as live use sets it from
    /// the clock — in `seq` order, never before its `at`, most the same day, some one to three
    /// days later, never on a date more than [`BACKFILL_GRACE_DAYS`] after its `at` nor after
    /// [`LAST_EVENT`].
    fn stamp_live(&mut self, rng: &mut fastrand::Rng, from: usize) -> Result<(), GenError> {
        let last_event = date(LAST_EVENT)?;
        let morning = NaiveTime::from_hms_opt(8, 30, 0).ok_or_else(|| gen_err("time"))?;
        let mut previous: Option<NaiveDateTime> = None;
        for i in from..self.events.len() {
            let at = self.events[i].at.naive_local();
            let late = if rng.u32(..10) < 7 {
                0
            } else {
                rng.i64(1..=BACKFILL_GRACE_DAYS)
            };
            let candidate = if late == 0 {
                at + Duration::minutes(rng.i64(1..=240))
            } else {
                (at.date() + days(late)).and_time(morning) + Duration::minutes(30 * rng.i64(0..=18))
            };
            let candidate = if candidate.date() > last_event {
                at
            } else {
                candidate
            };
            // The clock never goes back: an entry is never earlier than the one before it
            // (which was itself within the grace of an earlier or equal `at`).
            let recorded = previous.map_or(candidate, |p| p.max(candidate));
            previous = Some(recorded);
            self.events[i].recorded_at = Some(self.local(recorded)?);
        }
        Ok(())
    }

    /// BACKFILLED: one event, not the opening, entered 4 to 45 days after it happened (and no
    /// later than [`LAST_EVENT`]); the case's other events carry no `recorded_at`.
    fn backfill(&mut self, rng: &mut fastrand::Rng) -> Fit<()> {
        let last_event = date(LAST_EVENT)?;
        let min_late = BACKFILL_GRACE_DAYS + 1;
        let candidates: Vec<usize> = (1..self.events.len())
            .filter(|&i| self.events[i].at.date_naive() + days(min_late) <= last_event)
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }
        let k = *pick(rng, &candidates);
        let happened = self.events[k].at.date_naive();
        let room = (last_event - happened).num_days().min(45);
        let entered = happened + days(rng.i64(min_late..=room));
        let time = NaiveTime::from_hms_opt(9, 0, 0).ok_or_else(|| gen_err("time"))?;
        let recorded = entered.and_time(time) + Duration::minutes(30 * rng.i64(0..=16));
        self.events[k].recorded_at = Some(self.local(recorded)?);
        Ok(Some(()))
    }
}

/// The first meeting's outcome on a clean case, or the case stopping before any meeting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Approve,
    Modify,
    Defer,
    Rediscuss,
    Reject,
    InPreparation,
}

/// The people of one case.
struct People {
    clerk: &'static str,
    other_clerk: &'static str,
    drafter: &'static str,
    lawyer: &'static str,
    lawyer_role: Role,
    secretary: &'static str,
    head: &'static str,
}

struct Plan<'a> {
    calendar: &'a Calendar,
    defect: Option<Defect>,
    attrs: Attributes,
    local_strict: bool,
    people: People,
    history: History,
    version: u32,
    case_ref: String,
}

impl<'a> Plan<'a> {
    /// Draws one case; `Ok(None)` when the draw does not fit and must be drawn again.
    fn draw(
        calendar: &'a Calendar,
        index: usize,
        defect: Option<Defect>,
        rng: &mut fastrand::Rng,
    ) -> Fit<Case> {
        use Defect as D;
        let local_strict = match defect {
            Some(
                D::NoQuorum
                | D::NotPublished
                | D::NotArchived
                | D::DeferredTooLong
                | D::CalendarEstimated,
            ) => true,
            // `local-strict` refuses shortening: the reason would change nothing.
            Some(D::ShortenedReviewWindow) => false,
            _ => rng.u32(..10) < 4,
        };
        let category = *pick(rng, Category::ALL);
        let mut attrs = Attributes {
            technical: rng.u32(..3) == 0,
            stability_risk: rng.u32(..3) == 0,
            hearing_required: rng.u32(..100) < 8,
            confidential: rng.u32(..100) < 5,
            market_entities: rng.u32(..5) == 0,
        };
        if defect.is_some() {
            attrs.confidential = false;
        }
        match defect {
            Some(
                D::SkippedStep
                | D::ImproperWaiver
                | D::ExpertQuorum
                | D::UnsignedExpertOpinion
                | D::ConflictedExpert,
            ) => attrs.technical = true,
            Some(D::UncontrolledRisk | D::WaivedStep | D::OutOfOrder) => {
                attrs.stability_risk = true
            }
            Some(D::HearingMissing) => attrs.hearing_required = true,
            Some(D::FairCompetitionReviewMissing) => attrs.market_entities = true,
            _ => {}
        }
        let lawyer_role = *pick(
            rng,
            &[
                Role::PublicLawyer,
                Role::LegalCounsel,
                Role::LegalityReviewer,
            ],
        );
        let clerk_i = rng.usize(..LEGAL_OFFICE.len());
        let people = People {
            clerk: LEGAL_OFFICE[clerk_i],
            other_clerk: LEGAL_OFFICE[(clerk_i + 1) % LEGAL_OFFICE.len()],
            drafter: name(rng, UNIT_STAFF),
            lawyer: name(rng, LAWYERS),
            lawyer_role,
            secretary: name(rng, SECRETARIES),
            head: name(rng, HEADS),
        };
        let organ = *pick(rng, ORGANS);
        let unit = *pick(rng, UNITS);
        let topic = *pick(rng, TOPICS);
        let (first, last) = if defect == Some(D::CalendarEstimated) {
            (date(LATE_OPENED.0)?, date(LATE_OPENED.1)?)
        } else {
            (date(FIRST_OPENED)?, date(LAST_OPENED)?)
        };
        let span = (last - first).num_days();
        let opened = first + days(rng.i64(0..=span));
        let year = opened.format("%Y");
        let case_ref = format!("{organ}政府〔{year}〕重大决策{}号", index + 1);
        let title = match category {
            Category::PublicPolicy => format!("关于{topic}的实施意见"),
            Category::Plan => format!("{organ}{topic}三年行动方案"),
            Category::Resources => format!("{topic}资源配置方案"),
            Category::PublicConstruction => format!("{topic}重点建设项目"),
            Category::Other => format!("{topic}工作方案"),
        };
        let workflow = if local_strict {
            "local-strict"
        } else {
            "decree-713"
        };
        let mut plan = Plan {
            calendar,
            defect,
            attrs,
            local_strict,
            people,
            history: History::new()?,
            version: 0,
            case_ref: case_ref.clone(),
        };
        let Some(()) = plan.history_from(rng, opened)? else {
            return Ok(None);
        };
        // When the events were entered (`recorded_at`): one entered after the fact for
        // BACKFILLED; on some other cases, live use from some event on, each entered within the
        // grace period; on the rest, none (imported from before version 2).
        if defect == Some(D::Backfilled) {
            let Some(()) = plan.history.backfill(rng)? else {
                return Ok(None);
            };
        } else if rng.u32(..100) < 30 {
            let from = rng.usize(..plan.history.events.len());
            plan.history.stamp_live(rng, from)?;
        }
        Ok(Some(Case {
            header: CaseHeader {
                case_ref,
                title,
                organ: format!("{organ}人民政府"),
                undertaking_unit: format!("{organ}{unit}"),
                category,
                workflow: workflow.to_owned(),
                attributes: plan.attrs,
                catalogue: None,
            },
            events: plan.history.events,
        }))
    }

    fn push(
        &mut self,
        rng: &mut fastrand::Rng,
        day: NaiveDate,
        actor: &str,
        role: Role,
        body: EventBody,
    ) -> Fit<()> {
        Ok(self
            .history
            .push(rng, day, actor, role, body)?
            .then_some(()))
    }

    fn draft(&mut self, rng: &mut fastrand::Rng, day: NaiveDate) -> Fit<String> {
        self.version += 1;
        let version = format!("v{}", self.version);
        let body = EventBody::Draft(Draft {
            version: version.clone(),
            sha256: sha(&format!("{}#{version}", self.case_ref)),
        });
        let drafter = self.people.drafter;
        Ok(self
            .push(rng, day, drafter, Role::UndertakingUnit, body)?
            .map(|()| version))
    }

    fn add_working_days(&self, from: NaiveDate, n: u32) -> Option<NaiveDate> {
        self.calendar.add_working_days(from, n).map(|d| d.value)
    }

    /// The whole history from the opening day.
    fn history_from(&mut self, rng: &mut fastrand::Rng, opened: NaiveDate) -> Fit<()> {
        use Defect as D;
        let defect = self.defect;
        let clerk = self.people.clerk;
        let drafter = self.people.drafter;
        if self
            .push(rng, opened, clerk, Role::LegalOffice, EventBody::Opened)?
            .is_none()
        {
            return Ok(None);
        }
        let v1_day = opened + days(rng.i64(2..=15));
        let Some(mut current) = self.draft(rng, v1_day)? else {
            return Ok(None);
        };

        // Fact-finding, in parallel after the first draft: collected, then recorded by date.
        let mut staged: Vec<(NaiveDate, &'static str, Role, EventBody)> = Vec::new();
        if !self.attrs.confidential {
            self.stage_participation(rng, v1_day, &mut staged);
        }
        let needs_er = self.attrs.technical || self.local_strict;
        let needs_ra = self.attrs.stability_risk || self.local_strict;
        match defect {
            Some(D::SkippedStep) => {}
            Some(D::ImproperWaiver) => staged.push((
                v1_day + days(rng.i64(5..=30)),
                clerk,
                Role::LegalOffice,
                EventBody::Waived(Waiver {
                    step: Step::ExpertReview,
                    reason: WaiverReason::Other,
                    basis: Some("时间紧迫，经研究不再组织专家论证".to_owned()),
                }),
            )),
            _ if needs_er || rng.u32(..10) == 0 => self.stage_experts(rng, v1_day, &mut staged),
            _ => {}
        }
        let mut late_risk: Option<EventBody> = None;
        match defect {
            Some(D::WaivedStep) => staged.push((
                v1_day + days(rng.i64(5..=30)),
                clerk,
                Role::LegalOffice,
                EventBody::Waived(Waiver {
                    step: Step::RiskAssessment,
                    reason: WaiverReason::CoveredElsewhere,
                    basis: Some("已依照《重大决策社会稳定风险评估办法》开展评估".to_owned()),
                }),
            )),
            Some(D::OutOfOrder) => late_risk = Some(risk(rng, true)),
            _ if needs_ra => self.stage_risk(rng, v1_day, &mut staged),
            _ => {}
        }
        // Art. 29 (1): a case concerning market entities takes a fair-competition review to the
        // meeting; the undertaking unit records it while drafting.
        if self.attrs.market_entities && defect != Some(D::FairCompetitionReviewMissing) {
            staged.push((
                v1_day + days(rng.i64(10..=40)),
                drafter,
                Role::UndertakingUnit,
                fair_competition(rng),
            ));
        }
        staged.sort_by_key(|(day, ..)| *day);
        for (day, actor, role, body) in staged {
            if self.push(rng, day, actor, role, body)?.is_none() {
                return Ok(None);
            }
        }
        let Some(mut last) = self.history.last_date() else {
            return Ok(None);
        };

        // The draft revised after the comments.
        if rng.u32(..10) < 8 {
            last += days(rng.i64(1..=6));
            let Some(v) = self.draft(rng, last)? else {
                return Ok(None);
            };
            current = v;
        }

        // Legality review: a submission, sometimes a review cycle that sends the draft back,
        // then the sign-off the meeting relies on.
        let short_window = matches!(
            defect,
            Some(D::ShortReviewWindow | D::ShortenedReviewWindow | D::GuardOverridden)
        );
        let mut submitted = last + days(rng.i64(1..=5));
        if self.submit(rng, submitted, &current, drafter)?.is_none() {
            return Ok(None);
        }
        if let Some(body) = late_risk {
            // OUT_OF_ORDER: the risk assessment arrives after the submission.
            if self
                .push(rng, submitted, drafter, Role::UndertakingUnit, body)?
                .is_none()
            {
                return Ok(None);
            }
        }
        if defect.is_none() && rng.u32(..10) < 3 {
            let back_day = submitted + days(rng.i64(2..=6));
            let conclusion = if rng.bool() {
                Conclusion::LawfulWithChanges
            } else {
                Conclusion::Unlawful
            };
            if self
                .sign(
                    rng,
                    back_day,
                    &current,
                    conclusion,
                    "建议修改后重新报送审查",
                )?
                .is_none()
            {
                return Ok(None);
            }
            let revised = back_day + days(rng.i64(1..=5));
            let Some(v) = self.draft(rng, revised)? else {
                return Ok(None);
            };
            current = v;
            submitted = back_day + days(rng.i64(6..=8));
            if self.submit(rng, submitted, &current, drafter)?.is_none() {
                return Ok(None);
            }
        }
        if defect.is_none() && rng.u32(..100) < 3 {
            // Still in preparation: submitted, not yet signed off or discussed.
            return self.fits();
        }
        let signed_on = if short_window {
            submitted
        } else {
            submitted + days(rng.i64(1..=5))
        };
        let conclusion = match defect {
            Some(D::UnlawfulReviewIgnored) => Conclusion::Unlawful,
            Some(D::LegalRiskStated) => Conclusion::Exploratory,
            _ if rng.u32(..5) == 0 => Conclusion::LawfulWithChanges,
            _ => Conclusion::Lawful,
        };
        let opinion = match conclusion {
            Conclusion::Unlawful => "草案部分条款与上位法不一致",
            Conclusion::Exploratory => "属于探索性改革，国家尚无明确规定，法律风险已予说明",
            _ => "经审查，草案符合法律法规规定",
        };
        if self
            .sign(rng, signed_on, &current, conclusion, opinion)?
            .is_none()
        {
            return Ok(None);
        }
        if defect == Some(D::StaleLegalityReview) {
            // A revision after the sign-off, discussed without a fresh review.
            if self.draft(rng, signed_on + days(1))?.is_none() {
                return Ok(None);
            }
        }

        // The first meeting.
        let meeting = if defect == Some(D::CalendarEstimated) {
            let Some(day) = self.december_meeting(rng, submitted) else {
                return Ok(None);
            };
            day
        } else {
            let window = if short_window {
                rng.u32(1..=7)
            } else {
                rng.u32(8..=20)
            };
            let Some(day) = self.add_working_days(submitted, window) else {
                return Ok(None);
            };
            day
        };
        let path = match defect {
            Some(D::DeferredTooLong) => Path::Defer,
            Some(_) => Path::Approve,
            None => match rng.u32(..100) {
                0..=75 => Path::Approve,
                76..=83 => Path::Modify,
                84..=88 => Path::Defer,
                89..=93 => Path::Rediscuss,
                94..=98 => Path::Reject,
                _ => Path::InPreparation,
            },
        };
        if path == Path::InPreparation {
            return self.fits();
        }
        let first = match path {
            Path::Modify => Outcome::Modify,
            Path::Defer => Outcome::Defer,
            Path::Rediscuss => Outcome::Rediscuss,
            Path::Reject => Outcome::Reject,
            Path::Approve | Path::InPreparation => Outcome::Approve,
        };
        if self.meet(rng, meeting, first)?.is_none() {
            return Ok(None);
        }
        if defect == Some(D::GuardOverridden) {
            let head = self.people.head;
            self.history.push_beside(
                head,
                Role::Head,
                EventBody::Override(Override {
                    unmet: vec!["SHORT_REVIEW_WINDOW".to_owned()],
                    justification: "防汛抢险，必须当日决定".to_owned(),
                }),
            )?;
        }

        // What follows the first meeting.
        let decided = match path {
            Path::Approve => meeting,
            Path::Reject => {
                let archived = meeting + days(rng.i64(5..=40));
                if self
                    .push(rng, archived, clerk, Role::LegalOffice, EventBody::Archived)?
                    .is_none()
                {
                    return Ok(None);
                }
                return self.fits();
            }
            Path::Defer if defect == Some(D::DeferredTooLong) => {
                // Never discussed again: past the one-year lapse by the audit date.
                if meeting + days(366) >= audit_as_of()? {
                    return Ok(None);
                }
                return self.fits();
            }
            Path::Modify => {
                let revised = meeting + days(rng.i64(2..=10));
                let Some(v) = self.draft(rng, revised)? else {
                    return Ok(None);
                };
                let resubmitted = revised + days(rng.i64(1..=4));
                if self.submit(rng, resubmitted, &v, drafter)?.is_none() {
                    return Ok(None);
                }
                let signed = resubmitted + days(rng.i64(1..=5));
                if self
                    .sign(
                        rng,
                        signed,
                        &v,
                        Conclusion::Lawful,
                        "修改稿符合法律法规规定",
                    )?
                    .is_none()
                {
                    return Ok(None);
                }
                let Some(again) = self.add_working_days(resubmitted, rng.u32(8..=20)) else {
                    return Ok(None);
                };
                if self.meet(rng, again, Outcome::Approve)?.is_none() {
                    return Ok(None);
                }
                again
            }
            Path::Defer | Path::Rediscuss => {
                let later = if path == Path::Defer {
                    rng.u32(20..=150)
                } else {
                    rng.u32(5..=30)
                };
                let Some(again) = self.add_working_days(meeting, later) else {
                    return Ok(None);
                };
                if self.meet(rng, again, Outcome::Approve)?.is_none() {
                    return Ok(None);
                }
                again
            }
            Path::InPreparation => return self.fits(),
        };

        // After approval: party report, publication, archiving.
        if defect == Some(D::CalendarEstimated) {
            // Approved in December and, on the audit date, not yet published: the deadline is
            // still pending, and it lies in 2027. Sometimes reported to the Party committee.
            if rng.bool() {
                let reported = decided + days(rng.i64(1..=2));
                if self
                    .push(
                        rng,
                        reported,
                        clerk,
                        Role::LegalOffice,
                        EventBody::PartyReport,
                    )?
                    .is_none()
                {
                    return Ok(None);
                }
            }
            return self.fits();
        }
        // VOIDED_EVENT: an entry made by mistake, voided at once; the rules then leave it out
        // and the case is otherwise clean. Either the party report entered twice, or a
        // publication entered with the wrong channel and entered again.
        let void_report = defect == Some(D::VoidedEvent) && rng.bool();
        let void_publication = defect == Some(D::VoidedEvent) && !void_report;
        let mut day = decided;
        if defect != Some(D::NoPartyReport) {
            day = decided + days(rng.i64(1..=5));
            if self
                .push(rng, day, clerk, Role::LegalOffice, EventBody::PartyReport)?
                .is_none()
            {
                return Ok(None);
            }
            if void_report {
                if self
                    .push(rng, day, clerk, Role::LegalOffice, EventBody::PartyReport)?
                    .is_none()
                {
                    return Ok(None);
                }
                if self
                    .void_latest(rng, day, "同一请示报告重复录入")?
                    .is_none()
                {
                    return Ok(None);
                }
            }
        }
        if !self.attrs.confidential && defect != Some(D::NotPublished) {
            let Some(published) = self.add_working_days(day, rng.u32(1..=8)) else {
                return Ok(None);
            };
            day = published;
            let channel = rng.usize(..CHANNELS.len());
            if void_publication {
                let wrong = CHANNELS[(channel + 1) % CHANNELS.len()].to_owned();
                let body = EventBody::Published(Publication {
                    channel: Some(wrong),
                });
                if self
                    .push(rng, day, clerk, Role::LegalOffice, body)?
                    .is_none()
                {
                    return Ok(None);
                }
                if self
                    .void_latest(rng, day, "公布载体录入错误，重新录入")?
                    .is_none()
                {
                    return Ok(None);
                }
            }
            let body = EventBody::Published(Publication {
                channel: Some(CHANNELS[channel].to_owned()),
            });
            if self
                .push(rng, day, clerk, Role::LegalOffice, body)?
                .is_none()
            {
                return Ok(None);
            }
        }
        if defect != Some(D::NotArchived) {
            let archived = (day + days(rng.i64(3..=25)))
                .min(decided + days(55))
                .max(day);
            if self
                .push(rng, archived, clerk, Role::LegalOffice, EventBody::Archived)?
                .is_none()
            {
                return Ok(None);
            }
        }
        self.fits()
    }

    /// Whether the finished history stays inside the bounds.
    fn fits(&self) -> Fit<()> {
        let last_event = date(LAST_EVENT)?;
        let last_meeting = if self.defect == Some(Defect::CalendarEstimated) {
            last_event
        } else {
            date(LAST_MEETING)?
        };
        let ok = self.history.events.iter().all(|e| {
            e.date() <= last_event
                && e.at.date_naive() <= last_event
                && !matches!(&e.body, EventBody::CollectiveDecision(_) if e.date() > last_meeting)
        });
        Ok(ok.then_some(()))
    }

    /// CALENDAR_ESTIMATED: a December 2026 working day at least the 8th after `submitted`
    /// (a lawful review window), early enough to leave room for a party report by
    /// [`LAST_EVENT`], and late enough that the `local-strict` publication deadline counted from
    /// it needs estimated days of 2027. `None` when the submission came too late for one.
    fn december_meeting(&self, rng: &mut fastrand::Rng, submitted: NaiveDate) -> Option<NaiveDate> {
        let earliest = self.add_working_days(submitted, 8)?;
        let last = date(LAST_EVENT).ok()? - days(2);
        let november = NaiveDate::from_ymd_opt(2026, 11, 30)?;
        let candidates: Vec<NaiveDate> = (1..=20)
            .filter_map(|k| self.add_working_days(november, k))
            .filter(|&d| d >= earliest && d <= last)
            .filter(|&d| {
                self.calendar
                    .add_working_days(d, LOCAL_STRICT_PUBLICATION_DAYS)
                    .is_some_and(|deadline| deadline.is_estimated())
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        Some(*pick(rng, &candidates))
    }

    /// Voids the latest event (entered by mistake), as the legal office does at once.
    fn void_latest(&mut self, rng: &mut fastrand::Rng, day: NaiveDate, reason: &str) -> Fit<()> {
        let Some(latest) = self.history.events.len().checked_sub(1) else {
            return Ok(None);
        };
        let body = EventBody::Voided(Voided {
            event: latest as u64,
            reason: reason.to_owned(),
        });
        let clerk = self.people.clerk;
        self.push(rng, day, clerk, Role::LegalOffice, body)
    }

    fn submit(
        &mut self,
        rng: &mut fastrand::Rng,
        day: NaiveDate,
        draft: &str,
        submitter: &str,
    ) -> Fit<()> {
        let shortened_reason = (self.defect == Some(Defect::ShortenedReviewWindow))
            .then(|| "防汛应急工作需要，经批准缩短合法性审查期限".to_owned());
        let body = EventBody::ReviewSubmitted(ReviewSubmission {
            draft: draft.to_owned(),
            shortened_reason,
        });
        self.push(rng, day, submitter, Role::UndertakingUnit, body)
    }

    fn sign(
        &mut self,
        rng: &mut fastrand::Rng,
        day: NaiveDate,
        draft: &str,
        conclusion: Conclusion,
        opinion: &str,
    ) -> Fit<()> {
        let (signer, role) = match self.defect {
            Some(Defect::UnauthorizedSigner) => (self.people.other_clerk, Role::LegalOffice),
            Some(Defect::SelfReview) => (self.people.drafter, Role::PublicLawyer),
            _ => (self.people.lawyer, self.people.lawyer_role),
        };
        let body = EventBody::ReviewSigned(ReviewSignoff {
            draft: draft.to_owned(),
            conclusion,
            opinion: Some(opinion.to_owned()),
        });
        self.push(rng, day, signer, role, body)
    }

    fn meet(&mut self, rng: &mut fastrand::Rng, day: NaiveDate, head: Outcome) -> Fit<()> {
        let total = rng.u32(7..=15);
        let present = if self.defect == Some(Defect::NoQuorum) {
            rng.u32(1..=total / 2)
        } else {
            rng.u32(total / 2 + 1..=total)
        };
        let kind = if self.defect == Some(Defect::ImproperMeeting) {
            *pick(rng, &[MeetingKind::Circulation, MeetingKind::Individual])
        } else if rng.u32(..5) == 0 {
            MeetingKind::Plenary
        } else {
            MeetingKind::Executive
        };
        let (majority, reason) = if self.defect == Some(Defect::UnexplainedHeadDecision) {
            (Outcome::Modify, None)
        } else if head == Outcome::Approve && rng.u32(..100) < 4 {
            (
                Outcome::Modify,
                Some("修改意见已在草案中吸收，同意实施".to_owned()),
            )
        } else {
            (head, None)
        };
        let body = EventBody::CollectiveDecision(CollectiveDecision {
            meeting: Meeting {
                kind,
                date: day,
                members_total: total,
                members_present: present,
            },
            majority,
            head_decision: head,
            reason,
            dissent_recorded: Some(rng.u32(..4) == 0),
        });
        let secretary = self.people.secretary;
        self.push(rng, day, secretary, Role::Secretary, body)
    }

    fn stage_participation(
        &self,
        rng: &mut fastrand::Rng,
        v1_day: NaiveDate,
        staged: &mut Vec<(NaiveDate, &'static str, Role, EventBody)>,
    ) {
        use Defect as D;
        let drafter = self.people.drafter;
        let mut day = v1_day;
        if rng.u32(..10) < 6 {
            // A first round without a public comment period.
            day += days(rng.i64(3..=12));
            let methods = match rng.u32(..4) {
                0 => vec![ParticipationMethod::Symposium],
                1 => vec![
                    ParticipationMethod::FieldVisit,
                    ParticipationMethod::Symposium,
                ],
                2 => vec![ParticipationMethod::WrittenConsultation],
                _ => vec![ParticipationMethod::Questionnaire],
            };
            let received = rng.u64(5..=80);
            staged.push((
                day,
                drafter,
                Role::UndertakingUnit,
                EventBody::PublicParticipation(PublicParticipation {
                    methods,
                    comment_period: None,
                    shortened_reason: None,
                    hearing: None,
                    opinions_received: Some(received),
                    opinions_adopted: Some(rng.u64(0..=received)),
                }),
            ));
        }
        let start = day + days(rng.i64(1..=7));
        let len = match self.defect {
            Some(D::ShortCommentPeriod | D::ShortenedCommentPeriod) => rng.i64(10..=29),
            _ => rng.i64(30..=45),
        };
        let end = start + days(len - 1);
        let mut methods = vec![ParticipationMethod::PublicComment];
        let hearing = if self.attrs.hearing_required && self.defect != Some(D::HearingMissing) {
            methods.push(ParticipationMethod::Hearing);
            Some(Hearing {
                date: start + days(rng.i64(3..=len - 3)),
            })
        } else {
            None
        };
        if rng.bool() {
            methods.push(ParticipationMethod::Symposium);
        }
        let shortened_reason = (self.defect == Some(D::ShortenedCommentPeriod))
            .then(|| "防汛应急工作需要，经批准缩短征求意见期限".to_owned());
        let received = rng.u64(10..=300);
        staged.push((
            end + days(rng.i64(1..=6)),
            drafter,
            Role::UndertakingUnit,
            EventBody::PublicParticipation(PublicParticipation {
                methods,
                comment_period: Some(Period { start, end }),
                shortened_reason,
                hearing,
                opinions_received: Some(received),
                opinions_adopted: Some(rng.u64(0..=received / 2)),
            }),
        ));
    }

    fn stage_experts(
        &self,
        rng: &mut fastrand::Rng,
        v1_day: NaiveDate,
        staged: &mut Vec<(NaiveDate, &'static str, Role, EventBody)>,
    ) {
        use Defect as D;
        let drafter = self.people.drafter;
        let day = v1_day + days(rng.i64(15..=50));
        let panel = |rng: &mut fastrand::Rng, n: usize| -> Vec<Expert> {
            let first = rng.usize(..EXPERTS.len());
            (0..n)
                .map(|k| Expert {
                    name: EXPERTS[(first + k) % EXPERTS.len()].to_owned(),
                    signed: true,
                    conflict_of_interest: false,
                })
                .collect()
        };
        if rng.u32(..5) == 0 {
            // An earlier round, complete in itself, before a supplementary one.
            let n = rng.usize(3..=4);
            staged.push((
                day - days(rng.i64(5..=12)),
                drafter,
                Role::UndertakingUnit,
                EventBody::ExpertReview(ExpertReview {
                    experts: panel(rng, n),
                }),
            ));
        }
        let mut experts = match self.defect {
            Some(D::ExpertQuorum) => panel(rng, 2),
            _ => {
                let n = rng.usize(3..=5);
                panel(rng, n)
            }
        };
        match self.defect {
            Some(D::UnsignedExpertOpinion) => experts.push(Expert {
                name: "某设计院".to_owned(),
                signed: false,
                conflict_of_interest: false,
            }),
            Some(D::ConflictedExpert) => experts.push(Expert {
                name: "某工程公司".to_owned(),
                signed: true,
                conflict_of_interest: true,
            }),
            _ => {}
        }
        staged.push((
            day,
            drafter,
            Role::UndertakingUnit,
            EventBody::ExpertReview(ExpertReview { experts }),
        ));
    }

    fn stage_risk(
        &self,
        rng: &mut fastrand::Rng,
        v1_day: NaiveDate,
        staged: &mut Vec<(NaiveDate, &'static str, Role, EventBody)>,
    ) {
        let drafter = self.people.drafter;
        let day = v1_day + days(rng.i64(15..=50));
        if rng.u32(..100) < 15 {
            // A first assessment that found the risk not controllable, then a reassessment.
            staged.push((
                day - days(rng.i64(5..=12)),
                drafter,
                Role::UndertakingUnit,
                EventBody::RiskAssessment(RiskAssessment {
                    level: RiskLevel::High,
                    controllable: false,
                    measures: None,
                }),
            ));
        }
        let controllable = self.defect != Some(Defect::UncontrolledRisk);
        staged.push((day, drafter, Role::UndertakingUnit, risk(rng, controllable)));
    }
}

fn fair_competition(rng: &mut fastrand::Rng) -> EventBody {
    let (conclusion, basis) = if rng.u32(..10) == 0 {
        (
            FairCompetitionConclusion::Exception,
            "为实现扶持中小企业发展的社会公共利益目标，适用《公平竞争审查条例》第十二条例外规定",
        )
    } else {
        (
            FairCompetitionConclusion::Compliant,
            "经审查，不含排除、限制竞争的内容，符合公平竞争审查标准",
        )
    };
    EventBody::FairCompetitionReview(FairCompetitionReview {
        conclusion,
        basis: basis.to_owned(),
        reviewer: rng.bool().then(|| "本单位公平竞争审查机构".to_owned()),
    })
}

fn risk(rng: &mut fastrand::Rng, controllable: bool) -> EventBody {
    let level = *pick(rng, &[RiskLevel::Low, RiskLevel::Medium, RiskLevel::High]);
    EventBody::RiskAssessment(RiskAssessment {
        level,
        controllable,
        measures: Some((*pick(rng, MEASURES)).to_owned()),
    })
}
