//! Writing to stdout without panicking when the reader goes away, and tables a person can read.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

/// Writes `text` to stdout; a closed pipe (`juece export | head`) is not an error.
pub fn emit(text: &str) -> io::Result<()> {
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
}

impl Emitter {
    pub fn new() -> Emitter {
        Emitter {
            out: io::BufWriter::with_capacity(1 << 16, io::stdout().lock()),
            closed: false,
        }
    }

    pub fn write(&mut self, text: &str) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.out.write_all(text.as_bytes()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }

    pub fn finish(mut self) -> io::Result<()> {
        match self.out.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

/// Renders rows as aligned columns (CJK characters count two columns). The last column is not
/// padded, so long messages do not push the table wide.
///
/// Cells are shown safely: control and invisible characters escaped (a newline or ANSI escape in
/// a title cannot forge a row), and a cell longer than `MAX_CELL` characters cut with `…`.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let safe: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| safe_cell(c)).collect())
        .collect();
    let rows = &safe[..];
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
    let mut s = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            l.push_str(cell);
            if i + 1 < cells.len() {
                l.push_str(&" ".repeat(width[i] - cell.width() + 2));
            }
        }
        s.push_str(l.trim_end());
        s.push('\n');
    };
    line(header.to_vec());
    line(
        width
            .iter()
            .enumerate()
            // The last column holds long messages: its rule stops at a readable width.
            .map(|(i, w)| "─".repeat(if i + 1 == cols { (*w).min(40) } else { *w }))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    s
}

/// The longest cell of a table, in characters.
const MAX_CELL: usize = 1000;

/// A cell as shown: control and invisible characters escaped, cut at `MAX_CELL` characters.
pub fn safe_cell(s: &str) -> String {
    juece_core::text::escape_controls(&juece_core::json::clip(s, MAX_CELL)).into_owned()
}

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
