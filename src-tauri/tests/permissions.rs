//! Every command the shell registers is declared in build.rs and granted in
//! the window's capability, and nothing else is: a command missing from
//! either is refused at run time (the screen would only see an error).

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The quoted words of the `COMMANDS` list in build.rs.
fn declared() -> BTreeSet<String> {
    let build = read("build.rs");
    let list = build
        .split_once("const COMMANDS: &[&str] = &[")
        .and_then(|(_, rest)| rest.split_once("];"))
        .map(|(list, _)| list.to_string())
        .expect("the COMMANDS list in build.rs");
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

fn registered() -> BTreeSet<String> {
    read("src/launch.rs")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("commands::"))
        .map(|c| c.trim_end_matches(',').to_string())
        .collect()
}

fn granted() -> BTreeSet<String> {
    let caps: serde_json::Value = serde_json::from_str(&read("capabilities/default.json")).unwrap();
    caps["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

#[test]
fn every_registered_command_is_declared_and_granted() {
    let registered = registered();
    assert!(registered.contains("timeline_page"), "{registered:?}");
    assert_eq!(
        declared(),
        registered,
        "build.rs COMMANDS and launch.rs differ"
    );
    assert_eq!(
        granted(),
        registered,
        "capabilities/default.json and launch.rs differ"
    );
}
