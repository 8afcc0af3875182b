//! The committed TypeScript bindings match the Rust types.

use std::path::PathBuf;

#[test]
fn committed_typescript_bindings_match_the_rust_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let generated = crossview_desktop::bindings::typescript();
    if std::env::var("UPDATE_BINDINGS").is_ok() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/bindings.ts is out of date with the Rust types; run UPDATE_BINDINGS=1 cargo test -p crossview-desktop --test bindings"
    );
}
