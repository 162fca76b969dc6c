//! The binary on a real pseudo-terminal of a chosen size (issue 12, item 8): colour on a
//! terminal and none with `NO_COLOR` or when piped; tables that fit the terminal's width; the
//! pager for long output and not for short; the progress line on a terminal, not when piped nor
//! with `--quiet`.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use unicode_width::UnicodeWidthStr;

use crate::common::{example_doc, Env};

fn width(s: &str) -> usize {
    s.width()
}

/// Where each standard stream of the run goes.
#[derive(Clone, Copy, PartialEq)]
enum To {
    Tty,
    Pipe,
}

/// What a run wrote on the terminal and on the pipes.
struct Screen {
    code: i32,
    /// Everything written to the terminal, `\r\n` as the line discipline makes it.
    tty: String,
    stdout: String,
    stderr: String,
}

/// A pseudo-terminal of `cols` × `rows`: (master, slave).
fn pty(cols: u16, rows: u16) -> (OwnedFd, OwnedFd) {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = rustix::fs::open(
        name.as_c_str(),
        rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    rustix::termios::tcsetwinsize(
        &slave,
        rustix::termios::Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        },
    )
    .unwrap();
    (master, slave)
}

/// Runs `juece args` in `env` with stdout and stderr sent as asked, on a terminal of
/// `cols` × `rows`, with the extra environment `vars`.
fn run_on(
    env: &Env,
    args: &[&str],
    (stdout, stderr): (To, To),
    (cols, rows): (u16, u16),
    vars: &[(&str, &str)],
) -> Screen {
    let (master, slave) = pty(cols, rows);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_juece"));
    cmd.args(args)
        .env_clear()
        .env("JUECE_DB", env.db())
        .env("JUECE_NOW", "2026-11-28T10:00:00+08:00")
        .env("TZ", "Asia/Shanghai")
        .env("TERM", "xterm-256color")
        .current_dir(env.path("."))
        .stdin(Stdio::null());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let stream = |to: To| match to {
        To::Tty => Stdio::from(slave.try_clone().unwrap()),
        To::Pipe => Stdio::piped(),
    };
    cmd.stdout(stream(stdout)).stderr(stream(stderr));
    let mut child = cmd.spawn().unwrap();
    // The child holds the terminal now: with every copy here closed (the command keeps the ones
    // it was given), reading the master ends (EIO) once the child exits.
    drop(cmd);
    drop(slave);
    let reader = std::thread::spawn(move || {
        let mut file = std::fs::File::from(master);
        let mut bytes = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match file.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let mut out = String::new();
    let mut err = String::new();
    let out_pipe = child.stdout.take();
    let err_pipe = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut p) = err_pipe {
            p.read_to_string(&mut s).unwrap();
        }
        s
    });
    if let Some(mut p) = out_pipe {
        p.read_to_string(&mut out).unwrap();
    }
    err.push_str(&err_reader.join().unwrap());
    let status = child.wait().unwrap();
    Screen {
        code: status.code().unwrap_or(-1),
        tty: reader.join().unwrap(),
        stdout: out,
        stderr: err,
    }
}

const BOTH_TTY: (To, To) = (To::Tty, To::Tty);

/// An office with the interchange example (no findings) and a case with a long title decided
/// without its expert review (a violation).
fn office() -> Env {
    let env = Env::new();
    let mut doc = example_doc();
    let mut second = doc["cases"][0].clone();
    second["ref"] = serde_json::json!("XX县政府〔2024〕重大决策1号");
    let events = second["events"].as_array_mut().unwrap();
    events.retain(|e| e["type"] != "expert_review");
    second["title"] = serde_json::json!(
        "关于进一步加强和改进城乡居民基本医疗保险与大病保险制度衔接、提高保障水平并完善异地就医直接结算办法的实施方案"
    );
    doc["cases"].as_array_mut().unwrap().push(second);
    let file = env.write("cases.json", &doc.to_string());
    assert_eq!(env.juece(&["import", file.to_str().unwrap()]).code, 0);
    env
}

const ESC: &str = "\x1b[";

#[test]
fn colour_on_a_terminal_and_none_with_no_color_or_piped() {
    let env = office();
    // The audit's codes are coloured by severity; errors are red.
    let tty = run_on(
        &env,
        &["audit", "--as-of", "2024-06-30"],
        BOTH_TTY,
        (200, 500),
        &[],
    );
    assert!(
        tty.tty.contains("\x1b[1;31m") || tty.tty.contains("\x1b[33m"),
        "{}",
        tty.tty
    );
    let err = run_on(
        &env,
        &["case", "show", "没有的案号"],
        BOTH_TTY,
        (200, 50),
        &[],
    );
    assert_eq!(err.code, 2);
    assert!(err.tty.contains("\x1b[1;31m错误："), "{}", err.tty);

    let no_color = run_on(
        &env,
        &["audit", "--as-of", "2024-06-30"],
        BOTH_TTY,
        (200, 500),
        &[("NO_COLOR", "1")],
    );
    assert!(!no_color.tty.contains(ESC), "{}", no_color.tty);
    assert!(
        no_color.tty.contains("重大行政决策程序审计"),
        "{}",
        no_color.tty
    );
    let err = run_on(
        &env,
        &["case", "show", "没有的案号"],
        BOTH_TTY,
        (200, 50),
        &[("NO_COLOR", "1")],
    );
    assert!(
        !err.tty.contains(ESC) && err.tty.contains("错误："),
        "{}",
        err.tty
    );

    let piped = run_on(
        &env,
        &["audit", "--as-of", "2024-06-30"],
        (To::Pipe, To::Pipe),
        (200, 50),
        &[],
    );
    assert!(
        !piped.stdout.contains(ESC) && !piped.stdout.is_empty(),
        "{}",
        piped.stdout
    );
    assert!(piped.tty.is_empty(), "{}", piped.tty);
}

#[test]
fn tables_fit_the_terminal_width() {
    let env = office();
    for cols in [60u16, 90] {
        let screen = run_on(&env, &["case", "list"], BOTH_TTY, (cols, 500), &[]);
        assert_eq!(screen.code, 0, "{}", screen.tty);
        let text = screen.tty.replace('\r', "");
        assert!(text.contains("XX县政府〔2024〕重大决策1号"), "{text}");
        for line in text.lines() {
            assert!(
                width(line) <= usize::from(cols),
                "{cols} columns:\n{line}\n\n{text}"
            );
        }
        // COLUMNS, when set, wins over the terminal's size.
        let narrow = run_on(
            &env,
            &["case", "list"],
            BOTH_TTY,
            (200, 500),
            &[("COLUMNS", &cols.to_string())],
        );
        for line in narrow.tty.replace('\r', "").lines() {
            assert!(width(line) <= usize::from(cols), "COLUMNS={cols}:\n{line}");
        }
    }
    // Near miss: piped, the table is not wrapped, and the long title makes a line wider.
    let piped = env.juece(&["case", "list"]);
    assert!(
        piped.stdout.lines().any(|l| width(l) > 90),
        "{}",
        piped.stdout
    );
}

#[test]
fn the_pager_starts_for_long_output_and_not_for_short() {
    let env = office();
    // `tee` as the pager: it shows what it is given and leaves a copy to check.
    let pager = [("PAGER", "tee paged.txt")];
    // 5 rows: the audit of two cases is longer.
    let long = run_on(
        &env,
        &["audit", "--as-of", "2024-06-30"],
        BOTH_TTY,
        (200, 5),
        &pager,
    );
    assert!(long.code <= 1, "{}", long.tty);
    let paged = std::fs::read_to_string(env.path("paged.txt")).unwrap_or_default();
    assert!(
        paged.contains("重大行政决策程序审计"),
        "the pager got: {paged:?}\n{}",
        long.tty
    );
    std::fs::remove_file(env.path("paged.txt")).unwrap();

    // Short output, or a tall terminal: no pager.
    let short = run_on(
        &env,
        &["case", "list", "--status", "open"],
        BOTH_TTY,
        (200, 5),
        &pager,
    );
    assert_eq!(short.code, 0, "{}", short.tty);
    let tall = run_on(
        &env,
        &["audit", "--as-of", "2024-06-30"],
        BOTH_TTY,
        (200, 500),
        &pager,
    );
    assert!(tall.tty.contains("重大行政决策程序审计"), "{}", tall.tty);
    // Piped output never goes through the pager, however long.
    let piped = run_on(
        &env,
        &["audit", "--as-of", "2024-06-30"],
        (To::Pipe, To::Tty),
        (200, 5),
        &pager,
    );
    assert!(piped.stdout.contains("重大行政决策程序审计"));
    assert!(
        !env.path("paged.txt").exists(),
        "a pager ran for short or piped output"
    );
}

/// A case file of `n` copies of the example case under their own references.
fn many_cases(env: &Env, n: usize) -> String {
    let doc = example_doc();
    let case = doc["cases"][0].clone();
    let cases: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut c = case.clone();
            c["ref"] = serde_json::json!(format!("XX县政府〔2023〕重大决策{i}号"));
            c
        })
        .collect();
    let text = serde_json::json!({"format": "juece-cases/1", "cases": cases}).to_string();
    env.write("many.json", &text).display().to_string()
}

#[test]
fn the_progress_line_shows_count_rate_and_time_left_on_a_terminal_only() {
    // The line appears at once (instead of after a second) so that a short pass shows it.
    let now = [("JUECE_PROGRESS_AFTER_MS", "0")];
    let env = Env::new();
    let file = many_cases(&env, 400);
    let import = run_on(
        &env,
        &["import", &file],
        (To::Pipe, To::Tty),
        (120, 40),
        &now,
    );
    assert_eq!(import.code, 0, "{}", import.tty);
    assert!(import.stdout.contains("400"), "{}", import.stdout);
    assert!(import.tty.contains("正在导入"), "{:?}", import.tty);
    assert!(import.tty.contains("/400 件事项"), "{:?}", import.tty);
    assert!(
        import.tty.contains("每秒") && import.tty.contains("约剩"),
        "{:?}",
        import.tty
    );
    // Redrawn in place, and erased at the end: nothing of it is left on the last line.
    assert!(import.tty.contains("\r\x1b[2K"), "{:?}", import.tty);
    assert!(import.tty.ends_with("\r\x1b[2K"), "{:?}", import.tty);

    // English, and the other whole-database passes.
    for args in [
        vec!["audit", "--lang", "en"],
        vec!["export", "--lang", "en"],
        vec!["verify", "--lang", "en"],
        vec!["report", "--year", "2023", "--lang", "en"],
    ] {
        let pass = run_on(&env, &args, (To::Pipe, To::Tty), (120, 40), &now);
        assert!(pass.code <= 1, "{args:?}: {}", pass.tty);
        if args[0] == "verify" {
            // Checking 4 400 events is over before a count is drawn: the line is there.
            assert!(pass.tty.contains("verifying"), "{args:?}: {:?}", pass.tty);
        } else {
            assert!(pass.tty.contains("/400 cases"), "{args:?}: {:?}", pass.tty);
            assert!(pass.tty.contains(" left"), "{args:?}: {:?}", pass.tty);
        }
        assert!(
            !pass.stdout.contains('\r'),
            "{args:?}: the line went to stdout"
        );
    }

    // Never when stderr is piped, and never with --quiet.
    let piped = run_on(&env, &["audit"], (To::Tty, To::Pipe), (120, 4000), &now);
    assert!(
        !piped.stderr.contains('\r') && !piped.stderr.contains("正在审计"),
        "{:?}",
        piped.stderr
    );
    let quiet = run_on(
        &env,
        &["audit", "--quiet"],
        (To::Pipe, To::Tty),
        (120, 40),
        &now,
    );
    assert!(!quiet.tty.contains("正在审计"), "{:?}", quiet.tty);
    // Near miss: the same run without --quiet shows it.
    let shown = run_on(&env, &["audit"], (To::Pipe, To::Tty), (120, 40), &now);
    assert!(shown.tty.contains("正在审计"), "{:?}", shown.tty);
    // Without the hook, a pass shorter than a second shows nothing.
    let short = run_on(
        &env,
        &["case", "list", "--status", "archived"],
        (To::Pipe, To::Tty),
        (120, 40),
        &[],
    );
    assert!(!short.tty.contains('\r'), "{:?}", short.tty);
}

/// Piped, a table is written a row at a time (a province's audit or listing is never in memory
/// whole): the same text a terminal wide enough for it shows, written at once.
#[test]
fn a_piped_table_is_the_table_a_wide_terminal_shows() {
    let env = office();
    for args in [
        &["audit"][..],
        &["audit", "--lang", "en"],
        &["audit", "--only-findings"],
        &["audit", "--as-of", "2000-01-01"],
        &["case", "list"],
        &["case", "list", "--lang", "en"],
    ] {
        let screen = run_on(
            &env,
            args,
            (To::Tty, To::Pipe),
            (1000, 500),
            &[("NO_COLOR", "1")],
        );
        let piped = env.juece(args);
        assert_eq!(screen.code, piped.code, "{args:?}");
        assert_eq!(screen.tty.replace('\r', ""), piped.stdout, "{args:?}");
        assert!(piped.stdout.lines().count() > 3, "{}", piped.stdout);
    }
}
