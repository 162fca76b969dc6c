//! The language of every message, chosen once before the arguments are parsed (so that clap's
//! help and errors, value parsers and the commands all speak the same language), and the office
//! zone used for times typed without an offset.

use std::ffi::OsString;
use std::sync::OnceLock;

use chrono::FixedOffset;
use juece_core::Lang;

static LANG: OnceLock<Lang> = OnceLock::new();
static ZONE: OnceLock<FixedOffset> = OnceLock::new();

/// The language of this run: `--lang`, else `JUECE_LANG`, else the config file, else Chinese.
pub fn detect(args: &[OsString], config_lang: Option<&str>) -> Lang {
    let mut chosen: Option<String> = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            chosen = Some(v.to_owned());
        } else if a == "--lang" {
            if let Some(v) = it.next() {
                chosen = Some(v.to_string_lossy().into_owned());
            }
        }
    }
    let env = std::env::var_os("JUECE_LANG").map(|v| v.to_string_lossy().into_owned());
    let pick = chosen
        .or(env)
        .or_else(|| config_lang.map(str::to_owned))
        .unwrap_or_default();
    if pick.trim().eq_ignore_ascii_case("en") {
        Lang::En
    } else {
        Lang::Zh
    }
}

/// Sets the language of this run (once; later calls are ignored).
pub fn set_lang(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The language of this run (Chinese until set).
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::Zh)
}

/// True when messages are in Chinese.
pub fn zh() -> bool {
    lang() == Lang::Zh
}

/// Sets the office zone (once).
pub fn set_zone(zone: FixedOffset) {
    let _ = ZONE.set(zone);
}

/// The office zone: times typed without an offset are taken in it (default +08:00).
pub fn zone() -> FixedOffset {
    use chrono::Offset;
    ZONE.get()
        .copied()
        .or_else(|| FixedOffset::east_opt(8 * 3600))
        .unwrap_or_else(|| chrono::Utc.fix())
}

/// An I/O error in the language of this run (the standard library words them in English).
pub fn io_error(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    if !zh() {
        return e.to_string();
    }
    match e.kind() {
        K::NotFound => "文件或目录不存在".into(),
        K::PermissionDenied => "没有权限（请检查文件的读写权限）".into(),
        K::AlreadyExists => "文件已存在".into(),
        K::IsADirectory => "这是一个目录，不是文件".into(),
        K::NotADirectory => "路径中有一段不是目录".into(),
        K::InvalidData => "内容不是 UTF-8 文本".into(),
        K::StorageFull => "磁盘已满".into(),
        K::ReadOnlyFilesystem => "文件系统是只读的".into(),
        K::BrokenPipe => "输出管道已关闭".into(),
        K::AddrInUse => "地址已被占用".into(),
        K::AddrNotAvailable => "本机没有这个地址".into(),
        K::UnexpectedEof => "文件意外结束".into(),
        _ => match e.raw_os_error() {
            Some(code) => format!("系统错误（代码 {code}）"),
            None => "读写失败".into(),
        },
    }
}

/// `t!(zh, en)`: the text of the language of this run (only the chosen branch is evaluated).
#[macro_export]
macro_rules! t {
    ($zh:expr, $en:expr $(,)?) => {
        if $crate::i18n::zh() {
            String::from($zh)
        } else {
            String::from($en)
        }
    };
}
