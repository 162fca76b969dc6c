//! `juece import`: reads the case file and prints what was imported; the checking and writing
//! are the engine's (crates/juece-engine/src/import.rs).

use std::path::{Path, PathBuf};

use clap::Args;
use juece_store::ImportSummary;

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::CmdResult;

/// Import a case file (juece-cases/1 or /2): all its cases or, on any error, none
#[derive(Args)]
pub struct ImportArgs {
    /// The case file, or `-` for standard input
    file: PathBuf,
}

pub fn run(global: &GlobalArgs, args: &ImportArgs) -> CmdResult {
    let input = read_bytes(&args.file)?;
    // A byte-order mark (Notepad's "UTF-8 with BOM") is dropped; an empty file is refused
    // in plain words, and so is a GBK file once parsing fails (checked only then: no cost).
    let start = if input.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    {
        let data = input.get(start..).unwrap_or_default();
        if data.iter().all(u8::is_ascii_whitespace) {
            crate::context::text_of(&args.file, data)?;
        }
    }
    crate::progress::total(cases_in(&input, start), crate::progress::Unit::Cases);
    let mut store = global.store()?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar_with(&store)?;
    let data = input.get(start..).unwrap_or_default();
    let imported = match &input {
        Input::Mapped(map) => {
            let mut behind = GiveBack::new(map);
            juece_engine::import_bytes_reporting(&mut store, &profiles, &calendar, data, |read| {
                behind.read_to(start + read)
            })
        }
        Input::Read(_) => juece_engine::import_bytes(&mut store, &profiles, &calendar, data),
    };
    let summary = imported
        .map_err(CliError::from)
        .map_err(|e| match is_utf8(&input, start) {
            false => crate::context::text_of(&args.file, data).err().unwrap_or(e),
            true => e,
        })?;
    emit(&report(&summary, Path::new(&global.location().shown())))?;
    Ok(Exit::Ok)
}

/// How much of a mapped case file is read before the pages behind are given back.
const RELEASE_EVERY: usize = 64 << 20;

/// Gives the pages of a mapped case file back to the kernel as the import reads past them,
/// every [`RELEASE_EVERY`] bytes. A mapped page counts in the process's memory until it is
/// unmapped, so without this a 2.7 GB file of a million cases would hold 2.7 GB by the end of
/// its import (issue 10: no command above 1 GB).
struct GiveBack<'m> {
    map: &'m memmap2::Mmap,
    released: usize,
}

impl<'m> GiveBack<'m> {
    fn new(map: &'m memmap2::Mmap) -> Self {
        GiveBack { map, released: 0 }
    }

    /// The parser has read the map up to `pos` and will not read before it again in this
    /// reading of it.
    fn read_to(&mut self, pos: usize) {
        if pos < self.released {
            // A second reading from the start (the quick reading stopped at something it does
            // not read: `casefile::stream_cases_reporting`): what it reads again counts again.
            self.released = 0;
        }
        if pos.saturating_sub(self.released) >= RELEASE_EVERY {
            // Both ends on a RELEASE_EVERY boundary: page-aligned on every platform, and the
            // page holding `pos` is never in the range.
            let end = pos - pos % RELEASE_EVERY;
            release(self.map, self.released, end);
            self.released = end;
        }
    }
}

/// Whether `input` after `start` is UTF-8 (asked when an import failed, to tell a GBK file by
/// its name). A mapped file is checked a piece at a time and its pages given back behind the
/// check, as the import gives them back: checked whole, a failed import of a million cases
/// ended holding the 2.7 GB file in its memory.
fn is_utf8(input: &Input, start: usize) -> bool {
    let data = input.get(start..).unwrap_or_default();
    let Input::Mapped(map) = input else {
        return std::str::from_utf8(data).is_ok();
    };
    let mut behind = GiveBack::new(map);
    let mut from = 0;
    while from < data.len() {
        let to = data.len().min(from + RELEASE_EVERY);
        match std::str::from_utf8(data.get(from..to).unwrap_or_default()) {
            Ok(_) => from = to,
            // A character cut at the piece's end: checked with the next piece.
            Err(e) if e.error_len().is_none() && to < data.len() && e.valid_up_to() > 0 => {
                from += e.valid_up_to();
            }
            Err(_) => return false,
        }
        behind.read_to(start + from);
    }
    true
}

/// Gives the mapped pages of `map` from `from` to `to` back to the kernel: the process stops
/// counting them; read again, they come back from the file (or the page cache).
fn release(map: &memmap2::Mmap, from: usize, to: usize) {
    #[cfg(unix)]
    if to > from {
        // SAFETY: the mapping is private and read-only, and its pages were never written: a
        // page given back reads the same bytes from the file again if it is touched (the parser
        // never goes back; a message about a failed import may read the file whole). The file
        // changing under the import is the hazard of mapping it at all (`read_bytes`).
        #[allow(unsafe_code)]
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from)
        };
    }
    #[cfg(not(unix))]
    let _ = (map, from, to);
}

/// About how many cases `input` holds after `start`, for the progress line: the `"ref"` keys
/// (one a case; a title that quotes `"ref"` makes the estimate high, and the line never shows
/// more than all).
fn cases_in(input: &Input, start: usize) -> u64 {
    if !crate::progress::wanted() {
        return 0;
    }
    match input {
        Input::Mapped(map) => refs_in_map(map, start),
        Input::Read(v) => {
            memchr::memmem::find_iter(v.get(start..).unwrap_or_default(), REF_KEY).count() as u64
        }
    }
}

/// The key every case has once.
const REF_KEY: &[u8] = b"\"ref\"";

/// The `"ref"` keys of a mapped file from `start`, counted a chunk at a time, each chunk's
/// pages given back once counted.
fn refs_in_map(map: &memmap2::Mmap, start: usize) -> u64 {
    let mut behind = GiveBack::new(map);
    let mut count = 0;
    let mut from = start;
    while from < map.len() {
        let to = (from - from % RELEASE_EVERY + RELEASE_EVERY).min(map.len());
        // The window reaches past the chunk by the key's length less one, so that a key
        // across the boundary is seen, and counted once: only where it starts.
        let window = map.get(from..(to + REF_KEY.len() - 1).min(map.len()));
        count += memchr::memmem::find_iter(window.unwrap_or_default(), REF_KEY)
            .filter(|&at| from + at < to)
            .count() as u64;
        behind.read_to(to);
        from = to;
    }
    count
}

fn report(summary: &ImportSummary, db: &Path) -> String {
    let plural = |n: usize| if n == 1 { "case" } else { "cases" };
    if crate::i18n::zh() {
        let identical = format!("{} 件事项已存在且内容相同", summary.identical);
        return match (summary.cases, summary.identical) {
            (0, n) if n > 0 => format!("{identical}；未导入新事项\n"),
            (_, 0) => format!(
                "已导入 {} 件事项、{} 个事件到 {}\n",
                summary.cases,
                summary.events,
                db.display()
            ),
            _ => format!(
                "已导入 {} 件事项、{} 个事件到 {}；{identical}\n",
                summary.cases,
                summary.events,
                db.display()
            ),
        };
    }
    let identical = format!(
        "{} {} already present, identical",
        summary.identical,
        plural(summary.identical)
    );
    match (summary.cases, summary.identical) {
        (0, n) if n > 0 => format!("{identical}; nothing imported\n"),
        (_, 0) => format!(
            "imported {} {}, {} events into {}\n",
            summary.cases,
            plural(summary.cases),
            summary.events,
            db.display()
        ),
        _ => format!(
            "imported {} {}, {} events into {}; {identical}\n",
            summary.cases,
            plural(summary.cases),
            summary.events,
            db.display()
        ),
    }
}

/// The bytes of a case file: mapped when it is a regular file, read otherwise.
enum Input {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Input {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Input::Mapped(m) => m,
            Input::Read(v) => v,
        }
    }
}

/// The largest case file imported (a million cases take about 2.7 GB).
const MAX_IMPORT: u64 = 16 << 30;
/// The largest case document read from a pipe or device (it is held in memory).
const MAX_IMPORT_STREAM: u64 = 2 << 30;

/// Reads what is not a regular file (standard input, a pipe, a device) up to the limit,
/// refusing early what cannot be a JSON document (`/dev/zero`).
fn read_stream(mut input: impl std::io::Read, name: &str) -> Result<Input, CliError> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        CliError::bad_input(crate::t!(
            format!("无法读取{name}：{}", crate::i18n::io_error(&e)),
            format!("cannot read {name}: {e}")
        ))
    };
    let mut v = Vec::new();
    let mut limited = (&mut input).take(MAX_IMPORT_STREAM + 1);
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = limited.read(&mut buf).map_err(cannot)?;
        if n == 0 {
            break;
        }
        v.extend_from_slice(buf.get(..n).unwrap_or_default());
        if let Some(&first) = v.iter().find(|b| !b.is_ascii_whitespace()) {
            if first != b'{' {
                return Err(CliError::bad_input(crate::t!(
                    format!("{name} 不是 juece-cases 案卷文件：它不以 `{{` 开头"),
                    format!("{name} is not a juece-cases/1 document: it does not begin with `{{`")
                )));
            }
        }
    }
    if v.len() as u64 > MAX_IMPORT_STREAM {
        return Err(CliError::bad_input(crate::t!(
            format!(
                "{name} 超过 {} GiB；请先存为文件，再导入该文件",
                MAX_IMPORT_STREAM >> 30
            ),
            format!(
                "{name} holds more than {} GiB; save it to a file and import the file",
                MAX_IMPORT_STREAM >> 30
            )
        )));
    }
    Ok(Input::Read(v))
}

fn read_bytes(path: &Path) -> Result<Input, CliError> {
    let cannot = |e: std::io::Error| crate::context::read_error(path, &e);
    if path == Path::new("-") {
        return read_stream(std::io::stdin(), &crate::t!("标准输入", "standard input"));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if meta.is_file() && meta.len() > MAX_IMPORT {
        return Err(CliError::bad_input(crate::t!(
            format!(
                "`{}` 有 {} GiB，超过案卷文件 {} GiB 的上限；请拆分",
                path.display(),
                meta.len() >> 30,
                MAX_IMPORT >> 30
            ),
            format!(
                "`{}` is {} GiB, larger than the {} GiB a case file may be; split it",
                path.display(),
                meta.len() >> 30,
                MAX_IMPORT >> 30
            )
        )));
    }
    if !meta.is_file() {
        return read_stream(file, &format!("`{}`", path.display()));
    }
    if meta.is_file() {
        // Mapping spares copying the file into fresh memory before parsing can start: for a
        // 270 MB file that copy was a serial second of a 7.5 s import on the reference machine.
        // SAFETY: the map is only read. Were another program to truncate the file while it is
        // imported, reading past the new end would stop this process with SIGBUS before the
        // import's single transaction commits: nothing would be written (docs/performance.md).
        #[allow(unsafe_code)]
        let mapped = unsafe { memmap2::Mmap::map(&file) };
        if let Ok(m) = mapped {
            return Ok(Input::Mapped(m));
        }
    }
    let mut v = Vec::new();
    std::io::Read::read_to_end(&mut &file, &mut v).map_err(cannot)?;
    Ok(Input::Read(v))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The resident size of the mapping that starts at `addr`, from /proc/self/smaps: what the
    /// map holds of this process's memory, whatever the other tests of the binary hold.
    fn mapped_rss(addr: *const u8) -> Option<u64> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let start = format!("{:x}-", addr as usize);
        let mut lines = smaps.lines().skip_while(|l| !l.starts_with(&start));
        lines.next()?;
        let rss = lines.find(|l| l.starts_with("Rss:"))?;
        rss.split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
            .map(|kb| kb * 1024)
    }

    #[test]
    fn pages_read_past_are_given_back_and_read_the_same_again(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("cases.json");
        let size = 3 * RELEASE_EVERY + 12_345;
        let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes)?;
        let Input::Mapped(map) = read_bytes(&path).map_err(|_| "cannot read the file")? else {
            return Err("a regular file is mapped".into());
        };
        let rss = || mapped_rss(map.as_ptr()).ok_or("no smaps entry for the map");
        let sum = |from: usize, to: usize| {
            map.get(from..to)
                .unwrap_or_default()
                .iter()
                .map(|&b| u64::from(b))
                .sum::<u64>()
        };
        let expected: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
        let mut behind = GiveBack::new(&map);
        let mut total = 0;
        let mut pos = 0;
        // Read a megabyte at a time, telling the map how far the reading went.
        while pos < size {
            let to = (pos + (1 << 20)).min(size);
            total += sum(pos, to);
            behind.read_to(to);
            pos = to;
        }
        assert_eq!(total, expected);
        // Touched whole, the map would hold 192 MiB; given back, what is past the last boundary.
        let held = rss()?;
        assert!(
            held <= RELEASE_EVERY as u64,
            "the map still holds {held} of {size} bytes"
        );
        // Near miss: reading less than a chunk gives nothing back.
        let mut fresh = GiveBack::new(&map);
        let before = rss()?;
        let _ = sum(0, RELEASE_EVERY - 1);
        fresh.read_to(RELEASE_EVERY - 1);
        assert!(
            rss()? >= before + (RELEASE_EVERY / 2) as u64,
            "nothing was read past a boundary"
        );
        // A page given back reads the file's bytes again.
        assert_eq!(sum(0, size), expected);
        Ok(())
    }

    /// A file of `bytes`, mapped as the import maps it.
    fn mapped(bytes: &[u8]) -> Result<(tempfile::TempDir, Input), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("cases.json");
        std::fs::write(&path, bytes)?;
        let input = read_bytes(&path).map_err(|_| "cannot read the file")?;
        Ok((dir, input))
    }

    #[test]
    fn a_failed_imports_utf8_check_reads_piece_by_piece_and_gives_the_pages_back(
    ) -> Result<(), Box<dyn std::error::Error>> {
        // A three-byte character across the first piece's end: UTF-8, checked whole.
        let mut text = vec![b'a'; 3 * RELEASE_EVERY - 1];
        text.extend_from_slice("长b".as_bytes());
        let (_dir, input) = mapped(&text)?;
        let Input::Mapped(map) = &input else {
            return Err("a regular file is mapped".into());
        };
        assert!(is_utf8(&input, 0));
        // Checked whole in one piece, the map would hold its 192 MiB.
        let held = mapped_rss(map.as_ptr()).ok_or("no smaps entry for the map")?;
        assert!(
            held <= RELEASE_EVERY as u64,
            "the map still holds {held} of {} bytes",
            text.len()
        );
        assert!(is_utf8(&Input::Read(text.clone()), 0));
        // The character cut short, or a stray byte after the first piece: not UTF-8.
        let mut cut = text.clone();
        cut.remove(3 * RELEASE_EVERY);
        assert!(!is_utf8(&mapped(&cut)?.1, 0));
        let mut stray = text;
        stray.push(0xff);
        assert!(!is_utf8(&mapped(&stray)?.1, 0));
        assert!(!is_utf8(&Input::Read(stray), 0));
        // Checked from `start` (after a byte-order mark).
        assert!(is_utf8(&mapped(&[0xEF, 0xBB, 0xBF, b'{'])?.1, 3));
        Ok(())
    }

    #[test]
    fn counting_refs_sees_keys_across_chunk_boundaries() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("cases.json");
        // One key straddling the first boundary, one right at it, one at the very end.
        let mut bytes = vec![b' '; 2 * RELEASE_EVERY + 10];
        let put = |bytes: &mut Vec<u8>, at: usize| {
            if let Some(slot) = bytes.get_mut(at..at + 5) {
                slot.copy_from_slice(b"\"ref\"");
            }
        };
        put(&mut bytes, RELEASE_EVERY - 2);
        put(&mut bytes, 2 * RELEASE_EVERY);
        put(&mut bytes, 2 * RELEASE_EVERY + 5);
        std::fs::write(&path, &bytes)?;
        let Input::Mapped(map) = read_bytes(&path).map_err(|_| "cannot read the file")? else {
            return Err("a regular file is mapped".into());
        };
        assert_eq!(refs_in_map(&map, 0), 3);
        // A start past the first key skips it.
        assert_eq!(refs_in_map(&map, RELEASE_EVERY), 2);
        Ok(())
    }
}
