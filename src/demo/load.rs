//! Loads demo data into a real FHIR server as transaction Bundles of `PUT
//! Type/id` (idempotent: loading again updates, never duplicates).

use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot reach {url}: {detail}")]
    Http { url: String, detail: String },
    #[error("{url} refused the transaction (HTTP {status}): {body}")]
    Refused {
        url: String,
        status: u16,
        body: String,
    },
}

/// Posts `resources` to `base` in transactions of at most `chunk` entries.
pub async fn load_into(base: &str, resources: &[Value], chunk: usize) -> Result<usize, LoadError> {
    let http = reqwest::Client::new();
    let url = base.trim_end_matches('/').to_string();
    let mut n = 0;
    for part in resources.chunks(chunk.max(1)) {
        let entries: Vec<Value> = part
            .iter()
            .map(|r| {
                let path = format!(
                    "{}/{}",
                    r["resourceType"].as_str().unwrap_or(""),
                    r["id"].as_str().unwrap_or("")
                );
                json!({"resource": r, "request": {"method": "PUT", "url": path}})
            })
            .collect();
        let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": entries});
        let resp = http
            .post(&url)
            .header("Content-Type", "application/fhir+json")
            .header("Accept", "application/fhir+json")
            .body(bundle.to_string())
            .send()
            .await
            .map_err(|e| LoadError::Http {
                url: url.clone(),
                detail: e.to_string(),
            })?;
        let status = resp.status();
        if !status.is_success() {
            let body: String = resp
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(1500)
                .collect();
            return Err(LoadError::Refused {
                url: url.clone(),
                status: status.as_u16(),
                body,
            });
        }
        n += part.len();
    }
    Ok(n)
}
