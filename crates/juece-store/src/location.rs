//! Where the database is: a `--db` value or `JUECE_DB`. A value starting with `postgres://` or
//! `postgresql://` names a PostgreSQL database; anything else is the path of an SQLite file.

use std::path::{Path, PathBuf};

/// A database's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite database file (created on first write).
    File(PathBuf),
    /// A PostgreSQL connection URL, `postgres://ROLE[:PASSWORD]@HOST:PORT/DB`, and the password
    /// to use when the URL has none (the CLI reads it from `PGPASSWORD`).
    Postgres {
        /// The URL.
        url: String,
        /// The password, when not in the URL.
        password: Option<String>,
    },
}

impl Location {
    /// Reads a `--db` value.
    pub fn parse(value: &Path) -> Location {
        match value.to_str() {
            Some(s) if is_postgres_url(s) => Location::Postgres {
                url: s.to_owned(),
                password: None,
            },
            _ => Location::File(value.to_path_buf()),
        }
    }

    /// The same location, with the password to use when a PostgreSQL URL carries none.
    pub fn with_password(self, password: Option<String>) -> Location {
        match self {
            Location::Postgres { url, .. } => Location::Postgres { url, password },
            file => file,
        }
    }

    /// Whether this names a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres { .. })
    }

    /// Whether the database may already hold something worth reading. A file must exist (opening
    /// would create it); a server is always asked (its database must exist; juece never creates
    /// one, only the schema inside it).
    pub fn exists(&self) -> bool {
        match self {
            Location::File(p) => p.exists(),
            Location::Postgres { .. } => true,
        }
    }

    /// The location as shown to a person: a server's URL without its password.
    pub fn shown(&self) -> String {
        match self {
            Location::File(p) => std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string(),
            Location::Postgres { url, .. } => redact_password(url),
        }
    }
}

fn is_postgres_url(s: &str) -> bool {
    let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `postgres://role:secret@host/db` → `postgres://role:***@host/db`.
pub(crate) fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_select_postgres_and_everything_else_is_a_file() {
        for url in [
            "postgres://juece@127.0.0.1:5432/province",
            "postgresql://juece@db/province",
            "POSTGRES://juece@db/p",
        ] {
            assert!(Location::parse(Path::new(url)).is_postgres(), "{url}");
        }
        for path in [
            "juece.db",
            "postgres.db",
            "./postgres://x",
            "/srv/postgres/j.db",
        ] {
            assert_eq!(
                Location::parse(Path::new(path)),
                Location::File(PathBuf::from(path)),
                "{path}"
            );
        }
    }

    #[test]
    fn a_password_is_never_shown() {
        let loc = Location::parse(Path::new("postgres://juece:s3cret@db:5432/p"));
        assert_eq!(loc.shown(), "postgres://juece:***@db:5432/p");
        assert!(!loc.shown().contains("s3cret"));
        let loc = Location::parse(Path::new("postgres://juece@db:5432/p"));
        assert_eq!(loc.shown(), "postgres://juece@db:5432/p");
    }
}
