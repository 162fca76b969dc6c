//! Unknown names and case references, with the existing one a person most likely meant: the
//! same answer for the command line and the server.

use juece_core::fuzzy::nearest_name;
use juece_core::Lang;
use juece_store::{ListFilter, Store};

use crate::scope::Scope;
use crate::{EngineError, ErrorKind};

/// `zh` or `en` by `lang`.
pub fn tr(lang: Lang, zh: impl Into<String>, en: impl Into<String>) -> String {
    match lang {
        Lang::Zh => zh.into(),
        Lang::En => en.into(),
    }
}

/// The error for a case reference that is not in the database (`NotFound`), suggesting the
/// nearest one (brackets typed as `()`, a trailing space, a one-character slip) among the cases
/// in `scope` only: a case of another organ is answered exactly like this, and no suggestion
/// names one.
pub fn no_case(store: &Store, scope: &Scope, case_ref: &str, lang: Lang) -> EngineError {
    let refs: Vec<String> = scope
        .list_cases(store, &ListFilter::default())
        .map(|rows| rows.into_iter().map(|c| c.case_ref).collect())
        .unwrap_or_default();
    let list: Vec<&str> = refs.iter().map(String::as_str).collect();
    let err = EngineError::new(
        ErrorKind::NotFound,
        tr(
            lang,
            format!("数据库中没有事项 `{case_ref}`"),
            format!("no case `{case_ref}` in the database"),
        ),
    );
    match nearest_name(case_ref, &list) {
        Some(near) => err.with_hint(tr(
            lang,
            format!("是否指 `{near}`？（案号中的括号为六角括号〔〕；未写入任何内容）"),
            format!(
                "did you mean `{near}`? (references use the brackets 〔〕; nothing was written)"
            ),
        )),
        None => err.with_hint(tr(
            lang,
            "`juece case list` 列出全部事项；`juece case open` 立项",
            "`juece case list` shows the cases; `juece case open` opens one",
        )),
    }
}

/// The error for a user that is not known, suggesting the nearest existing name.
pub fn unknown_user(store: &Store, name: &str, lang: Lang) -> EngineError {
    let users: Vec<String> = store
        .users()
        .map(|u| u.into_iter().map(|(n, _)| n).collect())
        .unwrap_or_default();
    let list: Vec<&str> = users.iter().map(String::as_str).collect();
    let err = EngineError::bad_input(tr(
        lang,
        format!("没有用户 `{name}`"),
        format!("unknown user `{name}`"),
    ));
    match nearest_name(name, &list) {
        Some(near) => err.with_hint(tr(
            lang,
            format!("是否指已登记的用户 `{near}`？（`juece user list` 列出全部用户；未写入任何内容）"),
            format!("did you mean the existing user `{near}`? (`juece user list` shows the users; nothing was written)"),
        )),
        None => err.with_hint(tr(
            lang,
            format!("先登记此人：juece user add {name} --role 角色（`juece user list` 列出已有用户）"),
            format!("add them first: juece user add {name} --role ROLE (`juece user list` shows the users)"),
        )),
    }
}
