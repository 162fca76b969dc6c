//! The Chinese wording of the messages this crate writes in English (issue 12, "Chinese mode is
//! half English").
//!
//! The parsers and checks of this crate (events, case files, profiles, calendars, catalogues),
//! and juece-store's errors, report in English: the message is part of what scripts and the HTTP API see, and the field
//! paths, codes and values it quotes are the same in both languages. Most of those messages are
//! serde_json's, serde's and chrono's (`missing field`, `invalid type`, `input is out of range`),
//! which no caller can re-word at the source. So the Chinese text is made here, in one place, by
//! shape: [`translate`] matches a message against the templates below, translates what each
//! placeholder captured the same way (a message may quote another: `… (premature end of input)`),
//! and keeps quoted values, paths and codes as they are. A message of no known shape is returned
//! unchanged; the tests below and the command line's end-to-end tests run every message this crate
//! can write through it and look for English left over.

use std::borrow::Cow;

use crate::Lang;

/// `message` in `lang`: unchanged in English, translated in Chinese.
pub fn localize(message: &str, lang: Lang) -> Cow<'_, str> {
    match lang {
        Lang::En => Cow::Borrowed(message),
        Lang::Zh => Cow::Owned(translate(message)),
    }
}

/// The Chinese wording of an English message of this crate (or of serde_json, serde or chrono
/// under it); a message of no known shape is returned unchanged.
pub fn translate(message: &str) -> String {
    translate_depth(message, 0)
}

/// Captures are translated in turn; the depth bounds the recursion on hostile text.
fn translate_depth(message: &str, depth: usize) -> String {
    if depth > 6 || message.is_empty() {
        return message.to_owned();
    }
    let sub = |s: &str| translate_depth(s, depth + 1);
    // A list of problems: each line on its own, keeping the list's indentation.
    if message.contains('\n') {
        return message
            .split('\n')
            .map(|line| {
                let body = line.trim_start_matches([' ', '-']);
                let indent = &line[..line.len() - body.len()];
                format!("{indent}{}", sub(body))
            })
            .collect::<Vec<_>>()
            .join("\n");
    }
    // serde_json's position, written after every syntax error and some data errors.
    if let Some((head, line, column)) = position(message) {
        return format!("{}（第 {line} 行第 {column} 列）", sub(head));
    }
    // The suggestion added to many messages.
    if let Some((head, near)) = suggestion(message) {
        return format!("{}；是否指 `{near}`？", sub(head));
    }
    if let Some(framed) = case_frame(message, &sub) {
        return framed;
    }
    if let Some(word) = word(message) {
        return word.to_owned();
    }
    // Templates that start with a literal first: one that starts with a capture would match
    // too much (`{} or {}`).
    let literal_first = TEMPLATES.iter().filter(|(en, _)| !en.starts_with("{}"));
    let capture_first = TEMPLATES.iter().filter(|(en, _)| en.starts_with("{}"));
    for (en, zh) in literal_first.chain(capture_first) {
        if let Some(caps) = matches(en, message) {
            let caps: Vec<String> = caps.into_iter().map(sub).collect();
            return fill(zh, &caps);
        }
    }
    message.to_owned()
}

/// `… at line L column C` → (the message, L, C).
fn position(message: &str) -> Option<(&str, &str, &str)> {
    let (head, rest) = message.rsplit_once(" at line ")?;
    let (line, column) = rest.split_once(" column ")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(line) && digits(column)).then_some((head, line, column))
}

/// `…; did you mean `X`?` (or a message that is only the question) → (the message, X).
fn suggestion(message: &str) -> Option<(&str, &str)> {
    let body = message.strip_suffix("`?")?;
    let (head, near) = body.rsplit_once("did you mean `")?;
    let head = head.strip_suffix("; ").or_else(|| head.strip_suffix(' '))?;
    (!near.contains('`')).then_some((head, near))
}

/// The location written before a case file error (`CaseFileError`'s English display):
/// `case `R` (cases[i]), event e (events[e]), field `f`: message`.
fn case_frame(message: &str, sub: &dyn Fn(&str) -> String) -> Option<String> {
    let mut out = String::new();
    let mut rest = message;
    if let Some(r) = rest.strip_prefix("case `") {
        let (reference, after) = r.split_once('`')?;
        out.push_str(&format!("事项 `{reference}`"));
        rest = after;
        if let Some(r) = rest.strip_prefix(" (cases[") {
            let (i, after) = r.split_once("])")?;
            out.push_str(&format!("（cases[{i}]）"));
            rest = after;
        }
    } else if let Some(r) = rest.strip_prefix("cases[") {
        let (i, after) = r.split_once(']')?;
        out.push_str(&format!("cases[{i}]"));
        rest = after;
    } else if let Some(r) = rest.strip_prefix("document") {
        out.push_str("文件");
        rest = r;
    } else {
        return None;
    }
    if let Some(r) = rest.strip_prefix(", event ") {
        let (e, after) = r.split_once(" (events[")?;
        let (_, after) = after.split_once("])")?;
        out.push_str(&format!("，事件 {e}（events[{e}]）"));
        rest = after;
    }
    if let Some(r) = rest.strip_prefix(", field `") {
        let (f, after) = r.split_once('`')?;
        out.push_str(&format!("，字段 `{f}`"));
        rest = after;
    }
    let body = rest.strip_prefix(": ")?;
    out.push('：');
    out.push_str(&sub(body));
    Some(out)
}

/// Words and short phrases that stand alone: the kinds of JSON value, serde's expectations, the
/// names of the vocabularies (`unknown category …`).
fn word(s: &str) -> Option<&'static str> {
    Some(match s {
        "a string" | "string" | "a borrowed string" => "字符串",
        "a boolean" | "boolean" => "布尔值（true 或 false）",
        "a number" => "数字",
        "an array" | "a sequence" | "sequence" => "数组",
        "an object" | "a map" | "map" | "any JSON value" => "对象",
        "null" | "unit value" | "unit" => "null",
        "u8" | "u16" | "u32" | "u64" | "usize" => "非负整数",
        "i8" | "i16" | "i32" | "i64" | "isize" => "整数",
        "f32" | "f64" => "数字",
        "a valid date" | "a formatted date string" => "日期（如 2023-02-01）",
        "a formatted date and time string or a unix timestamp" | "a formatted date and time string" => {
            "时间（如 2023-02-01T09:00:00+08:00）"
        }
        "case reference" => "案号",
        "user name" => "用户名",
        "step" => "程序",
        "role" => "角色",
        "attribute" => "属性",
        "category" => "类别",
        "participation method" => "公众参与方式",
        "risk level" => "风险等级",
        "legality conclusion" => "合法性审查结论",
        "meeting kind" => "会议形式",
        "decision outcome" => "决定结果",
        "waiver reason" => "免除理由",
        "status" => "状态",
        "severity" => "严重程度",
        // serde_json's syntax errors.
        "EOF while parsing a value" => "JSON 不完整：文件在一个值读完之前就结束了",
        "EOF while parsing a list" => "JSON 不完整：数组（[…]）没有结束",
        "EOF while parsing an object" => "JSON 不完整：对象（{…}）没有结束",
        "EOF while parsing a string" => "JSON 不完整：字符串没有结束（缺少右引号）",
        "expected value" => "此处应为一个 JSON 值（文件是否为 JSON？）",
        "expected `,` or `]`" => "此处应为 `,` 或 `]`",
        "expected `,` or `}`" => "此处应为 `,` 或 `}`",
        "expected `:`" => "此处应为 `:`",
        "expected `\"`" => "此处应为 `\"`",
        "expected ident" => "此处应为 true、false 或 null",
        "trailing comma" => "多了一个逗号",
        "trailing characters" => "JSON 结束之后还有多余的字符",
        "key must be a string" => "对象的键必须是带引号的字符串",
        "invalid escape" => "无效的转义序列",
        "invalid number" => "无效的数字",
        "number out of range" => "数字超出范围",
        "invalid unicode code point" => "无效的 Unicode 码位",
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "字符串中含有控制字符（U+0000–U+001F）"
        }
        "lone leading surrogate in hex escape" => "十六进制转义中有不成对的代理项",
        "unexpected end of hex escape" => "十六进制转义不完整",
        "recursion limit exceeded" => "嵌套层数过深",
        "key must be a string, a number, a boolean or null" => "对象的键必须是字符串",
        // chrono's parse errors.
        "input is out of range" => "日期或时间超出范围（如 2 月 30 日、13 月）",
        "no possible date and time matching input" => "没有与之相符的日期和时间",
        "input is not enough for unique date and time" => "缺少部分日期或时间",
        "input contains invalid characters" => "含有无效字符",
        "premature end of input" => "输入不完整",
        "trailing input" => "末尾有多余的内容",
        "bad or unsupported format string" => "格式不受支持",
        // This crate's own short messages.
        "must not be empty" => "不得为空",
        "must be at least 1" => "至少为 1",
        "at least one method is needed" => "至少需要一种参与方式",
        "at least one expert is needed" => "至少需要一位专家",
        "a case is opened only once" => "一个事项只能立项一次",
        "a case has at least its `opened` event" => "事项至少要有立项事件 `opened`",
        "step is listed twice" => "程序列出了两次",
        "date overflow" => "日期溢出",
        "`meeting_kinds` is empty" => "`meeting_kinds` 为空",
        "must not be empty: say why the event is voided" => "不得为空：请说明作废该事件的理由",
        "is missing; every profile has all eight steps" => "缺失；每个流程配置都须包含全部八个程序",
        "is part of a dependency cycle; the steps must form an acyclic graph" => {
            "处于循环依赖中；程序之间的先后关系不得成环"
        }
        "is not reachable: it is neither before nor after `collective_decision`, nor a prerequisite of a step after it" => {
            "无法到达：既不在 `collective_decision` 之前或之后，也不是其后某个程序的前置程序"
        }
        "allows waivers but no role may record one (`waived_by`)" => {
            "允许免除，但没有角色可以记录免除（`waived_by`）"
        }
        "must be required for every case (`\"required\": \"always\"`): no case may skip it (第二十五条, 第三十条)" => {
            "必须对每个事项都适用（`\"required\": \"always\"`）：任何事项都不得跳过（第二十五条、第三十条）"
        }
        "`legality_review` must be a (transitive) prerequisite: 未经合法性审查的，不得提交决策机关讨论 (第二十五条)" => {
            "`legality_review` 必须是其（直接或间接的）前置程序：未经合法性审查的，不得提交决策机关讨论（第二十五条）"
        }
        "`recorded_at` is set by juece from the clock when the event is entered; remove it from the event file" => {
            "`recorded_at` 由 juece 在录入时按时钟填写；请从事件文件中删去"
        }
        "an `add` needs the `item` it adds" => "`add` 须写明所增加的 `item`",
        "a `remove` needs the `item_id` it removes" => "`remove` 须写明所调出的 `item_id`",
        // Hints.
        "nothing was written" => "未写入任何内容",
        "this version reads `juece-cases/1` and `juece-cases/2`" => {
            "本版本读取 `juece-cases/1` 和 `juece-cases/2`"
        }
        "record the `draft` event with this version first" => "请先记录该版本的草案（`draft` 事件）",
        "`event` is the 0-based position of the voided event in `events`" => {
            "`event` 是被作废事件在 `events` 中的位置（从 0 数起）"
        }
        "`juece workflow list` shows the known profiles" => "`juece workflow list` 列出已知流程",
        "`juece workflow list` shows the known profiles; `juece workflow add FILE` registers one" => {
            "`juece workflow list` 列出已知流程；`juece workflow add 文件` 登记新流程"
        }
        "a case reference is imported once; nothing was written" => {
            "同一案号只能导入一次；未写入任何内容"
        }
        "check the `--db` path or `JUECE_DB`" => "请检查 `--db` 路径或环境变量 JUECE_DB",
        "a stored history is never rewritten; give a new case its own reference. Nothing was written" => {
            "已存的历史不会被改写；新事项请另起案号。未写入任何内容"
        }
        "import stopped" => "导入已中止",
        "an index has lost an entry: reads that use the index would silently skip a row" => {
            "索引丢失了一项：使用该索引的读取会悄悄漏掉一行"
        }
        "an index does not hold as many entries as its table" => "索引的条目数与其表不符",
        "an index and its table disagree" => "索引与其表不一致",
        "a page's free-space accounting is wrong: bytes of it were changed outside SQLite" => {
            "某页的空闲空间记账有误：其中的字节在 SQLite 之外被改动过"
        }
        "a page of the file is damaged or unreachable" => "文件中有一页已损坏或无法到达",
        "a row breaks the table's constraints" => "有一行违反了表的约束",
        "the file's structure is damaged" => "文件结构已损坏",
        // SQLite's and the standard library's messages quoted in the ones above.
        "database is locked" => "数据库被锁定（另一个程序正在写入）",
        "file is not a database" => "不是数据库文件",
        "unable to open database file" => "无法打开数据库文件",
        "database disk image is malformed" => "数据库文件已损坏",
        "attempt to write a readonly database" => "数据库是只读的",
        "invalid digit found in string" => "不是数字",
        "cannot parse integer from empty string" => "为空",
        "number too large to fit in target type" => "数字太大",
        "number too small to fit in target type" => "数字太小",
        "invalid socket address syntax" => "不是“IP 地址:端口”形式的地址，如 127.0.0.1:8080",
        _ => return None,
    })
}

/// English templates (`{}` captures a part, translated in turn) and their Chinese wording
/// (`{0}`, `{1}`, … are the captures). More specific templates come first; templates that start
/// with a capture are tried after all the others.
const TEMPLATES: &[(&str, &str)] = &[
    // serde.
    ("missing field `{}`", "缺少字段 `{0}`"),
    ("unknown field `{}`, there are no fields", "不应有字段 `{0}`：此处没有任何字段"),
    ("unknown field `{}`, expected one of {}", "没有字段 `{0}`；可用的字段：{1}"),
    ("unknown field `{}`, expected {}", "没有字段 `{0}`；可用的字段：{1}"),
    ("unknown variant `{}`, there are no variants", "没有取值 `{0}`"),
    ("unknown variant `{}`, expected one of {}", "没有取值 `{0}`；可选：{1}"),
    ("unknown variant `{}`, expected {}", "没有取值 `{0}`；可选：{1}"),
    ("invalid type: {}, expected {}", "类型不对：应为{1}，实为{0}"),
    ("invalid value: {}, expected {}", "取值无效：应为{1}，实为{0}"),
    ("invalid length {}, expected {}", "长度 {0} 不对：应为{1}"),
    ("duplicate field `{}`", "字段 `{0}` 出现了两次"),
    ("integer `{}`", "整数 `{0}`"),
    ("floating point `{}`", "小数 `{0}`"),
    ("boolean `{}`", "布尔值 `{0}`"),
    ("string {}", "字符串 {0}"),
    ("struct {}", "对象"),
    // crate::json, crate::text.
    (
        "duplicate key `{}` in one object: a key may appear once (which value was meant?)",
        "同一对象中键 `{0}` 出现了两次：一个键只能出现一次（要用哪一个值？）",
    ),
    (
        "duplicate key `{}` in the document: a key may appear once",
        "文件中键 `{0}` 出现了两次：一个键只能出现一次",
    ),
    ("the {} is empty", "{0}为空"),
    (
        "the {} `{}` holds the invisible or control character U+{}: it would print like another {}; remove it",
        "{0} `{1}` 含有不可见字符或控制字符 U+{2}：显示出来会与另一个{3}相同；请删去",
    ),
    ("the {} is {} characters long; the limit is {}", "{0}长 {1} 个字符，上限为 {2} 个"),
    (
        "the text is {} bytes long; a field holds at most {} bytes",
        "文本长 {0} 字节，一个字段最多 {1} 字节",
    ),
    // crate::ids.
    ("unknown {} `{}`, expected one of {}", "没有{0} `{1}`；可选：{2}"),
    // crate::event.
    ("expected an event object, found {}", "应为事件对象（{…}），实为{0}"),
    ("expected a case object, found {}", "应为事项对象（{…}），实为{0}"),
    ("expected a string, found {}", "应为字符串，实为{0}"),
    ("expected an array, found {}", "应为数组（[…]），实为{0}"),
    (
        "expected a JSON object with `format` and `cases`, found an array",
        "应为含有 `format` 和 `cases` 的 JSON 对象，实为数组",
    ),
    (
        "`{}` is not an RFC 3339 time with offset ({}), e.g. `2023-02-01T09:00:00+08:00`",
        "`{0}` 不是带时区的时间（{1}），应写作 `2023-02-01T09:00:00+08:00`",
    ),
    ("`{}` comes from `--as`; remove it from the event file", "`{0}` 由 `--as` 决定；请从事件文件中删去"),
    ("unknown event type `{}`", "没有事件类型 `{0}`"),
    (
        "`{}` is not 64 hexadecimal characters (a SHA-256 digest)",
        "`{0}` 不是 64 位十六进制字符（SHA-256 摘要）",
    ),
    ("{} opinions adopted but only {} received", "采纳意见 {0} 条，但只收到 {1} 条"),
    ("{} present is more than the {} members", "出席 {0} 人，多于组成人员 {1} 人"),
    (
        "the meeting on {} is after the time it is recorded ({}); a meeting is recorded once held",
        "会议日期 {0} 晚于记录时间（{1}）；会议举行后才能记录",
    ),
    // crate::casefile.
    ("not valid JSON: {}", "不是有效的 JSON：{0}"),
    ("unsupported format {}", "不支持的格式 {0}"),
    ("add `\"format\": \"{}\"`", "请加上 `\"format\": \"{0}\"`"),
    ("duplicate `ref`: cases[{}] has the same one", "`ref` 重复：cases[{0}] 的案号与此相同"),
    (
        "the first event is `{}`; a history starts with `opened`",
        "第一个事件是 `{0}`；历史须以立项（`opened`）开始",
    ),
    (
        "{} is earlier than the previous event ({}); events must be in time order",
        "{0} 早于前一个事件（{1}）；事件须按时间顺序排列",
    ),
    (
        "draft version `{}` is already recorded; a revision needs a new version",
        "草案版本 `{0}` 已经记录过；修改稿需要新的版本号",
    ),
    (
        "draft version `{}` has not been recorded before this event (no draft is recorded yet)",
        "草案版本 `{0}` 在此事件之前没有记录（尚未记录任何草案）",
    ),
    (
        "draft version `{}` has not been recorded before this event (recorded: {})",
        "草案版本 `{0}` 在此事件之前没有记录（已记录：{1}）",
    ),
    (
        "`voided` names event {}, which is not an earlier event of this case (0 to {})",
        "`voided` 指向事件 {0}，它不是本事项更早的事件（应为 0 到 {1}）",
    ),
    ("unknown code `{}`", "没有代码 `{0}`"),
    (
        "a case with this reference is already in the database with different content: {}",
        "数据库中已有同一案号、内容不同的事项：{0}",
    ),
    // crate::registry.
    ("unknown workflow profile `{}`; known profiles: {}", "没有流程 `{0}`；已知流程：{1}"),
    ("unknown workflow profile `{}`", "没有流程 `{0}`"),
    // crate::profile.
    ("workflow `{}` is refused: {}", "流程配置 `{0}` 不予接受：{1}"),
    ("step `{}`: {}", "程序 `{0}`：{1}"),
    ("not a valid `{}` document: {}", "不是有效的 `{0}` 文件：{1}"),
    ("unsupported format `{}`, expected `{}`", "不支持的格式 `{0}`，应为 `{1}`"),
    ("unsupported format `{}`; this version reads `{}`", "不支持的格式 `{0}`；本版本读取 `{1}`"),
    ("id `{}` must be non-empty and contain no `@`", "标识 `{0}` 不得为空，也不得含有 `@`"),
    (
        "`min_comment_days` is {}, below the statutory 30 days (第十五条); a profile may raise it, never lower it",
        "`min_comment_days` 为 {0}，低于法定的 30 日（第十五条）；流程配置只能提高、不能降低",
    ),
    (
        "`min_review_working_days` is {}, below the statutory 7 working days (第二十六条); a profile may raise it, never lower it",
        "`min_review_working_days` 为 {0}，低于法定的 7 个工作日（第二十六条）；流程配置只能提高、不能降低",
    ),
    ("`{}` is {}, above the limit of {}; use a value from 0 to {}", "`{0}` 为 {1}，超过上限 {2}；请取 0 到 {3} 之间的值"),
    (
        "meeting kind `{}` may not decide: only `executive` or `plenary` meetings (第三十条)",
        "会议形式 `{0}` 不得作出决定：只有常务会议（`executive`）或全体会议（`plenary`）可以（第三十条）",
    ),
    ("unknown step; the engine knows {}", "没有这个程序；可用的程序：{0}"),
    ("prerequisite `{}` is not a step of this profile", "前置程序 `{0}` 不是本流程的程序"),
    ("prerequisite `{}` is not a step", "前置程序 `{0}` 不是程序"),
    (
        "`performed_by` names event `{}`, which does not record this step (expected {})",
        "`performed_by` 中的事件 `{0}` 不记录本程序（应为 {1}）",
    ),
    ("no role may record `{}`", "没有角色可以记录 `{0}`"),
    ("`performed_by` does not say which roles may record `{}`", "`performed_by` 没有写明哪些角色可以记录 `{0}`"),
    ("may never be waived ({}); remove its `waivers` and `waived_by`", "任何情况下都不得免除（{0}）；请删去其 `waivers` 和 `waived_by`"),
    (
        "`{}` must be a (transitive) prerequisite: the review covers the procedures performed (第二十六条)",
        "`{0}` 必须是其（直接或间接的）前置程序：合法性审查要审查已履行的程序（第二十六条）",
    ),
    // crate::calendar.
    ("calendar `{}` is not valid: {}", "节假日日历 `{0}` 无效：{1}"),
    ("year {} is outside {}–{}, the years a calendar may cover", "年份 {0} 不在日历可覆盖的 {1}–{2} 年之内"),
    ("holiday-cn shape: {}", "holiday-cn 格式：{0}"),
    (
        "expected a `{}` document or a holiday-cn year file (`year`, `days`)",
        "应为 `{0}` 文件或 holiday-cn 的年度文件（含 `year`、`days`）",
    ),
    ("{}: `to` {} is before `from` {}", "{0}：`to` {1} 早于 `from` {2}"),
    (
        "{}: {} to {} spans {} days; a holiday range is at most {} days",
        "{0}：{1} 至 {2} 共 {3} 天；一段假期最多 {4} 天",
    ),
    // crate::catalogue.
    ("catalogue, field `{}`: {}", "决策事项目录，字段 `{0}`：{1}"),
    ("catalogue: {}", "决策事项目录：{0}"),
    ("missing; add `\"format\": \"{}\"`", "缺失；请加上 `\"format\": \"{0}\"`"),
    ("{} is not a plausible year", "{0} 不是合理的年份"),
    ("duplicate item id `{}`: every item needs its own id", "事项编号 `{0}` 重复：每个事项须有自己的编号"),
    ("duplicate item id `{}`: it is already in the catalogue", "事项编号 `{0}` 重复：目录中已有该事项"),
    (
        "{} is earlier than the adjustment before it; list adjustments in date order",
        "{0} 早于前一次调整；调整须按日期顺序列出",
    ),
    ("no item `{}` in the catalogue before this adjustment", "此次调整之前目录中没有事项 `{0}`"),
    ("item `{}` is already removed", "事项 `{0}` 已经调出"),
    // juece-store's errors, which reach people through the engine.
    ("database error: {}", "数据库出错：{0}"),
    ("cannot open database `{}`: {}", "无法打开数据库 `{0}`：{1}"),
    ("case `{}` is already in the database", "事项 `{0}` 已在数据库中"),
    (
        "workflow `{}` is already stored with different content; give the changed profile a new version",
        "流程 `{0}` 已以不同的内容存储；修改后的流程配置请使用新的版本号",
    ),
    (
        "the database schema is version {}, newer than this juece understands ({}); use a newer juece",
        "数据库结构为第 {0} 版，比本程序能读取的第 {1} 版新；请使用更新版本的 juece",
    ),
    (
        "case `{}` changed while this command ran ({} events now, {} when it was checked); run the command again to check against the new history",
        "事项 `{0}` 在本命令运行期间发生了变化（现有 {1} 个事件，检查时为 {2} 个）；请重新运行命令，按新的历史检查",
    ),
    ("no case `{}` in the database", "数据库中没有事项 `{0}`"),
    (
        "SQLite {} is older than {}, the oldest release this program trusts with its log",
        "SQLite {0} 早于 {1}，本程序只用不低于该版本的 SQLite 保存日志",
    ),
    (
        "database `{}` is on a network filesystem (`{}`), where SQLite's locks and WAL are not safe",
        "数据库 `{0}` 位于网络文件系统（`{1}`）上，SQLite 的锁和预写日志在其上不安全",
    ),
    (
        "case `{}` is damaged: its event {} is missing from the database, so its history cannot be shown whole; run `juece verify`, and restore the database from a backup",
        "事项 `{0}` 已损坏：数据库中缺少其事件 {1}，历史无法完整显示；请运行 `juece verify`，并从备份恢复数据库",
    ),
    (
        "cannot create the backup `{}`: {}; a backup never replaces an existing file",
        "无法创建备份 `{0}`：{1}；备份从不覆盖已有文件",
    ),
    ("stored data is damaged: {}", "存储的数据已损坏：{0}"),
    // `juece verify`'s plain words for SQLite's integrity check (its own text kept, quoted).
    ("{} (SQLite: {})", "{0}（SQLite 原文：`{1}`）"),
    (
        "the database file is damaged: the records cannot be read back ({})",
        "数据库文件已损坏：记录无法读回（{0}）",
    ),
    // Plain lists of problems (`ProfileError` with several).
    ("{} problems", "共 {0} 个问题"),
    // Lists in expectations: `a` or `b`.
    ("{} or {}", "{0} 或 {1}"),
];

/// The captures of `template` in `text`, or `None` when it does not match. Each `{}` takes the
/// shortest text up to the literal after it; the last one, when it ends the template, the rest.
fn matches<'t>(template: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let mut parts = template.split("{}");
    let first = parts.next()?;
    let mut rest = text.strip_prefix(first)?;
    let literals: Vec<&str> = parts.collect();
    let mut caps = Vec::with_capacity(literals.len());
    for (i, lit) in literals.iter().enumerate() {
        let cap = if i + 1 == literals.len() {
            let cap = rest.strip_suffix(lit)?;
            rest = "";
            cap
        } else {
            let at = rest.find(lit)?;
            let cap = &rest[..at];
            rest = &rest[at + lit.len()..];
            cap
        };
        if cap.is_empty() {
            return None;
        }
        caps.push(cap);
    }
    rest.is_empty().then_some(caps)
}

/// `template` with `{0}`, `{1}`, … replaced by the captures.
fn fill(template: &str, caps: &[String]) -> String {
    let mut out = template.to_owned();
    for (i, c) in caps.iter().enumerate().rev() {
        out = out.replace(&format!("{{{i}}}"), c);
    }
    out
}

/// The first English phrase left in `text`, if any: two or more English words in a row (a word
/// is a token of two or more ASCII letters, one of them lower case, with at most trailing
/// punctuation), outside back-ticks (codes, field names, commands and values are quoted that way
/// in both languages) and other than the words in `allowed` (command names in a usage line). For
/// tests of the Chinese wording.
pub fn english_left(text: &str, allowed: &[&str]) -> Option<String> {
    let mut plain = String::with_capacity(text.len());
    for (i, part) in text.split('`').enumerate() {
        plain.push_str(if i % 2 == 0 { part } else { " " });
    }
    let is_word = |t: &str| {
        let t = t.trim_start_matches('(');
        let t = t.trim_end_matches([',', '.', ';', ':', '?', '!', ')']);
        t.len() > 1
            && t.bytes().all(|b| b.is_ascii_alphabetic() || b == b'\'')
            && t.bytes().any(|b| b.is_ascii_lowercase())
            && !allowed.contains(&t)
    };
    // Runs are looked for within stretches of ASCII text: Chinese between two words ends a run.
    for stretch in plain.split(|c: char| c == '\n' || !c.is_ascii()) {
        let mut run: Vec<&str> = Vec::new();
        for token in stretch.split(' ').chain([""]) {
            if is_word(token) {
                run.push(token);
            } else if run.len() >= 2 {
                return Some(run.join(" "));
            } else {
                run.clear();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_and_chrono_messages() {
        assert_eq!(translate("missing field `version`"), "缺少字段 `version`");
        assert_eq!(
            translate("invalid type: integer `3`, expected a string"),
            "类型不对：应为字符串，实为整数 `3`"
        );
        assert_eq!(
            translate("unknown field `foo`, expected `version` or `sha256`"),
            "没有字段 `foo`；可用的字段：`version` 或 `sha256`"
        );
        assert_eq!(
            translate("EOF while parsing a value at line 1 column 16"),
            "JSON 不完整：文件在一个值读完之前就结束了（第 1 行第 16 列）"
        );
        assert_eq!(
            translate("`yesterday` is not an RFC 3339 time with offset (premature end of input), e.g. `2023-02-01T09:00:00+08:00`"),
            "`yesterday` 不是带时区的时间（输入不完整），应写作 `2023-02-01T09:00:00+08:00`"
        );
        assert_eq!(
            translate("unknown event type `drafty`; did you mean `draft`?"),
            "没有事件类型 `drafty`；是否指 `draft`？"
        );
    }

    #[test]
    fn case_file_locations() {
        assert_eq!(
            translate("case `A` (cases[0]), event 0 (events[0]), field `role`: unknown role `x`, expected one of `head`, `admin`"),
            "事项 `A`（cases[0]），事件 0（events[0]），字段 `role`：没有角色 `x`；可选：`head`, `admin`"
        );
        assert_eq!(
            translate("document, field `cases`: missing field `cases`"),
            "文件，字段 `cases`：缺少字段 `cases`"
        );
    }

    #[test]
    fn unknown_shapes_are_kept_and_detected() {
        assert_eq!(
            translate("something else entirely"),
            "something else entirely"
        );
        assert_eq!(
            english_left("错误：something else entirely", &[]).as_deref(),
            Some("something else entirely")
        );
        // Codes, paths and quoted values are not English sentences.
        assert_eq!(
            english_left(
                "字段 `comment_period.start` 有误：SKIPPED_STEP, juece.db",
                &[]
            ),
            None
        );
        assert_eq!(
            english_left("`juece workflow list` 列出已知流程", &[]),
            None
        );
    }

    /// Every message the parsers of this crate write for a batch of mistakes, translated with no
    /// English left over.
    #[test]
    fn every_parser_message_is_translated() {
        use crate::event::{parse_event, Supplied};
        let events = [
            r#"{"type":"draft"}"#,
            r#"{"type":"drafty","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head"}"#,
            r#"{"type":"draft","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","version":3,"sha256":"ab"}"#,
            r#"{"type":"draft","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","version":"v","sha256":"ab"}"#,
            r#"{"type":"draft","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","version":"v","sha256":"ab","x":1}"#,
            r#"{"type":"draft","at":"yesterday","actor":"a","role":"head"}"#,
            r#"{"type":"draft","at":"2023-02-30T09:00:00+08:00","actor":"a","role":"head"}"#,
            r#"{"type":"draft","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"heed"}"#,
            r#"{"type":"draft","at":"2023-01-01T09:00:00+08:00","actor":"","role":"head"}"#,
            r#"{"type":7}"#,
            r#"[1]"#,
            r#"{"type":"public_participation","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","methods":[]}"#,
            r#"{"type":"public_participation","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","methods":["pc"]}"#,
            r#"{"type":"public_participation","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","methods":["public_comment"],"comment_period":{"start":"2023-02-30","end":"2023-03-01"}}"#,
            r#"{"type":"public_participation","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","methods":["public_comment"],"opinions_received":-1}"#,
            r#"{"type":"public_participation","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","methods":["public_comment"],"opinions_received":1,"opinions_adopted":2}"#,
            r#"{"type":"risk_assessment","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","level":"medium","controllable":"yes"}"#,
            r#"{"type":"expert_review","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","experts":[]}"#,
            r#"{"type":"expert_review","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","experts":{}}"#,
            r#"{"type":"collective_decision","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","meeting":{"kind":"executive","date":"2023-01-01","members_total":9,"members_present":10},"majority":"approve","head_decision":"approve"}"#,
            r#"{"type":"collective_decision","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","meeting":{"kind":"executive","date":"2023-02-01","members_total":9,"members_present":8},"majority":"approve","head_decision":"approve"}"#,
            r#"{"type":"voided","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","event":1,"reason":" "}"#,
            r#"{"type":"opened","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"head","recorded_at":5}"#,
        ];
        for text in events {
            let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
            let Err(e) = parse_event(&value, &Supplied::default()) else {
                panic!("{text} was accepted");
            };
            let zh = translate(&e.message);
            assert_eq!(english_left(&zh, &[]), None, "{}\n→ {zh}", e.message);
        }
        let syntax = [
            "{\"a\":",
            "{\"a\" 1}",
            "[1 2]",
            "{a:1}",
            "{\"a\":1}x",
            "{\"a\":tru}",
            "\"\\q\"",
        ];
        for text in syntax {
            let e = crate::json::from_str(text)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            let zh = translate(&e);
            assert_eq!(english_left(&zh, &[]), None, "{e}\n→ {zh}");
        }
    }

    #[test]
    fn every_profile_and_calendar_message_is_translated() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/workflows/invalid"
        );
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "json") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let Err(e) = crate::profile::Profile::parse("p.json", &text) else {
                    panic!("{path:?} was accepted");
                };
                let zh = translate(&e.to_string());
                assert_eq!(english_left(&zh, &[]), None, "{e}\n→ {zh}");
                seen += 1;
            }
        }
        assert!(seen >= 10, "{seen} invalid profiles read");
        let calendars = [
            r#"{"format":"juece-calendar/1","year":2027}"#,
            r#"{"year":2027,"days":[{"name":"x","date":"2027-13-01","isOffDay":true}]}"#,
            r#"{"foo":1}"#,
            r#"{"format":"juece-calendar/2"}"#,
            r#"{"year":3000,"days":[]}"#,
            r#"{"format":"juece-calendar/1","years":[{"year":2027,"days_off":[{"name":"春节","from":"2027-02-10","to":"2027-02-01"}]}]}"#,
        ];
        for text in calendars {
            let Err(e) = crate::calendar::Calendar::default().add_json("k.json", text) else {
                panic!("{text} was accepted");
            };
            let zh = translate(&e.to_string());
            assert_eq!(english_left(&zh, &[]), None, "{e}\n→ {zh}");
        }
    }
}
