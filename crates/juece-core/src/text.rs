//! Text from outside, made safe to store and to show (issue 10, "hostile text").
//!
//! - **Identifiers** (case references, user names) are compared byte for byte, so two that look
//!   the same must be the same: [`identifier`] trims white space (ASCII and the ideographic space
//!   U+3000), folds full-width ASCII forms (U+FF01–U+FF5E, e.g. `２０２３`) to ASCII, and refuses
//!   control characters and invisible or direction-changing ones (zero-width spaces and joiners,
//!   U+202A–U+202E, U+2066–U+2069, the byte-order mark, soft hyphen, …): text that prints the same
//!   as another but is not. Then Unicode NFC (canonical composition): a name typed with a
//!   combining accent is the same name as its precomposed form. NFKC is not applied beyond the
//!   full-width ASCII folding: it would also rewrite forms an office may use on purpose
//!   (circled numbers such as ①, Roman numerals such as Ⅻ).
//! - **Sizes** are bounded: [`MAX_IDENTIFIER_CHARS`] for identifiers, [`MAX_FIELD_BYTES`] for any
//!   other text field.
//! - **Showing** text in a table or a message: [`escape_controls`] writes control and invisible
//!   characters as `\u{…}` escapes, so a newline or ANSI escape in a title cannot forge rows or
//!   recolour a terminal, and [`crate::json::clip`] cuts echoed input.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// The longest case reference or user name, in characters.
pub const MAX_IDENTIFIER_CHARS: usize = 256;
/// The longest text field (a title, an opinion, a justification), in bytes of UTF-8.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// Whether `c` is invisible or changes the direction of the text around it, or is a control
/// character: refused in identifiers, escaped when shown.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// An organ's name in the form it is compared in: the normalization of identifiers (trimmed,
/// full-width ASCII folded, NFC), so `甲县人民政府 ` and `甲县人民政府` are one organ. A name the
/// normalization refuses (a hidden character) is compared as it is: it can only match itself.
pub fn organ_key(organ: &str) -> String {
    identifier("organ", organ).unwrap_or_else(|_| organ.to_owned())
}

/// An identifier (what: `case reference`, `user name`) as it is stored and compared: trimmed,
/// full-width ASCII folded; refused when empty, too long, or holding a hidden character.
pub fn identifier(what: &str, s: &str) -> Result<String, String> {
    let trimmed = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    // Full-width ASCII folded to ASCII, then Unicode NFC: a name typed with a decomposed accent
    // or a compatibility form is the same name, and prints the same.
    let folded: String = trimmed
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .nfc()
        .collect();
    if folded.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if let Some(c) = folded.chars().find(|c| is_hidden(*c)) {
        return Err(format!(
            "the {what} `{}` holds the invisible or control character U+{:04X}: it would print like another {what}; remove it",
            escape_controls(&crate::json::clip(&folded, 80)),
            c as u32
        ));
    }
    let n = folded.chars().count();
    if n > MAX_IDENTIFIER_CHARS {
        return Err(format!(
            "the {what} is {n} characters long; the limit is {MAX_IDENTIFIER_CHARS}"
        ));
    }
    Ok(folded)
}

/// `s` with control and hidden characters written as `\u{…}` (a newline as `\n`), for tables and
/// messages.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The first string in `value` longer than [`MAX_FIELD_BYTES`], as (its path, its length).
pub fn oversized(value: &serde_json::Value) -> Option<(String, usize)> {
    /// Whether any string in `v` is too long: no path built (every field of every imported
    /// event passes here, nearly always with nothing to report).
    fn any(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.len() > MAX_FIELD_BYTES,
            serde_json::Value::Array(items) => items.iter().any(any),
            serde_json::Value::Object(map) => map.values().any(any),
            _ => false,
        }
    }
    if !any(value) {
        return None;
    }
    fn walk(v: &serde_json::Value, path: &mut String) -> Option<(String, usize)> {
        match v {
            serde_json::Value::String(s) if s.len() > MAX_FIELD_BYTES => {
                Some((path.clone(), s.len()))
            }
            serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(x, path);
                path.truncate(len);
                found
            }),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&crate::json::clip(k, 64));
                let found = walk(x, path);
                path.truncate(len);
                found
            }),
            _ => None,
        }
    }
    walk(value, &mut String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_nfc() {
        // "é" as e + U+0301 and as U+00E9 are one name.
        assert_eq!(
            identifier("user name", "Ren\u{0065}\u{0301}").unwrap(),
            identifier("user name", "Ren\u{00E9}").unwrap()
        );
        assert_ne!(
            identifier("user name", "Rene").unwrap(),
            identifier("user name", "René").unwrap()
        );
    }

    #[test]
    fn identifiers_refuse_what_prints_like_something_else() {
        assert_eq!(
            identifier("case reference", "  XX县〔２０２３〕3号\u{3000}").ok(),
            Some("XX县〔2023〕3号".to_owned())
        );
        for hidden in [
            "A\u{200B}B",
            "A\u{202E}B",
            "A\u{2066}B",
            "A\nB",
            "A\u{1b}[31mB",
            "\u{FEFF}A",
        ] {
            let e = identifier("case reference", hidden)
                .err()
                .unwrap_or_default();
            assert!(e.contains("U+"), "{hidden:?}: {e}");
        }
        assert!(identifier("user name", " ").is_err());
        assert!(identifier("user name", &"字".repeat(257)).is_err());
        assert!(identifier("user name", &"字".repeat(256)).is_ok());
    }

    #[test]
    fn escaping_keeps_rows_on_their_line() {
        assert_eq!(escape_controls("a\nb\u{1b}c"), "a\\nb\\u{001b}c");
        assert!(matches!(escape_controls("县政府"), Cow::Borrowed(_)));
    }

    #[test]
    fn oversized_names_the_field() {
        let v = serde_json::json!({"events": [{"opinion": "x".repeat(MAX_FIELD_BYTES + 1)}]});
        assert_eq!(
            oversized(&v),
            Some(("events[0].opinion".to_owned(), MAX_FIELD_BYTES + 1))
        );
        assert_eq!(
            oversized(&serde_json::json!({"a": "x".repeat(MAX_FIELD_BYTES)})),
            None
        );
    }
}
