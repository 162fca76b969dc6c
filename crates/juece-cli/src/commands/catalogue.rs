//! `juece catalogue import|show|list`: the decision catalogue (决策事项目录, Decree Art. 3 ¶3),
//! and the helpers that put its findings into `audit`, `case show` and `report`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use juece_core::catalogue::{parse_catalogue, Action};
use juece_core::event::CatalogueRef;
use juece_core::Lang;
use juece_store::{CatalogueImport, StoredCatalogue};

use crate::context::{read_text, GlobalArgs};
use crate::error::{CliError, Exit};
use crate::out::{emit, table};
use crate::CmdResult;

/// Keep the decision catalogue (决策事项目录): import versions, show one, list them
#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// Store a juece-catalogue/1 document (a later one for the same organ and year is a new version)
    Import(ImportArgs),
    /// Show the catalogue of an organ and year (the latest version, or --version N)
    Show(ShowArgs),
    /// List the organs and years that have a catalogue
    List(ListArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// The juece-catalogue/1 file (`-` for stdin)
    file: PathBuf,
}

#[derive(Args)]
pub struct ShowArgs {
    /// The deciding organ
    organ: String,
    /// The year
    year: i32,
    /// A stored version (default: the latest)
    #[arg(long)]
    version: Option<u32>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    reader: crate::names::ReadAs,
}

#[derive(Args)]
pub struct ListArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    reader: crate::names::ReadAs,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

pub fn run(global: &GlobalArgs, cmd: &CatalogueCommand) -> CmdResult {
    match cmd {
        CatalogueCommand::Import(a) => import(global, a),
        CatalogueCommand::Show(a) => show(global, a),
        CatalogueCommand::List(a) => list(global, a),
    }
}

fn import(global: &GlobalArgs, a: &ImportArgs) -> CmdResult {
    let lang = global.lang();
    let text = read_text(&a.file)?;
    let cat = parse_catalogue(&text).map_err(|e| {
        CliError::bad_input(match lang {
            Lang::Zh => format!(
                "决策事项目录 `{}` 不能导入：{}",
                a.file.display(),
                crate::error::localized(&e.to_string())
            ),
            Lang::En => format!("catalogue `{}` refused: {e}", a.file.display()),
        })
        .with_hint(match lang {
            Lang::Zh => "格式见 interchange.md 的 `juece-catalogue/1`（决策事项目录，《重大行政决策程序暂行条例》第三条第三款）；未写入任何内容",
            Lang::En => "the format is `juece-catalogue/1` in interchange.md (decision catalogue, Decree 713 Art. 3 ¶3); nothing was written",
        })
    })?;
    let mut store = global.store()?;
    let at = global
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let done = store.add_catalogue(&cat, &at)?;
    emit(&match (done, lang) {
        (CatalogueImport::Added(v), Lang::Zh) => format!(
            "已保存 {} {} 年度决策事项目录，第 {v} 版（{} 项，调整 {} 次）\n",
            cat.organ,
            cat.year,
            cat.items.len(),
            cat.adjustments.len()
        ),
        (CatalogueImport::Added(v), Lang::En) => format!(
            "stored the {} catalogue of {} as version {v} ({} items, {} adjustments)\n",
            cat.year,
            cat.organ,
            cat.items.len(),
            cat.adjustments.len()
        ),
        (CatalogueImport::Unchanged(v), Lang::Zh) => format!(
            "{} {} 年度决策事项目录与第 {v} 版相同，未写入新版本\n",
            cat.organ, cat.year
        ),
        (CatalogueImport::Unchanged(v), Lang::En) => format!(
            "the {} catalogue of {} is the same as version {v}; no new version written\n",
            cat.year, cat.organ
        ),
    })?;
    Ok(Exit::Ok)
}

fn show(global: &GlobalArgs, a: &ShowArgs) -> CmdResult {
    let lang = global.lang();
    let store = global.store()?;
    // Another organ's catalogue is answered as one that does not exist.
    let scope = a.reader.scope(&store)?;
    let found = match scope.sees(&a.organ) {
        true => store.catalogue(&a.organ, a.year, a.version)?,
        false => None,
    };
    let Some(stored) = found else {
        let message = match (lang, a.version) {
            (Lang::Zh, Some(v)) => {
                format!("没有 `{}` {} 年度决策事项目录的第 {v} 版", a.organ, a.year)
            }
            (Lang::Zh, None) => format!("没有 `{}` {} 年度的决策事项目录", a.organ, a.year),
            (Lang::En, Some(v)) => format!(
                "no version {v} of the {} catalogue of `{}` in the database",
                a.year, a.organ
            ),
            (Lang::En, None) => {
                format!("no {} catalogue of `{}` in the database", a.year, a.organ)
            }
        };
        return Err(CliError::bad_input(message).with_hint(crate::t!(
            "`juece catalogue list` 列出已存入的目录；用 `juece catalogue import` 导入",
            "`juece catalogue list` shows the stored catalogues; `juece catalogue import` stores one"
        )));
    };
    let text = match a.format {
        Format::Json => {
            let mut doc = stored.catalogue.to_json();
            if let Some(map) = doc.as_object_mut() {
                map.retain(|k, _| k != "format");
                let mut out = serde_json::Map::new();
                out.insert("format".into(), "juece-catalogue/1".into());
                out.extend(std::mem::take(map));
                out.insert("version".into(), stored.version.into());
                out.insert("imported_at".into(), stored.imported_at.clone().into());
                *map = out;
            }
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Table => show_table(&stored, lang),
    };
    emit(&text)?;
    Ok(Exit::Ok)
}

fn show_table(stored: &StoredCatalogue, lang: Lang) -> String {
    let c = &stored.catalogue;
    let zh = lang == Lang::Zh;
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
    let mut s = if zh {
        format!(
            "{} {} 年度重大行政决策事项目录（第 {} 版，{} 导入）\n党委同意：{}　公布：{}\n\n",
            c.organ,
            c.year,
            stored.version,
            stored.imported_at,
            date(c.party_consent),
            date(c.published)
        )
    } else {
        format!(
            "{} — catalogue of major decisions for {} (version {}, imported {})\nParty committee consent: {}  published: {}\n\n",
            c.organ,
            c.year,
            stored.version,
            stored.imported_at,
            date(c.party_consent),
            date(c.published)
        )
    };
    let rows: Vec<Vec<String>> = c
        // The whole document: every listed and added item, and every removal.
        .items_as_of(NaiveDate::MAX)
        .into_iter()
        .map(|(i, removed)| {
            vec![
                i.id.clone(),
                i.title.clone(),
                i.undertaking_unit.clone(),
                i.category.label(lang).to_owned(),
                removed
                    .map(|d| {
                        if zh {
                            format!("{d} 调出")
                        } else {
                            format!("removed {d}")
                        }
                    })
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let header: [&str; 5] = if zh {
        ["编号", "事项", "承办单位", "类别", "调整"]
    } else {
        ["id", "item", "undertaking unit", "category", "adjusted"]
    };
    s.push_str(&table(&header, &rows));
    if !c.adjustments.is_empty() {
        s.push_str(if zh { "\n调整\n" } else { "\nAdjustments\n" });
        for adj in &c.adjustments {
            let what = match (adj.action, &adj.item, &adj.item_id) {
                (Action::Add, Some(i), _) => {
                    if zh {
                        format!("增列第 {} 项“{}”", i.id, i.title)
                    } else {
                        format!("added item {} “{}”", i.id, i.title)
                    }
                }
                (_, _, Some(id)) => {
                    if zh {
                        format!("调出第 {id} 项")
                    } else {
                        format!("removed item {id}")
                    }
                }
                _ => String::new(),
            };
            let reason = adj.reason.as_deref().unwrap_or("—");
            s.push_str(&format!("  {} {what}（{reason}）\n", adj.date));
        }
    }
    s
}

fn list(global: &GlobalArgs, a: &ListArgs) -> CmdResult {
    let lang = global.lang();
    let store = global.store()?;
    let scope = a.reader.scope(&store)?;
    let mut all = store.list_catalogues()?;
    all.retain(|c| scope.sees(&c.organ));
    let text = match a.format {
        Format::Json => {
            let doc = serde_json::json!({
                "catalogues": all.iter().map(|c| serde_json::json!({
                    "organ": c.organ, "year": c.year, "versions": c.versions,
                    "items": c.items, "latest_imported_at": c.latest_imported_at,
                })).collect::<Vec<_>>()
            });
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Table => {
            let header: [&str; 5] = if lang == Lang::Zh {
                ["决策机关", "年度", "版本数", "事项数", "最新版导入时间"]
            } else {
                ["organ", "year", "versions", "items", "latest imported"]
            };
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|c| {
                    vec![
                        c.organ.clone(),
                        c.year.to_string(),
                        c.versions.to_string(),
                        c.items.to_string(),
                        c.latest_imported_at.clone(),
                    ]
                })
                .collect();
            if rows.is_empty() {
                if lang == Lang::Zh {
                    "（尚无决策事项目录）\n".to_owned()
                } else {
                    "(no catalogue yet)\n".to_owned()
                }
            } else {
                table(&header, &rows)
            }
        }
    };
    emit(&text)?;
    Ok(Exit::Ok)
}

/// Parses `--catalogue ORGAN/YEAR/ITEM` (the organ may itself contain `/`).
pub fn parse_link(s: &str) -> Result<CatalogueRef, String> {
    let mut parts = s.rsplitn(3, '/');
    let (Some(item), Some(year), Some(organ)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "`{s}` is not ORGAN/YEAR/ITEM, e.g. XX县人民政府/2023/3"
        ));
    };
    let year: i32 = year
        .parse()
        .map_err(|_| format!("`{year}` in `{s}` is not a year (ORGAN/YEAR/ITEM)"))?;
    if organ.trim().is_empty() || item.trim().is_empty() {
        return Err(format!(
            "`{s}` needs an organ and an item id (ORGAN/YEAR/ITEM)"
        ));
    }
    Ok(CatalogueRef {
        organ: organ.to_owned(),
        year,
        item: item.to_owned(),
    })
}
