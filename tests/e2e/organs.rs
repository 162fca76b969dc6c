//! Offices (issue 14), through the real binary: a user of some organs reads (`--as NAME`) and
//! writes only those organs' cases; another organ's case is answered exactly as a reference that
//! exists nowhere (same message, same exit code, no suggestion naming it); a `province_inspector`
//! reads every organ and writes nothing (exit 3); a user without organs, or no `--as` on a read,
//! acts on every organ; organ membership is chained and checked by `verify`.

use serde_json::{json, Value};

use crate::common::{example_doc, Env, Run};

const JIA: &str = "甲县人民政府";
const YI: &str = "乙县人民政府";
const A1: &str = "甲府〔2024〕1号";
const B1: &str = "乙府〔2024〕1号";
/// A reference no organ uses.
const NOWHERE: &str = "乙府〔2024〕9号";
/// A one-character slip of B1.
const B1_SLIP: &str = "乙府〔2024〕1";

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "{run:?}");
    run
}

fn open(env: &Env, case_ref: &str, organ: &str, who: &str) -> Run {
    env.juece(&[
        "case",
        "open",
        case_ref,
        "--title",
        "老旧小区改造",
        "--organ",
        organ,
        "--unit",
        "县住建局",
        "--category",
        "public_construction",
        "--as",
        who,
        "--at",
        "2024-02-01T09:00:00+08:00",
    ])
}

/// `jia` and `yi`: legal office and undertaking unit of 甲 / 乙; `inspector`; `everyone`
/// (legal office, no organ). A1 is 甲's case, B1 乙's.
fn two_offices() -> Env {
    let env = Env::new();
    for (name, organ) in [("jia", JIA), ("yi", YI)] {
        ok(env.juece(&[
            "user",
            "add",
            name,
            "--role",
            "legal_office",
            "--role",
            "undertaking_unit",
            "--organ",
            organ,
        ]));
    }
    ok(env.juece(&["user", "add", "inspector", "--role", "province_inspector"]));
    ok(env.juece(&["user", "add", "everyone", "--role", "legal_office"]));
    ok(open(&env, A1, JIA, "jia"));
    ok(open(&env, B1, YI, "yi"));
    env
}

/// The same answer, up to the reference asked about.
fn same_answer(theirs: &Run, their_ref: &str, nowhere: &Run, nowhere_ref: &str) {
    assert_eq!(theirs.code, nowhere.code, "{theirs:?} vs {nowhere:?}");
    assert_eq!(
        theirs.stderr.replace(their_ref, "REF"),
        nowhere.stderr.replace(nowhere_ref, "REF")
    );
    assert_eq!(
        theirs.stdout.replace(their_ref, "REF"),
        nowhere.stdout.replace(nowhere_ref, "REF")
    );
}

fn refs(doc: &Value) -> Vec<String> {
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ref"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn reads_as_a_user_show_only_their_organs_cases() {
    let env = two_offices();
    // case show: another organ's case is the nonexistent answer, exit 2.
    let theirs = env.juece(&["case", "show", B1, "--as", "jia"]);
    let nowhere = env.juece(&["case", "show", NOWHERE, "--as", "jia"]);
    assert_eq!(theirs.code, 2);
    same_answer(&theirs, B1, &nowhere, NOWHERE);
    // No "did you mean" names another organ's case; the near miss: its own office gets it.
    let slip = env.juece(&["case", "show", B1_SLIP, "--as", "jia"]);
    assert!(!slip.stderr.contains(B1), "{slip:?}");
    let own_slip = env.juece(&["case", "show", B1_SLIP, "--as", "yi"]);
    assert!(own_slip.stderr.contains(B1), "{own_slip:?}");
    ok(env.juece(&["case", "show", B1, "--as", "yi"]));
    // Without `--as`, the file holder reads everything; so do a user without organs and the
    // inspector.
    for who in [None, Some("everyone"), Some("inspector")] {
        let mut args = vec!["case", "list", "--format", "json"];
        args.extend(who.map(|w| ["--as", w]).iter().flatten());
        let list = ok(env.juece(&args)).json();
        assert_eq!(refs(&list).len(), 2, "{who:?}: {list}");
        let mut args = vec!["case", "show", B1];
        args.extend(who.map(|w| ["--as", w]).iter().flatten());
        ok(env.juece(&args));
    }
    let list = ok(env.juece(&["case", "list", "--format", "json", "--as", "jia"])).json();
    assert_eq!(refs(&list), [A1]);

    // export, whole and --ref.
    let all = ok(env.juece(&["export", "--as", "jia"]));
    assert_eq!(refs(&all.json()), [A1]);
    let theirs = env.juece(&["export", "--ref", B1, "--as", "jia"]);
    let nowhere = env.juece(&["export", "--ref", NOWHERE, "--as", "jia"]);
    assert_eq!(theirs.code, 2);
    same_answer(&theirs, B1, &nowhere, NOWHERE);

    // audit in every format, and due.
    let audit = env.juece(&["audit", "--format", "json", "--as", "jia"]);
    assert_eq!(refs(&audit.json()), [A1]);
    for format in ["csv", "table"] {
        let audit = env.juece(&["audit", "--format", format, "--as", "jia"]);
        assert!(
            audit.stdout.contains(A1) && !audit.stdout.contains(B1),
            "{audit:?}"
        );
    }
    let audit = env.juece(&["audit", "--format", "json", "--as", "inspector"]);
    assert_eq!(refs(&audit.json()).len(), 2);
    // `due` reads through the same scope (freshly opened cases have no dates yet: an unknown
    // reader is refused there as everywhere).
    let due = env.juece(&["due", "--within", "400", "--as", "jia"]);
    assert!(due.code == 0 && !due.stdout.contains(B1), "{due:?}");
    assert_eq!(env.juece(&["due", "--as", "nobody"]).code, 2);

    // An unknown reader is bad usage, with the nearest name.
    let unknown = env.juece(&["case", "list", "--as", "jai"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("jai"), "{unknown:?}");
}

#[test]
fn writes_to_another_organs_case_get_the_nonexistent_answer_and_write_nothing() {
    let env = two_offices();
    let rows = env.rows();
    let draft = env.write("d.txt", "草案全文");
    let d = draft.to_str().unwrap();
    let attempts: Vec<Vec<&str>> = vec![
        vec!["draft", "add", "REF", "--file", d],
        vec![
            "record",
            "REF",
            "--event",
            r#"{"type":"draft","version":"v1","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#,
        ],
        vec!["review", "submit", "REF"],
        vec![
            "step",
            "waive",
            "REF",
            "expert_review",
            "--reason",
            "not_applicable",
            "--basis",
            "x",
        ],
        vec!["archive", "REF"],
        vec!["case", "void", "REF", "--reason", "x"],
    ];
    for args in &attempts {
        let with = |r: &str| -> Vec<String> {
            let mut v: Vec<String> = args.iter().map(|a| a.replace("REF", r)).collect();
            v.extend(["--as".into(), "jia".into()]);
            v
        };
        let run = |r: &str| {
            let owned = with(r);
            let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
            env.juece(&refs)
        };
        let theirs = run(B1);
        let nowhere = run(NOWHERE);
        assert_eq!(theirs.code, 2, "{args:?}: {theirs:?}");
        same_answer(&theirs, B1, &nowhere, NOWHERE);
    }
    assert_eq!(env.rows(), rows, "nothing written");
    // The near miss: 甲's own case takes the draft.
    ok(env.juece(&["draft", "add", A1, "--file", d, "--as", "jia"]));

    // record-batch: the line for 乙's case is answered as for a case that exists nowhere.
    let line = |r: &str| json!({"ref": r, "as": "jia", "event": {"type": "archived"}}).to_string();
    let theirs = env.juece_stdin(&["record-batch"], &line(B1));
    let nowhere = env.juece_stdin(&["record-batch"], &line(NOWHERE));
    same_answer(&theirs, B1, &nowhere, NOWHERE);

    // A command id 乙 used is refused for 甲 without naming 乙's case; 乙 is told which case.
    ok(env.juece(&[
        "draft",
        "add",
        B1,
        "--file",
        d,
        "--as",
        "yi",
        "--command-id",
        "c-1",
    ]));
    for who in ["jia", "yi"] {
        let reuse = env.juece(&[
            "draft",
            "add",
            A1,
            "--file",
            d,
            "--as",
            who,
            "--command-id",
            "c-1",
        ]);
        assert_eq!(reuse.code, 2, "{reuse:?}");
        assert_eq!(reuse.stderr.contains(B1), who == "yi", "{who}: {reuse:?}");
    }

    // Opening a case for another organ is refused by the procedure (exit 3), naming the organ.
    let refused = open(&env, "乙府〔2024〕2号", YI, "jia");
    assert_eq!(refused.code, 3, "{refused:?}");
    assert!(refused.stderr.contains(YI), "{refused:?}");
    ok(open(&env, "乙府〔2024〕2号", YI, "everyone"));
}

#[test]
fn the_province_inspector_reads_everything_and_writes_nothing() {
    let env = two_offices();
    let rows = env.rows();
    ok(env.juece(&["case", "show", A1, "--as", "inspector"]));
    ok(env.juece(&["case", "show", B1, "--as", "inspector"]));
    let draft = env.write("d.txt", "草案全文");
    for args in [
        vec!["draft", "add", A1, "--file", draft.to_str().unwrap()],
        vec!["review", "submit", A1],
        vec!["archive", B1],
        vec!["case", "void", B1, "--reason", "x"],
    ] {
        let mut args = args.clone();
        args.extend(["--as", "inspector", "--lang", "en"]);
        let run = env.juece(&args);
        assert_eq!(run.code, 3, "{args:?}: {run:?}");
        assert!(run.stderr.contains("province_inspector"), "{run:?}");
    }
    let run = open(&env, "督〔2024〕1号", JIA, "inspector");
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(env.rows(), rows, "nothing written");
    // `user list` shows the organs and the new role.
    let list = ok(env.juece(&["user", "list", "--lang", "en"]));
    assert!(list.stdout.contains(JIA) && list.stdout.contains("province_inspector"));
    assert!(list.stdout.contains("every organ"), "{list:?}");
}

/// The records chain's size as a checkpoint anchors it.
fn records_size(env: &Env, name: &str) -> u64 {
    let key = env.path("k");
    if !key.exists() {
        ok(env.juece(&["key", "init", "--out", key.to_str().unwrap()]));
    }
    let cp = env.path(name);
    ok(env.juece(&[
        "checkpoint",
        "--key",
        key.to_str().unwrap(),
        "--out",
        cp.to_str().unwrap(),
    ]));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&cp).unwrap()).unwrap();
    doc["records_size"].as_u64().unwrap()
}

#[test]
fn organ_membership_is_chained_and_an_edited_row_fails_verify() {
    let env = two_offices();
    let before = records_size(&env, "cp1.json");
    let out = ok(env.juece(&["user", "organ", "add", "jia", YI, "--lang", "en"]));
    // Each change of organs is one more record, covered by the next checkpoint; the earlier
    // checkpoint still verifies (the chain extends it).
    assert_eq!(records_size(&env, "cp2.json"), before + 1);
    let cp1 = env.path("cp1.json");
    let pubkey = env.path("k.pub");
    let run = ok(env.juece(&[
        "verify",
        "--checkpoint",
        cp1.to_str().unwrap(),
        "--key",
        pubkey.to_str().unwrap(),
        "--lang",
        "en",
    ]));
    assert!(run.stdout.contains("records: OK"), "{run:?}");
    assert!(out.stdout.contains(YI), "{out:?}");
    ok(env.juece(&["case", "show", B1, "--as", "jia"]));
    ok(env.juece(&["user", "organ", "remove", "jia", YI]));
    assert_eq!(env.juece(&["case", "show", B1, "--as", "jia"]).code, 2);
    // Adding organs again with `user add` (as roles are added) and a name with a trailing space
    // and full-width digits is the same organ.
    ok(env.juece(&[
        "user",
        "add",
        "jia",
        "--role",
        "legal_office",
        "--organ",
        &format!("{YI} "),
    ]));
    ok(env.juece(&["case", "show", B1, "--as", "jia"]));
    let unknown = env.juece(&["user", "organ", "add", "nobody", YI]);
    assert_eq!(unknown.code, 2);
    ok(env.juece(&["verify"]));

    // Membership edited outside juece: verify reports it (exit 1), and the user is not trusted.
    env.execute_sql("UPDATE users SET organs = '[]' WHERE name = 'yi'");
    let verify = env.juece(&["verify", "--lang", "en"]);
    assert_eq!(verify.code, 1, "{verify:?}");
    let text = format!("{}{}", verify.stdout, verify.stderr);
    assert!(text.contains("organs of user `yi`"), "{text}");
    let refused = env.juece(&["case", "show", A1, "--as", "yi"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    // The near miss: an untouched user still reads.
    ok(env.juece(&["case", "show", A1, "--as", "jia"]));
}

#[test]
fn report_and_audit_per_organ_and_for_the_province() {
    let env = Env::new();
    // The interchange example (XX县, decided 2023) and the same history for YY县.
    let mut doc = example_doc();
    let mut other = doc["cases"][0].clone();
    other["ref"] = json!("YY县政府〔2023〕重大决策3号");
    other["organ"] = json!("YY县人民政府");
    doc["cases"].as_array_mut().unwrap().push(other);
    let file = env.write("cases.json", &doc.to_string());
    ok(env.juece(&["import", file.to_str().unwrap()]));
    ok(env.juece(&[
        "user",
        "add",
        "xx",
        "--role",
        "auditor",
        "--organ",
        "XX县人民政府",
    ]));
    ok(env.juece(&["user", "add", "inspector", "--role", "province_inspector"]));
    let report = |extra: &[&str]| -> Value {
        let mut args = vec!["report", "--year", "2023", "--format", "json"];
        args.extend(extra);
        ok(env.juece(&args)).json()
    };
    let whole = report(&[]);
    assert_eq!(whole["decisions"]["total"], json!(2), "{whole}");
    // A scoped user's province-wide report is their organ's.
    let mut mine = report(&["--as", "xx"]);
    let theirs = report(&["--organ", "XX县人民政府"]);
    assert_eq!(mine["organ"], Value::Null);
    mine["organ"] = theirs["organ"].clone();
    assert_eq!(mine, theirs);
    // Another organ's report reads as one for an organ with no cases.
    let hidden = report(&["--as", "xx", "--organ", "YY县人民政府"]);
    let empty = report(&["--organ", "ZZ县人民政府"]);
    assert_eq!(
        hidden.to_string().replace("YY县人民政府", "O"),
        empty.to_string().replace("ZZ县人民政府", "O")
    );
    // The inspector's is the whole province's.
    assert_eq!(report(&["--as", "inspector"]), whole);
    // The audit per organ.
    let audit = ok(env.juece(&["audit", "--format", "json", "--as", "xx"])).json();
    assert_eq!(refs(&audit), ["XX县政府〔2023〕重大决策3号"]);
}
