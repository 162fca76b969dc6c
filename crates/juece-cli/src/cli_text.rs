//! The command line's own texts in Chinese: clap derives the English help from the doc comments;
//! for Chinese (the default) the built command is walked and every `about`, every option's help,
//! the headings, the usage line, and the help/version flags are replaced from the tables below.
//! clap's errors are rendered here too, from their kind and context.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command};

/// `about` of each command, by its path (`juece`, `juece case open`, …).
const ABOUT: &[(&str, &str)] = &[
    (
        "juece",
        "重大行政决策程序引擎（《重大行政决策程序暂行条例》，国务院令第713号）",
    ),
    (
        "juece import",
        "导入案卷文件（juece-cases/1）：全部导入，或任何一处有误则一件不导入",
    ),
    (
        "juece export",
        "将事项导出为 juece-cases/1 文档，写到标准输出",
    ),
    (
        "juece audit",
        "按各事项立项时适用的流程审计全部事项（发现违规时退出码为 1）",
    ),
    ("juece workflow", "检查、显示、列出和登记流程配置"),
    (
        "juece workflow validate",
        "按法定不变量检查流程文件（被拒绝时退出码为 1）",
    ),
    (
        "juece workflow show",
        "显示流程的程序和参数，或其 Graphviz DOT 依赖图",
    ),
    ("juece workflow list", "列出已知流程"),
    ("juece workflow add", "将流程文件登记到数据库，以便按其立项"),
    (
        "juece demo",
        "在单独的演示数据库（./juece-demo.db）中导入示例事项并显示审计结果",
    ),
    ("juece user", "管理记录事件的人员及其角色"),
    ("juece user add", "添加用户，或为已有用户增加角色"),
    ("juece user list", "列出用户及其角色"),
    ("juece user remove", "删除用户（历史记录中的姓名保留）"),
    ("juece user role", "增加或撤销用户的角色"),
    ("juece user role add", "为用户增加角色"),
    ("juece user role remove", "撤销用户的角色"),
    ("juece user organ", "增加或撤销用户所属的机关"),
    ("juece user organ add", "为用户增加所属机关"),
    (
        "juece user organ remove",
        "撤销用户所属的机关（全部撤销后可办理全部机关的事项）",
    ),
    ("juece case", "立项、查看和列出决策事项"),
    ("juece case open", "按流程配置立项"),
    (
        "juece case show",
        "查看事项：基本情况、时间线、程序、审计发现、下一步和重要日期",
    ),
    (
        "juece case list",
        "列出事项，可只列跳过程序或强制推进的事项",
    ),
    ("juece record", "记录一个交换格式事件，由程序条件检查"),
    (
        "juece record-batch",
        "批量记录事件：每行一个 JSON 请求，逐行按 `juece record` 办理",
    ),
    ("juece draft", "记录决策草案版本"),
    (
        "juece draft add",
        "记录草案版本：由文件计算 SHA-256，文件本身不保存",
    ),
    ("juece evidence", "记录公众参与、专家论证或风险评估的材料"),
    (
        "juece evidence participation",
        "公众参与（第十四条至第十八条）",
    ),
    ("juece evidence experts", "专家论证（第十九条至第二十一条）"),
    ("juece evidence risk", "风险评估（第二十二条至第二十四条）"),
    ("juece step", "免除附条件的程序"),
    (
        "juece step waive",
        "记录某项程序不适用，附理由代码和法律依据",
    ),
    ("juece review", "送请合法性审查，并签署审查意见"),
    ("juece review submit", "将草案送请合法性审查（第二十六条）"),
    (
        "juece review sign",
        "签署已送审草案的合法性审查意见（第二十五条至第二十八条）",
    ),
    (
        "juece decide",
        "记录会议的集体讨论决定（第二十九条、第三十条）",
    ),
    ("juece party-report", "记录向同级党委请示报告（第三十一条）"),
    ("juece publish", "记录决策公布（第三十二条）"),
    ("juece archive", "记录决策案卷归档（第三十三条）"),
    ("juece due", "列出近期到期事项（含已逾期），供每周检查"),
    (
        "juece verify",
        "检查全部存储的历史：重新计算哈希链（任何失败时退出码为 1）",
    ),
    (
        "juece checkpoint",
        "签署日志大小和链头哈希的声明，交给办公室以外的人保存",
    ),
    (
        "juece migrate",
        "把一个县的 SQLite 数据库复制到空的 PostgreSQL 数据库，并核验副本（事件数和链头须与源库相同，否则退出码为 1）",
    ),
    ("juece key", "管理签署检查点的密钥"),
    (
        "juece key init",
        "生成 Ed25519 密钥对：私钥写入仅所有者可读的文件，从不存入数据库",
    ),
    (
        "juece completions",
        "输出 shell 补全脚本（bash、zsh、fish、powershell）",
    ),
    ("juece man", "输出 roff 格式的手册页"),
    ("juece config", "显示配置文件的位置和生效的设置"),
    ("juece user passwd", "设置用户登录 `juece serve` 的密码（从标准输入读取）；其已有会话随即失效"),
    (
        "juece case void",
        "作废事项最近一个误记的事件：事件保留并显示，审计不再计入（仅限记录人本人或 legal_office；第三十三条）",
    ),
    (
        "juece evidence fair-competition",
        "公平竞争审查：涉及市场主体经济活动的事项，作为会议材料（第二十九条；《公平竞争审查条例》）",
    ),
    (
        "juece backup",
        "在数据库使用中将其复制为新文件，然后核验副本（SQLite 在线备份：即使其他进程正在写入也是一致的快照；副本为单个完整文件，已同步到磁盘；不覆盖已有文件）",
    ),
    ("juece calendar", "保存和列出工作日日历（法定节假日和调休上班日）"),
    (
        "juece calendar add",
        "将日历（juece-calendar/1 或 holiday-cn 年度文件）存入数据库；此后各命令均使用它，并像事件一样链入证据",
    ),
    (
        "juece calendar list",
        "列出有官方数据的年份（内置的和已存入的），以及今年前后在公布通知载入前按法定节假日推算的年份",
    ),
    ("juece catalogue", "管理决策事项目录：导入各版本、查看、列出"),
    (
        "juece catalogue import",
        "存入 juece-catalogue/1 文件（同一机关同一年度再次导入即为新版本）",
    ),
    (
        "juece catalogue show",
        "查看某机关某年度的决策事项目录（最新版本，或 --version N）",
    ),
    ("juece catalogue list", "列出已有目录的机关和年度"),
    (
        "juece report",
        "撰写某年度法治政府建设年度报告中的重大行政决策部分",
    ),
    (
        "juece report merge",
        "汇总同一年度的多份 juece-report/1 文件（如省里汇总各县的报告）",
    ),
    ("juece serve", "在本数据库上提供网页和 JSON 接口（见 docs/server.md）"),
    ("juece token", "为 `juece serve` 创建、列出和吊销 API 令牌"),
    (
        "juece token create",
        "为用户创建令牌：令牌只显示这一次，数据库只保存其哈希",
    ),
    ("juece token list", "列出令牌（只列编号，不列令牌本身）"),
    ("juece token revoke", "按编号吊销令牌"),
    ("juece help", "显示本帮助或指定子命令的帮助"),
];

/// An option's help by `path id` (most specific) or by `id` alone.
const ARG: &[(&str, &str)] = &[
    ("db", "数据库：SQLite 文件，或 PostgreSQL 网址（postgres://角色@主机:端口/库名）"),
    ("juece migrate from", "县的 SQLite 数据库文件"),
    ("juece migrate to", "空的 PostgreSQL 数据库（postgres://角色@主机:端口/库名）"),
    ("calendars", "附加节假日日历：juece-calendar/1 或 holiday-cn 年度文件（可重复）"),
    ("lang", "标签和消息的语言"),
    ("quiet", "长时间的处理（导入、审计、校验、导出、统计、备份）不显示进度行"),
    ("as_user", "记录人（用 `juece user add` 添加的用户）"),
    ("juece case show as_user", "以该用户身份查看：只含其所属机关的事项（默认：全部事项）"),
    ("juece case list as_user", "以该用户身份查看：只含其所属机关的事项（默认：全部事项）"),
    ("juece export as_user", "以该用户身份查看：只含其所属机关的事项（默认：全部事项）"),
    ("juece audit as_user", "以该用户身份查看：只含其所属机关的事项（默认：全部事项）"),
    ("juece report as_user", "以该用户身份查看：只含其所属机关的事项（默认：全部事项）"),
    ("juece due as_user", "以该用户身份查看：只含其所属机关的事项（默认：全部事项）"),
    ("juece catalogue show as_user", "以该用户身份查看：只含其所属机关的事项（默认：全部事项）"),
    ("juece catalogue list as_user", "以该用户身份查看：只含其所属机关的事项（默认：全部事项）"),
    ("override_justification", "以书面理由强制记录被拒绝的关口事件（仅行政首长）"),
    ("at", "发生时间，如 2024-03-01、2024-03-01 10:00 或 2024-03-01T10:00:00+08:00；只写日期取当日 09:00，未写时区取办公时区（默认 +08:00）；默认为现在；不得早于事项的最后一个事件"),
    ("command_id", "本次写入的标识，供脚本安全重试：同一标识重试不再写入，并说明"),
    ("case_ref", "案号"),
    ("title", "决策事项标题"),
    ("organ", "决策机关"),
    ("undertaking_unit", "决策承办单位"),
    ("category", "类别：public_policy、plan、resources、public_construction、other"),
    ("workflow", "流程配置 id 或 id@version"),
    ("technical", "专业性、技术性较强：适用专家论证（第十九条）"),
    ("stability_risk", "可能影响社会稳定：适用风险评估（第二十二条）"),
    ("hearing_required", "法律法规要求听证（第十六条）"),
    ("confidential", "依法不予公开（第十四条、第三十二条）"),
    ("market_entities", "涉及市场主体经济活动（第二十九条）"),
    ("status", "只列此状态的事项：open、in_review、deferred、rejected、decided、published、archived，或表中的中英文标签（如 已公布）"),
    ("skipped", "只列跳过法定程序作出决定的事项"),
    ("overridden", "只列强制推进过的事项"),
    ("format", "输出格式"),
    ("as_of", "按此日期（YYYY-MM-DD）审计，之后的事件不计（默认：今天）"),
    ("only_findings", "不列没有审计发现的事项"),
    ("kind", "会议类型：executive（常务会议）、plenary（全体会议）、circulation、individual、other"),
    ("date", "会议日期（默认：`--at` 的日期或今天）"),
    ("members", "决策机关组成人员数"),
    ("present", "出席人数"),
    ("majority", "多数意见：approve、reject、modify、defer、rediscuss"),
    ("head_decision", "行政首长的决定（默认与多数意见相同）"),
    ("reason", "行政首长与多数意见不同时的理由"),
    ("dissent", "会议纪要载明了不同意见"),
    ("juece draft add file", "草案文件"),
    ("juece draft add version", "版本标签（默认：按已记录草案依次为 v1、v2……）"),
    ("within", "向后查看的天数"),
    ("file", "JSON 文件（代替逐项选项）"),
    ("juece import file", "案卷文件，`-` 表示标准输入"),
    ("juece workflow validate file", "流程文件（juece-workflow/1）"),
    ("juece workflow add file", "流程文件（juece-workflow/1）"),
    ("methods", "方式：public_comment、hearing、symposium、field_visit、written_consultation、questionnaire、poll（可重复）"),
    ("from", "征求意见期第一天"),
    ("to", "征求意见期最后一天"),
    ("shortened_reason", "征求意见期短于最低期限的理由"),
    ("hearing_date", "听证会日期"),
    ("received", "收到意见数"),
    ("adopted", "采纳意见数"),
    ("experts", "专家：`姓名`，意见未签名加 `:unsigned`，有直接利害关系加 `:conflict`（可重复）"),
    ("level", "风险等级：low、medium、high"),
    ("controllable", "风险是否可控：yes 或 no"),
    ("measures", "防范化解措施"),
    ("juece export case_ref", "只导出此事项"),
    ("channel", "公布渠道，如 政府网站"),
    ("out", "写入此文件而不是标准输出"),
    ("juece key init out", "私钥写入的位置；公钥写在旁边，文件名加 `.pub`"),
    ("key", "私钥文件（由 `juece key init` 生成）"),
    ("juece verify key", "检查点签名所用的公钥（`juece key init` 生成的 `.pub` 文件）"),
    ("checkpoint", "同时证明日志仍延续此检查点：其前内容未被修改、删除、重排或截断"),
    ("replay", "同时由事件重建每个事项的投影，并报告与存储投影的差异"),
    ("event_file", "事件文件，`-` 表示标准输入"),
    ("requests", "请求文件，每行一个 JSON 对象，`-` 表示标准输入"),
    ("juece record-batch as_user", "某行未写明时的记录人（用 `juece user add` 添加的用户）"),
    ("draft", "草案版本（默认：最新版本）"),
    ("juece review sign draft", "审查的草案版本（默认：最近送审的版本）"),
    ("conclusion", "审查结论：lawful、lawful_with_changes、unlawful、exploratory"),
    ("opinion", "书面审查意见"),
    ("step", "程序：public_participation、expert_review、risk_assessment 或 publication"),
    ("juece step waive reason", "理由：not_applicable、confidential、covered_elsewhere、other"),
    ("basis", "法律依据（文字）"),
    ("name", "姓名，即历史记录中显示的名字"),
    ("roles", "角色：legal_office、undertaking_unit、public_lawyer、legal_counsel、legality_reviewer、head、secretary、auditor、admin、province_inspector（可重复）"),
    ("id", "流程 id 或 id@version"),
    ("dot", "输出 Graphviz DOT 依赖图"),
    ("shell", "shell：bash、zsh、fish、powershell"),
    ("juece user role remove roles", "要撤销的角色"),
    ("juece user role add roles", "角色：legal_office、undertaking_unit、public_lawyer、legal_counsel、legality_reviewer、head、secretary、auditor、admin、province_inspector"),
    ("organs", "用户所属的机关（与事项的 organ 字段同名），只能查看和办理这些机关的事项（可重复；不写则为全部机关）"),
    ("juece user organ add organs", "增加的所属机关（与事项的 organ 字段同名）"),
    ("juece user organ remove organs", "撤销的所属机关（全部撤销后可办理全部机关的事项）"),
    ("juece case open catalogue", "本事项落实的决策事项目录条目：机关/年度/序号（第三条）"),
    ("juece case void reason", "作废该事件的理由"),
    ("juece case void event", "要作废的事件，即 `case show` 中的序号（默认：最近一个可作废的事件）"),
    ("juece evidence fair-competition conclusion", "审查结论：compliant、not_compliant、exception"),
    ("juece evidence fair-competition basis", "审查结论的依据"),
    ("juece evidence fair-competition reviewer", "审查人"),
    ("juece review submit shortened_reason", "合法性审查期限少于会议前 7 个工作日的理由（第二十六条：一般不少于 7 个工作日）；仅在流程允许缩短时有效（decree-713 允许，local-strict 不允许）"),
    ("juece backup file", "要写入的新文件（不得已存在）"),
    ("juece calendar add file", "日历文件"),
    ("juece catalogue import file", "juece-catalogue/1 文件，`-` 表示标准输入"),
    ("juece catalogue show year", "年度"),
    ("juece catalogue show version", "已存入的版本号（默认：最新版本）"),
    ("juece report year", "报告的年度"),
    ("juece report organ", "只统计此决策机关（默认：数据库中的全部机关）"),
    ("juece report as_of", "按此日期（YYYY-MM-DD）审计（默认：该年 12 月 31 日，若尚未到则为今天）"),
    ("juece report merge files", "juece-report/1 文件"),
    ("juece serve listen", "监听的地址；除非明确给出其他地址，只接受本机连接"),
    ("juece serve secure_cookies", "会话 Cookie 加 `Secure` 标记（由反向代理提供 TLS 时使用）"),
    ("juece serve readers", "页面和 API 使用的只读连接数（默认：CPU 数的两倍，4 至 16）；多个服务共用一个 PostgreSQL 数据库时，每个服务占用 N + 3 个连接，合计须少于其 `max_connections`"),
    ("juece user passwd name", "用户的姓名"),
    ("juece token create name", "令牌代表的用户（用 `juece user add` 添加的用户）"),
    ("juece token revoke id", "令牌编号，即 `juece token list` 显示的编号"),
    ("help", "显示帮助"),
    ("version", "显示版本"),
];

fn arg_help(path: &str, id: &str) -> Option<&'static str> {
    let specific = format!("{path} {id}");
    ARG.iter()
        .find(|(k, _)| *k == specific)
        .or_else(|| ARG.iter().find(|(k, _)| *k == id))
        .map(|(_, v)| *v)
}

/// Replaces the texts of a built command (and its subcommands) with the Chinese ones.
pub fn localize_zh(mut cmd: Command) -> Command {
    cmd.build();
    localize_built(cmd, "juece")
}

/// The Chinese `about` of the command `name` at `path`: every `help` subcommand says what
/// `juece help` says.
fn about_of(name: &str, path: &str) -> Option<&'static str> {
    let key = if name == "help" { "juece help" } else { path };
    ABOUT.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn localize_built(mut cmd: Command, path: &str) -> Command {
    if let Some(about) = about_of(cmd.get_name(), path) {
        cmd = cmd.about(about).long_about(None::<&str>);
    }
    let usage = cmd
        .clone()
        .render_usage()
        .to_string()
        .replace("Usage: ", "")
        .replace("[OPTIONS]", "[选项]")
        .replace("<COMMAND>", "<命令>")
        .replace("[COMMAND]", "[命令]");
    cmd = cmd
        .override_usage(usage)
        .help_template("{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令");
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().as_str().to_owned())
        .collect();
    for id in ids {
        let path = path.to_owned();
        cmd = cmd.mut_arg(&id, |a| localize_arg(a, &path));
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in subs {
        let sub_path = format!("{path} {name}");
        cmd = cmd.mut_subcommand(&name, |s| localize_built(s, &sub_path));
    }
    cmd
}

fn localize_arg(a: Arg, path: &str) -> Arg {
    let id = a.get_id().as_str().to_owned();
    let mut help = arg_help(path, &id)
        .map(str::to_owned)
        .or_else(|| a.get_help().map(|h| h.to_string()))
        .unwrap_or_default();
    let mut notes = Vec::new();
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && !a.is_hide_default_value_set() && a.get_action().takes_values() {
        notes.push(format!("默认：{}", defaults.join(", ")));
    }
    if let Some(env) = a.get_env() {
        if !a.is_hide_env_set() {
            notes.push(format!("环境变量：{}", env.to_string_lossy()));
        }
    }
    let possible: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|p| !p.is_hide_set())
        .map(|p| p.get_name().to_owned())
        .collect();
    if !possible.is_empty() && !a.is_hide_possible_values_set() && a.get_action().takes_values() {
        notes.push(format!("可选值：{}", possible.join("、")));
    }
    if !notes.is_empty() {
        help.push_str(&format!("［{}］", notes.join("；")));
    }
    let heading = if a.is_positional() {
        "参数"
    } else {
        "选项"
    };
    a.help(help)
        .long_help(None::<&str>)
        .hide_default_value(true)
        .hide_env(true)
        .hide_possible_values(true)
        .help_heading(heading)
}

fn ctx(e: &clap::Error, kind: ContextKind) -> Option<String> {
    e.get(kind).map(|v| match v {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(v) => v.join("、"),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(v) => v
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("、"),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        ContextValue::None => String::new(),
        _ => String::new(),
    })
}

/// A clap usage error in Chinese (the help and version texts print as they are).
pub fn zh_error(e: &clap::Error) -> String {
    let arg = ctx(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = ctx(e, ContextKind::InvalidValue).unwrap_or_default();
    let mut s = String::from("错误：");
    s.push_str(&match e.kind() {
        ErrorKind::InvalidValue => {
            let mut m = if value.is_empty() {
                format!("{arg} 需要一个值")
            } else {
                format!("{arg} 的值 `{value}` 无效")
            };
            if let Some(valid) = ctx(e, ContextKind::ValidValue) {
                m.push_str(&format!("；可选值：{valid}"));
            }
            m
        }
        // An error a value parser of ours worded whole (no argument or value in it).
        ErrorKind::ValueValidation if arg.is_empty() && value.is_empty() => {
            let text = e.to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            text.lines().next().unwrap_or_default().to_owned()
        }
        ErrorKind::ValueValidation => {
            // The value parsers of this program word their own reasons; the standard ones
            // (numbers) are English.
            let why = std::error::Error::source(e)
                .map(|w| juece_core::zh::translate(&w.to_string()))
                .unwrap_or_default();
            format!("{arg} 的值 `{value}` 无效：{why}")
        }
        ErrorKind::UnknownArgument => format!("不认识的选项或参数 `{arg}`"),
        ErrorKind::InvalidSubcommand => {
            let sub = ctx(e, ContextKind::InvalidSubcommand).unwrap_or_default();
            format!("没有子命令 `{sub}`")
        }
        ErrorKind::NoEquals => format!("{arg} 的值须用 `=` 连接"),
        ErrorKind::TooManyValues => format!("{arg} 的值过多：`{value}`"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("{arg} 的值个数不对")
        }
        ErrorKind::ArgumentConflict => {
            let prior = ctx(e, ContextKind::PriorArg).unwrap_or_default();
            if prior.is_empty() || prior == arg {
                format!("{arg} 只能给一次")
            } else {
                format!("{arg} 不能与 {prior} 同时使用")
            }
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        ErrorKind::MissingSubcommand => "缺少子命令".to_owned(),
        ErrorKind::InvalidUtf8 => "参数不是有效的 UTF-8 文字".to_owned(),
        _ => "命令行参数有误".to_owned(),
    });
    s.push('\n');
    if let Some(sugg) = ctx(e, ContextKind::SuggestedSubcommand)
        .or_else(|| ctx(e, ContextKind::SuggestedArg))
        .or_else(|| ctx(e, ContextKind::SuggestedValue))
    {
        s.push_str(&format!("提示：是否指 `{sugg}`？\n"));
    }
    if let Some(usage) = ctx(e, ContextKind::Usage) {
        let usage = usage.replace("Usage: ", "");
        s.push_str(&format!("\n用法：{}\n", usage.trim()));
    }
    s.push_str("\n运行时加 `--help` 查看说明；未写入任何内容\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command's `about` and every option's help that the Chinese tables do not have.
    fn untranslated(cmd: &Command, path: &str, out: &mut Vec<String>) {
        let name = cmd.get_name();
        if about_of(name, path).is_none() {
            out.push(format!("about of `{path}`"));
        }
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            if a.is_hide_set() || arg_help(path, id).is_some() {
                continue;
            }
            out.push(format!("help of `{path}` {id}"));
        }
        // `juece help`'s own tree only repeats the commands' names.
        for sub in cmd.get_subcommands().filter(|_| name != "help") {
            untranslated(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_command_and_option_has_its_chinese_text() {
        let mut cmd = <crate::Cli as clap::CommandFactory>::command();
        cmd.build();
        let mut missing = Vec::new();
        untranslated(&cmd, "juece", &mut missing);
        assert!(
            missing.is_empty(),
            "no Chinese text for:\n{}",
            missing.join("\n")
        );
    }
}
