use crate::common::{fixture, Env};

#[test]
fn shipped_profiles_validate() {
    let env = Env::new();
    for f in ["workflows/decree-713.json", "workflows/local-strict.json"] {
        let p = fixture(f);
        let run = env.juece(&["workflow", "validate", p.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("有效：8 个程序"), "{}", run.stdout);
    }
}

#[test]
fn refused_profile_names_file_step_and_rule() {
    let env = Env::new();
    let p = fixture("tests/data/workflows/invalid/legality_review_waivable.json");
    let run = env.juece(&["workflow", "validate", p.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("legality_review_waivable.json"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("程序 `legality_review`：任何情况下都不得免除（第二十五条）"),
        "{}",
        run.stderr
    );

    let p = fixture("tests/data/workflows/invalid/cycle_review_before_participation.json");
    let run = env.juece(&["workflow", "validate", p.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("循环依赖"), "{}", run.stderr);

    let p = fixture("tests/data/workflows/invalid/legality_review_not_always_required.json");
    let run = env.juece(&["workflow", "validate", p.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("必须对每个事项都适用"),
        "{}",
        run.stderr
    );
}

#[test]
fn show_prints_steps_and_dot() {
    let env = Env::new();
    let run = env.juece(&["workflow", "show", "local-strict"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("local-strict@1"));
    assert!(run.stdout.contains("合法性审查") && run.stdout.contains("不得免除"));
    assert!(run.stdout.contains("publication_deadline_working_days") && run.stdout.contains("20"));

    let dot = env.juece(&["workflow", "show", "decree-713", "--dot"]);
    assert_eq!(dot.code, 0);
    assert!(
        dot.stdout.starts_with("digraph \"decree-713@1\" {"),
        "{}",
        dot.stdout
    );
    assert!(dot
        .stdout
        .contains("legality_review -> collective_decision;"));
    assert!(dot.stdout.contains("risk_assessment -> legality_review;"));

    let run = env.juece(&["workflow", "show", "decree-731"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("是否指 `decree-713`？"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_registered_profile_can_be_imported_against() {
    let env = Env::new();
    let p = fixture("tests/data/workflows/valid/stricter_periods.json");
    let run = env.juece(&["workflow", "add", p.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("已登记流程 `shandong-example@1`"));
    let list = env.juece(&["workflow", "list"]);
    assert!(list.stdout.contains("shandong-example@1"));
    // The example's 30-day comment period is short under a 45-day profile.
    let mut doc = crate::common::example_doc();
    doc["cases"][0]["workflow"] = "shandong-example".into();
    let file = env.write("c.json", &doc.to_string());
    assert_eq!(env.juece(&["import", file.to_str().unwrap()]).code, 0);
    let run = env.juece(&["audit", "--format", "json", "--as-of", "2024-01-31"]);
    assert_eq!(
        run.json()["cases"][0]["findings"][0]["code"],
        "SHORT_COMMENT_PERIOD"
    );
    assert_eq!(run.json()["cases"][0]["workflow"], "shandong-example@1");
}
