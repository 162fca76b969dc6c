//! Finding codes, their severities and articles, and the finding itself.
//!
//! The codes are stable identifiers of `juece-audit/1` (procedure.md, "Audit finding codes").

use serde::Serialize;

use crate::ids::{Severity, Step};
use crate::Lang;

macro_rules! codes {
    ($( $variant:ident = $id:literal, $sev:ident, $article:literal; )+) => {
        /// An audit finding code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = concat!("`", $id, "`")]
                $variant,
            )+
        }

        impl Code {
            /// Every code, in the order of the specification's table.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The stable identifier.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $id),+ }
            }

            /// Parses an identifier.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $($id => Some(Code::$variant),)+ _ => None }
            }

            /// The severity, fixed per code.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev),+ }
            }

            /// The article the rule rests on, where it is fixed; empty where it is the step's own
            /// article or the overridden guard's.
            pub fn fixed_article(self) -> &'static str {
                match self { $(Code::$variant => $article),+ }
            }
        }
    };
}

codes! {
    SkippedStep = "SKIPPED_STEP", Violation, "";
    OutOfOrder = "OUT_OF_ORDER", Warning, "第二十六条";
    WaivedStep = "WAIVED_STEP", Info, "";
    ImproperWaiver = "IMPROPER_WAIVER", Violation, "";
    ShortCommentPeriod = "SHORT_COMMENT_PERIOD", Violation, "第十五条";
    ShortenedCommentPeriod = "SHORTENED_COMMENT_PERIOD", Info, "第十五条";
    HearingMissing = "HEARING_MISSING", Violation, "第十六条";
    ExpertQuorum = "EXPERT_QUORUM", Violation, "第十九条";
    UnsignedExpertOpinion = "UNSIGNED_EXPERT_OPINION", Violation, "第十九条";
    ConflictedExpert = "CONFLICTED_EXPERT", Violation, "第二十条";
    UncontrolledRisk = "UNCONTROLLED_RISK", Violation, "第二十四条";
    UnlawfulReviewIgnored = "UNLAWFUL_REVIEW_IGNORED", Violation, "第二十五条";
    LegalRiskStated = "LEGAL_RISK_STATED", Info, "第二十五条";
    StaleLegalityReview = "STALE_LEGALITY_REVIEW", Violation, "第二十五条";
    ShortReviewWindow = "SHORT_REVIEW_WINDOW", Violation, "第二十六条";
    ShortenedReviewWindow = "SHORTENED_REVIEW_WINDOW", Info, "第二十六条";
    FairCompetitionReviewMissing = "FAIR_COMPETITION_REVIEW_MISSING", Violation, "第二十九条";
    UnauthorizedSigner = "UNAUTHORIZED_SIGNER", Violation, "第二十八条";
    SelfReview = "SELF_REVIEW", Violation, "第二十八条";
    ImproperMeeting = "IMPROPER_MEETING", Violation, "第三十条";
    NoQuorum = "NO_QUORUM", Violation, "地方规定";
    UnexplainedHeadDecision = "UNEXPLAINED_HEAD_DECISION", Violation, "第三十条";
    NoPartyReport = "NO_PARTY_REPORT", Violation, "第三十一条";
    NotPublished = "NOT_PUBLISHED", Violation, "第三十二条";
    NotArchived = "NOT_ARCHIVED", Warning, "第三十三条";
    DeferredTooLong = "DEFERRED_TOO_LONG", Warning, "地方规定";
    GuardOverridden = "GUARD_OVERRIDDEN", Warning, "";
    Backfilled = "BACKFILLED", Warning, "第三十三条、第三十九条";
    VoidedEvent = "VOIDED_EVENT", Info, "第三十三条";
    CalendarEstimated = "CALENDAR_ESTIMATED", Info, "—";
    NotInCatalogue = "NOT_IN_CATALOGUE", Warning, "第三条";
    CatalogueItemOpen = "CATALOGUE_ITEM_OPEN", Info, "第三条";
    CatalogueNotConsented = "CATALOGUE_NOT_CONSENTED", Warning, "第三条";
}

impl Code {
    /// The codes about a decision catalogue (interchange.md, `juece-catalogue/1`): they need a
    /// catalogue besides the case, and come from [`crate::catalogue`], not the case evaluator.
    pub const CATALOGUE: &'static [Code] = &[
        Code::NotInCatalogue,
        Code::CatalogueItemOpen,
        Code::CatalogueNotConsented,
    ];
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One audit finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// The step it is about.
    pub step: Option<Step>,
    /// The article, in the Chinese form (`第十五条`, or `地方规定` for local rules).
    pub article: String,
    /// The message in Chinese.
    pub message_zh: String,
    /// The message in English.
    pub message_en: String,
    /// The index of the event that gives rise to it, in the evaluated history.
    pub event: Option<usize>,
    /// Whether a working-day count or deadline behind it used estimated days (a year no
    /// official holiday notice covers): `"estimated": true` in `juece-audit/1`.
    pub estimated: bool,
}

impl Finding {
    /// The severity of its code.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.message_zh,
            Lang::En => &self.message_en,
        }
    }

    /// The article in `lang`: `第十五条` or `Art. 15`.
    pub fn article_in(&self, lang: Lang) -> String {
        article_in(&self.article, lang)
    }
}

/// Renders an article citation in `lang`: `第二十六条` → `Art. 26`, `地方规定` → `local rules`.
/// Several citations joined by `、` are each rendered.
pub fn article_in(article: &str, lang: Lang) -> String {
    if lang == Lang::Zh {
        return article.to_owned();
    }
    article
        .split('、')
        .map(|part| {
            if part == "地方规定" {
                return "local rules".to_owned();
            }
            if part == "—" {
                return "—".to_owned();
            }
            part.strip_prefix('第')
                .and_then(|p| p.strip_suffix('条'))
                .and_then(chinese_number)
                .map(|n| format!("Art. {n}"))
                .unwrap_or_else(|| part.to_owned())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn chinese_number(s: &str) -> Option<u32> {
    let digit = |c: char| {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u32)
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [a] => digit(*a),
        ['十', b] => Some(10 + digit(*b)?),
        [a, '十'] => Some(digit(*a)? * 10),
        [a, '十', b] => Some(digit(*a)? * 10 + digit(*b)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_render_in_english() {
        assert_eq!(article_in("第十五条", Lang::En), "Art. 15");
        assert_eq!(article_in("第二十六条", Lang::En), "Art. 26");
        assert_eq!(article_in("第十条", Lang::En), "Art. 10");
        assert_eq!(
            article_in("第三十条、地方规定", Lang::En),
            "Art. 30, local rules"
        );
        assert_eq!(article_in("第二十六条", Lang::Zh), "第二十六条");
    }

    #[test]
    fn codes_round_trip() {
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(*code));
        }
        assert_eq!(Code::ALL.len(), 33);
    }
}
