//! The one write path of live use: every writing command builds an event of the interchange
//! vocabulary and hands it here. The event is checked by the audit's evaluator against the
//! history read, then appended in one transaction that fails if the history changed meanwhile.

use chrono::{DateTime, FixedOffset};
use juece_core::calendar::Calendar;
use juece_core::casefile::check_case;
use juece_core::check::{check_event, CheckOutcome};
use juece_core::event::{parse_event, Event, EventBody, Override, Supplied};
use juece_core::ids::{Role, Severity, Step};
use juece_core::profile::Profile;
use juece_core::registry::Profiles;
use juece_core::Lang;

use crate::names::tr;
use juece_store::{Appended, Store, StoreError};
use serde_json::Value;

use crate::error::{EngineError, ErrorKind};
use crate::import::projection;
use crate::{load_profiles, Ctx};

/// Options every write takes (the command line's `--as`, `--override`, `--at`, `--command-id`;
/// the server's signed-in user, `override`, `expected_seq` and idempotency key).
#[derive(Clone, Default)]
pub struct WriteArgs {
    /// Who is recording (a user added with `juece user add`)
    pub as_user: Option<String>,
    /// Record a refused gate event anyway, with this written justification (heads only)
    pub override_justification: Option<String>,
    /// When it happened, RFC 3339 (default: now); not earlier than the case's last event
    pub at: Option<String>,
    /// An id for this write, so that a script can retry it safely: a retry with the same id
    /// writes nothing and says so
    pub command_id: Option<String>,
    /// The number of events the writer saw: the write is refused as a conflict when the case
    /// has another number of events by then
    pub expected_seq: Option<usize>,
}

/// What a write did: the text the command line prints, and the facts the server answers with.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The report, as `juece record` prints it.
    pub text: String,
    /// The case written to.
    pub case_ref: String,
    /// The sequence number of the (first) event written.
    pub seq: usize,
    /// How many events were written (2 with an override).
    pub count: usize,
    /// The event's time.
    pub at: Option<DateTime<FixedOffset>>,
    /// True when the command id had been used: nothing was written this time.
    pub replayed: bool,
    /// The findings the event raised, and the advisories (code, article, message zh, en).
    pub warnings: Vec<Warning>,
}

/// A finding or advisory raised by a recorded event.
#[derive(Debug, Clone)]
pub struct Warning {
    pub code: String,
    pub severity: &'static str,
    pub article: String,
    pub message_zh: String,
    pub message_en: String,
}

/// The person recording, with the roles they hold and the organs they belong to (empty: every
/// organ).
pub struct Actor {
    pub name: String,
    pub roles: Vec<Role>,
    pub organs: Vec<String>,
}

impl Actor {
    /// The organs whose cases this person may write to.
    pub fn scope(&self) -> crate::Scope {
        crate::Scope::write_scope(&self.organs)
    }
}

/// Resolves `--as` to a known user (exit 2 when missing or unknown, with the existing name a
/// slip most likely meant). The name is taken in the form `user add` stored: trimmed,
/// full-width ASCII folded, invisible and control characters refused.
pub fn actor(store: &Store, args: &WriteArgs, lang: Lang) -> Result<Actor, EngineError> {
    let Some(name) = args.as_user.clone().filter(|n| !n.trim().is_empty()) else {
        return Err(EngineError::bad_input(tr(
            lang,
            "由谁记录？本命令会写入事项历史，须注明记录人",
            "who is recording? this command writes to the case history",
        ))
        .with_hint(tr(
            lang,
            "加上 `--as 姓名`，或设置环境变量 JUECE_USER、配置文件中的 user；`juece user list` 列出用户",
            "pass `--as NAME` or set `JUECE_USER` (or `user` in the configuration file); `juece user list` shows the users",
        )));
    };
    let name = juece_core::text::identifier("user name", &name).map_err(EngineError::bad_input)?;
    match store.user(&name)? {
        Some(user) => Ok(Actor {
            name,
            roles: user.roles,
            organs: user.organs,
        }),
        None => Err(crate::names::unknown_user(store, &name, lang)),
    }
}

/// The time of a new event: `--at`, else now; never more than [`FUTURE_TOLERANCE_MINUTES`]
/// ahead of the clock.
pub fn event_time(ctx: &Ctx, args: &WriteArgs) -> Result<DateTime<FixedOffset>, EngineError> {
    let at = match &args.at {
        Some(s) => DateTime::parse_from_rfc3339(s).map_err(|e| {
            EngineError::bad_input(format!(
                "`--at {s}` is not an RFC 3339 time with offset ({e})"
            ))
            .with_hint("e.g. --at 2023-04-12T11:00:00+08:00")
        })?,
        None => ctx.now,
    };
    not_in_the_future(ctx, at)?;
    Ok(at)
}

/// How far ahead of the clock an event's `at` may be (clocks of two machines differ a little);
/// beyond it, live use refuses the event (procedure.md: more than 5 minutes ahead).
pub const FUTURE_TOLERANCE_MINUTES: i64 = 5;

/// Refuses an `at` more than [`FUTURE_TOLERANCE_MINUTES`] ahead of the clock: an event is
/// recorded once it has happened, and a case dated in the future could never be written to again.
pub fn not_in_the_future(ctx: &Ctx, at: DateTime<FixedOffset>) -> Result<(), EngineError> {
    let now = ctx.now;
    if at > now + chrono::Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
        let (at, now) = (at.to_rfc3339(), now.to_rfc3339());
        return Err(EngineError::bad_input(tr(
            ctx.lang,
            format!("时间 {at} 晚于当前时间 {now}：事项发生后才能记录"),
            format!("`at` {at} is in the future (now: {now}); an event is recorded once it has happened"),
        ))
        .with_hint(tr(
            ctx.lang,
            "请用 --at 写明实际发生的时间（不得晚于现在）；未写入任何内容",
            "give the time it actually happened with --at (not later than now); nothing was written",
        )));
    }
    Ok(())
}

/// Picks the role the actor records `body` in, or refuses (exit 3) naming the roles that may.
/// A head overriding may record any gate event: the role rule is then one of the guards the
/// override forces, and `forced` is true.
pub fn role_for(
    profile: &Profile,
    actor: &Actor,
    body: &EventBody,
    overriding: bool,
    lang: Lang,
) -> Result<(Role, bool), EngineError> {
    let allowed = profile.roles_for(body);
    if let Some(r) = actor.roles.iter().find(|r| allowed.contains(r)) {
        return Ok((*r, false));
    }
    if overriding && body.is_gate() && actor.roles.contains(&Role::Head) {
        return Ok((Role::Head, true));
    }
    let zh = lang == Lang::Zh;
    let held = actor
        .roles
        .iter()
        .map(|r| format!("`{r}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let may = if allowed.is_empty() {
        (if zh {
            "任何角色均不得记录"
        } else {
            "no role"
        })
        .to_owned()
    } else {
        allowed
            .iter()
            .map(|r| format!("`{r}` ({})", r.label(lang)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let article = match body {
        EventBody::ReviewSigned(_) => juece_core::finding::article_in("第二十八条", lang),
        _ => String::new(),
    };
    let article = if article.is_empty() {
        article
    } else if zh {
        format!("（{article}）")
    } else {
        format!(" ({article})")
    };
    let message = if zh {
        format!(
            "`{}`（{held}）不得记录 `{}`：流程 `{}` 只允许 {may}{article}",
            actor.name,
            body.type_name(),
            profile.pinned()
        )
    } else {
        format!(
            "`{}` ({held}) may not record `{}`: the workflow `{}` allows {may}{article}",
            actor.name,
            body.type_name(),
            profile.pinned()
        )
    };
    let allowed: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
    Err(EngineError {
        kind: ErrorKind::Refused,
        message,
        hints: vec![if zh {
            "请由具有上述角色的人员办理，或用 `juece user add 姓名 --role 角色` 增加角色；未写入任何内容".into()
        } else {
            "ask someone with one of those roles, or add the role with `juece user add NAME --role ROLE`; nothing was written".into()
        }],
        guards: vec![juece_core::check::role_not_allowed(
            body.type_name(),
            &allowed,
        )],
    })
}

/// What every write needs besides the event: the database, the profiles and the calendar.
/// A long-running writer (`juece record-batch`) opens it once and writes many events with it;
/// each write still reads only its own case and commits on its own.
pub struct WriteSession {
    store: Store,
    profiles: Profiles,
    calendar: Calendar,
}

impl WriteSession {
    /// A session on an open database, with the profiles and the calendar loaded.
    pub fn new(store: Store, profiles: Profiles, calendar: Calendar) -> WriteSession {
        WriteSession {
            store,
            profiles,
            calendar,
        }
    }

    /// The database, for reads between writes.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The database, for other writes (accounts, sessions).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The profiles known to this session.
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// The holiday calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Reloads the profiles when `pinned` is not among them (stored by another process since).
    pub fn refresh_profiles(&mut self, pinned: &str) -> Result<(), EngineError> {
        if self.profiles.resolve(pinned).is_err() {
            self.profiles = load_profiles(&self.store)?;
        }
        Ok(())
    }

    /// Folds the write-ahead log into the database file (when no other process is using it),
    /// so that the file alone holds what was acknowledged; a long-running writer calls it now
    /// and then.
    pub fn fold_wal(&self) -> Result<bool, EngineError> {
        Ok(self.store.fold_wal()?)
    }

    /// Checks `event_json` against case `case_ref` and appends it, or refuses: the text to print
    /// on success, the error (with its exit code) otherwise. Nothing is written on an error.
    pub fn write(
        &mut self,
        ctx: &Ctx,
        case_ref: &str,
        event_json: &Value,
        args: &WriteArgs,
    ) -> Result<Recorded, EngineError> {
        match self.prepare(ctx, case_ref, event_json, args)? {
            Prepared::AlreadyRecorded(r) => Ok(r),
            Prepared::Append(pending) => self.commit(&pending, None, ctx.lang),
        }
    }

    /// The first half of [`WriteSession::write`], which only reads: resolves the actor and the
    /// role, checks the event against the case's history as it is now and computes what to
    /// append and the projection after it. It may run on a read-only connection, beside other
    /// readers and while another connection writes: [`WriteSession::commit`] appends only if
    /// the case still has the history checked here.
    pub fn prepare(
        &mut self,
        ctx: &Ctx,
        case_ref: &str,
        event_json: &Value,
        args: &WriteArgs,
    ) -> Result<Prepared, EngineError> {
        let lang = ctx.lang;
        if let Some((field, len)) = juece_core::text::oversized(event_json) {
            return Err(EngineError::bad_input(format!(
                "event field `{field}` is {len} bytes long; a field holds at most {} bytes",
                juece_core::text::MAX_FIELD_BYTES
            ))
            .with_hint("nothing was written"));
        }
        let actor = actor(&self.store, args, lang)?;
        let event_type = event_json.get("type").and_then(Value::as_str).unwrap_or("");
        // (`override` and `opened` are refused below as bad input, for everyone alike.)
        if !matches!(event_type, "override" | "opened") {
            crate::scope::refuse_inspector(&actor.name, &actor.roles, event_type, lang)?;
        }
        let scope = actor.scope();
        // The reference as stored (trimmed, full-width ASCII folded; hidden characters refused).
        let case_ref = juece_core::text::identifier("case reference", case_ref)
            .map_err(EngineError::bad_input)?;
        let case_ref = case_ref.as_str();
        if let Some(id) = &args.command_id {
            if let Some((done_ref, first_seq, count)) = self.store.command_recorded(id)? {
                // A command id used on another organ's case names no case.
                let done_ref = if scope.find_case(&self.store, &done_ref)?.is_some() {
                    done_ref
                } else {
                    String::from("…")
                };
                return already_recorded(id, &done_ref, case_ref, first_seq, count, lang)
                    .map(Prepared::AlreadyRecorded);
            }
        }
        // Another organ's case is answered exactly as a reference that exists nowhere.
        let stored = scope.load_case(&self.store, case_ref, lang)?;
        if let Some(expected) = args.expected_seq {
            let found = stored.case.events.len();
            if expected != found {
                return Err(EngineError::new(
                    ErrorKind::Conflict,
                    StoreError::Conflict {
                        case_ref: case_ref.to_owned(),
                        expected,
                        found,
                    },
                )
                .with_hint(tr(
                    lang,
                    "事项刚被他人修改，请重试；未写入任何内容",
                    "case changed, retry: nothing was written",
                )));
            }
        }
        // A profile stored by another process since this session opened.
        self.refresh_profiles(&stored.pinned())?;
        let calendar = &self.calendar;
        let profile = self.profiles.resolve(&stored.pinned())?;
        if let Some(t) = event_json.get("type").and_then(Value::as_str) {
            match t {
                "override" => {
                    return Err(EngineError::bad_input(tr(
                        lang,
                        "`override` 事件只随其强制推进的关口事件一并写入",
                        "an `override` event is written only beside the gate event it forces",
                    ))
                    .with_hint(tr(
                        lang,
                        "记录关口事件时加 `--override \"理由\"`（仅行政首长）",
                        "record the gate event with `--override \"justification\"` (heads only)",
                    )))
                }
                "opened" => {
                    return Err(EngineError::bad_input(tr(
                        lang,
                        format!("事项 `{case_ref}` 已经立项"),
                        format!("case `{case_ref}` is already open"),
                    ))
                    .with_hint(tr(
                        lang,
                        "`juece case open` 为新事项立项",
                        "`juece case open` opens a new case",
                    )))
                }
                _ => {}
            }
        }
        let default_at = match (&args.at, event_json.get("at")) {
            (Some(_), Some(_)) => {
                return Err(EngineError::bad_input(tr(
                    lang,
                    "时间给了两次：事件文件中的 `at` 和 `--at`",
                    "the time is given twice: in the event file's `at` and in `--at`",
                ))
                .with_hint(tr(lang, "只保留一个", "keep one")))
            }
            (None, Some(_)) => None,
            _ => Some(event_time(ctx, args)?),
        };
        // Parse with a provisional role; the real one depends on the event type.
        let provisional = actor.roles.first().copied().unwrap_or(Role::Auditor);
        // `recorded_at` is the clock's, always: the user never sets it (procedure.md).
        let supplied = Supplied {
            actor: Some((actor.name.clone(), provisional)),
            default_at,
            recorded_at: Some(ctx.now),
        };
        let mut event = parse_event(event_json, &supplied).map_err(|e| {
            let field = if e.field.is_empty() {
                String::new()
            } else {
                tr(
                    lang,
                    format!("，字段 `{}`", e.field),
                    format!(", field `{}`", e.field),
                )
            };
            EngineError::bad_input(tr(
                lang,
                format!(
                    "事项 `{case_ref}` 的事件{field}有误：{}",
                    juece_core::zh::translate(&e.message)
                ),
                format!("event for case `{case_ref}`{field}: {}", e.message),
            ))
            .with_hint(tr(lang, "未写入任何内容", "nothing was written"))
        })?;
        not_in_the_future(ctx, event.at)?;
        let overriding = args.override_justification.is_some();
        if overriding && !actor.roles.contains(&Role::Head) {
            return Err(EngineError {
                kind: ErrorKind::Refused,
                message: tr(
                    lang,
                    format!(
                        "`{}` 不得强制推进：只有行政首长（`head`）可以强制推进被拒绝的程序",
                        actor.name
                    ),
                    format!(
                        "`{}` may not override: only a `head` (行政首长) may force a refused step",
                        actor.name
                    ),
                ),
                hints: vec![tr(lang, "未写入任何内容", "nothing was written")],
                guards: Vec::new(),
            });
        }
        let (role, role_forced) = match &event.body {
            EventBody::Voided(v) => (void_role(&stored.case, &actor, v, lang)?, false),
            body => role_for(profile, &actor, body, overriding, lang)?,
        };
        event.role = role;

        if let Some(last) = stored.case.events.last() {
            if event.at < last.at {
                return Err(EngineError::bad_input(tr(
                    lang,
                    format!(
                        "时间 {} 早于该事项的最后一个事件（{}）；历史须按时间顺序记录",
                        event.at.to_rfc3339(),
                        last.at.to_rfc3339()
                    ),
                    format!(
                        "`at` {} is earlier than the case's last event ({}); the history is in time order",
                        event.at.to_rfc3339(),
                        last.at.to_rfc3339()
                    ),
                ))
                .with_hint(tr(
                    lang,
                    "请用不早于最后一个事件的时间记录；未写入任何内容",
                    "record it with a time at or after the last event; nothing was written",
                )));
            }
        }
        // The same shape checks as import: draft versions recorded before they are referred to.
        let mut extended = stored.case.clone();
        extended.events.push(event.clone());
        check_case(&extended, profile, None)?;

        let mut outcome = check_event(profile, calendar, &stored.case, &event, event.date())
            .ok_or_else(|| {
                EngineError::bad_input(format!(
                    "case `{case_ref}` has no `opened` event on or before {}",
                    event.at.to_rfc3339()
                ))
            })?;
        if role_forced {
            let allowed: Vec<&str> = profile
                .roles_for(&event.body)
                .iter()
                .map(|r| r.as_str())
                .collect();
            outcome.unmet.insert(
                0,
                juece_core::check::role_not_allowed(event.body.type_name(), &allowed),
            );
        }
        let mut to_write = vec![event.clone()];
        if outcome.refused() {
            match &args.override_justification {
                Some(justification) if !justification.trim().is_empty() => {
                    let unmet: Vec<String> = outcome.unmet.iter().map(|u| u.code.clone()).collect();
                    to_write.push(Event {
                        at: event.at,
                        recorded_at: event.recorded_at,
                        actor: actor.name.clone(),
                        role: Role::Head,
                        body: EventBody::Override(Override {
                            unmet,
                            justification: justification.clone(),
                        }),
                    });
                }
                Some(_) => {
                    return Err(EngineError::bad_input(tr(
                        lang,
                        "`--override` 须写明书面理由",
                        "`--override` needs a written justification",
                    )));
                }
                None => return Err(refusal(case_ref, &event, &outcome, lang)),
            }
        }
        for e in &to_write[1..] {
            extended.events.push(e.clone());
        }
        let proj = projection(profile, calendar, &extended);
        if let Some(ms) = ctx.test_write_delay_ms {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        let seq = stored.case.events.len();
        let recorded = Recorded {
            text: report(case_ref, &event, &outcome, to_write.len() > 1, seq, lang),
            case_ref: case_ref.to_owned(),
            seq,
            count: to_write.len(),
            at: Some(event.at),
            replayed: false,
            warnings: warnings(&outcome),
        };
        Ok(Prepared::Append(Box::new(PendingWrite {
            expected_len: seq,
            to_write,
            projection: proj,
            command_id: args.command_id.clone(),
            recorded,
        })))
    }

    /// The second half of [`WriteSession::write`]: appends a prepared write in one
    /// `BEGIN IMMEDIATE` transaction that first makes sure the case still has the history it
    /// was checked against (events are never changed or removed, so the same number of events
    /// is the same history) and writes the projection with it; `answer`, the server's
    /// idempotency answer, is kept in the same transaction. A case written to since is a
    /// conflict ("case changed, retry"), and nothing is written.
    pub fn commit(
        &mut self,
        pending: &PendingWrite,
        answer: Option<&juece_store::KeptAnswer<'_>>,
        lang: Lang,
    ) -> Result<Recorded, EngineError> {
        let appended = self.store.append_answered(
            &pending.recorded.case_ref,
            pending.expected_len,
            &pending.to_write,
            &pending.projection,
            pending.command_id.as_deref(),
            answer,
        );
        committed(pending, appended, lang)
    }

    /// [`WriteSession::commit`] for several prepared writes at once (each with its answer to keep
    /// and the language of its messages), in one transaction with one sync (group commit); each
    /// succeeds or fails on its own, as alone.
    pub fn commit_batch(
        &mut self,
        writes: &[(&PendingWrite, Option<&juece_store::KeptAnswer<'_>>, Lang)],
    ) -> Vec<Result<Recorded, EngineError>> {
        let items: Vec<juece_store::AppendItem<'_>> = writes
            .iter()
            .map(|(p, answer, _)| juece_store::AppendItem {
                case_ref: &p.recorded.case_ref,
                expected_len: p.expected_len,
                events: &p.to_write,
                projection: &p.projection,
                command_id: p.command_id.as_deref(),
                answer: *answer,
            })
            .collect();
        let results = self.store.append_batch(&items);
        writes
            .iter()
            .zip(results)
            .map(|((p, _, lang), r)| committed(p, r, *lang))
            .collect()
    }
}

/// What an append of `pending` came to.
fn committed(
    pending: &PendingWrite,
    appended: Result<Appended, StoreError>,
    lang: Lang,
) -> Result<Recorded, EngineError> {
    let case_ref = pending.recorded.case_ref.as_str();
    match appended {
        Ok(Appended::Written { .. }) => Ok(pending.recorded.clone()),
        Ok(Appended::AlreadyRecorded { first_seq, count }) => {
            let id = pending.command_id.as_deref().unwrap_or_default();
            already_recorded(id, case_ref, case_ref, first_seq, count, lang)
        }
        Err(e @ StoreError::Conflict { .. }) => Err(EngineError::new(ErrorKind::Conflict, e)
            .with_hint(tr(
                lang,
                "事项刚被他人修改，请重试；未写入任何内容（case changed, retry）",
                "case changed, retry: nothing was written",
            ))),
        Err(e) => Err(e.into()),
    }
}

/// What [`WriteSession::prepare`] found: a checked write to append, or a command id already
/// recorded (nothing to write; the first attempt's events are named).
pub enum Prepared {
    Append(Box<PendingWrite>),
    AlreadyRecorded(Recorded),
}

/// A checked write, ready for [`WriteSession::commit`].
pub struct PendingWrite {
    expected_len: usize,
    to_write: Vec<Event>,
    projection: juece_store::Projection,
    command_id: Option<String>,
    recorded: Recorded,
}

impl PendingWrite {
    /// What the write reports once appended (its sequence number, warnings, text).
    pub fn recorded(&self) -> &Recorded {
        &self.recorded
    }
}

/// A retried command: nothing is written, and the first attempt's events are named.
fn already_recorded(
    id: &str,
    done_ref: &str,
    case_ref: &str,
    first_seq: usize,
    count: usize,
    lang: Lang,
) -> Result<Recorded, EngineError> {
    if done_ref != case_ref {
        return Err(EngineError::bad_input(format!(
            "command id `{id}` was already used for case `{done_ref}`, not `{case_ref}`"
        ))
        .with_hint("use a new command id for a new write; nothing was written"));
    }
    let last = first_seq + count.saturating_sub(1);
    let text = match lang {
        Lang::Zh => format!("命令 `{id}` 已记录过（事项 `{case_ref}` 第 {first_seq}–{last} 号事件），本次未重复写入\n"),
        Lang::En => format!("command `{id}` was already recorded (events {first_seq}–{last} of case `{case_ref}`); nothing written again\n"),
    };
    Ok(Recorded {
        text,
        case_ref: case_ref.to_owned(),
        seq: first_seq,
        count,
        at: None,
        replayed: true,
        warnings: Vec::new(),
    })
}

/// The findings and advisories a recorded event raised.
fn warnings(outcome: &CheckOutcome) -> Vec<Warning> {
    outcome
        .new_findings
        .iter()
        .chain(&outcome.advisories)
        .map(|f| Warning {
            code: f.code.as_str().to_owned(),
            severity: f.severity().as_str(),
            article: f.article.clone(),
            message_zh: f.message(Lang::Zh).to_owned(),
            message_en: f.message(Lang::En).to_owned(),
        })
        .collect()
}

fn step_label(step: Option<Step>, lang: Lang) -> String {
    step.map(|s| s.label(lang).to_owned()).unwrap_or_default()
}

/// The exit-3 error listing every unmet prerequisite and guard.
fn refusal(case_ref: &str, event: &Event, outcome: &CheckOutcome, lang: Lang) -> EngineError {
    let n = outcome.unmet.len();
    let mut message = match lang {
        Lang::Zh => format!(
            "不能为事项 `{case_ref}` 记录 `{}`：{n} 项条件未满足",
            event.body.type_name()
        ),
        Lang::En => format!(
            "cannot record `{}` for case `{case_ref}`: {n} unmet {}",
            event.body.type_name(),
            if n == 1 {
                "requirement"
            } else {
                "requirements"
            }
        ),
    };
    for u in &outcome.unmet {
        let article = juece_core::finding::article_in(&u.article, lang);
        message.push_str(&match lang {
            Lang::Zh => format!(
                "\n  - {} [{}] {}（{article}）：{}",
                u.code,
                step_label(u.step, lang),
                u.message(lang),
                advice(u, lang)
            ),
            Lang::En => format!(
                "\n  - {} [{}] {} ({article}): {}",
                u.code,
                step_label(u.step, lang),
                u.message(lang),
                advice(u, lang)
            ),
        });
    }
    EngineError {
        kind: ErrorKind::Refused,
        message,
        hints: vec![match lang {
            Lang::Zh => "未写入任何内容；行政首长可以用 --override \"理由\" 强制推进，审计中将始终显示".to_owned(),
            Lang::En => "nothing was written; a head may force it with --override \"justification\", which the audit always shows".to_owned(),
        }],
        guards: outcome.unmet.clone(),
    }
}

/// What was recorded and the warnings it raised.
fn report(
    case_ref: &str,
    event: &Event,
    outcome: &CheckOutcome,
    overridden: bool,
    seq: usize,
    lang: Lang,
) -> String {
    let mut s = match lang {
        Lang::Zh => format!(
            "已记录：事项 `{case_ref}` 第 {seq} 号事件 `{}`（{}，{}）\n",
            event.body.type_name(),
            event.actor,
            event.role.label(lang)
        ),
        Lang::En => format!(
            "recorded `{}` as event {seq} of case `{case_ref}` ({}, {})\n",
            event.body.type_name(),
            event.actor,
            event.role
        ),
    };
    if overridden {
        // Each unmet guard with the step it concerns: "SKIPPED_STEP (专家论证)".
        let codes: Vec<String> = outcome
            .unmet
            .iter()
            .map(|u| match u.step {
                Some(step) => format!("{} ({})", u.code, step.label(lang)),
                None => u.code.clone(),
            })
            .collect();
        s.push_str(&match lang {
            Lang::Zh => format!("强制推进：未满足 {}；已记录 override 事件，审计中将显示 GUARD_OVERRIDDEN\n", codes.join(", ")),
            Lang::En => format!("overridden: unmet {}; an override event is recorded and the audit shows GUARD_OVERRIDDEN\n", codes.join(", ")),
        });
    }
    for f in &outcome.new_findings {
        let label = f.severity().label(lang);
        let article = paren(&f.article_in(lang), lang);
        s.push_str(&format!(
            "{label}{}{} {}{article}\n",
            if lang == Lang::Zh { "：" } else { ": " },
            f.code,
            f.message(lang)
        ));
        if f.severity() == Severity::Violation && !event.body.is_gate() {
            if let Some(step) = f.step.filter(|s| s.is_fact_finding()) {
                s.push_str(&match lang {
                    Lang::Zh => format!("  在补正之前，送请合法性审查（legality_review_submitted）将被拒绝：{}未满足\n", step.label(lang)),
                    Lang::En => format!("  until it is remedied, `legality_review_submitted` will be refused: {} is not satisfied\n", step.label(lang)),
                });
            }
        }
    }
    for f in &outcome.advisories {
        s.push_str(&match lang {
            Lang::Zh => format!(
                "注意：{} {}（{}）\n",
                f.code,
                f.message(lang),
                f.article_in(lang)
            ),
            Lang::En => format!(
                "note: {} {} ({})\n",
                f.code,
                f.message(lang),
                f.article_in(lang)
            ),
        });
    }
    s
}

impl WriteSession {
    /// Opens a case from the header fields of `juece-cases/2` (no `events`; `workflow` defaults to
    /// `decree-713`), attributed to `args.as_user` in the role the profile allows for `opened`,
    /// at `args.at` or now. Refused as [`ErrorKind::Exists`] when the reference is taken.
    pub fn open_case(
        &mut self,
        ctx: &Ctx,
        header: &Value,
        args: &WriteArgs,
    ) -> Result<Recorded, EngineError> {
        let Some(fields) = header.as_object() else {
            return Err(EngineError::bad_input(
                "a case to open is a JSON object with the header fields of juece-cases/2",
            ));
        };
        if fields.contains_key("events") {
            return Err(EngineError::bad_input(
                "a case is opened without `events`; record them one by one afterwards",
            ));
        }
        if args.override_justification.is_some() {
            return Err(EngineError::bad_input(
                "opening a case has no guard to override",
            ));
        }
        let actor = actor(&self.store, args, ctx.lang)?;
        if let Some(Value::String(organ)) = fields.get("organ") {
            crate::scope::may_open(&actor, organ, ctx.lang)?;
        }
        crate::scope::refuse_inspector(&actor.name, &actor.roles, "opened", ctx.lang)?;
        let mut fields = fields.clone();
        let at = match fields.remove("at") {
            Some(Value::String(s)) => event_time(
                ctx,
                &WriteArgs {
                    at: Some(s),
                    ..WriteArgs::default()
                },
            )?,
            Some(Value::Null) | None => event_time(ctx, args)?,
            Some(_) => return Err(EngineError::bad_input("`at` must be an RFC 3339 time")),
        };
        not_in_the_future(ctx, at)?;
        let case_ref = match fields.get("ref") {
            Some(Value::String(r)) if !r.trim().is_empty() => r.trim().to_owned(),
            _ => return Err(EngineError::bad_input("a case needs a reference (`ref`)")),
        };
        fields.insert("ref".into(), Value::String(case_ref.clone()));
        let workflow = match fields.get("workflow") {
            Some(Value::String(w)) => w.clone(),
            None | Some(Value::Null) => "decree-713".to_owned(),
            Some(_) => return Err(EngineError::bad_input("`workflow` must be a string")),
        };
        let profile = self.profiles.resolve(&workflow)?;
        let (role, _) = role_for(profile, &actor, &EventBody::Opened, false, ctx.lang)?;
        fields.insert("workflow".into(), Value::String(profile.pinned()));
        fields.insert(
            "events".into(),
            serde_json::json!([{ "type": "opened", "at": at.to_rfc3339(), "recorded_at": ctx.now.to_rfc3339(),
                                 "actor": actor.name, "role": role.as_str() }]),
        );
        let doc =
            serde_json::json!({ "format": "juece-cases/2", "cases": [Value::Object(fields)] });
        let cases = juece_core::casefile::parse_cases(&doc.to_string())?;
        if self.store.load_case(&case_ref)?.is_some() {
            return Err(EngineError::new(
                ErrorKind::Exists,
                format!("case `{case_ref}` is already in the database"),
            )
            .with_hint("give a new case its own reference; nothing was written"));
        }
        crate::import::import_cases(&mut self.store, &self.profiles, &self.calendar, &cases)?;
        Ok(Recorded {
            text: String::new(),
            case_ref,
            seq: 0,
            count: 1,
            at: Some(at),
            replayed: false,
            warnings: Vec::new(),
        })
    }
}

/// The event live use may void: the case's latest event that is not voided already, not itself a
/// `voided` event and not an `override` (which stays beside the gate it forced).
pub fn voidable_latest(case: &juece_core::event::Case) -> Option<usize> {
    let all: Vec<usize> = (0..case.events.len()).collect();
    let voided = juece_core::evaluate::voided_events(case, &all);
    (0..case.events.len()).rev().find(|i| {
        !voided.contains(i)
            && !matches!(
                case.events[*i].body,
                EventBody::Voided(_) | EventBody::Override(_)
            )
    })
}

/// Who may void (interchange.md, `voided`): only the author of the case's latest non-voided
/// event, or `legal_office`, and only that latest event. Refused otherwise (exit 3, HTTP 422).
fn void_role(
    case: &juece_core::event::Case,
    actor: &Actor,
    v: &juece_core::event::Voided,
    lang: Lang,
) -> Result<Role, EngineError> {
    let refused = |message: String| {
        EngineError::new(ErrorKind::Refused, message).with_hint(tr(
            lang,
            "未写入任何内容",
            "nothing was written",
        ))
    };
    let latest = voidable_latest(case);
    let target = usize::try_from(v.event).ok();
    if target == Some(0) || latest == Some(0) {
        return Err(EngineError::bad_input(tr(
            lang,
            "立项事件不能作废：如立项有误，请由法制机构说明情况",
            "the opening of a case cannot be voided",
        )));
    }
    let Some(latest) = latest.filter(|l| Some(*l) == target) else {
        let which = latest.map(|l| l.to_string()).unwrap_or_else(|| "—".into());
        return Err(refused(tr(
            lang,
            format!("只能作废本事项最近一项未作废的事件（第 {which} 项），不能作废第 {} 项（第三十三条：记录不得删改，只能依次更正）", v.event),
            format!("only the case's latest event that is not voided (event {which}) may be voided, not event {} (Art. 33: records are corrected in order, never rewritten)", v.event),
        )));
    };
    let author = &case.events[latest];
    if actor.roles.contains(&Role::LegalOffice) {
        return Ok(Role::LegalOffice);
    }
    if author.actor == actor.name {
        let role = if actor.roles.contains(&author.role) {
            author.role
        } else {
            actor.roles.first().copied().unwrap_or(author.role)
        };
        return Ok(role);
    }
    Err(refused(tr(
        lang,
        format!(
            "`{}` 不得作废第 {latest} 项事件：只有该事件的记录人 `{}` 或法制机构（legal_office）可以作废",
            actor.name, author.actor
        ),
        format!(
            "`{}` may not void event {latest}: only its author `{}` or `legal_office` may",
            actor.name, author.actor
        ),
    )))
}

/// An article in parentheses in `lang`, or nothing when there is none.
pub fn paren(article: &str, lang: Lang) -> String {
    match (article.is_empty(), lang) {
        (true, _) => String::new(),
        (false, Lang::Zh) => format!("（{article}）"),
        (false, Lang::En) => format!(" ({article})"),
    }
}

/// What would satisfy an unmet guard; never a waiver for a step that can never be waived.
pub fn advice(u: &juece_core::check::Unmet, lang: Lang) -> String {
    match u.step {
        Some(step) if u.code == "SKIPPED_STEP" && step.never_waivable() => match lang {
            Lang::Zh => format!("履行{}并记录；该程序不得免除", step.label(lang)),
            Lang::En => format!(
                "carry out the {} and record it; this step can never be waived",
                step.label(lang)
            ),
        },
        _ => u.fix(lang).to_owned(),
    }
}
