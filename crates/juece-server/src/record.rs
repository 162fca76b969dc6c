//! Recording one event over HTTP (the API and the case page's forms): the engine's write path
//! split so that only the append holds the writer.
//!
//! On a reader: the kept idempotency answer, the actor and role, the check against the case's
//! history, the projection after it and the answer's body. With the writer, in one
//! `BEGIN IMMEDIATE` transaction: the append (only if the case still has the history checked),
//! the projection and the idempotency answer — together with the other writes waiting at that
//! moment (group commit, [`crate::stores::Stores::commit`]). A write that lost a race with another write on
//! the same case is checked again against the new history (unless the client said which
//! history it saw, `expected_seq`: then it gets 409 "case changed, retry").

use axum::http::StatusCode;
use juece_core::check::Unmet;
use juece_core::Lang;
use juece_engine::{ErrorKind, Prepared, WriteArgs};
use serde_json::{json, Value};

use crate::api::{engine_error, recorded_body, EventRequest};
use crate::stores::Answer;
use crate::{AppState, KEEP_ANSWERS};

/// How many times a write that lost a race is checked again before it answers 409.
const ATTEMPTS: usize = 3;

/// Records one event for `user`, keeping the answer under the idempotency key when one is
/// given: the status, the JSON body and, for a refusal checked now, its unmet guards.
/// Blocking: call it on the blocking pool.
pub fn record_for(
    state: &AppState,
    user: &str,
    case_ref: &str,
    request: EventRequest,
    idempotency_key: Option<&str>,
    lang: Lang,
) -> (StatusCode, Value, Vec<Unmet>) {
    if let Some(answer) = idempotency_key.and_then(|key| kept(state, user, key)) {
        return answer;
    }
    let expected_seq = request.expected_seq;
    let args = WriteArgs {
        as_user: Some(user.to_owned()),
        override_justification: request.override_justification,
        at: None,
        command_id: idempotency_key.map(|k| format!("http\u{1f}{user}\u{1f}{k}")),
        expected_seq,
    };
    let mut attempt = 0;
    let error = loop {
        attempt += 1;
        // One clock reading: the time the engine stamps on the event is the one answered.
        let ctx = state.ctx(lang);
        let recorded_at = ctx
            .now
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
        let pending = match state
            .stores
            .prepare(|reader| reader.prepare(&ctx, case_ref, &request.event, &args))
        {
            Err(e) => break e,
            Ok(Prepared::AlreadyRecorded(r)) => {
                // The command was recorded and its answer has expired since: say what it wrote.
                return (
                    StatusCode::CREATED,
                    recorded_body(&r, &recorded_at, lang),
                    Vec::new(),
                );
            }
            Ok(Prepared::Append(p)) => p,
        };
        let body = recorded_body(pending.recorded(), &recorded_at, lang);
        let now = state.unix_now();
        let answer = idempotency_key.map(|key| Answer {
            name: user.to_owned(),
            key: key.to_owned(),
            status: StatusCode::CREATED.as_u16(),
            body: body.to_string(),
            now,
            keep_after: now - KEEP_ANSWERS,
        });
        match state.stores.commit(pending, answer, lang) {
            Ok(r) if !r.replayed => return (StatusCode::CREATED, body, Vec::new()),
            // The same key won a race a moment ago: its answer, kept with its events.
            Ok(r) => {
                return idempotency_key
                    .and_then(|key| kept(state, user, key))
                    .unwrap_or_else(|| {
                        (
                            StatusCode::CREATED,
                            recorded_body(&r, &recorded_at, lang),
                            Vec::new(),
                        )
                    })
            }
            Err(e)
                if e.kind == ErrorKind::Conflict
                    && expected_seq.is_none()
                    && attempt < ATTEMPTS =>
            {
                continue
            }
            Err(e) => break e,
        }
    };
    let (status, body) = engine_error(&error, lang);
    // A conflict is not kept: the retry after re-reading the case may use the same key.
    let keep = !matches!(
        status,
        StatusCode::CONFLICT | StatusCode::INTERNAL_SERVER_ERROR
    ) || body.pointer("/error/code") == Some(&json!("exists"));
    if let (Some(key), true) = (idempotency_key, keep) {
        let now = state.unix_now();
        let text = body.to_string();
        let _ = state.stores.write(|w| {
            w.store_mut()
                .keep_answer(user, key, status.as_u16(), &text, now, now - KEEP_ANSWERS)
        });
    }
    (status, body, error.guards)
}

/// The answer kept for `user`'s key, if any.
fn kept(state: &AppState, user: &str, key: &str) -> Option<(StatusCode, Value, Vec<Unmet>)> {
    let (status, body) = state
        .stores
        .read(|r| r.store().idempotent_answer(user, key))
        .ok()??;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let body = serde_json::from_str(&body).unwrap_or(Value::Null);
    Some((status, body, Vec::new()))
}
