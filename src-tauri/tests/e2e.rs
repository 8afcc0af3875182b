//! End to end in the real WebKitGTK webview: the built app, driven through
//! WebKitWebDriver under a display (scripts/test.sh runs Xvfb). Ignored by a
//! plain `cargo test`; run with `--ignored`. Screenshots go to test-output/e2e/.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NHS: &str = "9990000018";
const SOURCES: [&str; 4] = [
    "Riverside University Hospitals",
    "Hillcrest Community Trust",
    "Meadow Lane Surgery",
    "Northgate Mental Health Trust",
];

fn out_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-output/e2e");
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new("WebKitWebDriver")
        .arg(format!("--port={port}"))
        .env("TAURI_WEBVIEW_AUTOMATION", "true")
        // The app inherits this: a cache key for launches on a config (no keyring under Xvfb).
        .env("CROSSVIEW_DB_KEY", "5a".repeat(32))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("WebKitWebDriver (Debian package webkit2gtk-driver) must be installed");
    Driver { child, port }
}

async fn launch(driver: &Driver, args: &[&str]) -> Client {
    let app = env!("CARGO_BIN_EXE_crossview-desktop");
    let mut caps = serde_json::Map::new();
    let mut all = vec!["--automation".to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    caps.insert(
        "webkitgtk:browserOptions".into(),
        json!({"binary": app, "args": all}),
    );
    let url = format!("http://127.0.0.1:{}", driver.port);
    let t0 = Instant::now();
    let client = loop {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => break c,
            Err(e) if t0.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start a WebDriver session: {e}"),
        }
    };
    // Ready when the page has loaded and the Tauri bridge is there.
    wait_js(
        &client,
        "return document.readyState === 'complete' && !!window.__TAURI_INTERNALS__",
        "app ready",
    )
    .await;
    client
}

async fn wait_js(c: &Client, script: &str, what: &str) {
    let t0 = Instant::now();
    loop {
        if c.execute(script, vec![])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            == Some(true)
        {
            return;
        }
        if t0.elapsed() >= Duration::from_secs(30) {
            // What was on screen instead, for the failure message.
            let page = c
                .execute("return document.body.innerText.slice(0, 3000);", vec![])
                .await
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::write(out_dir().join("timeout.png"), png);
            }
            panic!("timed out waiting for {what} (screenshot timeout.png); the page said:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css))
        .await
        .map(|v| v.len())
        .unwrap_or(0)
}

async fn screenshot(c: &Client, name: &str) {
    // Two animation frames so the last change is painted.
    let _ = c
        .execute_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", vec![])
        .await;
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(out_dir().join(format!("{name}.png")), png).unwrap();
}

async fn invoke(c: &Client, cmd: &str, args: Value) -> Value {
    let script = "const [cmd, args, done] = arguments; window.__TAURI_INTERNALS__.invoke(cmd, args).then(r => done({ok: r}), e => done({err: e}));";
    c.execute_async(script, vec![json!(cmd), args])
        .await
        .expect("invoke")
}

/// Look up a patient and answer the access-basis prompt (direct care).
async fn open_record(c: &Client, nhs: &str) {
    submit_nhs(c, nhs).await;
    answer_basis(c).await;
}

async fn answer_basis(c: &Client) {
    wait_js(
        c,
        "return !!document.querySelector('[data-testid=basis-dialog]')",
        "the access-basis prompt",
    )
    .await;
    click(c, "[data-testid=basis-direct-care]").await;
    click(c, "[data-testid=basis-continue]").await;
}

async fn submit_nhs(c: &Client, nhs: &str) {
    let input = c
        .find(Locator::Css("[data-testid=nhs-input]"))
        .await
        .unwrap();
    input.send_keys(nhs).await.unwrap();
    c.find(Locator::Css("[data-testid=nhs-submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits (a frame at a time, up to about 5 s) while rows of the timeline in view
/// are placeholders, their page still being read from the core; then `then()`.
/// Script text for the scripts below, which scroll through the paged list.
const AWAIT_PAGES: &str = "const awaitPages = (list, then, n = 0) => { \
      if (list.querySelector('[data-testid=timeline-row-placeholder]') && n < 300) { requestAnimationFrame(() => awaitPages(list, then, n + 1)); return; } \
      then(); };";

/// Sources named on the timeline's rows, scrolling through the whole (virtualised,
/// paged) list and waiting at each step for the rows in view to be read.
async fn sources_shown(c: &Client) -> Vec<String> {
    let script = format!(
        "{AWAIT_PAGES} const done = arguments[0]; const list = document.querySelector('[data-testid=timeline]'); \
        const seen = new Set(); list.scrollTop = 0; \
        const step = () => awaitPages(list, () => {{ document.querySelectorAll('[data-testid=timeline-row]').forEach(r => seen.add(r.dataset.source)); \
          if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) {{ list.scrollTop = 0; done([...seen]); return; }} \
          list.scrollTop += Math.max(40, list.clientHeight - 40); requestAnimationFrame(() => requestAnimationFrame(step)); }}); \
        requestAnimationFrame(step);"
    );
    let v = c.execute_async(&script, vec![]).await.unwrap();
    let mut s: Vec<String> = serde_json::from_value(v).unwrap();
    s.sort();
    s
}

/// axe-core (the UI's own pinned copy) in the real webview: no serious or critical violations.
async fn assert_accessible(c: &Client) {
    let axe = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js"),
    )
    .expect("ui/node_modules/axe-core (npm ci in ui/)");
    c.execute(&format!("{axe}\nreturn true;"), vec![])
        .await
        .expect("load axe-core");
    let result = c
        .execute_async(
            "const done = arguments[0]; axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))), e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe.run");
    let violations: Vec<String> = serde_json::from_value(result).unwrap();
    assert!(
        violations.is_empty(),
        "accessibility violations: {violations:#?}"
    );
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display and WebKitWebDriver; scripts/test.sh runs it under Xvfb"]
async fn clinician_journey_in_the_real_webview() {
    // The WebDriver client is plain HTTP on loopback, but its TLS stack wants a provider chosen.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("cache");
    let data_s = data.to_string_lossy().to_string();
    let driver = start_driver();

    // 1. Launch on the demo trusts and look up the patient: the summary comes first.
    let c = launch(&driver, &["--demo", "--data-dir", &data_s]).await;
    screenshot(&c, "01-lookup").await;
    open_record(&c, NHS).await;
    wait_js(&c, "return !!document.querySelector('[data-testid=summary][data-loading=false]') && !document.querySelector('[data-testid=sync-button][disabled]') && document.querySelectorAll('[data-testid=summary-flag]').length > 0", "summary after sync").await;
    let banner = text_of(&c, "[data-testid=banner]").await;
    assert!(banner.contains("ASHWORTH"), "{banner}");
    assert!(banner.contains("999 000 0018"), "{banner}");
    assert!(banner.contains("02-Mar-1948 (78y)"), "{banner}");
    let allergies = text_of(&c, "[data-testid=banner-allergies]").await;
    assert!(
        allergies.to_lowercase().contains("penicillin"),
        "{allergies}"
    );
    assert!(!allergies.contains("No known allergies"), "{allergies}");
    // The demo's reconciliation, as a clinician sees it: a penicillin allergy at one
    // trust against co-amoxiclav from another; amlodipine stopped on discharge, still at the GP.
    for kind in ["allergy-to-ingredient", "stopped-elsewhere"] {
        assert_eq!(
            count(&c, &format!("[data-testid=summary-flag][data-kind={kind}]")).await,
            1,
            "flag {kind}"
        );
    }
    let flags = text_of(&c, "[data-testid=summary]").await;
    assert!(flags.contains("Co-amoxiclav"), "{flags}");
    assert!(flags.contains("Amlodipine"), "{flags}");
    assert!(count(&c, "[data-testid=allergy-group]").await >= 2);
    assert!(count(&c, "[data-testid=medicine-group]").await >= 3);
    screenshot(&c, "02-summary-flags").await;
    assert_accessible(&c).await;

    // 2. The timeline, one click away: entries from every source.
    click(&c, "[data-testid=tab-timeline]").await;
    wait_js(
        &c,
        "return document.querySelectorAll('[data-testid=timeline-row]').length > 0",
        "timeline",
    )
    .await;
    let shown = sources_shown(&c).await;
    for s in SOURCES {
        assert!(
            shown.contains(&s.to_string()),
            "no entry from {s} on screen: {shown:?}"
        );
    }
    screenshot(&c, "03-timeline-all-sources").await;
    assert_accessible(&c).await;

    // 2b. The restricted Northgate letter: masked on the timeline until revealed with a reason.
    let page = c
        .execute("return document.body.innerText;", vec![])
        .await
        .unwrap();
    assert!(
        !page
            .as_str()
            .unwrap_or_default()
            .contains("Psychiatry review"),
        "masked content on screen"
    );
    // Scroll the (virtualised, paged) list to the masked row and open it.
    let script = format!(
        "{AWAIT_PAGES} const done = arguments[0]; const list = document.querySelector('[data-testid=timeline]'); list.scrollTop = 0; \
        const step = () => awaitPages(list, () => {{ const r = document.querySelector('[data-testid=timeline-row][data-restricted=masked]'); \
          if (r) {{ r.scrollIntoView({{block: 'center'}}); done([r.dataset.source, r.innerText]); return; }} \
          if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) {{ done(null); return; }} \
          list.scrollTop += Math.max(40, list.clientHeight - 40); requestAnimationFrame(() => requestAnimationFrame(step)); }}); \
        requestAnimationFrame(step);"
    );
    let found = c.execute_async(&script, vec![]).await.unwrap();
    let found: Option<(String, String)> = serde_json::from_value(found).unwrap();
    let (source, row) = found.expect("a masked row on the timeline");
    assert_eq!(source, "Northgate Mental Health Trust");
    assert!(row.to_uppercase().contains("RESTRICTED"), "{row}");
    assert!(!row.contains("Psychiatry"), "{row}");
    click(&c, "[data-testid=timeline-row][data-restricted=masked]").await;
    wait_js(
        &c,
        "return !!document.querySelector('[data-testid=detail-panel][data-restricted=masked] [data-testid=reveal-reason]')",
        "the reveal form",
    )
    .await;
    screenshot(&c, "03b-restricted-masked").await;
    c.find(Locator::Css("[data-testid=reveal-reason]"))
        .await
        .unwrap()
        .send_keys("Reviewing mental health history with the patient")
        .await
        .unwrap();
    click(&c, "[data-testid=reveal-confirm]").await;
    wait_js(&c, "return (document.querySelector('[data-testid=detail-panel]')?.innerText || '').includes('Psychiatry review letter')", "the revealed letter").await;
    screenshot(&c, "03c-restricted-revealed").await;
    // The access log shows the open, the sync and the reveal with its reason.
    click(&c, "[data-testid=access-log-button]").await;
    wait_js(&c, "const a = [...document.querySelectorAll('[data-testid=access-log-entry]')].map(r => r.dataset.action); return a.includes('open') && a.includes('reveal')", "access log entries").await;
    let log = text_of(&c, "[data-testid=access-log]").await;
    assert!(
        log.contains("Reviewing mental health history"),
        "the reason is logged: {log}"
    );
    click(&c, "[data-testid=access-log-close]").await;

    // 3. Filter to discharges and open the latest discharge summary: its changes come first.
    click(&c, "[data-testid=filter-kind-discharge]").await;
    wait_js(&c, "const r = [...document.querySelectorAll('[data-testid=timeline-row]')]; return r.length > 0 && r.every(x => x.dataset.kind === 'discharge')", "discharge filter").await;
    screenshot(&c, "04-discharges").await;
    click(
        &c,
        "[data-testid=timeline-row][data-resource-type=Composition]",
    )
    .await;
    wait_js(
        &c,
        "return !!document.querySelector('[data-testid=detail-panel]')",
        "detail panel",
    )
    .await;
    let button = text_of(&c, "[data-testid=open-discharge]").await;
    assert!(button.contains("Read discharge summary"), "{button}");
    click(&c, "[data-testid=open-discharge]").await;
    wait_js(
        &c,
        "return document.querySelectorAll('[data-testid=discharge-section]').length >= 3 && !!document.querySelector('[data-testid=medication-changes]')",
        "discharge reader with its changes",
    )
    .await;
    let changes = text_of(&c, "[data-testid=medication-changes]").await;
    assert!(
        changes.contains("Amlodipine") && changes.contains("Low blood pressure"),
        "{changes}"
    );
    assert!(changes.contains("Co-amoxiclav"), "{changes}");
    let reader = text_of(&c, "[data-testid=discharge-reader]").await;
    assert!(
        reader.contains("Medications and medical devices"),
        "{reader}"
    );
    assert!(reader.contains("GP to review medication"), "{reader}");
    assert!(
        reader.contains("discharged home after"),
        "the Composition's own narrative: {reader}"
    );
    screenshot(&c, "05-discharge-summary").await;
    // The PDF attachment is rendered inside the app (pdf.js on a canvas), from inline data.
    wait_js(
        &c,
        "const cv = document.querySelector('[data-testid=discharge-reader] canvas.pdf__page'); if (!cv || cv.width === 0) return false; \
         const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data; \
         for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0 && d[i] < 128) { cv.scrollIntoView(); return true; } } return false;",
        "a PDF page with text drawn on it",
    )
    .await;
    let pdf_error = count(&c, "[data-testid=discharge-reader] .error-message").await;
    assert_eq!(pdf_error, 0, "no attachment failed to display");
    screenshot(&c, "05b-discharge-pdf").await;
    // Esc closes the reader.
    c.execute("document.activeElement && document.activeElement.blur(); document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true})); return true;", vec![]).await.unwrap();
    wait_js(
        &c,
        "return !document.querySelector('[data-testid=discharge-reader]')",
        "reader closed by Esc",
    )
    .await;

    // 4. One demo trust stops; a re-sync keeps its cached entries, marked stale.
    let r = invoke(
        &c,
        "demo_set_online",
        json!({"source": "Hillcrest Community Trust", "online": false}),
    )
    .await;
    assert!(r.get("ok").is_some(), "{r}");
    click(&c, "[data-testid=sync-button]").await;
    wait_js(&c, "return document.querySelector('[data-testid=source-status][data-source=\"Hillcrest Community Trust\"]')?.dataset.stale === 'true'", "Hillcrest marked stale").await;
    let status = text_of(
        &c,
        "[data-testid=source-status][data-source=\"Hillcrest Community Trust\"]",
    )
    .await;
    assert!(
        status.to_lowercase().contains("as of"),
        "the stale source says how old its data is: {status}"
    );
    // Its allergy is still listed, and the allergy line now says it is incomplete.
    let allergies = text_of(&c, "[data-testid=banner-allergies]").await;
    assert!(
        allergies.to_lowercase().contains("penicillin"),
        "{allergies}"
    );
    assert!(
        allergies.to_uppercase().contains("INCOMPLETE"),
        "{allergies}"
    );
    assert_eq!(count(&c, "[data-testid=offline-banner]").await, 0);
    screenshot(&c, "06-one-trust-stale").await;
    c.close().await.unwrap();

    // 5. Every server gone; the app restarts and opens the record from the cache, offline.
    let c = launch(&driver, &["--demo-offline", "--data-dir", &data_s]).await;
    open_record(&c, NHS).await;
    wait_js(&c, "return !!document.querySelector('[data-testid=offline-banner]') && !!document.querySelector('[data-testid=summary]') && !document.querySelector('[data-testid=sync-button][disabled]')", "offline banner with the cached record").await;
    let offline = text_of(&c, "[data-testid=offline-banner]").await;
    assert!(offline.to_lowercase().contains("offline"), "{offline}");
    click(&c, "[data-testid=tab-timeline]").await;
    wait_js(
        &c,
        "return document.querySelectorAll('[data-testid=timeline-row]').length > 0",
        "cached timeline",
    )
    .await;
    let shown = sources_shown(&c).await;
    assert!(
        shown.len() >= 3,
        "cached entries from the sources: {shown:?}"
    );
    screenshot(&c, "07-offline-from-cache").await;

    // 6. Forget: the record leaves this computer; opening it again asks again and shows nothing cached.
    click(&c, "[data-testid=forget-patient]").await;
    wait_js(
        &c,
        "return !!document.querySelector('[data-testid=forget-dialog]')",
        "the forget dialog",
    )
    .await;
    click(&c, "[data-testid=forget-confirm]").await;
    wait_js(&c, "return (document.querySelector('[data-testid=record-notice]')?.innerText || '').includes('Removed')", "removed notice").await;
    assert_eq!(count(&c, "[data-testid=banner]").await, 0);
    open_record(&c, NHS).await;
    wait_js(&c, "return !!document.querySelector('[data-testid=summary]') && !document.querySelector('[data-testid=sync-button][disabled]')", "the record reopened").await;
    let allergies = text_of(&c, "[data-testid=banner-allergies]").await;
    assert!(
        !allergies.to_lowercase().contains("penicillin"),
        "nothing left in the cache: {allergies}"
    );
    c.close().await.unwrap();
}

/// Rows of the timeline whose whole box is inside the window, without scrolling.
const VISIBLE_ROWS: &str = "return [...document.querySelectorAll('[data-testid=timeline-row]')].filter(r => { const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= window.innerHeight && b.height > 0; }).length;";

/// The banner's allergy line is on screen.
const ALLERGY_LINE_VISIBLE: &str = "const b = document.querySelector('[data-testid=banner-allergies]')?.getBoundingClientRect(); return !!b && b.top >= 0 && b.bottom <= window.innerHeight && b.height > 0;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display and WebKitWebDriver; scripts/test.sh runs it under Xvfb"]
async fn the_record_fits_real_nhs_monitors() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tmp = tempfile::tempdir().unwrap();
    let data_s = tmp.path().join("cache").to_string_lossy().to_string();
    let driver = start_driver();
    let c = launch(&driver, &["--demo", "--data-dir", &data_s]).await;
    open_record(&c, NHS).await;
    wait_js(&c, "return !!document.querySelector('[data-testid=summary][data-loading=false]') && !document.querySelector('[data-testid=sync-button][disabled]')", "record synced").await;
    // (width, height, rows wanted without scrolling)
    for (w, h, rows) in [(1024u32, 768u32, 8usize), (1366, 768, 12), (1920, 1080, 12)] {
        c.set_window_size(w, h).await.unwrap();
        wait_js(
            &c,
            &format!("return Math.abs(window.innerWidth - {w}) < 40"),
            "resized",
        )
        .await;
        click(&c, "[data-testid=tab-summary]").await;
        wait_js(&c, ALLERGY_LINE_VISIBLE, "allergy line on screen (summary)").await;
        screenshot(&c, &format!("10-summary-{w}x{h}")).await;
        assert_accessible(&c).await;
        click(&c, "[data-testid=tab-timeline]").await;
        wait_js(
            &c,
            "return document.querySelectorAll('[data-testid=timeline-row]').length > 0",
            "timeline",
        )
        .await;
        let visible = c
            .execute(VISIBLE_ROWS, vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap() as usize;
        assert!(
            visible >= rows,
            "{w}x{h}: {visible} timeline rows visible without scrolling, wanted {rows}"
        );
        let line = c.execute(ALLERGY_LINE_VISIBLE, vec![]).await.unwrap();
        assert_eq!(line, json!(true), "{w}x{h}: the allergy line is on screen");
        // Nothing pushes the page wider than the window.
        let overflow = c
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        assert!(
            overflow <= 1,
            "{w}x{h}: page wider than the window by {overflow} px"
        );
        screenshot(&c, &format!("11-timeline-{w}x{h}")).await;
        assert_accessible(&c).await;
        eprintln!("{w}x{h}: {visible} timeline rows visible without scrolling");
    }
    c.close().await.unwrap();
}

/// While a slow source is still loading on the first open, nothing on screen
/// claims what is not yet known; when it answers, its entries appear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display and WebKitWebDriver; scripts/test.sh runs it under Xvfb"]
async fn a_slow_source_is_shown_as_loading_never_as_nothing() {
    use crossview::demo::{Fault, FixtureServer, demo_sources};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tmp = tempfile::tempdir().unwrap();
    let mut servers = Vec::new();
    let mut config = String::new();
    for s in demo_sources(0) {
        let server = FixtureServer::start(s.resources.clone(), 0).await.unwrap();
        config.push_str(&format!(
            "[[endpoint]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\ntimeout_s = 30\n\n",
            s.name,
            s.kind.as_str(),
            server.base_url()
        ));
        servers.push((s.name, server));
    }
    // The GP (source of the allergies and the name) answers each request after 3 seconds.
    let slow = servers
        .iter()
        .find(|(n, _)| n == "Meadow Lane Surgery")
        .unwrap();
    slow.1.set_fault(Fault::Delay(Duration::from_secs(3)));
    let path = tmp.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    let data_s = tmp.path().join("cache").to_string_lossy().to_string();
    let driver = start_driver();
    let c = launch(
        &driver,
        &["--config", &path.to_string_lossy(), "--data-dir", &data_s],
    )
    .await;
    open_record(&c, NHS).await;
    // The others answer first: entries appear while the GP is still loading.
    wait_js(&c, "return (document.querySelector('[data-testid=banner]')?.innerText || '').includes('ASHWORTH')", "name from the first sources").await;
    let mut checks = 0;
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(4) {
        let page = c
            .execute("return document.body.innerText;", vec![])
            .await
            .unwrap();
        let page = page.as_str().unwrap_or_default().to_string();
        if page.contains("Meadow Lane") && page.to_lowercase().contains("loading") {
            for false_claim in [
                "Allergies not recorded",
                "No known allergies",
                "No events in this record",
                "Name not known",
            ] {
                assert!(
                    !page.contains(false_claim),
                    "while loading: {false_claim}\n{page}"
                );
            }
            checks += 1;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        checks > 0,
        "the loading state named the slow source at least once"
    );
    screenshot(&c, "08-slow-source-loading").await;
    // When it answers, its entries appear.
    wait_js(
        &c,
        "return !document.querySelector('[data-testid=sync-button][disabled]')",
        "sync finished",
    )
    .await;
    click(&c, "[data-testid=tab-timeline]").await;
    wait_js(
        &c,
        "return document.querySelectorAll('[data-testid=timeline-row]').length > 0",
        "timeline",
    )
    .await;
    let shown = sources_shown(&c).await;
    assert!(
        shown.contains(&"Meadow Lane Surgery".to_string()),
        "{shown:?}"
    );
    let allergies = text_of(&c, "[data-testid=banner-allergies]").await;
    assert!(
        allergies.to_lowercase().contains("penicillin"),
        "{allergies}"
    );
    screenshot(&c, "09-slow-source-arrived").await;
    c.close().await.unwrap();
    drop(servers);
}
