//! Conveniences around the command line: shell completions, the man page, the configuration.

use clap::Args;
use clap_complete::Shell;

use crate::config::{candidates, Config};
use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::{t, CmdResult};

/// Print a shell completion script (bash, zsh, fish, powershell)
#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    shell: Shell,
}

/// Print the manual page (roff) to standard output
#[derive(Args)]
pub struct ManArgs {}

/// Show where the configuration file is looked for and the settings in force
#[derive(Args)]
pub struct ConfigArgs {}

pub fn completions(config: &Config, a: &CompletionsArgs) -> CmdResult {
    let mut cmd = crate::command(config);
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "juece", &mut buf);
    emit(&String::from_utf8_lossy(&buf))?;
    Ok(Exit::Ok)
}

pub fn man(config: &Config, _a: &ManArgs) -> CmdResult {
    let cmd = crate::command(config);
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf).map_err(|e| {
        CliError::bad_input(t!(
            format!("无法生成手册页：{e}"),
            format!("cannot render the manual page: {e}")
        ))
    })?;
    emit(&String::from_utf8_lossy(&buf))?;
    Ok(Exit::Ok)
}

pub fn show_config(global: &GlobalArgs, config: &Config, _a: &ConfigArgs) -> CmdResult {
    let zh = crate::i18n::zh();
    let mut s = String::new();
    s.push_str(&t!(
        "配置文件（依次查找，先找到者生效）：\n",
        "Configuration file (looked for in this order, the first found is used):\n"
    ));
    for c in candidates() {
        let mark = if config.path.as_ref() == Some(&c) {
            t!("  ← 使用中", "  ← in use")
        } else if c.exists() {
            String::new()
        } else {
            t!("  （不存在）", "  (absent)")
        };
        s.push_str(&format!("  {}{mark}\n", c.display()));
    }
    let none = if zh { "—" } else { "-" };
    let location = global.location();
    s.push_str(&t!("\n生效的设置：\n", "\nSettings in force:\n"));
    let rows: Vec<(String, String)> = vec![
        (
            t!("数据库（database）", "database"),
            format!(
                "{}{}",
                location.shown(),
                if location.exists() {
                    String::new()
                } else {
                    t!("（尚不存在）", " (does not exist yet)")
                }
            ),
        ),
        (
            t!("语言（language）", "language"),
            match crate::i18n::lang() {
                juece_core::Lang::Zh => "zh".to_owned(),
                juece_core::Lang::En => "en".to_owned(),
            },
        ),
        (
            t!("默认用户（user）", "user"),
            config.user.clone().unwrap_or_else(|| none.to_owned()),
        ),
        (
            t!("附加日历（calendar）", "calendar"),
            if global.calendars.is_empty() {
                none.to_owned()
            } else {
                global
                    .calendars
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
        (
            t!("办公时区（zone）", "zone"),
            crate::i18n::zone().to_string(),
        ),
    ];
    for (k, v) in rows {
        s.push_str(&format!("  {k}: {v}\n"));
    }
    for p in &config.problems {
        s.push_str(&t!(
            format!("注意：配置文件中此行未使用——{}\n", p.text()),
            format!("note: not used from the configuration file: {}\n", p.text())
        ));
    }
    s.push_str(&t!(
        "\n示例 juece.toml：\n  database = \"juece.db\"\n  calendar = [\"holidays-2027.json\"]\n  user = \"王敏\"\n  language = \"zh\"\n  zone = \"+08:00\"\n",
        "\nExample juece.toml:\n  database = \"juece.db\"\n  calendar = [\"holidays-2027.json\"]\n  user = \"Wang Min\"\n  language = \"en\"\n  zone = \"+08:00\"\n"
    ));
    emit(&s)?;
    Ok(Exit::Ok)
}
