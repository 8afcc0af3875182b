//! Reading FHIR JSON files from disk (a resource or a Bundle, nested Bundles
//! included) and deriving what the timeline would show for them.

use serde_json::Value;
use std::path::{Path, PathBuf};

use super::{DerivedEvent, derive_event};
use crate::error::{ErrorCode, HasCode};
use crate::fhir::FhirVersion;

#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line}, column {column}: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: not a FHIR resource (no resourceType)")]
    NotFhir { path: PathBuf },
}

impl HasCode for InspectError {
    fn code(&self) -> ErrorCode {
        match self {
            InspectError::Read { .. } => ErrorCode::Internal,
            InspectError::Json { .. } => ErrorCode::MalformedResponse,
            InspectError::NotFhir { .. } => ErrorCode::NonConformantResource,
        }
    }
}

/// A resource found in a file, with its event when the timeline shows its type.
#[derive(Debug, Clone)]
pub struct Inspected {
    pub resource_type: String,
    pub id: Option<String>,
    pub event: Option<DerivedEvent>,
}

fn walk(v: &Value, version: FhirVersion, out: &mut Vec<Inspected>) {
    let Some(ty) = v.get("resourceType").and_then(Value::as_str) else {
        return;
    };
    if ty == "Bundle" {
        for e in v
            .get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = e.get("resource") {
                walk(r, version, out);
            }
        }
        return;
    }
    // GP Connect carries ended allergies as resources contained in a List.
    if ty == "List" {
        for c in v
            .get("contained")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(c, version, out);
        }
    }
    out.push(Inspected {
        resource_type: ty.to_string(),
        id: v.get("id").and_then(Value::as_str).map(String::from),
        event: derive_event(v, version),
    });
}

/// Every resource in the file (Bundles expanded), in file order.
pub fn inspect_file(path: &Path, version: FhirVersion) -> Result<Vec<Inspected>, InspectError> {
    let text = std::fs::read_to_string(path).map_err(|source| InspectError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let v: Value = serde_json::from_str(&text).map_err(|e| InspectError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or_default()
            .to_string(),
    })?;
    if v.get("resourceType").and_then(Value::as_str).is_none() {
        return Err(InspectError::NotFhir {
            path: path.to_path_buf(),
        });
    }
    let mut out = Vec::new();
    walk(&v, version, &mut out);
    Ok(out)
}
