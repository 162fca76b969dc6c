//! Write-behind for a bulk write (an import's database file and log; a command's long output
//! redirected to a file): the pages written are sent to the disk as they come and then dropped
//! from the kernel's page cache, so that gigabytes written do not stay behind in the page cache
//! and the writing takes its pages from the few it gives back.
//!
//! Why: at a million cases an import writes 5.4 GB. Every page the kernel takes for the page
//! cache is a page of memory it has to find first, and on a virtual machine a page the guest
//! has not used lately is one the host must first hand over: on the 2-core machine of
//! docs/performance.md, writing 4 GB into the page cache took 24–30 s of kernel time (122–
//! 179 MB/s), the same 4 GB written and dropped behind 2–4 s, and the import's writer thread
//! spent 14–29 s of its time on the copying alone. Sent behind and dropped, the same few pages
//! of memory are used again and again.
//!
//! How: a thread follows each file on a descriptor of its own and, each time the file has grown
//! by [`STEP`], calls `fdatasync` (which writes and waits for what has been written so far) and
//! then `posix_fadvise(DONTNEED)` over the file up to the size it synced. Both concern the
//! file's pages, not the descriptor: the writer's writes and reads are unchanged, and a page it
//! needs again is read back from the disk. Dropping only ever drops clean pages. A write error
//! is not lost to SQLite by the extra `fdatasync`: Linux reports a writeback error to every
//! descriptor opened before it happened, and SQLite's was opened first, so its own sync at
//! commit still fails.
//!
//! What it costs: after the import the file is not in the page cache, and the first command
//! that reads all of it reads it from the disk (as it would after a restart).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How much a file grows between two rounds of syncing and dropping: large enough that the
/// syncs are few (about 170 at a million cases), small enough that what waits in the page
/// cache stays a few dozen megabytes.
/// (The tests' step is 1 MiB, so that a small import crosses it.)
const STEP: u64 = if cfg!(test) { 1 << 20 } else { 32 << 20 };

/// How often the thread looks at the files' sizes.
const POLL: Duration = Duration::from_millis(5);

/// The running write-behind thread; stopped and joined when dropped.
pub struct WriteBehind {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl WriteBehind {
    /// Starts the thread for the database file at `db` and its `-wal` file. `None` where there
    /// is nothing to do (not Linux) or the thread cannot start: the import then runs as before.
    pub(crate) fn start(db: &Path) -> Option<WriteBehind> {
        WriteBehind::spawn(vec![
            Followed::new(db.to_path_buf()),
            Followed::new(wal_path(db)),
        ])
    }

    /// Starts the thread for a file already open for writing (a command's output redirected to
    /// a file: `juece export > cases.json` writes gigabytes at a million cases).
    pub fn follow(file: std::fs::File) -> Option<WriteBehind> {
        WriteBehind::spawn(vec![Followed::open(file)])
    }

    fn spawn(files: Vec<Followed>) -> Option<WriteBehind> {
        if !cfg!(target_os = "linux") {
            return None;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("juece-write-behind".to_owned())
            .spawn({
                let stop = Arc::clone(&stop);
                move || follow(files, &stop)
            })
            .ok()?;
        Some(WriteBehind {
            stop,
            thread: Some(thread),
        })
    }

    /// How much a file grows between two rounds: an output shorter than this is never followed.
    pub const STEP: u64 = STEP;
}

impl Drop for WriteBehind {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // The thread only syncs and advises; it cannot panic, and if it did there is
            // nothing to undo.
            let _ = thread.join();
        }
    }
}

fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// One file followed: opened when it first exists, then synced and dropped behind its growth.
struct Followed {
    /// Where to open it, until it is open.
    path: Option<PathBuf>,
    file: Option<std::fs::File>,
    /// The file's size at the last round of syncing and dropping.
    dropped: u64,
}

impl Followed {
    fn new(path: PathBuf) -> Followed {
        Followed {
            path: Some(path),
            file: None,
            dropped: 0,
        }
    }

    fn open(file: std::fs::File) -> Followed {
        Followed {
            path: None,
            file: Some(file),
            dropped: 0,
        }
    }

    /// One look at the file: sync and drop when it has grown by a step. True if it did.
    fn round(&mut self) -> bool {
        if let (None, Some(path)) = (&self.file, &self.path) {
            self.file = std::fs::File::open(path).ok();
        }
        let Some(file) = &self.file else {
            return false;
        };
        let Ok(meta) = file.metadata() else {
            return false;
        };
        let size = meta.len();
        if size < self.dropped.saturating_add(STEP) {
            return false;
        }
        // From the start each time, not from the last round's end: SQLite does not write a
        // file in order (a page spilled from its cache may lie past pages it writes later), so
        // pages below the last round's size are written after it.
        sync_and_drop(file, size);
        self.dropped = size;
        true
    }
}

fn follow(mut files: Vec<Followed>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let mut any = false;
        for file in &mut files {
            any |= file.round();
        }
        if !any {
            std::thread::sleep(POLL);
        }
    }
}

/// Writes the file's pages out and waits for them, then drops its first `size` bytes from the
/// page cache (pages dirtied again meanwhile stay: only clean pages are dropped). Errors are
/// ignored: this only saves memory and time, and the writer's own sync is the one that decides
/// (see the module's comment for why an error here is not lost to SQLite).
#[cfg(target_os = "linux")]
fn sync_and_drop(file: &std::fs::File, size: u64) {
    use rustix::fs::{fadvise, fdatasync, Advice};
    if fdatasync(file).is_err() {
        return;
    }
    let _ = fadvise(file, 0, std::num::NonZeroU64::new(size), Advice::DontNeed);
}

#[cfg(not(target_os = "linux"))]
fn sync_and_drop(_file: &std::fs::File, _size: u64) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::Write;

    fn block() -> Vec<u8> {
        (0..4096u32).map(|i| (i % 251) as u8).collect()
    }

    /// Bytes of `path` in the page cache, by util-linux's `fincore` (None without it).
    fn cached_bytes(path: &Path) -> Option<u64> {
        let out = std::process::Command::new("fincore")
            .args(["--bytes", "--noheadings", "--output", "RES"])
            .arg(path)
            .output()
            .ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    }

    #[test]
    fn a_step_of_growth_is_synced_and_dropped_and_less_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.db");
        let mut file = std::fs::File::create(&path).unwrap();
        let mut followed = Followed::new(path.clone());
        let blocks = STEP / 4096;
        for _ in 0..blocks - 1 {
            file.write_all(&block()).unwrap();
        }
        // Near-miss: one block short of a step, nothing is done.
        assert!(!followed.round());
        assert_eq!(followed.dropped, 0);
        for _ in 0..blocks + 1 {
            file.write_all(&block()).unwrap();
        }
        assert!(followed.round());
        assert_eq!(followed.dropped, 2 * STEP);
        match cached_bytes(&path) {
            // Written through the page cache, then dropped from it: at most a few pages stay.
            Some(cached) => assert!(cached < STEP / 8, "{cached} bytes still cached"),
            None => eprintln!("SKIPPED the page-cache count: util-linux `fincore` not found"),
        }
        let read = std::fs::read(&path).unwrap();
        assert_eq!(read.len() as u64, 2 * STEP);
        assert!(read.chunks(4096).all(|c| c == block().as_slice()));
    }

    #[test]
    fn the_thread_leaves_the_file_whole_and_stops_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.db");
        let mut file = std::fs::File::create(&path).unwrap();
        let behind = WriteBehind::start(&path).unwrap();
        let blocks = 3 * STEP / 4096 + 7;
        for _ in 0..blocks {
            file.write_all(&block()).unwrap();
        }
        file.sync_all().unwrap();
        drop(behind);
        let read = std::fs::read(&path).unwrap();
        assert_eq!(read.len() as u64, blocks * 4096);
        assert!(read.chunks(4096).all(|c| c == block().as_slice()));
    }
}
