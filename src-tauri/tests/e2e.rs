//! End to end in the real WebKitGTK webview: the built app, driven through
//! WebKitWebDriver under a display (scripts/test.sh runs Xvfb). Ignored by a
//! plain `cargo test`; run with `--ignored`. Screenshots go to test-output/e2e/.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
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
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
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

async fn open_record(c: &Client, nhs: &str) {
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

/// Sources named on the timeline's rows, scrolling through the whole (virtualised) list.
async fn sources_shown(c: &Client) -> Vec<String> {
    let script = "const done = arguments[0]; const list = document.querySelector('[data-testid=timeline]'); \
        const seen = new Set(); list.scrollTop = 0; \
        const step = () => { document.querySelectorAll('[data-testid=timeline-row]').forEach(r => seen.add(r.dataset.source)); \
          if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) { list.scrollTop = 0; done([...seen]); return; } \
          list.scrollTop += Math.max(40, list.clientHeight - 40); requestAnimationFrame(() => requestAnimationFrame(step)); }; \
        requestAnimationFrame(step);";
    let v = c.execute_async(script, vec![]).await.unwrap();
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

fn write_offline_config(dir: &Path) -> PathBuf {
    // The same sources, now at an address where nothing answers: every server is gone.
    let mut t = String::new();
    for (i, s) in SOURCES.iter().enumerate() {
        let kind = if i == 2 { "gp" } else { "hospital" };
        t.push_str(&format!("[[endpoint]]\nname = \"{s}\"\nkind = \"{kind}\"\nbase_url = \"http://127.0.0.1:9/{i}\"\ntimeout_s = 2\n\n"));
    }
    let p = dir.join("offline.toml");
    std::fs::write(&p, t).unwrap();
    p
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

    // 1. Launch on the demo trusts and look up the patient.
    let c = launch(&driver, &["--demo", "--data-dir", &data_s]).await;
    screenshot(&c, "01-lookup").await;
    open_record(&c, NHS).await;
    wait_js(&c, "return !!document.querySelector('[data-testid=banner]') && document.querySelectorAll('[data-testid=timeline-row]').length > 0 && !document.querySelector('[data-testid=sync-button][disabled]')", "timeline after sync").await;
    let banner = c
        .find(Locator::Css("[data-testid=banner]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(banner.contains("ASHWORTH"), "{banner}");
    assert!(banner.contains("999 000 0018"), "{banner}");
    assert!(banner.contains("02-Mar-1948 (78y)"), "{banner}");
    let allergies = c
        .find(Locator::Css("[data-testid=banner-allergies]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(allergies.contains("Penicillin"), "{allergies}");
    let shown = sources_shown(&c).await;
    for s in SOURCES {
        assert!(
            shown.contains(&s.to_string()),
            "no entry from {s} on screen: {shown:?}"
        );
    }
    screenshot(&c, "02-timeline-all-sources").await;
    assert_accessible(&c).await;

    // 2. Filter to discharges.
    c.find(Locator::Css("[data-testid=filter-kind-discharge]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(&c, "const r = [...document.querySelectorAll('[data-testid=timeline-row]')]; return r.length > 0 && r.every(x => x.dataset.kind === 'discharge')", "discharge filter").await;
    screenshot(&c, "03-discharges").await;

    // 3. Open a discharge summary.
    let row = c
        .find(Locator::Css(
            "[data-testid=timeline-row][data-resource-type=Composition]",
        ))
        .await
        .unwrap();
    row.click().await.unwrap();
    wait_js(
        &c,
        "return !!document.querySelector('[data-testid=detail-panel]')",
        "detail panel",
    )
    .await;
    c.find(Locator::Css("[data-testid=open-discharge]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(
        &c,
        "return document.querySelectorAll('[data-testid=discharge-section]').length >= 3",
        "discharge reader",
    )
    .await;
    let reader = c
        .find(Locator::Css("[data-testid=discharge-reader]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        reader.contains("Medications and medical devices"),
        "{reader}"
    );
    assert!(reader.contains("GP to review medication"), "{reader}");
    screenshot(&c, "04-discharge-summary").await;
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
    screenshot(&c, "04b-discharge-pdf").await;

    // 4. One demo trust stops; a re-sync keeps its cached entries, marked stale.
    let before = count(&c, "[data-testid=timeline-row]").await;
    let r = invoke(
        &c,
        "demo_set_online",
        json!({"source": "Hillcrest Community Trust", "online": false}),
    )
    .await;
    assert!(r.get("ok").is_some(), "{r}");
    c.find(Locator::Css("[data-testid=sync-button]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(&c, "return document.querySelector('[data-testid=source-status][data-source=\"Hillcrest Community Trust\"]')?.dataset.stale === 'true'", "Hillcrest marked stale").await;
    let status = c
        .find(Locator::Css(
            "[data-testid=source-status][data-source=\"Hillcrest Community Trust\"]",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        status.to_lowercase().contains("as of"),
        "the stale source says how old its data is: {status}"
    );
    assert_eq!(count(&c, "[data-testid=offline-banner]").await, 0);
    screenshot(&c, "05-one-trust-stale").await;
    let _ = before;
    c.close().await.unwrap();

    // 5. Every server gone; the app restarts and opens the record from the cache, offline.
    let config = write_offline_config(tmp.path());
    let c = launch(
        &driver,
        &["--config", &config.to_string_lossy(), "--data-dir", &data_s],
    )
    .await;
    open_record(&c, NHS).await;
    wait_js(&c, "return !!document.querySelector('[data-testid=offline-banner]') && document.querySelectorAll('[data-testid=timeline-row]').length > 0", "offline banner with cached timeline").await;
    let offline = c
        .find(Locator::Css("[data-testid=offline-banner]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(offline.to_lowercase().contains("offline"), "{offline}");
    let shown = sources_shown(&c).await;
    assert!(
        shown.len() >= 3,
        "cached entries from the sources: {shown:?}"
    );
    screenshot(&c, "06-offline-from-cache").await;
    c.close().await.unwrap();
}
