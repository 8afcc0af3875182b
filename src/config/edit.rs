//! Saving endpoints from the settings screen into the configuration file,
//! edited in place (`toml_edit`): only the fields the screen shows change;
//! every other field, table and comment is kept as the user wrote it. The file
//! is replaced atomically, so a crash leaves either the old or the new file.

use std::io::Write;
use std::path::Path;
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

use super::settings::EndpointSettings;
use super::{Config, ConfigError, default_page_size, default_timeout, slug};

fn invalid(path: &Path, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
        message,
    }
}

/// Sets `key` to `v` unless it already holds that value; keeps the comment beside it.
fn set<V: Into<Value>>(t: &mut Table, key: &str, v: V) {
    let mut v: Value = v.into();
    if let Some(old) = t.get(key).and_then(Item::as_value) {
        if old.to_string().trim() == v.to_string().trim() {
            return;
        }
        *v.decor_mut() = old.decor().clone();
    }
    t.insert(key, Item::Value(v));
}

/// Sets a number that has a default: left out when it is the default and was not written.
fn set_number(t: &mut Table, key: &str, v: u64, default: u64) {
    if t.contains_key(key) || v != default {
        set(t, key, i64::try_from(v).unwrap_or(i64::MAX));
    }
}

fn table_id(t: &Table) -> Option<String> {
    t.get("id")
        .and_then(Item::as_str)
        .map(String::from)
        .or_else(|| t.get("name").and_then(Item::as_str).map(slug))
}

fn auth_type(item: &Item) -> Option<String> {
    match item {
        Item::Table(t) => t.get("type").and_then(Item::as_str).map(String::from),
        Item::Value(Value::InlineTable(t)) => {
            t.get("type").and_then(Value::as_str).map(String::from)
        }
        _ => None,
    }
}

fn apply_auth(t: &mut Table, token_env: &str) {
    let current = t.get("auth").and_then(auth_type);
    match (current.as_deref(), token_env.is_empty()) {
        // Other auth kinds are not edited on this screen.
        (Some(kind), _) if kind != "bearer" && kind != "none" => {}
        (_, true) => {
            t.remove("auth");
        }
        (Some("bearer"), false) => match t.get_mut("auth") {
            Some(Item::Table(a)) => set(a, "token_env", token_env),
            Some(Item::Value(Value::InlineTable(a))) => {
                a.insert("token_env", token_env.into());
            }
            _ => {}
        },
        _ => {
            let mut a = InlineTable::new();
            a.insert("type", "bearer".into());
            a.insert("token_env", token_env.into());
            t.insert("auth", Item::Value(Value::InlineTable(a)));
        }
    }
}

fn apply(t: &mut Table, s: &EndpointSettings) {
    if let Some(id) = &s.id {
        set(t, "id", id.as_str());
    }
    set(t, "name", s.name.trim());
    set(t, "kind", s.kind.as_str());
    set(t, "base_url", s.base_url.trim());
    if t.contains_key("fhir_version") || s.fhir_version != super::FhirVersionSetting::Auto {
        set(t, "fhir_version", s.fhir_version.as_str());
    }
    set_number(t, "timeout_s", u64::from(s.timeout_s), default_timeout());
    set_number(
        t,
        "page_size",
        u64::from(s.page_size),
        u64::from(default_page_size()),
    );
    apply_auth(t, s.token_env.trim());
}

/// The configuration text with the endpoint list replaced by `endpoints` (each with an id).
pub fn updated_text(
    path: &Path,
    text: &str,
    endpoints: &[EndpointSettings],
) -> Result<String, ConfigError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| invalid(path, e.message().to_string()))?;
    let existing: Vec<Table> = match doc.get("endpoint") {
        None => Vec::new(),
        Some(Item::ArrayOfTables(a)) => a.iter().cloned().collect(),
        Some(_) => {
            return Err(invalid(
                path,
                "endpoints must be written as [[endpoint]] tables to be edited by the app".into(),
            ));
        }
    };
    let mut out = toml_edit::ArrayOfTables::new();
    for s in endpoints {
        let mut t = existing
            .iter()
            .find(|t| table_id(t).is_some() && table_id(t) == s.id)
            .cloned()
            .unwrap_or_default();
        apply(&mut t, s);
        out.push(t);
    }
    if out.is_empty() {
        doc.remove("endpoint");
    } else {
        doc.insert("endpoint", Item::ArrayOfTables(out));
    }
    let text = doc.to_string();
    // A file the app writes always loads.
    Config::parse(&text, path)?;
    Ok(text)
}

/// Saves `endpoints` into the configuration file at `path` (created if missing).
pub fn save_endpoints(path: &Path, endpoints: &[EndpointSettings]) -> Result<(), ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let new = updated_text(path, &text, endpoints)?;
    write_atomically(path, new.as_bytes()).map_err(|source| ConfigError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Temporary file beside the target (unique name, mode 0600), flushed to disk, then renamed over it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.exists() {
        create_private_dir(dir)?;
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".crossview-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename itself is durable only once the directory is.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates a directory (and parents) readable by this user only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EndpointKind, FhirVersionSetting};

    fn settings(id: Option<&str>, name: &str, url: &str) -> EndpointSettings {
        EndpointSettings {
            id: id.map(String::from),
            name: name.into(),
            kind: EndpointKind::Gp,
            base_url: url.into(),
            fhir_version: FhirVersionSetting::Auto,
            timeout_s: 20,
            page_size: 200,
            token_env: String::new(),
            allow_insecure_http: false,
            connection: String::new(),
        }
    }

    #[test]
    fn a_new_file_gets_only_what_differs_from_the_defaults() {
        let p = Path::new("c.toml");
        let text = updated_text(p, "", &[settings(Some("a"), "A", "https://x/")]).unwrap();
        assert!(text.contains("[[endpoint]]"), "{text}");
        assert!(text.contains("id = \"a\""), "{text}");
        assert!(!text.contains("timeout_s"), "{text}");
        assert!(!text.contains("fhir_version"), "{text}");
    }

    #[test]
    fn an_inline_array_is_refused_rather_than_rewritten() {
        let e = updated_text(
            Path::new("c.toml"),
            "endpoint = [{ name = \"A\", kind = \"gp\", base_url = \"http://x\" }]\n",
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("[[endpoint]]"), "{e}");
    }
}
