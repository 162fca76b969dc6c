//! The closed vocabularies of the procedure: steps, roles, attributes and the values evidence may
//! take. Their string forms are part of the frozen `juece-cases/1` and `juece-workflow/1` formats:
//! do not rename a value; add a new format version instead.

use crate::Lang;

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $variant:ident = $id:literal, $zh:literal, $en:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                #[doc = concat!("`", $id, "` (", $zh, ")")]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order of the specification.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// What this vocabulary names, for error messages.
            pub const WHAT: &'static str = $what;

            /// The identifier used in files and on the command line.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $id),+ }
            }

            /// The human label in the given language.
            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$variant, Lang::Zh) => $zh, ($name::$variant, Lang::En) => $en,)+
                }
            }

            /// Parses an identifier; `None` when it is not one of ours.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($id => Some($name::$variant),)+ _ => None }
            }

            /// All identifiers, for "expected one of" messages and suggestions.
            pub fn ids() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.as_str()).collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    let hint = crate::fuzzy::did_you_mean(&s, &$name::ids())
                        .map(|m| format!("; did you mean `{m}`?"))
                        .unwrap_or_default();
                    serde::de::Error::custom(format!(
                        "unknown {} `{}`, expected one of {}{}",
                        $what,
                        s,
                        $name::ids().iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", "),
                        hint
                    ))
                })
            }
        }
    };
}

vocabulary! {
    /// A step of the procedure. The engine knows these eight; a profile arranges them.
    Step, "step" {
        PublicParticipation = "public_participation", "公众参与", "public participation";
        ExpertReview = "expert_review", "专家论证", "expert review";
        RiskAssessment = "risk_assessment", "风险评估", "risk assessment";
        LegalityReview = "legality_review", "合法性审查", "legality review";
        CollectiveDecision = "collective_decision", "集体讨论决定", "collective decision";
        PartyReport = "party_report", "向同级党委请示报告", "report to the Party committee";
        Publication = "publication", "决策公布", "publication";
        Archiving = "archiving", "归档", "archiving";
    }
}

impl Step {
    /// The three fact-finding steps that feed the legality review.
    pub const FACT_FINDING: [Step; 3] = [
        Step::PublicParticipation,
        Step::ExpertReview,
        Step::RiskAssessment,
    ];

    /// Whether this step is one of the three fact-finding steps.
    pub fn is_fact_finding(self) -> bool {
        Self::FACT_FINDING.contains(&self)
    }

    /// Steps that no profile may make waivable (Decree Art. 25, 30, 31, 33).
    pub fn never_waivable(self) -> bool {
        matches!(
            self,
            Step::LegalityReview | Step::CollectiveDecision | Step::PartyReport | Step::Archiving
        )
    }
}

vocabulary! {
    /// Who acts in the procedure. Which role may do what is set per profile.
    Role, "role" {
        LegalOffice = "legal_office", "政府办公室/法制机构", "legal office";
        UndertakingUnit = "undertaking_unit", "承办单位", "undertaking unit";
        PublicLawyer = "public_lawyer", "公职律师", "public lawyer";
        LegalCounsel = "legal_counsel", "法律顾问", "legal counsel";
        LegalityReviewer = "legality_reviewer", "合法性审查部门", "legality reviewer";
        Head = "head", "行政首长", "head of government";
        Secretary = "secretary", "会议记录/秘书", "secretary";
        Auditor = "auditor", "审计/监督", "auditor";
        Admin = "admin", "管理员", "administrator";
        ProvinceInspector = "province_inspector", "省级法治督察", "province inspector";
    }
}

vocabulary! {
    /// Case attributes that decide which conditional steps apply.
    Attribute, "attribute" {
        Technical = "technical", "专业性技术性较强", "technical";
        StabilityRisk = "stability_risk", "涉及社会稳定风险", "stability risk";
        HearingRequired = "hearing_required", "依法应当听证", "hearing required";
        Confidential = "confidential", "依法不予公开", "confidential";
        MarketEntities = "market_entities", "涉及市场主体经济活动", "market entities";
    }
}

vocabulary! {
    /// The kind of decision (Decree Art. 3).
    Category, "category" {
        PublicPolicy = "public_policy", "公共政策", "public policy";
        Plan = "plan", "规划", "plan";
        Resources = "resources", "资源开发利用", "resources";
        PublicConstruction = "public_construction", "重大公共建设项目", "public construction";
        Other = "other", "其他", "other";
    }
}

vocabulary! {
    /// Ways of consulting the public (Decree Art. 14).
    ParticipationMethod, "participation method" {
        PublicComment = "public_comment", "公开征求意见", "public comment";
        Hearing = "hearing", "听证会", "hearing";
        Symposium = "symposium", "座谈会", "symposium";
        FieldVisit = "field_visit", "实地走访", "field visit";
        WrittenConsultation = "written_consultation", "书面征求意见", "written consultation";
        Questionnaire = "questionnaire", "问卷调查", "questionnaire";
        Poll = "poll", "民意调查", "poll";
    }
}

vocabulary! {
    /// A risk assessment's level (Decree Art. 22–24).
    RiskLevel, "risk level" {
        Low = "low", "低", "low";
        Medium = "medium", "中", "medium";
        High = "high", "高", "high";
    }
}

vocabulary! {
    /// A legality review's conclusion (Decree Art. 25–28).
    Conclusion, "legality conclusion" {
        Lawful = "lawful", "合法", "lawful";
        LawfulWithChanges = "lawful_with_changes", "修改后合法", "lawful with changes";
        Unlawful = "unlawful", "不合法", "unlawful";
        Exploratory = "exploratory", "探索性改革（法律风险已说明）", "exploratory reform (legal risk stated)";
    }
}

vocabulary! {
    /// The kind of meeting that decided (Decree Art. 30).
    MeetingKind, "meeting kind" {
        Executive = "executive", "常务会议", "executive meeting";
        Plenary = "plenary", "全体会议", "plenary meeting";
        Circulation = "circulation", "传阅会签", "circulation for signature";
        Individual = "individual", "个别征求意见", "individual consultation";
        Other = "other", "其他", "other";
    }
}

vocabulary! {
    /// A meeting's majority opinion or the head's decision (local rules).
    Outcome, "decision outcome" {
        Approve = "approve", "同意", "approve";
        Reject = "reject", "不同意", "reject";
        Modify = "modify", "修改", "modify";
        Defer = "defer", "暂缓", "defer";
        Rediscuss = "rediscuss", "再次讨论", "rediscuss";
    }
}

vocabulary! {
    /// Why a step was waived.
    WaiverReason, "waiver reason" {
        NotApplicable = "not_applicable", "不适用", "not applicable";
        Confidential = "confidential", "依法不予公开", "confidential";
        CoveredElsewhere = "covered_elsewhere", "已依其他规定评估", "covered elsewhere";
        Other = "other", "其他", "other";
    }
}

vocabulary! {
    /// The furthest point a case has reached (`juece-audit/1`).
    Status, "status" {
        Open = "open", "办理中", "open";
        InReview = "in_review", "审查讨论中", "in review";
        Deferred = "deferred", "暂缓", "deferred";
        Rejected = "rejected", "不予通过", "rejected";
        Decided = "decided", "已决定", "decided";
        Published = "published", "已公布", "published";
        Archived = "archived", "已归档", "archived";
    }
}

vocabulary! {
    /// How serious a finding is.
    Severity, "severity" {
        Violation = "violation", "违规", "violation";
        Warning = "warning", "警告", "warning";
        Info = "info", "提示", "info";
    }
}
