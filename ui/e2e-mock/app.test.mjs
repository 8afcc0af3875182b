// Browser tests of the built UI (ui/dist) in Debian's Chromium, with the Tauri
// IPC mocked. Run: npm run test:browser (CHROMIUM=/path overrides the browser).
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import * as fx from "./fixtures.mjs";
import { installMockIpc } from "./mock-ipc.mjs";
import { startServer } from "./server.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const require = createRequire(import.meta.url);
const OUT = process.env.UI_MOCK_OUT || resolve(here, "../../test-output/ui-mock");
const AXE = require.resolve("axe-core/axe.min.js");
const EXECUTABLE = process.env.CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

let browser;
let server;

before(async () => {
  if (!existsSync(EXECUTABLE)) throw new Error(`Chromium not found at ${EXECUTABLE} (apt-get install -y --no-install-recommends chromium, or set CHROMIUM)`);
  mkdirSync(OUT, { recursive: true });
  server = await startServer();
  browser = await chromium.launch({ executablePath: EXECUTABLE, args: ARGS, headless: true, timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * A fresh page with the IPC mock for `scenario` (`ok`, `stale`, `offline`).
 * Page errors and CSP violations are collected and fail the test in `done`.
 */
async function openPage(scenario = "ok", { hash = "", axe = false, width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: "en-US", timezoneId: "Europe/London" });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  const now = Date.now();
  await page.addInitScript(installMockIpc, {
    scenario,
    nhs: fx.NHS,
    cacheView: fx.patientView("ok", now - 3600_000),
    view: fx.patientView(scenario, now),
    syncMessages: fx.syncMessages(scenario),
    syncDelay: 15,
    discharge: fx.discharge,
    endpoints: fx.endpoints,
    connectionOk: fx.connectionOk,
    patientSearch: fx.patientSearch,
  });
  if (axe) await page.addInitScript({ path: AXE });
  await page.goto(`${server.url}index.html${hash}`);
  return {
    page,
    async shot(name) {
      await page.screenshot({ path: resolve(OUT, `${name}.png`) });
    },
    async done() {
      await context.close();
      assert.deepEqual(problems, [], "no page errors or CSP violations");
    },
  };
}

async function openPatient(page) {
  await page.getByTestId("nhs-input").fill("999 000 0018");
  await page.getByTestId("nhs-submit").click();
  await page.getByTestId("banner").waitFor();
  // Sync finished: the button is enabled again.
  await page.waitForFunction(() => {
    const b = document.querySelector('[data-testid="sync-button"]');
    return b && !b.disabled;
  });
}

const rowAttrs = (page, attr) =>
  page.$$eval(`[data-testid="timeline-row"]`, (rows, a) => rows.map((r) => r.getAttribute(a)), attr);

/** Widths of a row's title text box and the row itself. */
const titleWidth = (page) =>
  page.$eval('[data-testid="timeline-row"] .row__title', (el) => ({ title: el.getBoundingClientRect().width, row: el.parentElement.getBoundingClientRect().width }));

describe("Crossview UI with mocked IPC", () => {
  it("shows the lookup validation error", async () => {
    const t = await openPage();
    const { page } = t;
    await page.getByTestId("nhs-input").fill("999 000 00");
    await page.getByTestId("nhs-submit").click();
    assert.match(await page.getByTestId("nhs-error").innerText(), /NHS number must have 10 digits/);
    await page.getByTestId("nhs-input").fill("9990000017");
    await page.getByTestId("nhs-submit").click();
    assert.match(await page.getByTestId("nhs-error").innerText(), /check digit does not match/);
    assert.equal(await page.getByTestId("nhs-input").getAttribute("aria-invalid"), "true");
    const calls = await page.evaluate(() => window.__mock.calls.map((c) => c.cmd));
    assert.ok(!calls.includes("open_patient"));
    await t.shot("01-lookup-error");
    await t.done();
  });

  it("opens a patient: banner, rows from every source, readable titles, compact sources panel", async () => {
    const t = await openPage();
    const { page } = t;
    await openPatient(page);
    assert.match(await page.getByTestId("banner").innerText(), /ASHWORTH, Ada/);
    const sources = new Set(await rowAttrs(page, "data-source"));
    assert.deepEqual([...sources].sort(), ["Meadow Lane Surgery", "Northgate Mental Health Trust", "Northshire Adult Social Care", "Riverside University Hospitals"]);
    assert.equal((await rowAttrs(page, "data-source")).length, fx.events.length);
    const calls = await page.evaluate(() => window.__mock.calls.map((c) => c.cmd));
    assert.ok(calls.indexOf("open_patient") < calls.indexOf("sync_patient"), "cache first, then sync");
    // The title gets the room (not "F…").
    const w = await titleWidth(page);
    assert.ok(w.title > 180, `title column ${w.title}px of ${w.row}px`);
    // Sources panel: compact, no per-type or zero counts.
    const panel = await page.locator(".sources").innerText();
    assert.match(panel, /Riverside University Hospitals/);
    assert.match(panel, /OK/);
    assert.match(panel, /Updated \d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d/);
    assert.match(panel, /19 resources/);
    assert.doesNotMatch(panel, /MedicationStatement|: 0\b/);
    await t.shot("02-timeline-all-sources");
    await t.done();
  });

  it("wide window: single-line rows, title column flexible, source badge shrinks", async () => {
    const t = await openPage("ok", { width: 1720, height: 900 });
    const { page } = t;
    await openPatient(page);
    const layout = await page.$eval('[data-testid="timeline-row"]', (r) => {
      const box = (sel) => r.querySelector(sel).getBoundingClientRect();
      return { row: r.getBoundingClientRect(), title: box(".row__title"), source: box(".badge--source"), date: box(".row__date") };
    });
    assert.equal(layout.row.height, 44);
    assert.equal(Math.round(layout.title.top), Math.round(layout.date.top), "one line");
    assert.ok(layout.title.width > 250, `title ${layout.title.width}px`);
    assert.ok(layout.source.right <= layout.row.right, "source badge inside the row");
    await t.shot("02b-timeline-wide");
    await t.done();
  });

  it("filters to discharges and by NHS-style dates", async () => {
    const t = await openPage();
    const { page } = t;
    await openPatient(page);
    await page.getByTestId("filter-kind-discharge").click();
    const kinds = await rowAttrs(page, "data-kind");
    assert.equal(kinds.length, 3);
    assert.ok(kinds.every((k) => k === "discharge"));
    assert.equal(await page.getByTestId("date-from").getAttribute("type"), "text");
    await page.getByTestId("date-from").fill("01-Aug-2026");
    assert.equal((await rowAttrs(page, "data-kind")).length, 2);
    await page.getByTestId("date-to").fill("31/02/2026");
    await page.getByTestId("date-to").press("Tab");
    assert.match(await page.getByTestId("date-error").innerText(), /To date: Enter a real date, e\.g\. 01-Jan-2024/);
    await t.shot("03-discharges-date-error");
    await page.getByTestId("date-to").fill("2026-10-10");
    await page.getByTestId("date-to").press("Enter");
    assert.equal(await page.getByTestId("date-to").inputValue(), "10-Oct-2026");
    assert.equal(await page.getByTestId("date-error").count(), 0);
    assert.equal((await rowAttrs(page, "data-kind")).length, 0);
    await page.getByTestId("date-from").fill("");
    assert.deepEqual(await rowAttrs(page, "data-resource-id"), ["dis-2"]);
    await t.done();
  });

  it("opens the discharge reader; medications listed once as name, dose, status", async () => {
    const t = await openPage();
    const { page } = t;
    await openPatient(page);
    await page.getByTestId("filter-kind-discharge").click();
    await page.getByTestId("timeline-row").first().click();
    await page.getByTestId("open-discharge").click();
    const reader = page.getByTestId("discharge-reader");
    await page.getByTestId("discharge-section").first().waitFor();
    assert.equal(await page.getByTestId("discharge-section").count(), 3);
    const meds = page.getByTestId("discharge-medication");
    assert.equal(await meds.count(), 3);
    assert.equal(await meds.first().locator("strong").innerText(), "Apixaban 5mg tablets");
    assert.match(await meds.first().innerText(), /One tablet twice a day/);
    const text = await reader.innerText();
    assert.doesNotMatch(text, /Intent order|Category Discharge/);
    // Narrow middle column: the title still has the room (two-line rows).
    const w = await titleWidth(page);
    assert.ok(w.row < 500, `middle column is narrow (${w.row}px)`);
    assert.ok(w.title > 180, `title column ${w.title}px of ${w.row}px`);
    const h = await page.$eval('[data-testid="timeline-row"]', (r) => r.getBoundingClientRect().height);
    assert.equal(h, 44);
    await t.shot("04-discharge-reader");
    await t.done();
  });

  it("a failed sync shows the stale source with its data 'as of'", async () => {
    const t = await openPage("stale");
    const { page } = t;
    await openPatient(page);
    const stale = page.locator('[data-testid="source-status"][data-stale="true"]');
    assert.equal(await stale.count(), 1);
    assert.equal(await stale.getAttribute("data-source"), "Meadow Lane Surgery");
    const text = await stale.innerText();
    assert.match(text, /Failed \(EndpointUnreachable\)/);
    assert.match(text, /Showing data as of \d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d \(3 h old\)/);
    assert.match(text, /Could not connect to gp\.meadowlane\.example\.nhs\.uk/);
    assert.match(await page.getByTestId("sync-progress").innerText(), /3 sources OK, 1 failed/);
    assert.equal(await page.getByTestId("offline-banner").count(), 0);
    await t.shot("05-one-source-stale");
    await t.done();
  });

  it("shows the offline banner when no source can be reached", async () => {
    const t = await openPage("offline");
    const { page } = t;
    await openPatient(page);
    assert.match(await page.getByTestId("offline-banner").innerText(), /Offline: no source could be reached\..*Showing cached data from/);
    assert.equal(await page.locator('[data-testid="source-status"][data-stale="true"]').count(), 4);
    assert.equal((await rowAttrs(page, "data-source")).length, fx.events.length);
    await t.shot("06-offline");
    await t.done();
  });

  it("opens the patient from the launch URL and marks the first timeline paint", async () => {
    const t = await openPage("ok", { hash: "#nhs=9990000018" });
    const { page } = t;
    const started = Date.now();
    await page.getByTestId("banner").waitFor();
    assert.equal(await page.getByTestId("nhs-input").inputValue(), "999 000 0018");
    await page.waitForFunction(() => typeof window.__crossviewTimelinePaint === "number");
    const mark = await page.evaluate(() => window.__crossviewTimelinePaint);
    assert.ok(mark > started - 60_000 && mark <= Date.now());
    const calls = await page.evaluate(() => window.__mock.calls.filter((c) => c.cmd !== "app_info").map((c) => c.cmd));
    assert.deepEqual(calls.slice(0, 2), ["open_patient", "sync_patient"]);
    await t.done();
  });

  it("searches by family name and date of birth and opens the chosen patient", async () => {
    const t = await openPage();
    const { page } = t;
    await page.getByTestId("name-search-toggle").click();
    await page.getByLabel("Family name", { exact: true }).fill("Nobody");
    await page.getByLabel("Date of birth", { exact: true }).fill("1/1/1900");
    await page.getByTestId("name-search-submit").click();
    assert.equal(await page.getByTestId("name-search-empty").innerText(), "No patients found");
    await page.getByTestId("dob-input").fill("02-mar-48");
    await page.getByTestId("name-search-submit").click();
    assert.match(await page.getByTestId("dob-error").innerText(), /Enter the year with 4 digits, e\.g\. 14-Jul-1945/);
    await page.getByTestId("family-input").fill("Ashworth");
    await page.getByTestId("dob-input").fill("02/03/1948");
    await page.getByTestId("name-search-submit").click();
    await page.getByTestId("name-search-result").first().waitFor();
    const rows = await page.getByTestId("name-search-result").allInnerTexts();
    assert.equal(rows.length, 2);
    assert.match(rows[0].replace(/\s+/g, " "), /^ASHWORTH, Ada Born 02-Mar-1948 Gender Female NHS No\. 999 000 0018 \(sources: Meadow Lane Surgery, Riverside University Hospitals\)$/);
    assert.match(await page.getByTestId("name-search-failure").innerText(), /Northgate Mental Health Trust: The server did not answer within 20 seconds \(EndpointTimeout\)/);
    assert.match(await page.getByRole("status").filter({ hasText: "found" }).innerText(), /2 patients found/);
    await t.shot("08-name-search");
    await page.getByRole("button", { name: /ASHWORTH, Ada/ }).click();
    await page.getByTestId("banner").waitFor();
    assert.equal(await page.getByTestId("nhs-input").inputValue(), "999 000 0018");
    assert.equal(await page.getByTestId("name-search-toggle").getAttribute("aria-expanded"), "false", "collapsed once a patient is opened");
    const calls = await page.evaluate(() => window.__mock.calls.filter((c) => c.cmd !== "app_info"));
    const search = calls.filter((c) => c.cmd === "find_patients").map((c) => c.args);
    assert.deepEqual(search, [{ family: "Nobody", birthDate: "1900-01-01" }, { family: "Ashworth", birthDate: "1948-03-02" }]);
    const after = calls.map((c) => c.cmd).filter((c) => c !== "find_patients");
    assert.deepEqual(after.slice(0, 2), ["open_patient", "sync_patient"], "cache first, then sync");
    await t.done();
  });

  it("endpoints: add, test and save", async () => {
    const t = await openPage();
    const { page } = t;
    await page.getByTestId("nav-endpoints").click();
    await page.getByTestId("endpoint-row").first().waitFor();
    assert.equal(await page.getByTestId("endpoint-row").count(), 4);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.locator("#ep-name").fill("Hilltop Hospice");
    await page.locator("#ep-url").fill("https://fhir.hilltop.example.org");
    await page.locator(".endpoint-form").getByRole("button", { name: "Test connection" }).click();
    await page.getByText("✓ Connected").waitFor();
    assert.match(await page.locator(".endpoint-form").innerText(), /HAPI FHIR Server 7\.2\.0/);
    await page.getByRole("button", { name: "Add", exact: true }).click();
    assert.equal(await page.getByTestId("endpoint-row").count(), 5);
    await page.getByRole("button", { name: "Save endpoints" }).click();
    await page.getByText("Endpoints saved.").waitFor();
    const saved = await page.evaluate(() => window.__mock.saved);
    assert.equal(saved.length, 5);
    assert.equal(saved[4].name, "Hilltop Hospice");
    await t.shot("07-endpoints");
    await t.done();
  });

  it("has no serious or critical axe violations (record + discharge reader + endpoints)", async () => {
    const t = await openPage("stale", { axe: true });
    const { page } = t;
    const check = async (what) => {
      const r = await page.evaluate(async () => {
        const res = await window.axe.run(document, { resultTypes: ["violations"] });
        return res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
      });
      const bad = r.filter((v) => v.impact === "serious" || v.impact === "critical");
      assert.deepEqual(bad, [], `${what}: ${JSON.stringify(bad, null, 1)}`);
    };
    await check("lookup");
    await page.getByTestId("name-search-toggle").click();
    await page.getByTestId("family-input").fill("Ashworth");
    await page.getByTestId("dob-input").fill("02-Mar-1948");
    await page.getByTestId("name-search-submit").click();
    await page.getByTestId("name-search-failure").waitFor();
    await check("name search results");
    await openPatient(page);
    await page.getByTestId("timeline-row").first().click();
    await check("record with detail panel");
    await page.getByTestId("open-discharge").click();
    await page.getByTestId("discharge-section").first().waitFor();
    await check("discharge reader");
    await page.getByTestId("nav-endpoints").click();
    await page.getByTestId("endpoint-row").first().waitFor();
    await check("endpoints");
    await t.done();
  });
});
