//! "Did you mean" suggestions for unknown identifiers.

/// Returns the candidate nearest to `input` by edit distance, when it is near enough to be a typo.
pub fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (input.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|c| (levenshtein(input, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Folds the ways people type the same name or case reference: spaces anywhere, ASCII, full-width
/// or square brackets for the reference's 〔〕, full-width digits and letters.
pub fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' | '（' | '[' | '［' | '【' | '〔' | '﹝' => '〔',
            ')' | '）' | ']' | '］' | '】' | '〕' | '﹞' => '〕',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// The existing name or case reference a person most likely meant by `input`, which matched none:
/// one equal to it once [`fold`]ed (brackets, spaces, full-width forms), else the nearest within
/// one edit for names of up to four characters (王明 for 王敏), two for longer ones.
pub fn nearest_name<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let folded = fold(input);
    if folded.is_empty() {
        return None;
    }
    if let Some(c) = candidates.iter().find(|c| fold(c) == folded) {
        return Some(c);
    }
    let n = folded.chars().count();
    let limit = if n <= 4 { 1 } else { 2 };
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = levenshtein(&folded, &fold(c));
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_typo_only() {
        let ids = ["expert_review", "risk_assessment", "legality_review"];
        assert_eq!(did_you_mean("expert_reveiw", &ids), Some("expert_review"));
        assert_eq!(did_you_mean("archiving", &ids), None);
    }

    #[test]
    fn nearest_name_folds_brackets_and_allows_one_slip_in_short_names() {
        let users = ["王敏", "李强", "陈律师"];
        assert_eq!(nearest_name("王明", &users), Some("王敏"));
        assert_eq!(nearest_name("张三", &users), None);
        assert_eq!(nearest_name(" 李强 ", &users), Some("李强"));
        let refs = [
            "XX县政府〔2023〕重大决策12号",
            "XX县政府〔2023〕重大决策3号",
        ];
        assert_eq!(
            nearest_name("XX县政府(2023)重大决策12号 ", &refs),
            Some("XX县政府〔2023〕重大决策12号")
        );
        assert_eq!(
            nearest_name("XX县政府（2023）重大决策３号", &refs),
            Some("XX县政府〔2023〕重大决策3号")
        );
        assert_eq!(
            nearest_name("XX县政府〔2023〕重大决第12号", &refs),
            Some("XX县政府〔2023〕重大决策12号")
        );
        assert_eq!(nearest_name("完全不同的案号", &refs), None);
    }
}
