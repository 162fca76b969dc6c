//! The HTML pages: server-rendered with maud (compiled templates, every value escaped), no
//! script, one embedded style sheet; Chinese first, English with `?lang=en`.

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use juece_core::finding::article_in;
use juece_core::ids::{Category, Role, Severity, Status};
use juece_core::Lang;
use juece_engine::view::{case_view, summary, CaseView};
use juece_engine::{EngineError, ErrorKind, Scope, WriteArgs, WriteSession};
use juece_store::ListFilter;
use maud::{html, Markup, DOCTYPE};
use serde_json::{json, Value};

use crate::api::{event_request, status_of};
use crate::auth::{random_hex, same, sha256_hex, verify_password};
use crate::record::record_for;
use crate::{blocking, cookie, with_reader, AppState, Shared};

const SESSION_COOKIE: &str = "juece_session";
const PRE_COOKIE: &str = "juece_pre";
const STYLE: &str = include_str!("style.css");

type Params = Query<HashMap<String, String>>;
type FormData = Result<Form<HashMap<String, String>>, FormRejection>;

/// The signed-in user of a request.
pub struct Viewer {
    pub name: String,
    pub roles: Vec<Role>,
    /// The organs whose cases this user sees (every organ for a user without organs or an
    /// inspector): every page shows and accepts only these.
    pub scope: Scope,
    pub csrf: String,
    pub id_hash: String,
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

/// The signed-in user, if the session cookie names a live session.
fn viewer(state: &AppState, engine: &WriteSession, headers: &HeaderMap) -> Option<Viewer> {
    let id = cookie(headers, SESSION_COOKIE)?;
    let id_hash = sha256_hex(&id);
    let row = engine.store().session(&id_hash, state.unix_now()).ok()??;
    let user = engine.store().user(&row.name).ok()??;
    Some(Viewer {
        scope: Scope::read_scope(&user),
        name: row.name,
        roles: user.roles,
        csrf: row.csrf,
        id_hash,
    })
}

fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn forbidden(lang: Lang) -> Response {
    html_page(
        StatusCode::FORBIDDEN,
        lang,
        None,
        t(lang, "禁止", "Forbidden"),
        html! { p.error { (t(lang, "表单令牌（csrf）缺失或无效：请重新打开页面后再提交。未写入任何内容。", "The form token (csrf) is missing or wrong: open the page again and resubmit. Nothing was written.")) } },
    )
}

/// Percent-encodes a path segment (a case reference is user text).
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn html_page(
    status: StatusCode,
    lang: Lang,
    viewer: Option<&Viewer>,
    title: &str,
    body: Markup,
) -> Response {
    let page = html! {
        (DOCTYPE)
        html lang=(if lang == Lang::Zh { "zh-CN" } else { "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · juece" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                header {
                    nav {
                        a href="/" { (t(lang, "我的待办", "My to-do")) }
                        a href="/cases" { (t(lang, "事项", "Cases")) }
                        a href="/cases/new" { (t(lang, "立项", "Open a case")) }
                        a href="/review" { (t(lang, "合法性审查", "Legality review")) }
                        a href="/audit" { (t(lang, "审计", "Audit")) }
                        a href="/report" { (t(lang, "年度报告", "Annual report")) }
                        a href="/integrity" { (t(lang, "完整性", "Integrity")) }
                        span.lang {
                            a href="?lang=zh" { "中文" } " | " a href="?lang=en" { "English" }
                        }
                        @if let Some(v) = viewer {
                            span.who { (v.name) " (" (v.roles.iter().map(|r| r.label(lang)).collect::<Vec<_>>().join("、")) ")" }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(v.csrf);
                                button type="submit" { (t(lang, "退出", "Sign out")) }
                            }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page.into_string(),
    )
        .into_response()
}

/// Adds the `lang` cookie when the page was asked for with `?lang=`.
fn remember_lang(mut r: Response, q: &HashMap<String, String>) -> Response {
    if let Some(l) = q.get("lang").filter(|l| *l == "zh" || *l == "en") {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "lang={l}; Path=/; SameSite=Strict; Max-Age=31536000"
        )) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

/// The language of a page: `?lang=`, then the `lang` cookie (the switch), then the server's
/// `--lang` (Chinese unless given). `Accept-Language` decides only the API's messages.
fn page_lang(state: &AppState, headers: &HeaderMap, q: &HashMap<String, String>) -> Lang {
    let pick = |s: &str| match s.trim() {
        "en" => Some(Lang::En),
        "zh" => Some(Lang::Zh),
        _ => None,
    };
    q.get("lang")
        .and_then(|l| pick(l))
        .or_else(|| cookie(headers, "lang").as_deref().and_then(pick))
        .unwrap_or(state.config.lang)
}

pub async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

// ---- sign-in ----------------------------------------------------------------------------

fn login_markup(lang: Lang, csrf: &str, message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message { p.error { (m) } }
        form.card method="post" action="/login" {
            input type="hidden" name="csrf" value=(csrf);
            label { (t(lang, "姓名", "Name")) input name="name" autocomplete="username" required; }
            label { (t(lang, "密码", "Password")) input name="password" type="password" autocomplete="current-password" required; }
            button type="submit" { (t(lang, "登录", "Sign in")) }
        }
    }
}

fn pre_cookie(value: &str, secure: bool) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{PRE_COOKIE}={value}; Path=/login; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    ))
    .ok()
}

/// `GET /login`.
pub async fn login_form(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let lang = page_lang(&state, &headers, &q);
    let pre = match cookie(&headers, PRE_COOKIE).filter(|c| c.len() == 64) {
        Some(c) => c,
        None => match random_hex(32) {
            Ok(c) => c,
            Err(e) => return crate::internal(&e),
        },
    };
    let mut r = html_page(
        StatusCode::OK,
        lang,
        None,
        t(lang, "登录", "Sign in"),
        login_markup(lang, &pre, None),
    );
    if let Some(v) = pre_cookie(&pre, state.config.secure_cookies) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    remember_lang(r, &q)
}

/// `POST /login` (`name`, `password`, `csrf`).
pub async fn login(State(state): State<Shared>, headers: HeaderMap, form: FormData) -> Response {
    let lang = page_lang(&state, &headers, &HashMap::new());
    let Ok(Form(form)) = form else {
        return forbidden(lang);
    };
    let pre = cookie(&headers, PRE_COOKIE).unwrap_or_default();
    let csrf = form.get("csrf").cloned().unwrap_or_default();
    if pre.is_empty() || !same(&pre, &csrf) {
        return forbidden(lang);
    }
    let name = form.get("name").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    blocking(&state, move |state| {
        let fail = |status: StatusCode, msg: &str| {
            html_page(
                status,
                lang,
                None,
                t(lang, "登录", "Sign in"),
                login_markup(lang, &pre, Some(msg)),
            )
        };
        if state.throttled(&name) {
            return fail(
                StatusCode::TOO_MANY_REQUESTS,
                t(
                    lang,
                    "登录失败次数过多，请十五分钟后再试",
                    "too many failed sign-ins: try again in fifteen minutes",
                ),
            );
        }
        let stored = state
            .stores
            .read(|engine| engine.store().password_hash(&name))
            .ok()
            .flatten();
        // Always run one argon2 verification, so a missing user takes as long as a wrong password.
        let dummy = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$7nZ4Qn2mEhX1L4fWQhD5PgdJ7Hb4mHhLgq1yqL8tWLM";
        let ok = verify_password(&password, stored.as_deref().unwrap_or(dummy)) && stored.is_some();
        if !ok {
            state.failed(&name);
            return fail(
                StatusCode::UNAUTHORIZED,
                t(lang, "姓名或密码不正确", "wrong name or password"),
            );
        }
        state.succeeded(&name);
        let (Ok(id), Ok(csrf)) = (random_hex(32), random_hex(32)) else {
            return crate::internal("no randomness");
        };
        let now = state.unix_now();
        let created = state.stores.write(|engine| {
            engine.store_mut().create_session(
                &sha256_hex(&id),
                &name,
                &csrf,
                now,
                now + state.config.session_ttl,
            )
        });
        if created.is_err() {
            return crate::internal("cannot store the session");
        }
        let mut r = see_other("/");
        let c = format!(
            "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
            state.config.session_ttl,
            if state.config.secure_cookies {
                "; Secure"
            } else {
                ""
            }
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
        r
    })
    .await
    .unwrap_or_else(|r| r)
}

/// `POST /logout` (`csrf`).
pub async fn logout(State(state): State<Shared>, headers: HeaderMap, form: FormData) -> Response {
    let lang = page_lang(&state, &headers, &HashMap::new());
    blocking(&state, move |state| {
        let Some(v) = state
            .stores
            .read(|engine| checked(state, engine, &headers, form))
        else {
            return forbidden(lang);
        };
        let _ = state
            .stores
            .write(|engine| engine.store_mut().delete_session(&v.0.id_hash));
        let mut r = see_other("/login");
        if let Ok(h) = HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        )) {
            r.headers_mut().append(header::SET_COOKIE, h);
        }
        r
    })
    .await
    .unwrap_or_else(|r| r)
}

/// The signed-in user and the form, when the form's `csrf` is the session's.
fn checked(
    state: &AppState,
    engine: &WriteSession,
    headers: &HeaderMap,
    form: FormData,
) -> Option<(Viewer, HashMap<String, String>)> {
    let Form(form) = form.ok()?;
    let v = viewer(state, engine, headers)?;
    let csrf = form.get("csrf")?;
    same(csrf, &v.csrf).then_some((v, form))
}

// ---- the to-do ------------------------------------------------------------------------

/// `GET /`: what the user's roles may do next, across open cases, with due dates and blocks.
pub async fn todo(State(state): State<Shared>, headers: HeaderMap, Query(q): Params) -> Response {
    let lang = page_lang(&state, &headers, &q);
    let r = with_reader(&state, move |state, engine| {
        let Some(v) = viewer(state, engine, &headers) else {
            return see_other("/login");
        };
        let rows = v
            .scope
            .list_cases(engine.store(), &ListFilter::default())
            .unwrap_or_default();
        let mut items = Vec::new();
        for row in rows.iter().filter(|r| {
            !matches!(
                r.projection.status,
                Status::Archived | Status::Rejected
            )
        }) {
            if items.len() >= 200 {
                break;
            }
            let Ok(view) = case_view(
                engine.store(),
                engine.profiles(),
                engine.calendar(),
                &v.scope,
                &row.case_ref,
                state.now(),
                lang,
            ) else {
                continue;
            };
            for n in &view.next {
                if n.roles.iter().any(|r| v.roles.contains(r)) {
                    let due: Vec<String> = view
                        .dates
                        .iter()
                        .filter(|d| d.step == n.step && d.kind.is_deadline())
                        .filter_map(|d| d.date.map(|x| format!("{} {x}", d.kind.label(lang))))
                        .collect();
                    items.push((row.case_ref.clone(), row.title.clone(), n.clone(), due));
                }
            }
        }
        let body = html! {
            @if items.is_empty() {
                p { (t(lang, "目前没有您的角色可以办理的事项。", "Nothing your roles may do right now.")) }
            } @else {
                table {
                    thead { tr {
                        th { (t(lang, "案号", "Ref")) } th { (t(lang, "标题", "Title")) }
                        th { (t(lang, "下一步", "Next")) } th { (t(lang, "期限", "Due")) }
                        th { (t(lang, "阻碍", "Blocked by")) }
                    } }
                    tbody {
                        @for (r, title, n, due) in &items {
                            tr {
                                td { a href={ "/cases/" (enc(r)) } { (r) } }
                                td { (title) }
                                td { code { (n.event_type) } " " (n.step.label(lang)) }
                                td { (due.join("; ")) }
                                td {
                                    @if n.unmet.is_empty() { span.ok { (t(lang, "可以办理", "may be recorded")) } }
                                    @for u in &n.unmet {
                                        div { code { (u.code) } " " (u.message(lang)) "（" (article_in(&u.article, lang)) "）" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        };
        html_page(
            StatusCode::OK,
            lang,
            Some(&v),
            t(lang, "我的待办", "My to-do"),
            body,
        )
    })
    .await
    .unwrap_or_else(|r| r);
    remember_lang(r, &q)
}

// ---- case list ------------------------------------------------------------------------

const PAGE_SIZE: usize = 50;

/// `GET /cases`: status, skipped, overridden, year, organ, text search; paged.
pub async fn case_list(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let lang = page_lang(&state, &headers, &q);
    let q2 = q.clone();
    let r = with_reader(&state, move |state, engine| {
        let Some(v) = viewer(state, engine, &headers) else {
            return see_other("/login");
        };
        let get = |k: &str| q.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
        let status = Status::parse(&get("status"));
        let filter = ListFilter {
            status,
            skipped: get("skipped") == "true",
            overridden: get("overridden") == "true",
        };
        let (year, organ, text) = (get("year"), get("organ"), get("q"));
        let rows: Vec<_> = v
            .scope
            .list_cases(engine.store(), &filter)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| year.is_empty() || r.case_ref.contains(&year) || r.last_at.starts_with(&year))
            .filter(|r| organ.is_empty() || r.organ.contains(&organ))
            .filter(|r| text.is_empty() || r.title.contains(&text) || r.case_ref.contains(&text))
            .collect();
        let page: usize = get("page").parse().unwrap_or(1).max(1);
        let pages = rows.len().div_ceil(PAGE_SIZE).max(1);
        let shown = rows.iter().skip((page - 1) * PAGE_SIZE).take(PAGE_SIZE);
        let link = |p: usize| {
            let mut s = format!("/cases?page={p}");
            for k in ["status", "skipped", "overridden", "year", "organ", "q"] {
                let v = get(k);
                if !v.is_empty() {
                    s.push_str(&format!("&{k}={}", enc(&v)));
                }
            }
            s
        };
        let yes = t(lang, "是", "yes");
        let body = html! {
            form.filters method="get" action="/cases" {
                label { (t(lang, "状态", "Status"))
                    select name="status" {
                        option value="" { "—" }
                        @for s in Status::ALL {
                            option value=(s.as_str()) selected[status == Some(*s)] { (s.label(lang)) }
                        }
                    }
                }
                label { input type="checkbox" name="skipped" value="true" checked[filter.skipped]; (t(lang, "跳过程序", "skipped step")) }
                label { input type="checkbox" name="overridden" value="true" checked[filter.overridden]; (t(lang, "强制推进", "overridden")) }
                label { (t(lang, "年份", "Year")) input name="year" value=(year) size="6"; }
                label { (t(lang, "决策机关", "Organ")) input name="organ" value=(organ); }
                label { (t(lang, "搜索", "Search")) input name="q" value=(text); }
                button type="submit" { (t(lang, "筛选", "Filter")) }
            }
            p { (rows.len()) " " (t(lang, "件", "cases")) }
            table {
                thead { tr {
                    th { (t(lang, "案号", "Ref")) } th { (t(lang, "标题", "Title")) } th { (t(lang, "决策机关", "Organ")) }
                    th { (t(lang, "状态", "Status")) } th { (t(lang, "跳过程序", "Skipped")) } th { (t(lang, "强制推进", "Overridden")) }
                    th { (t(lang, "违规", "Violations")) } th { (t(lang, "最近记录", "Last event")) }
                } }
                tbody {
                    @for c in shown {
                        tr {
                            td { a href={ "/cases/" (enc(&c.case_ref)) } { (c.case_ref) } }
                            td { (c.title) } td { (c.organ) }
                            td { (c.projection.status.label(lang)) }
                            td { @if c.projection.has_skipped { (yes) } }
                            td { @if c.projection.has_override { (yes) } }
                            td { (c.projection.violations) }
                            td { (c.last_at.get(..10).unwrap_or(&c.last_at)) }
                        }
                    }
                }
            }
            nav.pages {
                @if page > 1 { a href=(link(page - 1)) { "‹" } }
                " " (page) " / " (pages) " "
                @if page < pages { a href=(link(page + 1)) { "›" } }
            }
        };
        html_page(StatusCode::OK, lang, Some(&v), t(lang, "事项", "Cases"), body)
    })
    .await
    .unwrap_or_else(|r| r);
    remember_lang(r, &q2)
}

// ---- opening a case -------------------------------------------------------------------

fn new_case_markup(
    lang: Lang,
    v: &Viewer,
    form: &HashMap<String, String>,
    error: Option<&EngineError>,
) -> Markup {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let idem = uuid::Uuid::new_v4().to_string();
    html! {
        @if let Some(e) = error { (error_box(lang, e)) }
        form.card method="post" action="/cases" {
            input type="hidden" name="csrf" value=(v.csrf);
            input type="hidden" name="idem" value=(idem);
            label { (t(lang, "案号", "Reference")) input name="ref" value=(get("ref")) required; }
            label { (t(lang, "标题", "Title")) input name="title" value=(get("title")) required; }
            // A user of one organ opens cases for it: the field starts with its name.
            @let organ = match (get("organ"), v.scope.organ_names()) {
                (o, Some(own)) if o.is_empty() && own.len() == 1 => own[0].clone(),
                (o, _) => o,
            };
            label { (t(lang, "决策机关", "Deciding organ")) input name="organ" value=(organ) required; }
            label { (t(lang, "决策承办单位", "Undertaking unit")) input name="undertaking_unit" value=(get("undertaking_unit")) required; }
            label { (t(lang, "类别", "Category"))
                select name="category" {
                    @for c in Category::ALL {
                        option value=(c.as_str()) selected[get("category") == c.as_str()] { (c.label(lang)) }
                    }
                }
            }
            label { (t(lang, "流程", "Workflow")) input name="workflow" value=(if get("workflow").is_empty() { "decree-713".to_owned() } else { get("workflow") }); }
            @for (k, zh, en) in [("technical", "专业性、技术性较强（第十九条）", "technical (Art. 19)"),
                                ("stability_risk", "可能影响社会稳定（第二十二条）", "stability risk (Art. 22)"),
                                ("hearing_required", "法律规定应当听证（第十六条）", "hearing required (Art. 16)"),
                                ("confidential", "依法不予公开", "confidential"),
                                ("market_entities", "涉及市场主体经济活动（第二十九条）", "concerns market entities (Art. 29)")] {
                label.check { input type="checkbox" name=(k) value="true" checked[get(k) == "true"]; (t(lang, zh, en)) }
            }
            label { (t(lang, "立项时间（可选，RFC 3339）", "Opened at (optional, RFC 3339)")) input name="at" value=(get("at")); }
            button type="submit" { (t(lang, "立项", "Open the case")) }
        }
    }
}

/// `GET /cases/new`.
pub async fn new_case_form(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let lang = page_lang(&state, &headers, &q);
    with_reader(&state, move |state, engine| {
        let Some(v) = viewer(state, engine, &headers) else {
            return see_other("/login");
        };
        let body = new_case_markup(lang, &v, &HashMap::new(), None);
        html_page(
            StatusCode::OK,
            lang,
            Some(&v),
            t(lang, "立项", "Open a case"),
            body,
        )
    })
    .await
    .unwrap_or_else(|r| r)
}

/// `POST /cases`: opens a case from the form.
pub async fn open_case(
    State(state): State<Shared>,
    headers: HeaderMap,
    form: FormData,
) -> Response {
    let lang = page_lang(&state, &headers, &HashMap::new());
    blocking(&state, move |state| {
        let Some((v, form)) = state
            .stores
            .read(|engine| checked(state, engine, &headers, form))
        else {
            return forbidden(lang);
        };
        let get = |k: &str| form.get(k).cloned().unwrap_or_default();
        let mut header = json!({
            "ref": get("ref"), "title": get("title"), "organ": get("organ"),
            "undertaking_unit": get("undertaking_unit"), "category": get("category"),
            "workflow": get("workflow"),
            "attributes": {
                "technical": get("technical") == "true", "stability_risk": get("stability_risk") == "true",
                "hearing_required": get("hearing_required") == "true", "confidential": get("confidential") == "true",
                "market_entities": get("market_entities") == "true",
            },
        });
        if !get("at").trim().is_empty() {
            header["at"] = Value::String(get("at").trim().to_owned());
        }
        let args = WriteArgs {
            as_user: Some(v.name.clone()),
            ..WriteArgs::default()
        };
        let opened = state
            .stores
            .write(|engine| engine.open_case(&state.ctx(lang), &header, &args));
        match opened {
            Ok(r) => see_other(&format!("/cases/{}", enc(&r.case_ref))),
            Err(e) => {
                let (status, _) = status_of(&e);
                let body = new_case_markup(lang, &v, &form, Some(&e));
                html_page(status, lang, Some(&v), t(lang, "立项", "Open a case"), body)
            }
        }
    })
    .await
    .unwrap_or_else(|r| r)
}

// ---- the case page --------------------------------------------------------------------

fn error_box(lang: Lang, e: &EngineError) -> Markup {
    html! {
        div.refusal role="alert" {
            p { strong { (if e.kind == ErrorKind::Refused { t(lang, "被拒绝：", "Refused: ") } else { t(lang, "未写入：", "Not written: ") }) } (e.message.lines().next().unwrap_or_default()) }
            @if !e.guards.is_empty() {
                ul.guards {
                    @for u in &e.guards {
                        li {
                            code { (u.code) } " "
                            @if let Some(s) = u.step { "[" (s.label(lang)) "] " }
                            (u.message(lang)) "（" (article_in(&u.article, lang)) "）"
                            br; em { (t(lang, "补正：", "Fix: ")) (juece_engine::write::advice(u, lang)) }
                        }
                    }
                }
            }
            @if e.kind == ErrorKind::Conflict { p { (t(lang, "事项已变更，请重试。", "Case changed, retry.")) } }
        }
    }
}

/// A write refused or not understood, shown in place: the error, and the form as submitted.
struct Refused<'a> {
    error: &'a EngineError,
    event_type: &'a str,
    form: &'a HashMap<String, String>,
}

fn case_markup(
    lang: Lang,
    v: &Viewer,
    engine: &WriteSession,
    view: &CaseView,
    refused: Option<Refused<'_>>,
) -> Markup {
    let h = &view.stored.case.header;
    let case_path = format!("/cases/{}", enc(&h.case_ref));
    let post = format!("{case_path}/events");
    html! {
        @if let Some(r) = &refused { (error_box(lang, r.error)) }
        section.facts {
            dl {
                dt { (t(lang, "案号", "Reference")) } dd { (h.case_ref) }
                dt { (t(lang, "决策机关", "Deciding organ")) } dd { (h.organ) }
                dt { (t(lang, "决策承办单位", "Undertaking unit")) } dd { (h.undertaking_unit) }
                dt { (t(lang, "类别", "Category")) } dd { (h.category.label(lang)) }
                dt { (t(lang, "流程", "Workflow")) } dd { (view.stored.pinned()) }
                dt { (t(lang, "状态", "Status")) } dd { (view.eval.status.label(lang)) }
                dt { (t(lang, "现行草案", "Current draft")) } dd { (view.eval.current_draft.clone().unwrap_or_default()) }
                dt { (t(lang, "截至", "As of")) } dd { (view.as_of) }
            }
        }
        h2 id="timeline" { (t(lang, "时间线", "Timeline")) }
        ol.timeline {
            @for (i, e) in view.stored.case.events.iter().enumerate() {
                li {
                    span.seq { "#" (i) } " "
                    time { (e.at.to_rfc3339()) } " "
                    strong { (e.body.type_name()) } " — " (summary(e, lang)) " "
                    span.who { (e.actor) " · " (e.role.label(lang)) }
                }
            }
        }
        h2 { (t(lang, "程序步骤", "Steps")) }
        table {
            thead { tr { th { (t(lang, "步骤", "Step")) } th { (t(lang, "是否必经", "Required")) } th { (t(lang, "状态", "State")) } th { (t(lang, "问题", "Problems")) } } }
            tbody {
                @for s in &view.eval.steps {
                    tr class=(s.state.as_str()) {
                        td { (s.step.label(lang)) } td { @if s.required { "✓" } }
                        td { (s.state.label(lang)) }
                        td { (s.problems.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")) }
                    }
                }
            }
        }
        h2 { (t(lang, "发现的问题", "Findings")) }
        @if view.eval.findings.is_empty() { p { (t(lang, "无", "None")) } }
        ul.findings {
            @for f in &view.eval.findings {
                li class=(f.severity().as_str()) {
                    (f.severity().label(lang)) " " code { (f.code.as_str()) } " "
                    @if let Some(s) = f.step { "[" (s.label(lang)) "] " }
                    (f.message(lang)) "（" (f.article_in(lang)) "）"
                }
            }
        }
        h2 { (t(lang, "下一步", "Next actions")) }
        ul.next {
            @for n in &view.next {
                li {
                    code { (n.event_type) } " " (n.step.label(lang)) " — "
                    (n.roles.iter().map(|r| r.label(lang)).collect::<Vec<_>>().join("、")) " — "
                    @if n.unmet.is_empty() { span.ok { (t(lang, "可以办理", "may be recorded")) } }
                    @else {
                        ul { @for u in &n.unmet { li { code { (u.code) } " " (u.message(lang)) "（" (article_in(&u.article, lang)) "）：" (juece_engine::write::advice(u, lang)) } } }
                    }
                }
            }
        }
        h2 { (t(lang, "关键日期", "Key dates")) }
        ul {
            @for d in &view.dates {
                li { (d.kind.label(lang)) " · " (d.step.label(lang)) "：" (d.date.map(|x| x.to_string()).or(d.unknown_because.clone()).unwrap_or_default()) }
            }
        }
        h2 { (t(lang, "记录事件", "Record an event")) }
        (crate::record_forms::section(lang, v, engine, view, &post, refused.as_ref().map(|r| (r.event_type, r.form))))
    }
}

/// The case page, with a refused write shown in place (its status: the refusal's).
fn case_response(
    state: &AppState,
    lang: Lang,
    v: &Viewer,
    engine: &WriteSession,
    case_ref: &str,
    refused: Option<Refused<'_>>,
) -> Response {
    match case_view(
        engine.store(),
        engine.profiles(),
        engine.calendar(),
        &v.scope,
        case_ref,
        state.now(),
        lang,
    ) {
        Ok(view) => {
            let status = refused
                .as_ref()
                .map_or(StatusCode::OK, |r| status_of(r.error).0);
            let title = view.stored.case.header.title.clone();
            let body = case_markup(lang, v, engine, &view, refused);
            html_page(status, lang, Some(v), &title, body)
        }
        Err(e) => {
            let (status, _) = status_of(&e);
            html_page(status, lang, Some(v), case_ref, error_box(lang, &e))
        }
    }
}

/// `GET /cases/{ref}`.
pub async fn case_page(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(case_ref): Path<String>,
    Query(q): Params,
) -> Response {
    let lang = page_lang(&state, &headers, &q);
    let r = with_reader(&state, move |state, engine| {
        let Some(v) = viewer(state, engine, &headers) else {
            return see_other("/login");
        };
        case_response(state, lang, &v, engine, &case_ref, None)
    })
    .await
    .unwrap_or_else(|r| r);
    remember_lang(r, &q)
}

/// `POST /cases/{ref}/events`: one form's event; the refusal shown in place.
pub async fn record_event(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(case_ref): Path<String>,
    form: FormData,
) -> Response {
    let lang = page_lang(&state, &headers, &HashMap::new());
    blocking(&state, move |state| {
        let Some((v, form)) = state
            .stores
            .read(|engine| checked(state, engine, &headers, form))
        else {
            return forbidden(lang);
        };
        let get = |k: &str| form.get(k).cloned().unwrap_or_default();
        let event_type = get("event_type");
        let now = state.now();
        let parsed = crate::record_forms::submitted_event(
            &form,
            crate::record_forms::office_offset(now),
            lang,
        );
        let mut wrapper = json!({ "event": parsed.clone().unwrap_or(Value::Null) });
        let justification = get("override");
        if !justification.trim().is_empty() {
            wrapper["override"] = Value::String(justification);
        }
        if let Ok(n) = get("expected_seq").parse::<u64>() {
            wrapper["expected_seq"] = json!(n);
        }
        let outcome = parsed.and_then(|_| event_request(wrapper));
        let key = Some(get("idem")).filter(|k| !k.is_empty() && k.len() <= 200);
        let err = match outcome {
            Err(m) => EngineError::bad_input(m),
            Ok(request) => {
                let (status, body, guards) =
                    record_for(state, &v.name, &case_ref, request, key.as_deref(), lang);
                if status == StatusCode::CREATED {
                    return see_other(&format!("/cases/{}#timeline", enc(&case_ref)));
                }
                let kind = match status {
                    StatusCode::UNPROCESSABLE_ENTITY => ErrorKind::Refused,
                    StatusCode::NOT_FOUND => ErrorKind::NotFound,
                    StatusCode::CONFLICT => ErrorKind::Conflict,
                    _ => ErrorKind::BadInput,
                };
                let mut e = EngineError::new(
                    kind,
                    body.pointer("/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                );
                e.guards = if guards.is_empty() {
                    replayed_guards(&body)
                } else {
                    guards
                };
                e
            }
        };
        let refused = Refused {
            error: &err,
            event_type: &event_type,
            form: &form,
        };
        state
            .stores
            .read(|engine| case_response(state, lang, &v, engine, &case_ref, Some(refused)))
    })
    .await
    .unwrap_or_else(|r| r)
}

/// The guards of a kept (replayed) answer, rebuilt from its JSON in the language it was kept in.
fn replayed_guards(body: &Value) -> Vec<juece_core::check::Unmet> {
    let text = |g: &Value, k: &str| {
        g.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    body.pointer("/error/guards")
        .and_then(Value::as_array)
        .map(|gs| {
            gs.iter()
                .map(|g| juece_core::check::Unmet {
                    code: text(g, "code"),
                    step: g
                        .get("step")
                        .and_then(Value::as_str)
                        .and_then(juece_core::ids::Step::parse),
                    article: text(g, "article"),
                    message_zh: text(g, "message"),
                    message_en: text(g, "message"),
                    fix_zh: text(g, "fix"),
                    fix_en: text(g, "fix"),
                })
                .collect()
        })
        .unwrap_or_default()
}

// ---- legality review queue ------------------------------------------------------------

/// `GET /review`: submitted and unsigned drafts, with the sign-off form.
pub async fn review_queue(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let lang = page_lang(&state, &headers, &q);
    let r = with_reader(&state, move |state, engine| {
        let Some(v) = viewer(state, engine, &headers) else {
            return see_other("/login");
        };
        let rows = v
            .scope
            .list_cases(engine.store(), &ListFilter {
                status: Some(Status::InReview),
                ..ListFilter::default()
            })
            .unwrap_or_default();
        let now = state.now();
        let mut items = Vec::new();
        for row in rows.iter().take(500) {
            let Ok(view) = case_view(engine.store(), engine.profiles(), engine.calendar(), &v.scope, &row.case_ref, now, lang) else {
                continue;
            };
            let Some(next) = view.next.iter().find(|n| n.event_type == "legality_review_signed") else {
                continue;
            };
            let draft = view.eval.current_draft.clone().unwrap_or_default();
            let hash = view
                .stored
                .case
                .events
                .iter()
                .rev()
                .find_map(|e| match &e.body {
                    juece_core::event::EventBody::Draft(d) if d.version == draft => Some(d.sha256.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            // The review window (第二十六条): the earliest lawful meeting, and the working days
            // the reviewer has left before it.
            let today = now.date_naive();
            let due: Vec<String> = view
                .dates
                .iter()
                .filter(|d| d.kind == juece_core::next::DateKind::EarliestMeeting)
                .filter_map(|d| {
                    let date = d.date?;
                    // Counted strictly after the submission day: today counts once it is later.
                    let submitted = view.stored.case.events.iter().rev().find_map(|e| {
                        matches!(e.body, juece_core::event::EventBody::ReviewSubmitted(_))
                            .then(|| e.date())
                    })?;
                    let cal = engine.calendar();
                    let left = cal.working_days_between(today, date).value
                        + u32::from(today > submitted && today < date && cal.is_working_day(today));
                    let estimated = if d.estimated.is_empty() { "" } else { t(lang, "（估算）", " (estimated)") };
                    Some(match lang {
                        Lang::Zh => format!("最早可开会日期 {date}{estimated}，审查尚余 {left} 个工作日"),
                        Lang::En => format!("earliest lawful meeting {date}{estimated}; {left} working days left for the review"),
                    })
                })
                .collect();
            items.push((row.case_ref.clone(), row.title.clone(), draft, hash, due, next.unmet.clone()));
        }
        let body = html! {
            @if items.is_empty() { p { (t(lang, "没有待审查的草案。", "No draft is waiting for review.")) } }
            @for (r, title, draft, hash, due, unmet) in &items {
                section.card {
                    h2 { a href={ "/cases/" (enc(r)) } { (r) } " " (title) }
                    p { (t(lang, "草案", "Draft")) " " code { (draft) } " sha256 " code { (hash) } }
                    p { (t(lang, "期限", "Due")) "：" (due.join("; ")) }
                    @for u in unmet { p.blocked { code { (u.code) } " " (u.message(lang)) } }
                    form method="post" action={ "/cases/" (enc(r)) "/events" } {
                        input type="hidden" name="csrf" value=(v.csrf);
                        input type="hidden" name="idem" value=(uuid::Uuid::new_v4().to_string());
                        input type="hidden" name="event_type" value="legality_review_signed";
                        (crate::forms::inputs("legality_review_signed", &crate::forms::Prefill { values: None, defaults: [("draft", draft.clone())].into_iter().collect() }, lang))
                        button type="submit" { (t(lang, "签署", "Sign")) }
                    }
                }
            }
        };
        html_page(StatusCode::OK, lang, Some(&v), t(lang, "合法性审查", "Legality review"), body)
    })
    .await
    .unwrap_or_else(|r| r);
    remember_lang(r, &q)
}

// ---- audit dashboard ------------------------------------------------------------------

fn as_of_param(state: &AppState, q: &HashMap<String, String>) -> chrono::NaiveDate {
    q.get("as_of")
        .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .unwrap_or_else(|| state.now().date_naive())
}

/// The organ chosen in a dashboard's or report's selector (empty: all of the user's organs).
fn organ_param(q: &HashMap<String, String>) -> Option<String> {
    q.get("organ")
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty())
}

/// The organ selector: every organ of the user's (all of the database's for a user of every
/// organ), and "all".
fn organ_select(lang: Lang, scope: &Scope, engine: &WriteSession, chosen: Option<&str>) -> Markup {
    let organs = scope.known_organs(engine.store()).unwrap_or_default();
    html! {
        label { (t(lang, "决策机关", "Organ"))
            select name="organ" {
                option value="" selected[chosen.is_none()] { (t(lang, "全部", "All")) }
                @for o in &organs {
                    option value=(o) selected[chosen == Some(o.as_str())] { (o) }
                }
            }
        }
    }
}

/// `GET /audit`: findings by code and step, skipped-step and overridden cases; downloads.
pub async fn audit_dashboard(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let lang = page_lang(&state, &headers, &q);
    let q2 = q.clone();
    let r = with_reader(&state, move |state, engine| {
        let Some(v) = viewer(state, engine, &headers) else {
            return see_other("/login");
        };
        let as_of = as_of_param(state, &q);
        // One organ of the user's (the selector), or all of them.
        let organ = organ_param(&q);
        let scope = v.scope.narrow(organ.as_deref());
        // Counted as the audit goes, a chunk of cases at a time: a province's audit is never
        // held, only the counts and the two lists the page shows.
        let (mut cases, mut violations) = (0usize, 0usize);
        let mut by_code: std::collections::BTreeMap<&str, usize> = Default::default();
        let mut by_step: std::collections::BTreeMap<String, usize> = Default::default();
        let mut skipped: Vec<(String, String)> = Vec::new();
        let mut overridden: Vec<(String, String)> = Vec::new();
        let counted = juece_engine::audit::audit_store_each(engine.store(), engine.profiles(), engine.calendar(), &scope, as_of, |chunk| {
            for a in chunk {
                cases += 1;
                for f in &a.findings {
                    *by_code.entry(f.code.as_str()).or_default() += 1;
                    *by_step.entry(f.step.map(|s| s.label(lang).to_owned()).unwrap_or_else(|| "—".into())).or_default() += 1;
                    violations += usize::from(f.severity() == Severity::Violation);
                }
                let has = |code: &str| a.findings.iter().any(|f| f.code.as_str() == code);
                for (code, list) in [("SKIPPED_STEP", &mut skipped), ("GUARD_OVERRIDDEN", &mut overridden)] {
                    if has(code) {
                        list.push((a.case_ref.clone(), a.title.clone()));
                    }
                }
            }
            Ok::<(), juece_engine::EngineError>(())
        });
        if let Err(e) = counted {
            return html_page(status_of(&e).0, lang, Some(&v), t(lang, "审计", "Audit"), error_box(lang, &e));
        }
        let body = html! {
            form.filters method="get" action="/audit" {
                label { (t(lang, "截至日期", "As of")) input type="date" name="as_of" value=(as_of); }
                (organ_select(lang, &v.scope, engine, organ.as_deref()))
                button type="submit" { (t(lang, "审计", "Audit")) }
                a href={ "/audit/download?format=csv&as_of=" (as_of) "&organ=" (enc(organ.as_deref().unwrap_or_default())) } { "CSV" }
                " "
                a href={ "/audit/download?format=json&as_of=" (as_of) "&organ=" (enc(organ.as_deref().unwrap_or_default())) } { "JSON" }
            }
            p { (cases) " " (t(lang, "件事项", "cases")) "，" (violations) " " (t(lang, "项违规", "violations")) }
            h2 { (t(lang, "按问题代码", "By code")) }
            table { tbody { @for (c, n) in &by_code { tr { td { code { (c) } } td { (n) } } } } }
            h2 { (t(lang, "按步骤", "By step")) }
            table { tbody { @for (s, n) in &by_step { tr { td { (s) } td { (n) } } } } }
            h2 id="skipped" { (t(lang, "跳过程序的事项", "Cases with a skipped step")) }
            ul { @for (r, title) in &skipped { li { a href={ "/cases/" (enc(r)) } { (r) } " " (title) } } }
            h2 { (t(lang, "强制推进的事项", "Overridden cases")) }
            ul { @for (r, title) in &overridden { li { a href={ "/cases/" (enc(r)) } { (r) } " " (title) } } }
        };
        html_page(StatusCode::OK, lang, Some(&v), t(lang, "审计", "Audit"), body)
    })
    .await
    .unwrap_or_else(|r| r);
    remember_lang(r, &q2)
}

/// `GET /audit/download?format=csv|json&as_of=`.
pub async fn audit_download(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let lang = page_lang(&state, &headers, &q);
    with_reader(&state, move |state, engine| {
        let Some(v) = viewer(state, engine, &headers) else {
            return see_other("/login");
        };
        let as_of = as_of_param(state, &q);
        let scope = v.scope.narrow(organ_param(&q).as_deref());
        let csv = q.get("format").map(String::as_str) == Some("csv");
        let (ctype, ext) = if csv {
            ("text/csv; charset=utf-8", "csv")
        } else {
            ("application/json", "json")
        };
        // Sent as the pieces it was written in.
        let doc = match juece_engine::audit::audit_document(
            engine.store(),
            engine.profiles(),
            engine.calendar(),
            &scope,
            as_of,
            lang,
            csv,
        ) {
            Ok(t) => t,
            Err(e) => return crate::internal(&e.message),
        };
        (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, ctype.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"juece-audit-{as_of}.{ext}\""),
                ),
            ],
            crate::pieces_body(doc),
        )
            .into_response()
    })
    .await
    .unwrap_or_else(|r| r)
}

// ---- annual report ----------------------------------------------------------------------

/// The year a report is about: `year`, else last year (the annual report is written in the
/// first months of the year after).
fn report_year(state: &AppState, q: &HashMap<String, String>) -> i32 {
    q.get("year")
        .and_then(|y| y.trim().parse().ok())
        .filter(|y| (1900..=9999).contains(y))
        .unwrap_or_else(|| chrono::Datelike::year(&state.now()) - 1)
}

/// The report's query: year, organ (empty: every organ) and as-of date (default: report.md's).
fn report_query(
    state: &AppState,
    q: &HashMap<String, String>,
) -> (i32, Option<String>, chrono::NaiveDate) {
    let year = report_year(state, q);
    let organ = q
        .get("organ")
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty());
    let as_of = q
        .get("as_of")
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| juece_core::report::default_as_of(year, state.now().date_naive()));
    (year, organ, as_of)
}

/// `GET /report?year=&organ=&as_of=`: the major-decision section of the annual report, its
/// drafted paragraphs, and a link to download each format (`juece report`).
pub async fn report_page(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let lang = page_lang(&state, &headers, &q);
    let q2 = q.clone();
    let r = with_reader(&state, move |state, engine| {
        let Some(v) = viewer(state, engine, &headers) else {
            return see_other("/login");
        };
        let (year, organ, as_of) = report_query(state, &q);
        let title = t(lang, "年度报告", "Annual report");
        let report = juece_engine::report::build(
            engine.store(),
            engine.profiles(),
            engine.calendar(),
            &v.scope,
            year,
            organ.as_deref(),
            as_of,
        );
        let (report, _) = match report {
            Ok(r) => r,
            Err(e) => return html_page(status_of(&e).0, lang, Some(&v), title, error_box(lang, &e)),
        };
        let organ_q = organ.clone().unwrap_or_default();
        let link = |format: &str| {
            format!(
                "/report/download?format={format}&year={year}&organ={}&as_of={as_of}&lang={}",
                enc(&organ_q),
                if lang == Lang::Zh { "zh" } else { "en" }
            )
        };
        let body = html! {
            form.filters method="get" action="/report" {
                label { (t(lang, "年度", "Year")) input type="number" name="year" value=(year); }
                (organ_select(lang, &v.scope, engine, organ.as_deref()))
                label { (t(lang, "截至日期", "As of")) input type="date" name="as_of" value=(as_of); }
                button type="submit" { (t(lang, "生成", "Write")) }
            }
            p {
                (t(lang, "下载：", "Download: "))
                a href=(link("html")) { (t(lang, "HTML（可打印）", "HTML (printable)")) }
                " · " a href=(link("md")) { "Markdown" }
                " · " a href=(link("json")) { "JSON (juece-report/1)" }
            }
            @for para in juece_engine::report::paragraphs(&report, lang) {
                p { (para) }
            }
        };
        html_page(StatusCode::OK, lang, Some(&v), title, body)
    })
    .await
    .unwrap_or_else(|r| r);
    remember_lang(r, &q2)
}

/// The report's printable page carries its own styles (one self-contained file, no script): it
/// is served with a policy that allows inline styles and still no script at all.
const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'";

/// `GET /report/download?format=html|md|json&year=&organ=&as_of=`.
pub async fn report_download(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let lang = page_lang(&state, &headers, &q);
    with_reader(&state, move |state, engine| {
        let Some(v) = viewer(state, engine, &headers) else {
            return see_other("/login");
        };
        let (year, organ, as_of) = report_query(state, &q);
        let (report, lines) = match juece_engine::report::build(
            engine.store(),
            engine.profiles(),
            engine.calendar(),
            &v.scope,
            year,
            organ.as_deref(),
            as_of,
        ) {
            Ok(r) => r,
            Err(e) => return crate::internal(&e.message),
        };
        let format = q.get("format").map(String::as_str).unwrap_or("html");
        let (text, ctype, ext) = match format {
            "json" => (
                juece_engine::report::json(&report),
                "application/json",
                "json",
            ),
            "md" => (
                juece_engine::report::markdown(&report, Some(&lines), lang),
                "text/markdown; charset=utf-8",
                "md",
            ),
            _ => (
                juece_engine::report::html(&report, Some(&lines), lang),
                "text/html; charset=utf-8",
                "html",
            ),
        };
        let disposition = if ext == "html" {
            "inline".to_owned()
        } else {
            format!("attachment; filename=\"juece-report-{year}.{ext}\"")
        };
        (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, ctype.to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CONTENT_SECURITY_POLICY, REPORT_CSP.to_owned()),
            ],
            text,
        )
            .into_response()
    })
    .await
    .unwrap_or_else(|r| r)
}

// ---- integrity ------------------------------------------------------------------------

/// `GET /integrity`: the hash chain's state.
pub async fn integrity(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let lang = page_lang(&state, &headers, &q);
    let r = with_reader(&state, move |state, engine| {
        let Some(v) = viewer(state, engine, &headers) else {
            return see_other("/login");
        };
        let body = match engine.store().verify(None) {
            Ok(report) => html! {
                dl {
                    dt { (t(lang, "哈希链", "Hash chain")) }
                    dd { @if report.ok() { span.ok { (t(lang, "完好", "intact")) } } @else { span.error { (t(lang, "已损坏", "BROKEN")) } } }
                    // The chain is the whole database's: a user of some organs learns whether it
                    // holds, never another organ's case (a failure names one) or their numbers.
                    @if v.scope.is_all() {
                        @if let Some(f) = &report.failure { dt { (t(lang, "首个问题", "First failure")) } dd { (format!("{f:?}")) } }
                        dt { (t(lang, "事件数", "Events")) } dd { (report.events) }
                        dt { (t(lang, "事项数", "Cases")) } dd { (report.cases) }
                    }
                    dt { (t(lang, "链头", "Head")) } dd { code { (format!("{:?}", report.head)) } }
                }
                p { (t(lang, "核对检查点：在命令行运行 `juece verify --checkpoint FILE`；检查点之后的事件尚未锚定。", "To check against a checkpoint run `juece verify --checkpoint FILE`; events after it are not yet anchored.")) }
            },
            Err(e) => error_box(lang, &e.into()),
        };
        html_page(StatusCode::OK, lang, Some(&v), t(lang, "完整性", "Integrity"), body)
    })
    .await
    .unwrap_or_else(|r| r);
    remember_lang(r, &q)
}
