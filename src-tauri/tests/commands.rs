//! The commands through Tauri's IPC layer, without a window (tauri::test's mock
//! runtime), against the built-in demo trusts over loopback and a real cache file.

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use crossview_desktop::{Launch, build_app};

const NHS: &str = "9990000018";

fn app(data: &std::path::Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let launch = Launch {
        demo: true,
        data_dir: Some(data.to_path_buf()),
        ..Launch::default()
    };
    let app = build_app(mock_builder(), &launch)
        .unwrap()
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, window)
}

/// The basis the app's dialog declares before a record is opened.
fn direct_care(w: &WebviewWindow<MockRuntime>) {
    call(
        w,
        "declare_basis",
        json!({"nhs": NHS, "basis": "direct-care", "reason": null}),
    )
    .unwrap();
}

fn call(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn the_start_page_carries_only_a_valid_nhs_number() {
    let l = Launch::from_args(
        ["--demo", "--nhs", "999 000 0018"]
            .into_iter()
            .map(String::from),
    );
    assert!(l.demo);
    assert_eq!(l.start_page(), "index.html#nhs=9990000018");
    let bad = Launch::from_args(
        ["--nhs", "9990000019<script>"]
            .into_iter()
            .map(String::from),
    );
    assert_eq!(bad.start_page(), "index.html");
}

#[test]
fn errors_reach_the_ui_as_code_and_message() {
    let tmp = tempfile::tempdir().unwrap();
    let (_app, w) = app(tmp.path());
    let err = call(&w, "open_patient", json!({"nhs": "943 476 5918"})).unwrap_err();
    assert_eq!(err["code"], "InvalidNhsNumber");
    assert!(
        err["message"].as_str().unwrap().contains("check digit"),
        "{err}"
    );
    // No basis stated for this patient: nothing is read.
    let err = call(&w, "open_patient", json!({"nhs": NHS})).unwrap_err();
    assert_eq!(err["code"], "AccessBasisRequired", "{err}");
    let err = call(
        &w,
        "declare_basis",
        json!({"nhs": NHS, "basis": "emergency", "reason": null}),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "InvalidInput",
        "emergency needs a reason: {err}"
    );
    direct_care(&w);
    let err = call(
        &w,
        "resource_json",
        json!({"nhs": NHS, "source": "Nowhere", "resourceType": "Patient", "id": "x"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "InvalidInput", "{err}");
}

#[test]
fn cache_first_then_sync_then_stale_source_after_a_trust_goes_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let (_app, w) = app(tmp.path());
    assert_eq!(
        call(&w, "app_info", json!({})).unwrap(),
        json!({"demo": true})
    );
    assert_eq!(
        call(&w, "list_endpoints", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        4
    );

    direct_care(&w);
    // Nothing cached yet: an empty record, instantly.
    let empty = call(&w, "open_patient", json!({"nhs": NHS})).unwrap();
    assert_eq!(empty["timeline"]["total"], 0);
    assert_eq!(empty["timeline"]["events"].as_array().unwrap().len(), 0);
    // Nothing read from any source yet: never "not recorded", let alone "no known allergies".
    assert_eq!(empty["banner"]["allergies"]["state"], "incomplete");
    assert_eq!(
        empty["banner"]["allergies"]["gaps"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    let report = call(
        &w,
        "sync_patient",
        json!({"nhs": NHS, "progress": "__CHANNEL__:7"}),
    )
    .unwrap();
    assert!(
        report["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["outcome"] == "ok"),
        "{report}"
    );
    let view = call(&w, "open_patient", json!({"nhs": "999 000 0018"})).unwrap();
    // The first page comes with the record (the demo record fits in it), never more.
    let events = view["timeline"]["events"].as_array().unwrap();
    assert!(events.len() > 20);
    assert_eq!(
        view["timeline"]["total"].as_u64().unwrap() as usize,
        events.len()
    );
    assert_eq!(view["banner"]["family"], "ASHWORTH");
    assert_eq!(view["banner"]["allergies"]["state"], "listed");
    assert_eq!(view["offline"], false);

    // A page of the timeline over IPC: the same entries, in the same order, with counts.
    let page = call(
        &w,
        "timeline_page",
        json!({"nhs": NHS, "kinds": [], "sources": [], "text": null, "from": null, "to": null, "offset": 2, "limit": 5}),
    )
    .unwrap();
    assert_eq!(page["total"].as_u64().unwrap() as usize, events.len());
    let ids = |v: &Value| (v["source_id"].clone(), v["resource_id"].clone());
    let paged: Vec<_> = page["events"].as_array().unwrap().iter().map(ids).collect();
    let whole: Vec<_> = events[2..7].iter().map(ids).collect();
    assert_eq!(paged, whole);
    assert_eq!(
        page["by_kind"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum::<u64>() as usize,
        events.len()
    );
    let allergies = call(
        &w,
        "timeline_page",
        json!({"nhs": NHS, "kinds": ["allergy"], "sources": [], "text": "penic", "from": null, "to": null, "offset": 0, "limit": 50}),
    )
    .unwrap();
    assert!(allergies["total"].as_u64().unwrap() >= 1);
    assert!(
        allergies["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["kind"] == "allergy")
    );
    // A date range: exactly the dated entries overlapping it (a year-only date
    // overlaps every day of its year), counted the same way.
    let year = |e: &Value| e["date"].as_str().map(|d| d[..4].to_string());
    let in_2024 = events
        .iter()
        .filter(|e| year(e).as_deref() == Some("2024"))
        .count();
    assert!(in_2024 > 0, "the demo record has entries in 2024");
    let ranged = call(
        &w,
        "timeline_page",
        json!({"nhs": NHS, "kinds": [], "sources": [], "text": null, "from": "2024-01-01", "to": "2024-12-31", "offset": 0, "limit": 200}),
    )
    .unwrap();
    assert_eq!(ranged["total"].as_u64().unwrap() as usize, in_2024);
    assert!(
        ranged["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| year(e).as_deref() == Some("2024"))
    );
    let bad = call(
        &w,
        "timeline_page",
        json!({"nhs": NHS, "kinds": [], "sources": [], "text": null, "from": "01/02/2024", "to": null, "offset": 0, "limit": 10}),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "InvalidInput", "{bad}");
    // Entries by key (what a summary flag points at), unknown keys left out.
    let wanted = json!([
        {"source_id": events[3]["source_id"], "resource_type": events[3]["resource_type"], "resource_id": events[3]["resource_id"]},
        {"source_id": events[3]["source_id"], "resource_type": "AllergyIntolerance", "resource_id": "not-cached"},
    ]);
    let found = call(&w, "timeline_entries", json!({"nhs": NHS, "keys": wanted})).unwrap();
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0], events[3]);

    // Raw JSON of an entry, exactly as served.
    let e = &events[0];
    let raw = call(&w, "resource_json", json!({"nhs": NHS, "source": e["source_id"], "resourceType": e["resource_type"], "id": e["resource_id"]})).unwrap();
    let parsed: Value = serde_json::from_str(raw.as_str().unwrap()).unwrap();
    assert_eq!(parsed["id"], e["resource_id"]);
    let err = call(
        &w,
        "resource_json",
        json!({"nhs": NHS, "source": e["source_id"], "resourceType": "Patient", "id": "not-there"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "NotInCache", "{err}");

    // A discharge summary: sections in order, sanitised, with medications.
    let d = events
        .iter()
        .find(|e| e["kind"] == "discharge" && e["resource_type"] == "Composition")
        .unwrap();
    let view_d = call(&w, "discharge", json!({"nhs": NHS, "source": d["source_id"], "resourceType": "Composition", "id": d["resource_id"]})).unwrap();
    let titles: Vec<&str> = view_d["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Diagnoses",
            "Medications and medical devices",
            "Plan and requested actions"
        ]
    );
    assert!(view_d["medications"].as_array().unwrap().len() >= 3);
    // The newest discharge carries its medicine changes against the GP's list.
    assert_eq!(view_d["kind"], "discharge-summary");
    let changes = &view_d["medication_changes"];
    assert!(changes.is_object(), "{view_d}");
    assert_eq!(changes["compared_with"], json!(["Meadow Lane Surgery"]));
    assert_eq!(
        changes["stopped"][0]["title"], "Amlodipine 5mg tablets",
        "{changes}"
    );
    assert!(view_d["encounter"]["title"].is_string());
    assert!(!view_d["attachments"].as_array().unwrap().is_empty());

    // One trust goes offline: its data stays, marked stale.
    call(
        &w,
        "demo_set_online",
        json!({"source": "Hillcrest Community Trust", "online": false}),
    )
    .unwrap();
    let report = call(
        &w,
        "sync_patient",
        json!({"nhs": NHS, "progress": "__CHANNEL__:8"}),
    )
    .unwrap();
    let failed: Vec<&Value> = report["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["error"]["code"], "EndpointUnreachable");
    let after = call(&w, "open_patient", json!({"nhs": NHS})).unwrap();
    assert_eq!(
        after["timeline"]["total"].as_u64().unwrap() as usize,
        events.len()
    );
    let hill = after["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "Hillcrest Community Trust")
        .unwrap();
    assert_eq!(hill["stale"], true);
    assert_eq!(after["offline"], false);

    // Every trust offline: the record still opens, flagged offline.
    for s in [
        "Riverside University Hospitals",
        "Meadow Lane Surgery",
        "Northgate Mental Health Trust",
    ] {
        call(&w, "demo_set_online", json!({"source": s, "online": false})).unwrap();
    }
    call(
        &w,
        "sync_patient",
        json!({"nhs": NHS, "progress": "__CHANNEL__:9"}),
    )
    .unwrap();
    let offline = call(&w, "open_patient", json!({"nhs": NHS})).unwrap();
    assert_eq!(offline["offline"], true);
    assert!(offline["oldest_data"].is_string());
    assert_eq!(
        offline["timeline"]["total"].as_u64().unwrap() as usize,
        events.len()
    );
}

#[test]
fn patients_are_found_by_family_name_and_date_of_birth_only_when_they_match() {
    let tmp = tempfile::tempdir().unwrap();
    let (_app, w) = app(tmp.path());
    let args = json!({"family": "ashw", "birthDate": "1948-03-02"});
    // No reason stated for searching: refused, nothing searched.
    let refused = call(&w, "find_patients", args.clone()).unwrap_err();
    assert_eq!(refused["code"], "AccessBasisRequired", "{refused}");
    call(
        &w,
        "declare_search_basis",
        json!({"basis": "direct-care", "reason": null}),
    )
    .unwrap();
    // The demo servers ignore these parameters and return everyone: the client filters.
    let r = call(
        &w,
        "find_patients",
        json!({"family": "ashw", "birthDate": "1948-03-02"}),
    )
    .unwrap();
    let m = r["matches"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{r}");
    assert_eq!(m[0]["nhs_number"], NHS);
    assert_eq!(m[0]["family"], "ASHWORTH");
    assert_eq!(m[0]["sources"].as_array().unwrap().len(), 4);
    let none = call(
        &w,
        "find_patients",
        json!({"family": "ashworth", "birthDate": "1948-03-03"}),
    )
    .unwrap();
    assert_eq!(none["matches"], json!([]));
    let err = call(
        &w,
        "find_patients",
        json!({"family": "ashworth", "birthDate": "02/03/1948"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "InvalidInput");
}

#[test]
fn endpoint_settings_are_validated_and_test_connection_reports_what_works() {
    let tmp = tempfile::tempdir().unwrap();
    let (_app, w) = app(tmp.path());
    let mut eps = call(&w, "list_endpoints", json!({})).unwrap();
    let first = eps[0].clone();
    let report = call(&w, "test_endpoint", json!({"endpoint": first})).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["fhir_version"], "4.0.1");
    assert!(
        report["supports"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s[1] == true)
    );
    // The doctor's checks, in order, and what the source will show.
    let steps: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        &steps[..4],
        ["address", "tls", "auth", "metadata"],
        "{report}"
    );
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "AllergyIntolerance search by patient" && c["status"] == "pass")
    );
    assert!(report["will_show"].to_string().contains("allergies"));

    let unreachable = json!({"name": "Gone", "kind": "gp", "base_url": "http://127.0.0.1:9", "fhir_version": "auto", "timeout_s": 1, "page_size": 50, "token_env": ""});
    let report = call(&w, "test_endpoint", json!({"endpoint": unreachable})).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["error"]["code"], "EndpointUnreachable");
    assert_eq!(report["checks"][0]["status"], "fail");
    assert_eq!(report["checks"][1]["status"], "skip");

    // The demo's sources are built in: saving is refused, and nothing changes.
    eps.as_array_mut().unwrap().pop();
    let err = call(&w, "save_endpoints", json!({"endpoints": eps})).unwrap_err();
    assert_eq!(err["code"], "InvalidInput");
    assert_eq!(
        call(&w, "list_endpoints", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn saved_endpoints_are_written_to_a_config_file_that_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("cfg/config.toml");
    let launch = Launch {
        data_dir: Some(tmp.path().join("data")),
        config: Some(config.clone()),
        ..Launch::default()
    };
    let app = build_app(mock_builder(), &launch)
        .unwrap()
        .build(mock_context(noop_assets()))
        .unwrap();
    let w = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    assert_eq!(call(&w, "list_endpoints", json!({})).unwrap(), json!([]));
    let ep = json!({"name": "St \"Quoted\" Trust", "kind": "social-care", "base_url": "https://fhir.example.org/R4", "fhir_version": "R4", "timeout_s": 15, "page_size": 100, "token_env": "SOCIAL_TOKEN"});
    call(&w, "save_endpoints", json!({"endpoints": [ep]})).unwrap();
    let loaded = crossview::config::Config::load(&config).unwrap();
    assert_eq!(loaded.endpoints.len(), 1);
    assert_eq!(loaded.endpoints[0].name(), "St \"Quoted\" Trust");
    assert_eq!(
        loaded.endpoints[0].kind,
        crossview::config::EndpointKind::SocialCare
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("token_env = \"SOCIAL_TOKEN\""));

    // Invalid settings are refused with the field named, and the file is left as it was.
    let mut bad = call(&w, "list_endpoints", json!({})).unwrap()[0].clone();
    bad["base_url"] = json!("not a url");
    let err = call(&w, "save_endpoints", json!({"endpoints": [bad]})).unwrap_err();
    assert_eq!(err["code"], "ConfigInvalid");
    assert!(
        err["message"].as_str().unwrap().contains("Base URL"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    let defaults = call(&w, "endpoint_defaults", json!({})).unwrap();
    assert_eq!(defaults["timeout_s"], 20);
    assert_eq!(defaults["page_size"], 200);
}

#[test]
fn a_restricted_entry_is_masked_until_revealed_with_a_reason_and_every_access_is_logged() {
    let tmp = tempfile::tempdir().unwrap();
    let (_app, w) = app(tmp.path());
    // Nothing is read before a basis is stated.
    let refused = call(&w, "open_patient", json!({"nhs": NHS})).unwrap_err();
    assert_eq!(refused["code"], "AccessBasisRequired", "{refused}");
    assert_eq!(
        call(&w, "basis_for", json!({"nhs": NHS})).unwrap(),
        json!(null)
    );
    direct_care(&w);
    assert_eq!(
        call(&w, "basis_for", json!({"nhs": NHS})).unwrap()["basis"],
        "direct-care"
    );
    call(
        &w,
        "sync_patient",
        json!({"nhs": NHS, "progress": "__CHANNEL__:7"}),
    )
    .unwrap();
    let view = call(&w, "open_patient", json!({"nhs": NHS})).unwrap();
    let masked: Vec<&Value> = view["timeline"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["restricted"]["masked"] == true)
        .collect();
    assert_eq!(masked.len(), 1, "the Northgate psychiatry letter");
    let m = masked[0];
    let text = m.to_string();
    assert!(
        !text.contains("Psychiatry"),
        "masked content leaked: {text}"
    );
    let handle = m["restricted"]["handle"].as_str().unwrap().to_string();
    assert!(handle.starts_with("restricted-"));
    // The raw resource of a masked entry is not given out, even to a caller who knows its id.
    let raw_args = json!({"nhs": NHS, "source": m["source_id"], "resourceType": "DocumentReference", "id": "ng0-doc-3"});
    let raw = call(&w, "resource_json", raw_args.clone()).unwrap_err();
    assert_eq!(raw["code"], "RestrictedEntry", "{raw}");
    // Looked up by its handle (the only key the screen has), it is still masked.
    let by_handle = call(
        &w,
        "timeline_entries",
        json!({"nhs": NHS, "keys": [{"source_id": m["source_id"], "resource_type": m["resource_type"], "resource_id": handle}]}),
    )
    .unwrap();
    assert_eq!(by_handle.as_array().unwrap().len(), 1, "{by_handle}");
    assert_eq!(&by_handle[0], m);
    // Re-querying the first page of a record opened in this session is not a new access.
    let opens_before = call(&w, "audit_log", json!({"nhs": NHS}))
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    for kinds in [json!([]), json!(["document"])] {
        call(&w, "timeline_page", json!({"nhs": NHS, "kinds": kinds, "sources": [], "text": null, "from": null, "to": null, "offset": 0, "limit": 50})).unwrap();
    }
    assert_eq!(
        call(&w, "audit_log", json!({"nhs": NHS}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        opens_before
    );

    let no_reason = call(&w, "reveal", json!({"nhs": NHS, "source": m["source_id"], "resourceType": m["resource_type"], "entry": handle, "reason": "  "})).unwrap_err();
    assert_eq!(no_reason["code"], "InvalidInput");
    let shown = call(&w, "reveal", json!({"nhs": NHS, "source": m["source_id"], "resourceType": m["resource_type"], "entry": handle, "reason": "Reviewing mental health history with the patient"})).unwrap();
    assert!(
        shown.to_string().contains("Psychiatry review letter"),
        "{shown}"
    );
    let raw = call(&w, "resource_json", raw_args).unwrap();
    assert!(raw.as_str().unwrap().contains("ng0-doc-3"));
    let again = call(&w, "refresh_patient", json!({"nhs": NHS})).unwrap();
    assert!(again.to_string().contains("Psychiatry review letter"));

    let log = call(&w, "audit_log", json!({"nhs": NHS})).unwrap();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["open", "sync", "reveal"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    assert!(
        log.to_string()
            .contains("Reviewing mental health history with the patient")
    );

    // Forget: the record goes; the next open needs a basis again and shows nothing cached.
    let removed = call(&w, "forget_patient", json!({"nhs": NHS})).unwrap();
    assert!(removed.as_u64().unwrap() >= 1, "{removed}");
    assert_eq!(
        call(&w, "basis_for", json!({"nhs": NHS})).unwrap(),
        json!(null)
    );
    direct_care(&w);
    let empty = call(&w, "open_patient", json!({"nhs": NHS})).unwrap();
    assert_eq!(empty["timeline"]["total"], 0);
    assert_eq!(empty["timeline"]["events"].as_array().unwrap().len(), 0);
    let log = call(&w, "audit_log", json!({"nhs": NHS})).unwrap();
    assert!(log.to_string().contains("\"forget\""), "{log}");
}
