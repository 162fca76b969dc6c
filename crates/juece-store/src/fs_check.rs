//! Refusing databases on network filesystems, whose locking SQLite's WAL cannot rely on.

use std::path::Path;

/// Filesystem types (as Linux's `/proc/self/mounts` names them) that are network or remote.
const NETWORK: &[&str] = &[
    "nfs",
    "nfs4",
    "cifs",
    "smb",
    "smb2",
    "smb3",
    "smbfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "lustre",
    "gpfs",
    "fuse.sshfs",
    "sshfs",
    "davfs",
    "fuse.davfs2",
    "ncpfs",
    "coda",
];

/// The network filesystem type holding `path`, if it is on one (Linux; elsewhere `None`).
pub fn network_filesystem(path: &Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = std::fs::canonicalize(dir).ok()?;
    fstype_of(&mounts, &dir).filter(|t| NETWORK.contains(&t.as_str()))
}

/// The filesystem type of the longest mount point that contains `dir`.
fn fstype_of(mounts: &str, dir: &Path) -> Option<String> {
    mounts
        .lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let (_dev, mount, fstype) = (f.next()?, f.next()?, f.next()?);
            // Spaces in mount points are written as \040.
            let mount = mount.replace("\\040", " ");
            dir.starts_with(&mount)
                .then(|| (mount.len(), fstype.to_owned()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_innermost_mount() {
        let mounts = "overlay / overlay rw 0 0\nserver:/export /mnt/share nfs4 rw 0 0\n/dev/sda1 /mnt/share/local ext4 rw 0 0\n";
        assert_eq!(
            fstype_of(mounts, Path::new("/mnt/share/office")).as_deref(),
            Some("nfs4")
        );
        assert_eq!(
            fstype_of(mounts, Path::new("/mnt/share/local/x")).as_deref(),
            Some("ext4")
        );
        assert_eq!(
            fstype_of(mounts, Path::new("/home")).as_deref(),
            Some("overlay")
        );
    }

    #[test]
    fn a_local_temporary_folder_is_not_network() {
        let dir = std::env::temp_dir().join("x.db");
        assert_eq!(network_filesystem(&dir), None);
    }
}
