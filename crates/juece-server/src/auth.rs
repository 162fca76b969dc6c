//! Secrets: argon2id password hashes, random session ids, API tokens and form tokens, compared in
//! constant time. Only hashes reach the database.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness from the system: {e}"))?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a secret, lowercase hex: what is stored for a session id or a token.
pub fn sha256_hex(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Equal strings, compared in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The argon2id hash of a password (PHC string, random salt).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness from the system: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored hash (false for a malformed hash).
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new API token: (public id, the whole token to print once, the hash to store).
pub fn new_token() -> Result<(String, String, String), String> {
    let id = random_hex(6)?;
    let secret = random_hex(24)?;
    let token = format!("jt_{id}_{secret}");
    Ok((id, token, sha256_hex(&secret)))
}

/// Splits a presented token into its public id and secret.
pub fn split_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("jt_")?;
    let (id, secret) = rest.split_once('_')?;
    if id.is_empty() || secret.is_empty() {
        return None;
    }
    Some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_and_a_wrong_one_does_not() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hors", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_split_and_compare() {
        let (id, token, hash) = new_token().unwrap();
        let (i, s) = split_token(&token).unwrap();
        assert_eq!(i, id);
        assert!(same(&sha256_hex(s), &hash));
        assert!(!same(&sha256_hex("other"), &hash));
        assert!(split_token("jt__x").is_none());
        assert!(split_token("bearer").is_none());
    }
}
