//! The hazard log names, for every control, the automated test that proves
//! it: each named test must exist, and every controlled hazard must name some.

use std::path::Path;

const LOG: &str = "docs/clinical-safety/hazard-log.md";

/// `(path, name)` of every `` `path::name` `` reference in a block of text.
fn references(text: &str) -> Vec<(String, String)> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|r| r.rsplit_once("::"))
        .filter(|(path, _)| path.contains('/') && path.contains('.'))
        .map(|(p, n)| (p.to_string(), n.to_string()))
        .collect()
}

#[test]
fn every_test_named_in_the_hazard_log_exists_and_every_controlled_hazard_names_some() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let log = std::fs::read_to_string(root.join(LOG)).expect("the hazard log");
    let hazards: Vec<&str> = log.split("\n## ").skip(1).collect();
    assert!(hazards.len() >= 8, "{} hazards", hazards.len());
    let mut named = 0;
    for h in hazards {
        let title = h.lines().next().unwrap_or_default();
        for section in [
            "**Cause**",
            "**Effect**",
            "**Controls**",
            "**Tests**",
            "**Status**",
        ] {
            assert!(h.contains(section), "{title}: no {section}");
        }
        let refs = references(h);
        let open = h.contains("**Status**: open");
        assert!(
            open || !refs.is_empty(),
            "{title}: controlled but names no test"
        );
        for (path, name) in refs {
            let file = root.join(&path);
            let text =
                std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{title}: {path}: {e}"));
            let found = text.contains(&format!("fn {name}("))
                || text.contains(&format!("\"{name}\""))
                || text.contains(&format!("'{name}'"));
            assert!(found, "{title}: no test {name} in {path}");
            named += 1;
        }
    }
    assert!(named >= 30, "{named} tests named");
}
