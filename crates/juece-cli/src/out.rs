//! Writing to stdout without panicking when the reader goes away, and tables a person can read.

use std::io::{self, Write};

pub use crate::progress::{start as start_progress, stop as stop_progress};

use unicode_width::UnicodeWidthStr;

/// Standard output, when it is a regular file (not a terminal, pipe or device).
fn stdout_file() -> Option<std::fs::File> {
    use std::os::fd::AsFd;
    let file = std::fs::File::from(io::stdout().as_fd().try_clone_to_owned().ok()?);
    file.metadata().ok()?.file_type().is_file().then_some(file)
}

/// Writes `text` to stdout; a closed pipe (`juece export | head`) is not an error.
pub fn emit(text: &str) -> io::Result<()> {
    stop_progress();
    if page(text) {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Buffered writing to stdout for long outputs; a closed pipe ends it quietly.
pub struct Emitter {
    out: io::BufWriter<io::StdoutLock<'static>>,
    closed: bool,
    /// Bytes written so far, until the output is long enough to be written behind.
    written: u64,
    /// Syncs a long output redirected to a file and drops it from the page cache as it goes
    /// (`juece_store::WriteBehind`); started once the output passes its step.
    behind: Option<juece_store::WriteBehind>,
}

impl Emitter {
    pub fn new() -> Emitter {
        // Streamed to a file or a pipe, the output leaves the terminal to the progress line.
        if io::IsTerminal::is_terminal(&io::stdout()) {
            stop_progress();
        }
        Emitter {
            out: io::BufWriter::with_capacity(1 << 16, io::stdout().lock()),
            closed: false,
            written: 0,
            behind: None,
        }
    }

    pub fn write(&mut self, text: &str) -> io::Result<()> {
        self.write_bytes(text.as_bytes())
    }

    pub fn write_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        if self.written < juece_store::WriteBehind::STEP {
            self.written += bytes.len() as u64;
            if self.written >= juece_store::WriteBehind::STEP {
                self.behind = stdout_file().and_then(juece_store::WriteBehind::follow);
            }
        }
        match self.out.write_all(bytes) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }

    pub fn finish(mut self) -> io::Result<()> {
        match Write::flush(&mut self.out) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

/// So that a document can be serialized straight into it.
impl Write for Emitter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_bytes(buf).map(|()| buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Shows `text` through a pager when it is longer than the terminal: only when stdout is a
/// terminal (never for piped output or scripts), with `$PAGER` or else `less -FRX` (which quits
/// at once when the text fits and keeps colours). `PAGER=` (empty) or `cat` turns it off. Returns
/// whether the pager showed it; on any failure to start one the text is written as usual.
#[expect(
    clippy::disallowed_methods,
    reason = "the command line reads its own settings from the environment"
)]
fn page(text: &str) -> bool {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() {
        return false;
    }
    let Some((_, height)) = terminal_size::terminal_size() else {
        return false;
    };
    if text.lines().count() < usize::from(height.0) {
        return false;
    }
    let pager = std::env::var("PAGER").unwrap_or_else(|_| "less -FRX".to_owned());
    let mut words = pager.split_whitespace();
    let Some(program) = words.next().filter(|p| *p != "cat") else {
        return false;
    };
    let child = std::process::Command::new(program)
        .args(words)
        .env("LESSCHARSET", "utf-8")
        .stdin(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A reader who quits the pager early closes the pipe: nothing more to show.
        let _ = stdin.write_all(text.as_bytes());
    }
    let _ = child.wait();
    true
}

/// The terminal's width when stdout is a terminal (`COLUMNS` wins), else `None`: piped output
/// is never wrapped.
pub fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() {
        return None;
    }
    if let Some(c) = std::env::var_os("COLUMNS")
        .and_then(|c| c.to_str().and_then(|c| c.parse::<usize>().ok()))
        .filter(|c| *c > 0)
    {
        return Some(c);
    }
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
}

/// Whether to colour stdout: a terminal, and no `NO_COLOR` set (<https://no-color.org>).
pub fn colour_stdout() -> bool {
    use std::io::IsTerminal;
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether to colour stderr: a terminal, and no `NO_COLOR` set.
pub fn colour_stderr() -> bool {
    use std::io::IsTerminal;
    io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `text` in red (`31`), yellow (`33`), bold (`1`), … when `on`.
pub fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// Splits `text` into lines of at most `width` columns (CJK characters count two).
fn wrap(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut w = 0;
    for c in text.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            w = 0;
        }
        line.push(c);
        w += cw;
    }
    lines.push(line);
    lines
}

/// Renders rows as aligned columns (CJK characters count two columns). The last column is not
/// padded, so long messages do not push the table wide; on a terminal it is wrapped to fit.
///
/// Cells are shown safely: control and invisible characters escaped (a newline or ANSI escape in
/// a title cannot forge a row), and a cell longer than `MAX_CELL` characters cut with `…`.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let safe: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| safe_cell(c)).collect())
        .collect();
    let rows = &safe[..];
    let plain = table_plain(header, rows);
    let Some(term) = terminal_width() else {
        return plain;
    };
    if plain.lines().all(|l| l.width() <= term) {
        return plain;
    }
    // Wrap the last column under itself.
    let cols = header.len();
    let mut width = vec![0usize; cols];
    for (i, h) in header.iter().enumerate() {
        width[i] = h.width();
    }
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(cols) {
            width[i] = width[i].max(cell.width());
        }
    }
    let indent: usize = width
        .iter()
        .take(cols.saturating_sub(1))
        .map(|w| w + 2)
        .sum();
    if cols < 2 || indent + 20 > term {
        // Too narrow for columns: one block per row, a field a line.
        let key = header.iter().map(|h| h.width()).max().unwrap_or(0);
        let mut s = String::new();
        for row in rows {
            for (h, cell) in header.iter().zip(row) {
                let pad = " ".repeat(key - h.width());
                let room = term.saturating_sub(key + 2).max(10);
                for (k, part) in wrap(cell, room).into_iter().enumerate() {
                    if k == 0 {
                        s.push_str(&format!("{h}{pad}  {part}\n"));
                    } else {
                        s.push_str(&format!("{}  {part}\n", " ".repeat(key)));
                    }
                }
            }
            s.push('\n');
        }
        return s;
    }
    let last = term - indent;
    let mut wrapped: Vec<Vec<String>> = Vec::new();
    for row in rows {
        let cell = row.get(cols - 1).cloned().unwrap_or_default();
        for (k, part) in wrap(&cell, last).into_iter().enumerate() {
            let mut r: Vec<String> = if k == 0 {
                row.iter().take(cols - 1).cloned().collect()
            } else {
                vec![String::new(); cols - 1]
            };
            r.push(part);
            wrapped.push(r);
        }
    }
    table_plain(header, &wrapped)
}

fn table_plain(header: &[&str], rows: &[Vec<String>]) -> String {
    let width = column_widths(header, rows);
    let mut s = plain_line(header, &width);
    s.push_str(&rule_line(&width));
    for row in rows {
        s.push_str(&plain_line(row, &width));
    }
    s
}

/// The width of each column: its widest cell or header.
fn column_widths<R: AsRef<[String]>>(
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Vec<usize> {
    let cols = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.as_ref().iter().enumerate().take(cols) {
            width[i] = width[i].max(cell.width());
        }
    }
    width
}

/// One line of a plain table: each cell padded to its column, the line's end trimmed.
fn plain_line<C: AsRef<str>>(cells: &[C], width: &[usize]) -> String {
    let mut l = String::new();
    for (i, cell) in cells.iter().enumerate() {
        let cell = cell.as_ref();
        l.push_str(cell);
        if i + 1 < cells.len() {
            let w = width.get(i).copied().unwrap_or(0);
            l.push_str(&" ".repeat(w.saturating_sub(cell.width()) + 2));
        }
    }
    let mut l = l.trim_end().to_owned();
    l.push('\n');
    l
}

/// The rule under a table's header. The last column holds long messages: its rule stops at a
/// readable width.
fn rule_line(width: &[usize]) -> String {
    let cols = width.len();
    let rules: Vec<String> = width
        .iter()
        .enumerate()
        .map(|(i, w)| "─".repeat(if i + 1 == cols { (*w).min(40) } else { *w }))
        .collect();
    plain_line(&rules, width)
}

/// Writes a plain table (as [`table`] gives it off a terminal) of `rows` to `out` a row at a
/// time: the widths are measured in a first pass over the rows, so that a listing of a
/// province's million cases never holds its text all at once. `cells` gives a row's cells as
/// shown, already through [`safe_cell`] (which a caller holding many rows applies once).
pub fn write_table<R>(
    out: &mut impl Write,
    header: &[&str],
    rows: &[R],
    cells: impl Fn(&R) -> Vec<String>,
) -> io::Result<()> {
    let width = column_widths(header, rows.iter().map(&cells));
    out.write_all(plain_line(header, &width).as_bytes())?;
    out.write_all(rule_line(&width).as_bytes())?;
    for row in rows {
        out.write_all(plain_line(&cells(row), &width).as_bytes())?;
    }
    Ok(())
}

/// Cells as shown ([`safe_cell`]) kept in one string, for a table that is written once every
/// row is known: shown cells hold no control character, so a NUL can part them.
pub fn packed_row(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| safe_cell(c))
        .collect::<Vec<_>>()
        .join("\0")
}

/// The cells of a [`packed_row`].
pub fn unpacked_row(row: &str) -> Vec<String> {
    row.split('\0').map(str::to_owned).collect()
}

/// The longest cell of a table, in characters.
const MAX_CELL: usize = 1000;

/// A cell as shown: control and invisible characters escaped, cut at `MAX_CELL` characters.
pub fn safe_cell(s: &str) -> String {
    juece_core::text::escape_controls(&juece_core::json::clip(s, MAX_CELL)).into_owned()
}
/// The UTF-8 byte-order mark that starts every CSV output: Excel then reads it as UTF-8.
pub const BOM: &str = "\u{feff}";

/// Quotes one CSV field (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One CSV line.
pub fn csv_line(fields: &[&str]) -> String {
    let mut l = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    l.push_str("\r\n");
    l
}

/// Writes a file so that a crash leaves either the old file or the complete new one: a
/// temporary file in the same folder, fsync, rename over the target, fsync the folder.
/// `create_new` refuses to replace an existing file (for keys).
pub fn write_file_atomic(
    path: &std::path::Path,
    bytes: &[u8],
    create_new: bool,
    private: bool,
) -> io::Result<()> {
    use std::fs::{self, File, OpenOptions};
    if create_new && path.exists() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("`{}` already exists", path.display()),
        ));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let result = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        if create_new {
            // Linking fails if the target appeared meanwhile: never replace a key.
            fs::hard_link(&tmp, path)?;
            fs::remove_file(&tmp)?;
        } else {
            fs::rename(&tmp, path)?;
        }
        File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed table is the table written whole, control characters escaped alike.
    #[test]
    fn a_streamed_table_is_the_table_written_whole() -> io::Result<()> {
        let header = ["案号", "title", "last"];
        let rows = [
            vec![
                "东河县政府〔2019〕重大决策1号".to_owned(),
                "a\nforged row".to_owned(),
                "2026-01-01".to_owned(),
            ],
            vec!["r2".to_owned(), "短".to_owned(), String::new()],
        ];
        let packed: Vec<String> = rows.iter().map(|r| packed_row(r)).collect();
        let mut streamed = Vec::new();
        write_table(&mut streamed, &header, &packed, |r| unpacked_row(r))?;
        let safe: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| safe_cell(c)).collect())
            .collect();
        assert_eq!(
            String::from_utf8_lossy(&streamed),
            table_plain(&header, &safe)
        );
        assert!(!String::from_utf8_lossy(&streamed).contains("a\nforged"));
        Ok(())
    }
}
