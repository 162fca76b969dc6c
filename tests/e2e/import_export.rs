use crate::common::{example_doc, fixture, Env};

#[test]
fn interchange_example_imports_and_audits_with_no_findings() {
    let env = Env::new();
    let file = fixture("tests/data/cases/interchange_example.json");
    let run = env.juece(&["import", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("已导入 1 件事项、11 个事件"),
        "{}",
        run.stdout
    );
    assert_eq!(env.rows(), (1, 11));

    let run = env.juece(&["audit", "--format", "json", "--as-of", "2024-01-31"]);
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert_eq!(report["format"], "juece-audit/1");
    assert_eq!(report["as_of"], "2024-01-31");
    let cases = report["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["ref"], "XX县政府〔2023〕重大决策3号");
    assert_eq!(cases[0]["workflow"], "decree-713@1");
    assert_eq!(cases[0]["status"], "archived");
    assert_eq!(cases[0]["findings"], serde_json::json!([]));
}

#[test]
fn import_reads_standard_input() {
    let env = Env::new();
    let run = env.juece_stdin(&["import", "-"], &example_doc().to_string());
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(env.rows(), (1, 11));
}

#[test]
fn export_import_export_is_identical() {
    let first = Env::new();
    let examples = fixture("workflows/examples/cases.json");
    assert_eq!(first.juece(&["import", examples.to_str().unwrap()]).code, 0);
    let a = first.juece(&["export"]);
    assert_eq!(a.code, 0, "{a:?}");

    let second = Env::new();
    let file = second.write("export.json", &a.stdout);
    let run = second.juece(&["import", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    let b = second.juece(&["export"]);
    assert_eq!(a.stdout, b.stdout);

    let doc = a.json();
    assert_eq!(doc["format"], "juece-cases/2");
    assert_eq!(doc["cases"].as_array().unwrap().len(), 3);
    // Ordered by ref, pinned to the profile version.
    assert_eq!(doc["cases"][0]["workflow"], "decree-713@1");
}

#[test]
fn export_one_case_and_unknown_ref() {
    let env = Env::new();
    let examples = fixture("workflows/examples/cases.json");
    assert_eq!(env.juece(&["import", examples.to_str().unwrap()]).code, 0);
    let run = env.juece(&["export", "--ref", "XX县政府〔2023〕重大决策7号"]);
    assert_eq!(run.code, 0);
    let doc = run.json();
    assert_eq!(doc["cases"].as_array().unwrap().len(), 1);
    assert_eq!(doc["cases"][0]["ref"], "XX县政府〔2023〕重大决策7号");
    let run = env.juece(&["export", "--ref", "没有这个", "--lang", "en"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no case `没有这个`"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no partial document: {}", run.stdout);
}

#[test]
fn the_example_file_round_trips_to_the_same_events() {
    // Importing the hand-written example and exporting it keeps every field's value.
    let env = Env::new();
    let file = fixture("tests/data/cases/interchange_example.json");
    assert_eq!(env.juece(&["import", file.to_str().unwrap()]).code, 0);
    let exported = env.juece(&["export"]).json();
    let original = example_doc();
    assert_eq!(
        exported["cases"][0]["events"],
        original["cases"][0]["events"]
    );
    assert_eq!(
        exported["cases"][0]["attributes"],
        original["cases"][0]["attributes"]
    );
}
