//! The JSON API, version 1 (interchange.md, "HTTP: `juece serve`").

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderMap};
use axum::http::StatusCode;
use axum::response::Response;
use juece_core::check::Unmet;
use juece_core::finding::article_in;
use juece_core::ids::Status;
use juece_core::Lang;
use juece_engine::{EngineError, ErrorKind, Recorded, Scope, WriteArgs, WriteSession};
use juece_store::ListFilter;
use serde_json::{json, Value};

use crate::auth::{same, sha256_hex, split_token};
use crate::record::record_for;
use crate::{blocking, json_response, lang_of, with_reader, Shared, MAX_BODY};

/// `{"error": {"code", "message", "guards": [{"code", "article", "message"}]}}`.
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    guards: &[Unmet],
    lang: Lang,
) -> Response {
    json_response(status, &error_body(code, message, guards, lang))
}

fn error_body(code: &str, message: &str, guards: &[Unmet], lang: Lang) -> Value {
    json!({"error": {
        "code": code,
        "message": message,
        "guards": guards.iter().map(|u| json!({
            "code": u.code,
            "article": article_in(&u.article, lang),
            "message": u.message(lang),
            "fix": juece_engine::write::advice(u, lang),
            "step": u.step.map(|s| s.as_str()),
        })).collect::<Vec<_>>(),
    }})
}

/// The status and error code for an engine error.
pub fn status_of(e: &EngineError) -> (StatusCode, &'static str) {
    match e.kind {
        ErrorKind::BadInput => (StatusCode::BAD_REQUEST, "bad_input"),
        ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        ErrorKind::Conflict => (StatusCode::CONFLICT, "conflict"),
        ErrorKind::Exists => (StatusCode::CONFLICT, "exists"),
        ErrorKind::Refused => (StatusCode::UNPROCESSABLE_ENTITY, "refused"),
        ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

/// The status and the JSON error body of an engine error, in `lang`.
pub fn engine_error(e: &EngineError, lang: Lang) -> (StatusCode, Value) {
    let (status, code) = status_of(e);
    let mut message = e.message.clone();
    if e.kind == ErrorKind::Conflict {
        message = match lang {
            Lang::Zh => format!("事项已变更，请重试：{message}"),
            Lang::En => format!("case changed, retry: {message}"),
        };
    }
    (status, error_body(code, &message, &e.guards, lang))
}

/// The user a bearer token belongs to (`None`: answer 401).
fn token_user(engine: &WriteSession, headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    let (id, secret) = split_token(token.trim())?;
    let row = engine.store().token(id).ok()??;
    if row.revoked_at.is_some() || !same(&sha256_hex(secret), &row.secret_hash) {
        return None;
    }
    // A user removed since keeps no access.
    engine.store().user_roles(&row.name).ok()??;
    Some(row.name)
}

/// The organs the token's user reads (their organs; every organ for a user without organs or an
/// inspector), or `None` without a valid token.
fn token_scope(engine: &WriteSession, headers: &HeaderMap) -> Option<Scope> {
    let name = token_user(engine, headers)?;
    let user = engine.store().user(&name).ok()??;
    Some(Scope::read_scope(&user))
}

fn unauthorized(lang: Lang) -> Response {
    error_response(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        match lang {
            Lang::Zh => "需要有效的 API 令牌：Authorization: Bearer TOKEN（由 `juece token create NAME` 生成）",
            Lang::En => "a valid API token is needed: Authorization: Bearer TOKEN (made by `juece token create NAME`)",
        },
        &[],
        lang,
    )
}

fn too_large(lang: Lang) -> Response {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        match lang {
            Lang::Zh => "请求体超过 1 MiB",
            Lang::En => "the request body is over 1 MiB",
        },
        &[],
        lang,
    )
}

fn declared_too_large(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY as u64)
}

/// Reads a JSON body, or the 400/413 answer.
fn json_body(body: Result<Bytes, BytesRejection>, lang: Lang) -> Result<Value, Response> {
    let bytes = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large(lang)),
        Err(e) => {
            return Err(error_response(
                StatusCode::BAD_REQUEST,
                "bad_input",
                &e.body_text(),
                &[],
                lang,
            ))
        }
    };
    if bytes.len() > MAX_BODY {
        return Err(too_large(lang));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        error_response(
            StatusCode::BAD_REQUEST,
            "bad_input",
            &format!("the body is not JSON: {e}"),
            &[],
            lang,
        )
    })
}

/// `GET /api/v1/cases?status=S&skipped=true&overridden=true`.
pub async fn list_cases(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, None);
    let status = match q.get("status").filter(|s| !s.is_empty()) {
        Some(s) => match Status::parse(s) {
            Some(st) => Some(st),
            None => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "bad_input",
                    &format!("unknown status `{s}` (one of {})", Status::ids().join(", ")),
                    &[],
                    lang,
                )
            }
        },
        None => None,
    };
    let flag = |k: &str| q.get(k).is_some_and(|v| v == "true" || v == "1");
    let filter = ListFilter {
        status,
        skipped: flag("skipped"),
        overridden: flag("overridden"),
    };
    with_reader(&state, move |_state, engine| {
        let Some(scope) = token_scope(engine, &headers) else {
            return unauthorized(lang);
        };
        match scope.list_cases(engine.store(), &filter) {
            Ok(rows) => json_response(
                StatusCode::OK,
                &json!({"cases": rows.iter().map(|c| json!({
                    "ref": c.case_ref, "title": c.title, "organ": c.organ,
                    "status": c.projection.status.as_str(), "workflow": c.workflow,
                    "violations": c.projection.violations, "warnings": c.projection.warnings,
                })).collect::<Vec<_>>()}),
            ),
            Err(e) => {
                let (s, v) = engine_error(&e.into(), lang);
                json_response(s, &v)
            }
        }
    })
    .await
    .unwrap_or_else(|r| r)
}

/// `GET /api/v1/cases/{ref}`: as `juece case show --format json`.
pub async fn show_case(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(case_ref): Path<String>,
) -> Response {
    let lang = lang_of(&headers, None);
    with_reader(&state, move |state, engine| {
        let Some(scope) = token_scope(engine, &headers) else {
            return unauthorized(lang);
        };
        // Another organ's case: the 404 of a reference that exists nowhere.
        match juece_engine::view::case_view(
            engine.store(),
            engine.profiles(),
            engine.calendar(),
            &scope,
            &case_ref,
            state.now(),
            lang,
        ) {
            Ok(view) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                juece_engine::view::case_json(&view, lang),
            )
                .into_response(),
            Err(e) => {
                let (s, v) = engine_error(&e, lang);
                json_response(s, &v)
            }
        }
    })
    .await
    .unwrap_or_else(|r| r)
}

use axum::response::IntoResponse;

/// `POST /api/v1/cases`: opens a case.
pub async fn open_case(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = lang_of(&headers, None);
    if declared_too_large(&headers) {
        return too_large(lang);
    }
    let value = match json_body(body, lang) {
        Ok(v) => v,
        Err(r) => return r,
    };
    blocking(&state, move |state| {
        let Some(user) = state.stores.read(|engine| token_user(engine, &headers)) else {
            return unauthorized(lang);
        };
        let args = WriteArgs {
            as_user: Some(user),
            ..WriteArgs::default()
        };
        let opened = state
            .stores
            .write(|engine| engine.open_case(&state.ctx(lang), &value, &args));
        match opened {
            Ok(r) => json_response(
                StatusCode::CREATED,
                &json!({"ref": r.case_ref, "seq": 0, "recorded_at": state.now().to_rfc3339(), "warnings": []}),
            ),
            Err(e) => {
                let (s, v) = engine_error(&e, lang);
                json_response(s, &v)
            }
        }
    })
    .await
    .unwrap_or_else(|r| r)
}

/// The 201 body of a recorded event.
pub fn recorded_body(r: &Recorded, recorded_at: &str, lang: Lang) -> Value {
    json!({
        "ref": r.case_ref,
        "seq": r.seq,
        // The event's own `recorded_at`: the clock reading the engine stamped on it.
        "recorded_at": recorded_at,
        "warnings": r.warnings.iter().map(|w| json!({
            "code": w.code,
            "severity": w.severity,
            "article": article_in(&w.article, lang),
            "message": if lang == Lang::Zh { &w.message_zh } else { &w.message_en },
        })).collect::<Vec<_>>(),
    })
}

/// The parts of a request to record an event.
pub struct EventRequest {
    pub event: Value,
    pub override_justification: Option<String>,
    pub expected_seq: Option<usize>,
}

/// Either the bare event, or `{"event": {...}, "override": "...", "expected_seq": N}`.
pub fn event_request(value: Value) -> Result<EventRequest, String> {
    let Value::Object(map) = value else {
        return Err("the body must be a JSON object: an event, or {\"event\": {...}}".into());
    };
    if map.contains_key("event") && !map.contains_key("type") {
        let mut map = map;
        for k in map.keys() {
            if !matches!(k.as_str(), "event" | "override" | "expected_seq") {
                return Err(format!(
                    "unknown field `{k}` beside `event` (allowed: event, override, expected_seq)"
                ));
            }
        }
        let event = map.remove("event").unwrap_or(Value::Null);
        if !event.is_object() {
            return Err("`event` must be a JSON object".into());
        }
        for k in ["actor", "role", "recorded_at"] {
            if event.get(k).is_some() {
                return Err(format!(
                    "`{k}` is not given in a request: the server sets it"
                ));
            }
        }
        let override_justification = match map.remove("override") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err("`override` must be a string (the justification)".into()),
        };
        let expected_seq = match map.remove("expected_seq") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().ok_or("`expected_seq` must be a whole number")? as usize),
        };
        return Ok(EventRequest {
            event,
            override_justification,
            expected_seq,
        });
    }
    for k in ["actor", "role", "recorded_at"] {
        if map.contains_key(k) {
            return Err(format!(
                "`{k}` is not given in a request: the server sets it"
            ));
        }
    }
    Ok(EventRequest {
        event: Value::Object(map),
        override_justification: None,
        expected_seq: None,
    })
}

/// `POST /api/v1/cases/{ref}/events`.
pub async fn record_event(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(case_ref): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = lang_of(&headers, None);
    if declared_too_large(&headers) {
        return too_large(lang);
    }
    let body = json_body(body, lang);
    blocking(&state, move |state| {
        let Some(user) = state.stores.read(|engine| token_user(engine, &headers)) else {
            return unauthorized(lang);
        };
        let value = match body {
            Ok(v) => v,
            Err(r) => return r,
        };
        let request = match event_request(value) {
            Ok(r) => r,
            Err(m) => return error_response(StatusCode::BAD_REQUEST, "bad_input", &m, &[], lang),
        };
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned);
        if key.as_ref().is_some_and(|k| k.len() > 200) {
            return error_response(
                StatusCode::BAD_REQUEST,
                "bad_input",
                "the Idempotency-Key is longer than 200 characters",
                &[],
                lang,
            );
        }
        let (status, body, _) = record_for(state, &user, &case_ref, request, key.as_deref(), lang);
        json_response(status, &body)
    })
    .await
    .unwrap_or_else(|r| r)
}

/// `GET /api/v1/audit?as_of=YYYY-MM-DD&organ=ORGAN`: `juece-audit/1` of the token user's organs
/// (or one of them).
pub async fn audit(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, None);
    let as_of = match q.get("as_of").filter(|s| !s.is_empty()) {
        Some(s) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "bad_input",
                    &format!("`{s}` is not a date like 2024-01-31"),
                    &[],
                    lang,
                )
            }
        },
        None => None,
    };
    let organ = q.get("organ").cloned();
    with_reader(&state, move |state, engine| {
        let Some(scope) = token_scope(engine, &headers) else {
            return unauthorized(lang);
        };
        // `?organ=` narrows to one of the user's organs.
        let scope = scope.narrow(organ.as_deref());
        let as_of = as_of.unwrap_or_else(|| state.now().date_naive());
        // The same document as `juece audit --format json` (the catalogues beside the cases),
        // sent as the pieces it was written in.
        match juece_engine::audit::audit_document(
            engine.store(),
            engine.profiles(),
            engine.calendar(),
            &scope,
            as_of,
            lang,
            false,
        ) {
            Ok(doc) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                crate::pieces_body(doc),
            )
                .into_response(),
            Err(e) => {
                let (s, v) = engine_error(&e, lang);
                json_response(s, &v)
            }
        }
    })
    .await
    .unwrap_or_else(|r| r)
}
