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
import { timelineQuery } from "./timeline-query.mjs";

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
 * A fresh page with the IPC mock for `scenario` (`ok`, `stale`, `offline`, `suspect`).
 * `cache` is what the first open reads (`ok` an hour old by default; `empty` for a
 * patient never synced); `older` adds that many older entries to the record (a long
 * timeline); `pageDelay` is how long a timeline page takes. Page errors and CSP
 * violations fail the test in `done`.
 */
async function openPage(
  scenario = "ok",
  { hash = "", axe = false, width = 1280, height = 800, scale = 1, cache = "ok", syncDelay = 15, demo = false, askBasis = false, older = 0, pageDelay = 15 } = {},
) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: scale, locale: "en-US", timezoneId: "Europe/London" });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  const now = Date.now();
  await page.addInitScript({ content: `window.__timelineQuery = (${timelineQuery})();` });
  await page.addInitScript(installMockIpc, {
    scenario,
    demo,
    askBasis,
    nhs: fx.NHS,
    cache: fx.record(cache, now - 3600_000, older),
    record: fx.record(scenario, now, older),
    pageDelay,
    syncMessages: fx.syncMessages(scenario),
    syncDelay,
    discharge: fx.discharge,
    letter: fx.letter,
    endpoints: fx.endpoints,
    endpointDefaults: fx.endpointDefaults,
    connectionOk: fx.connectionOk,
    patientSearch: fx.patientSearch,
  });
  if (axe) await page.addInitScript({ path: AXE });
  await page.goto(`${server.url}index.html${hash}`);
  return {
    page,
    async shot(name) {
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
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
  await syncDone(page);
}

/** Answer the access-basis prompt (which must be on screen). */
async function answerBasis(page, basis = "direct-care", reason = "") {
  await page.getByTestId("basis-dialog").waitFor();
  await page.getByTestId(`basis-${basis}`).check();
  if (reason) await page.getByTestId("basis-reason").fill(reason);
  await page.getByTestId("basis-continue").click();
  await page.getByTestId("basis-dialog").waitFor({ state: "detached" });
}

/** The calls that read or change the record (not the basis bookkeeping). */
const GOVERNANCE = new Set(["app_info", "basis_for", "declare_basis", "declare_search_basis"]);

/** Sync finished: the button is enabled again. */
const syncDone = (page) =>
  page.waitForFunction(() => {
    const b = document.querySelector('[data-testid="sync-button"]');
    return b && !b.disabled;
  });

async function showTimeline(page) {
  await page.getByTestId("tab-timeline").click();
  await page.getByTestId("timeline-row").first().waitFor();
}

/** The timeline shows what it asked the core for: no query or page still loading. */
const settled = (page) =>
  page.waitForFunction(() => {
    const list = document.querySelector('[data-testid="timeline"]');
    return !!list && list.getAttribute("aria-busy") === "false" && !list.querySelector('[data-testid="timeline-row-placeholder"], [data-testid="timeline-loading"]');
  });

/** The `timeline_page` calls made so far. */
const pageCalls = (page) => page.evaluate(() => window.__mock.calls.filter((c) => c.cmd === "timeline_page").map((c) => c.args));

const rowAttrs = (page, attr) =>
  page.$$eval(`[data-testid="timeline-row"]`, (rows, a) => rows.map((r) => r.getAttribute(a)), attr);

/** Every row's attribute, scrolling through the whole (virtualised) list. */
const allRowAttrs = (page, attr) =>
  page.evaluate(async (a) => {
    const list = document.querySelector('[data-testid="timeline"]');
    const seen = new Map();
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    list.scrollTop = 0;
    await frame();
    for (;;) {
      // Rows whose page is still on its way are placeholders: wait for them.
      for (let i = 0; i < 300 && list.querySelector('[data-testid="timeline-row-placeholder"]'); i++) await frame();
      for (const r of document.querySelectorAll('[data-testid="timeline-row"]')) seen.set(r.dataset.resourceId + r.dataset.sourceId, r.getAttribute(a));
      if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) break;
      list.scrollTop += Math.max(40, list.clientHeight - 40);
      await frame();
    }
    list.scrollTop = 0;
    return [...seen.values()];
  }, attr);

/** Widths of a row's title text box and the row itself. */
const titleWidth = (page) =>
  page.$eval('[data-testid="timeline-row"] .row__title', (el) => ({ title: el.getBoundingClientRect().width, row: el.parentElement.getBoundingClientRect().width }));

/** Timeline rows wholly visible in the window without scrolling (and that carry a date). */
const fullyVisibleRows = (page) =>
  page.evaluate(() => {
    const list = document.querySelector('[data-testid="timeline"]').getBoundingClientRect();
    const bottom = Math.min(list.bottom, window.innerHeight);
    return [...document.querySelectorAll('[data-testid="timeline-row"]')].filter((r) => {
      const b = r.getBoundingClientRect();
      return b.height > 0 && b.top >= list.top - 0.5 && b.bottom <= bottom + 0.5 && !/^Not known/.test(r.querySelector(".row__date").textContent);
    }).length;
  });

/** Box of a test id (or null when absent/hidden). */
const box = (page, testid) => page.getByTestId(testid).first().boundingBox();

/** Pairs of the given elements whose boxes overlap, and elements cut off by the window. */
const layoutProblems = (page, selectors) =>
  page.evaluate((sels) => {
    const out = [];
    const els = sels.flatMap((s) => [...document.querySelectorAll(s)].map((el) => [s, el]));
    const rects = els.map(([s, el]) => [s, el.getBoundingClientRect()]).filter(([, r]) => r.width > 0 && r.height > 0);
    for (let i = 0; i < rects.length; i++) {
      const [s, r] = rects[i];
      if (r.right > document.documentElement.clientWidth + 1 || r.left < -1) out.push(`${s} cut off horizontally (${Math.round(r.left)}–${Math.round(r.right)})`);
      for (let j = i + 1; j < rects.length; j++) {
        const [t, q] = rects[j];
        const ox = Math.min(r.right, q.right) - Math.max(r.left, q.left);
        const oy = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
        if (ox > 1 && oy > 1) out.push(`${s} overlaps ${t}`);
      }
    }
    if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1) out.push(`page scrolls sideways (${document.documentElement.scrollWidth} > ${document.documentElement.clientWidth})`);
    return out;
  }, selectors);

/** axe-core on the whole page: no serious or critical violations. */
async function axeCheck(page, what) {
  const r = await page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ["violations"] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  const bad = r.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `${what}: ${JSON.stringify(bad, null, 1)}`);
}

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

  it("opens a patient on the summary first: flags at the top, allergies, medicines; a flag shows its entries", async () => {
    const t = await openPage();
    const { page } = t;
    await openPatient(page);
    const banner = await page.getByTestId("banner").innerText();
    assert.match(banner, /ASHWORTH, Ada \(Mrs\)/);
    assert.match(banner, /Born\s*02-Mar-1948 \(\d+y\)/);
    assert.match(banner, /NHS No\.\s*999 000 0018/);
    assert.match(await page.getByTestId("banner-allergies").innerText(), /Penicillin HIGH CRITICALITY: Anaphylaxis \(Meadow Lane Surgery\)/);
    assert.match(await page.getByTestId("banner-warnings").innerText(), /WARNING Date of birth differs: 02-Mar-1948 at Meadow Lane Surgery; 03-Mar-1948 at Northgate Mental Health Trust/);
    // The lookup is folded into the header.
    assert.equal(await page.locator("header [data-testid=nhs-input]").inputValue(), "999 000 0018");
    const calls = await page.evaluate(() => window.__mock.calls.map((c) => c.cmd));
    assert.ok(calls.indexOf("open_patient") < calls.indexOf("sync_patient"), "cache first, then sync");

    assert.equal(await page.getByTestId("tab-summary").getAttribute("aria-selected"), "true");
    assert.ok(await page.getByTestId("summary").isVisible());
    assert.ok(!(await page.getByTestId("timeline").isVisible()), "the timeline is one click away");
    const flags = page.getByTestId("summary-flag");
    assert.deepEqual(await flags.evaluateAll((fs) => fs.map((f) => [f.dataset.kind, f.dataset.severity])), [
      ["allergy-to-ingredient", "warning"],
      ["stopped-elsewhere", "warning"],
      ["demographics-differ", "caution"],
    ]);
    assert.match(await flags.first().innerText(), /^WARNING Allergy to an ingredient of a current medicine Co-amoxiclav/);
    assert.match(await flags.nth(2).innerText(), /^CAUTION/);
    // Flags come first, above the groups.
    const f0 = await flags.first().boundingBox();
    const g0 = await page.getByTestId("allergy-group").first().boundingBox();
    assert.ok(f0.y < g0.y);
    assert.equal(await page.getByTestId("allergy-group").count(), 2);
    assert.match(await page.getByTestId("allergy-group").first().innerText(), /HIGH CRITICALITY/);
    assert.equal(await page.getByTestId("medicine-group").count(), 7);
    assert.match(await page.getByTestId("do-not-give").innerText(), /Ibuprofen 400mg tablets/);
    assert.match(await page.getByTestId("recently-stopped").innerText(), /Recently stopped or changed \(last 90 days\)/);
    await t.shot("02-summary");

    await flags.first().getByTestId("flag-show-entries").click();
    const refs = flags.first().getByTestId("flag-ref");
    assert.equal(await refs.count(), 2);
    const hl = page.locator('[data-testid="summary-entry"][data-highlighted="true"]');
    assert.deepEqual(await hl.evaluateAll((es) => es.map((e) => e.dataset.resourceId)), ["al-1", "mr-4"]);
    await t.shot("02b-summary-flag-entries");
    // An entry opens in the timeline's detail panel (read from the core by its key).
    await refs.nth(1).getByTestId("flag-ref-open").click();
    await page.locator('[data-testid="tab-timeline"][aria-selected="true"]').waitFor();
    assert.match(await page.getByTestId("detail-panel").innerText(), /Co-amoxiclav 500mg\/125mg tablets/);
    const looked = await page.evaluate(() => window.__mock.calls.filter((c) => c.cmd === "timeline_entries").map((c) => c.args));
    assert.deepEqual(looked, [{ nhs: fx.NHS, keys: [{ source_id: "riverside", resource_type: "MedicationRequest", resource_id: "mr-4" }] }]);
    // Its row is selected and marked open in the list.
    const row = page.locator('[data-testid="timeline-row"][data-resource-id="mr-4"]');
    assert.equal(await row.getAttribute("aria-selected"), "true");
    assert.match(await row.getAttribute("class"), /row--open/);
    await t.done();
  });

  it("the timeline, one click away: rows from every source, readable titles, compact sources panel", async () => {
    const t = await openPage();
    const { page } = t;
    await openPatient(page);
    await showTimeline(page);
    const sources = new Set(await allRowAttrs(page, "data-source"));
    assert.deepEqual([...sources].sort(), ["Meadow Lane Surgery", "Northgate Mental Health Trust", "Northshire Adult Social Care", "Riverside University Hospitals"]);
    assert.equal((await allRowAttrs(page, "data-resource-id")).length, fx.events.length);
    // The title gets the room (not "F…").
    const w = await titleWidth(page);
    assert.ok(w.title > 180, `title column ${w.title}px of ${w.row}px`);
    // A stopped medicine says so on its row.
    const stopped = page.locator('[data-testid="timeline-row"][data-resource-id="mr-3"]');
    assert.match(await stopped.innerText(), /STOPPED/);
    // Sources panel: compact, no per-type or zero counts.
    const panel = await page.locator(".sources").innerText();
    assert.match(panel, /Riverside University Hospitals/);
    assert.match(panel, /Read recently/);
    assert.match(panel, /Updated \d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d/);
    assert.match(panel, /24 resources/);
    assert.doesNotMatch(panel, /MedicationStatement:|: 0\b/);
    // The sources column folds away.
    await page.getByTestId("sources-toggle").click();
    assert.ok(!(await page.locator(".sources").isVisible()));
    const wide = await titleWidth(page);
    assert.ok(wide.row > w.row, "the list takes the room");
    await page.getByTestId("sources-toggle").click();
    await t.shot("03-timeline-all-sources");
    await t.done();
  });

  it("wide window: single-line rows, title column flexible, source badge inside the row", async () => {
    const t = await openPage("ok", { width: 1720, height: 900 });
    const { page } = t;
    await openPatient(page);
    await showTimeline(page);
    await page.getByTestId("sources-toggle").click();
    const layout = await page.$eval('[data-testid="timeline-row"]', (r) => {
      const b = (sel) => r.querySelector(sel).getBoundingClientRect();
      return { row: r.getBoundingClientRect(), title: b(".row__title"), source: b(".badge--source"), date: b(".row__date") };
    });
    assert.equal(layout.row.height, 40);
    assert.equal(Math.round(layout.title.top), Math.round(layout.date.top), "one line");
    assert.ok(layout.title.width > 250, `title ${layout.title.width}px`);
    assert.ok(layout.source.right <= layout.row.right, "source badge inside the row");
    await t.shot("03b-timeline-wide");
    await t.done();
  });

  it("filters to discharges and by NHS-style dates", async () => {
    const t = await openPage();
    const { page } = t;
    await openPatient(page);
    await showTimeline(page);
    await page.getByTestId("filter-kind-discharge").click();
    await settled(page);
    const kinds = await rowAttrs(page, "data-kind");
    assert.equal(kinds.length, 3);
    assert.ok(kinds.every((k) => k === "discharge"));
    // The core was asked for discharges only, from the top.
    assert.deepEqual((await pageCalls(page)).at(-1), { nhs: fx.NHS, kinds: ["discharge"], sources: [], text: null, from: null, to: null, offset: 0, limit: 200 });
    await page.getByTestId("filter-dates").locator("summary").click();
    assert.equal(await page.getByTestId("date-from").getAttribute("type"), "text");
    await page.getByTestId("date-from").fill("01-Aug-2026");
    await settled(page);
    assert.equal((await rowAttrs(page, "data-kind")).length, 2);
    assert.equal((await pageCalls(page)).at(-1).from, "2026-08-01");
    await page.getByTestId("date-to").fill("31/02/2026");
    await page.getByTestId("date-to").press("Tab");
    assert.match(await page.getByTestId("date-error").innerText(), /To date: Enter a real date, e\.g\. 01-Jan-2024/);
    await t.shot("04-discharges-date-error");
    await page.getByTestId("date-to").fill("2026-10-10");
    await page.getByTestId("date-to").press("Enter");
    assert.equal(await page.getByTestId("date-to").inputValue(), "10-Oct-2026");
    assert.equal(await page.getByTestId("date-error").count(), 0);
    await settled(page);
    assert.equal((await rowAttrs(page, "data-kind")).length, 0);
    await page.getByTestId("date-from").fill("");
    await settled(page);
    assert.deepEqual(await rowAttrs(page, "data-resource-id"), ["dis-2"]);
    // Esc closes the drop-down and returns to its toggle.
    await page.keyboard.press("Escape");
    assert.equal(await page.getByTestId("filter-dates").getAttribute("open"), null);
    assert.match(await page.getByTestId("filter-dates").innerText(), /Dates \(any to 10-Oct-2026\)/);
    await t.done();
  });

  it("a long record is read a page at a time: later pages as the list scrolls, counts from the core", async () => {
    const older = 1500;
    const total = fx.events.length + older;
    const t = await openPage("ok", { older, pageDelay: 80 });
    const { page } = t;
    await openPatient(page);
    assert.match(await page.getByTestId("tab-timeline").innerText(), new RegExp(`Timeline\\s*${total.toLocaleString("en-GB")}`));
    await showTimeline(page);
    // The first screen comes with the record; the scrollbar is the whole record's from the start.
    assert.deepEqual(await pageCalls(page), []);
    assert.equal(await page.getByTestId("timeline").evaluate((l) => l.scrollHeight), total * 40);
    assert.ok((await page.getByTestId("timeline-row").count()) < 60);
    // Scrolled past the first page: placeholder rows, then the rows of the second page.
    await page.getByTestId("timeline").evaluate((l) => (l.scrollTop = 250 * 40));
    await page.getByTestId("timeline-row-placeholder").first().waitFor();
    assert.equal(await page.getByTestId("timeline-row-placeholder").first().innerText(), "Loading…");
    await settled(page);
    const calls = await pageCalls(page);
    assert.ok(calls.some((c) => c.offset === 200 && c.limit === 200 && c.kinds.length === 0 && c.text === null), JSON.stringify(calls));
    // Row 250 (the record's dated entries, then the older ones).
    assert.ok((await rowAttrs(page, "data-resource-id")).includes(`old-${250 - (fx.events.length - 1)}`));
    await t.shot("15-long-record-page-2");
    // The end of the list: the undated entry last.
    await page.getByTestId("timeline").evaluate((l) => (l.scrollTop = l.scrollHeight));
    await settled(page);
    assert.ok((await rowAttrs(page, "data-resource-id")).includes("co-3"));
    assert.ok((await pageCalls(page)).some((c) => c.offset === 1400));

    // A filter asks the core again from the top; the counts are the core's.
    const allergies = [...fx.events, ...fx.olderEvents(older)].filter((e) => e.kind === "allergy").length;
    await page.getByTestId("filter-kind-allergy").click();
    await settled(page);
    assert.deepEqual((await pageCalls(page)).at(-1), { nhs: fx.NHS, kinds: ["allergy"], sources: [], text: null, from: null, to: null, offset: 0, limit: 200 });
    assert.equal(await page.getByTestId("timeline").evaluate((l) => l.scrollTop), 0);
    assert.ok((await rowAttrs(page, "data-kind")).every((k) => k === "allergy"));
    assert.match(await page.getByTestId("filter-kind-allergy").innerText(), new RegExp(`Allergies \\(${allergies}\\)`));
    assert.match(await page.getByTestId("filter-kind-encounter").innerText(), /Encounters \(\d+\)/);
    assert.equal(await page.getByTestId("timeline-count").innerText(), `Showing ${allergies} of ${total.toLocaleString("en-GB")} events`);

    // Search: each word starts a word of a title or detail; sent once typing pauses.
    await page.getByTestId("filter-kind-allergy").click();
    await page.getByTestId("search-input").pressSequentially("Pénic", { delay: 10 });
    await page.waitForFunction(() => window.__mock.calls.filter((c) => c.cmd === "timeline_page").at(-1)?.args.text === "Pénic");
    await settled(page);
    assert.deepEqual(await rowAttrs(page, "data-resource-id"), ["al-1"]);
    assert.equal(await page.getByTestId("timeline-count").innerText(), `Showing 1 of ${total.toLocaleString("en-GB")} events`);
    await t.done();
  });

  it("every source hidden: nothing matches, and the core is not asked", async () => {
    const t = await openPage();
    const { page } = t;
    await openPatient(page);
    await showTimeline(page);
    await page.getByTestId("filter-sources").locator("summary").click();
    const boxes = page.getByTestId("filter-source");
    assert.equal(await boxes.count(), 4);
    for (let i = 0; i < 3; i++) {
      await boxes.nth(i).uncheck();
      await settled(page);
    }
    const left = await rowAttrs(page, "data-source-id");
    assert.ok(left.length > 0 && left.every((x) => x === "northshire"), left.join());
    assert.deepEqual((await pageCalls(page)).at(-1).sources, ["northshire"]);
    const asked = (await pageCalls(page)).length;
    await boxes.nth(3).uncheck();
    await settled(page);
    assert.equal(await page.getByTestId("timeline-empty").innerText(), "No events match the filters.");
    assert.equal((await pageCalls(page)).length, asked, "no call when nothing can match");
    assert.equal(await page.getByTestId("timeline-count").innerText(), `Showing 0 of ${fx.events.length} events`);
    await t.done();
  });

  it("a page the core could not read is said, never shown as no entries; Try again reads it", async () => {
    const t = await openPage();
    const { page } = t;
    await openPatient(page);
    await showTimeline(page);
    await page.evaluate(() => (window.__mock.failPages = true));
    await page.getByTestId("filter-kind-encounter").click();
    await page.getByTestId("timeline-error").waitFor();
    assert.match(await page.getByTestId("timeline-error").innerText(), /Some of the timeline could not be read\. The saved records on this computer could not be read or written\./);
    assert.equal(await page.getByTestId("timeline-empty").count(), 0);
    assert.equal(await page.getByTestId("timeline-row").count(), 0);
    assert.equal(await page.getByTestId("timeline-count").innerText(), "Events not read");
    await t.shot("16-timeline-page-error");
    await page.evaluate(() => (window.__mock.failPages = false));
    await page.getByTestId("timeline-retry").click();
    await settled(page);
    assert.equal(await page.getByTestId("timeline-error").count(), 0);
    const kinds = await rowAttrs(page, "data-kind");
    assert.ok(kinds.length > 0 && kinds.every((k) => k === "encounter"));
    await t.done();
  });

  it("discharge reader: changes panel at the top, narrative before sections, stopped medicines apart; Esc returns to the row", async () => {
    const t = await openPage();
    const { page } = t;
    await openPatient(page);
    await showTimeline(page);
    await page.getByTestId("filter-kind-discharge").click();
    await settled(page);
    await page.locator('[data-testid="timeline-row"][data-resource-id="dis-1"]').click();
    assert.equal(await page.getByTestId("open-discharge").innerText(), "Read discharge summary");
    await page.getByTestId("open-discharge").click();
    const reader = page.getByTestId("discharge-reader");
    await page.getByTestId("discharge-section").first().waitFor();
    assert.equal(await page.getByTestId("discharge-section").count(), 4);
    // Changes panel first, then the narrative, then the sections.
    const changes = page.getByTestId("medication-changes");
    const ys = [
      (await changes.boundingBox()).y,
      (await page.getByTestId("discharge-narrative").boundingBox()).y,
      (await page.getByTestId("discharge-section").first().boundingBox()).y,
    ];
    assert.deepEqual(ys.slice().sort((a, b) => a - b), ys);
    assert.match(await page.getByTestId("changes-basis").innerText(), /Compared with the GP list from Meadow Lane Surgery\./);
    assert.match(await page.getByTestId("changes-started").innerText(), /STARTED[\s\S]*Apixaban 5mg tablets/);
    assert.match(await page.getByTestId("changes-stopped").innerText(), /Amlodipine 5mg tablets — Reason Low blood pressure on admission/);
    assert.match(await page.getByTestId("changes-not-mentioned").innerText(), /Sertraline 50mg tablets/);
    // A stopped medicine is never under the plain heading.
    const take = await page.getByTestId("meds-take").innerText();
    assert.match(take, /^Medications on discharge/);
    assert.doesNotMatch(take, /Amlodipine/);
    assert.match(await page.getByTestId("meds-stopped").innerText(), /STOPPED\s*Amlodipine 5mg tablets/);
    const meds = page.getByTestId("discharge-medication");
    assert.equal(await meds.count(), 4);
    assert.equal(await meds.first().locator("strong").innerText(), "Apixaban 5mg tablets");
    assert.doesNotMatch(await reader.innerText(), /Intent order|Category Discharge/);
    // Removed content is visibly marked.
    const removed = page.locator('[data-testid="discharge-narrative"] .removed').first();
    assert.equal(await removed.innerText(), "[image removed]");
    const style = await removed.evaluate((el) => getComputedStyle(el).borderTopStyle);
    assert.equal(style, "dashed");
    assert.equal(await page.getByTestId("section-empty").innerText(), "Section empty: None performed");
    await t.shot("05-discharge-reader");

    // Links in a narrative never navigate: '#nhs=…' does nothing, '#plan' stays in its narrative.
    const url = page.url();
    await page.getByTestId("discharge-narrative").getByText("open", { exact: true }).click();
    await page.getByTestId("discharge-narrative").getByText("the plan").click();
    assert.equal(page.url(), url);
    assert.equal(await page.evaluate(() => location.hash), "");
    const opens = await page.evaluate(() => window.__mock.calls.filter((c) => c.cmd === "open_patient").map((c) => c.args.nhs));
    assert.ok(opens.every((n) => n === fx.NHS));

    // Esc closes the reader; focus returns to the row that opened it.
    await page.keyboard.press("Escape");
    assert.equal(await reader.count(), 0);
    const focus = await page.evaluate(() => {
      const a = document.activeElement;
      const row = document.getElementById(a.getAttribute("aria-activedescendant"));
      return { list: a.dataset.testid, row: row?.dataset.resourceId };
    });
    assert.deepEqual(focus, { list: "timeline", row: "dis-1" });
    await t.done();
  });

  it("a letter opens as a letter, with its superseded banner at the top", async () => {
    const t = await openPage();
    const { page } = t;
    await openPatient(page);
    await showTimeline(page);
    await page.locator('[data-testid="timeline-row"][data-resource-id="doc-n1"]').click();
    assert.equal(await page.getByTestId("open-discharge").innerText(), "Read letter");
    await page.getByTestId("open-discharge").click();
    await page.getByTestId("superseded").waitFor();
    assert.match(await page.getByTestId("superseded").innerText(), /Superseded — replaced by Memory clinic letter \(corrected\)/);
    assert.equal(await page.getByTestId("medication-changes").count(), 0);
    await t.shot("05b-letter-superseded");
    await t.done();
  });

  it("a failed sync: the source says 'as of', its rows carry 'as of', allergies say INCOMPLETE with the gap", async () => {
    const t = await openPage("stale");
    const { page } = t;
    await openPatient(page);
    const a = await page.getByTestId("banner-allergies").innerText();
    assert.match(a, /INCOMPLETE/);
    assert.match(a, /Not known from Meadow Lane Surgery: its last sync failed \(EndpointUnreachable\)/);
    assert.doesNotMatch(a, /No known allergies|Allergies not recorded/);
    assert.match(await page.getByTestId("allergy-gaps").innerText(), /Not known from Meadow Lane Surgery/);
    const stale = page.locator('[data-testid="source-status"][data-stale="true"]');
    assert.equal(await stale.count(), 1);
    assert.equal(await stale.getAttribute("data-source"), "Meadow Lane Surgery");
    const text = await stale.innerText();
    assert.match(text, /Failed/);
    assert.match(text, /Showing data as of \d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d \(3 h old\)/);
    assert.match(text, /Meadow Lane Surgery could not be reached\./);
    // The technical detail is one click away.
    await stale.locator("summary", { hasText: "Technical detail" }).click();
    assert.match(await stale.innerText(), /EndpointUnreachable: Could not connect to gp\.meadowlane\.example\.nhs\.uk/);
    assert.match(await page.getByTestId("sync-progress").innerText(), /3 sources OK, 1 failed/);
    assert.equal(await page.getByTestId("offline-banner").count(), 0);
    await t.shot("06-one-source-stale-summary");
    await showTimeline(page);
    const marks = await page.$$eval('[data-testid="timeline-row"][data-stale="true"]', (rs) => rs.map((r) => [r.dataset.sourceId, r.querySelector('[data-testid="stale-mark"]')?.textContent]));
    assert.ok(marks.length > 0);
    for (const [src, mark] of marks) {
      assert.equal(src, "meadow-lane");
      assert.match(mark, /as of \d\d:\d\d/);
    }
    await page.locator('[data-testid="timeline-row"][data-stale="true"]').first().click();
    assert.match(await page.getByTestId("detail-stale").innerText(), /data from Meadow Lane Surgery as of .* \(its latest sync failed\): this entry may be out of date/);
    await t.shot("06b-one-source-stale-timeline");
    await t.done();
  });

  it("shows the offline banner when no source can be reached", async () => {
    const t = await openPage("offline");
    const { page } = t;
    await openPatient(page);
    assert.match(await page.getByTestId("offline-banner").innerText(), /Offline: no source could be reached\..*Showing cached data from/);
    assert.equal(await page.locator('[data-testid="source-status"][data-stale="true"]').count(), 4);
    await showTimeline(page);
    assert.equal((await allRowAttrs(page, "data-resource-id")).length, fx.events.length);
    await t.shot("07-offline");
    await t.done();
  });

  it("the first sync with nothing cached: the banner says it is loading and from which sources", async () => {
    const t = await openPage("ok", { cache: "empty", syncDelay: 700, axe: true });
    const { page } = t;
    await page.getByTestId("nhs-input").fill("999 000 0018");
    await page.getByTestId("nhs-submit").click();
    await page.getByTestId("banner-loading").waitFor();
    const banner = await page.getByTestId("banner").innerText();
    assert.match(banner, /Loading record…/);
    assert.match(banner, /LOADING from Riverside University Hospitals, Meadow Lane Surgery, Northgate Mental Health Trust, Northshire Adult Social Care/);
    assert.match(banner, /Not known yet — loading from/);
    assert.doesNotMatch(banner, /Name not known|Allergies not recorded|No known allergies/);
    assert.match(await page.getByTestId("summary-loading").innerText(), /Still loading from/);
    assert.equal(await page.getByTestId("offline-banner").count(), 0);
    await page.getByTestId("tab-timeline").click();
    assert.match(await page.getByTestId("timeline-empty").innerText(), /^Loading the record from /);
    await page.getByTestId("tab-summary").click();
    await t.shot("08-first-sync-loading");
    await axeCheck(page, "loading");
    await syncDone(page);
    assert.equal(await page.getByTestId("banner").getAttribute("data-loading"), "false");
    assert.match(await page.getByTestId("banner").innerText(), /ASHWORTH, Ada/);
    await t.done();
  });

  it("a suspect source: 'Accept the new data from …' after a confirmation", async () => {
    const t = await openPage("suspect");
    const { page } = t;
    await openPatient(page);
    const item = page.locator('[data-testid="source-status"][data-state="suspect"]');
    assert.match(await item.innerText(), /Kept aside/);
    await item.getByTestId("accept-suspect").click();
    assert.match(await item.innerText(), /Entries disappeared\./);
    await item.getByTestId("accept-suspect-confirm").click();
    await page.waitForFunction(() => !!window.__mock.accepted);
    assert.deepEqual(await page.evaluate(() => window.__mock.accepted), { nhs: fx.NHS, source: "northgate" });
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
    const calls = (await page.evaluate(() => window.__mock.calls.map((c) => c.cmd))).filter((c) => !GOVERNANCE.has(c));
    assert.deepEqual(calls.slice(0, 2), ["open_patient", "sync_patient"]);
    // The sync after an open asks only for changes; "Full sync" asks for everything.
    await syncDone(page);
    if (!(await page.getByTestId("full-sync-button").isVisible())) await page.getByTestId("sources-toggle").click();
    await page.getByTestId("full-sync-button").click();
    await syncDone(page);
    const fulls = await page.evaluate(() => window.__mock.calls.filter((c) => c.cmd === "sync_patient").map((c) => c.args.full));
    assert.deepEqual(fulls, [false, true]);
    // The fragment is read once: changing it later does not switch the patient.
    await page.evaluate(() => {
      location.hash = "#nhs=9990000026";
    });
    await page.waitForTimeout(200);
    const opened = await page.evaluate(() => window.__mock.calls.filter((c) => c.cmd === "open_patient").map((c) => c.args.nhs));
    assert.ok(opened.every((n) => n === fx.NHS), JSON.stringify(opened));
    await t.done();
  });

  it("searches by family name and date of birth and opens the chosen patient", async () => {
    const t = await openPage();
    const { page } = t;
    await page.getByTestId("name-search-toggle").click();
    await page.getByLabel("Family name", { exact: true }).fill("Nobody");
    await page.getByLabel("Date of birth", { exact: true }).fill("1/1/1900");
    await page.getByTestId("name-search-submit").click();
    // The first search of the session asks why.
    await answerBasis(page);
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
    assert.match(await page.getByTestId("name-search-failure").innerText(), /Northgate Mental Health Trust did not answer in time\./);
    assert.match(await page.getByRole("status").filter({ hasText: "found" }).innerText(), /2 patients found/);
    await t.shot("09-name-search");
    await page.getByRole("button", { name: /ASHWORTH, Ada/ }).click();
    await page.getByTestId("banner").waitFor();
    assert.equal(await page.getByTestId("nhs-input").inputValue(), "999 000 0018");
    assert.equal(await page.getByTestId("name-search-toggle").getAttribute("aria-expanded"), "false", "collapsed once a patient is opened");
    const calls = (await page.evaluate(() => window.__mock.calls)).filter((c) => !GOVERNANCE.has(c.cmd));
    const search = calls.filter((c) => c.cmd === "find_patients").map((c) => c.args);
    assert.deepEqual(search, [{ family: "Nobody", birthDate: "1900-01-01" }, { family: "Ashworth", birthDate: "1948-03-02" }]);
    const after = calls.map((c) => c.cmd).filter((c) => c !== "find_patients");
    assert.deepEqual(after.slice(0, 2), ["open_patient", "sync_patient"], "cache first, then sync");
    await t.done();
  });

  it("endpoints: add (the core's defaults), test and save", async () => {
    const t = await openPage();
    const { page } = t;
    await page.getByTestId("nav-endpoints").click();
    await page.getByTestId("endpoint-row").first().waitFor();
    assert.equal(await page.getByTestId("endpoint-row").count(), 4);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    assert.equal(await page.locator("#ep-timeout").inputValue(), "20");
    assert.equal(await page.locator("#ep-page").inputValue(), "200");
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
    assert.equal(saved[4].id, null);
    assert.deepEqual(saved.slice(0, 4).map((e) => e.id), ["riverside", "meadow-lane", "northgate", "northshire"]);
    await t.shot("10-endpoints");
    await t.done();
  });

  it("endpoints in demo mode: read-only with a note", async () => {
    const t = await openPage("ok", { demo: true });
    const { page } = t;
    await page.getByTestId("nav-endpoints").click();
    await page.getByTestId("endpoint-row").first().waitFor();
    assert.match(await page.getByTestId("endpoints-demo-note").innerText(), /Demo mode\./);
    assert.equal(await page.getByRole("button", { name: "Add endpoint" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: "Save endpoints" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: /^Edit/ }).count(), 0);
    await t.shot("10b-endpoints-demo");
    await t.done();
  });

  for (const [width, height, minRows] of [
    [1024, 768, 8],
    [1366, 768, 12],
  ]) {
    it(`layout at ${width}×${height}: allergy line and at least ${minRows} dated rows visible without scrolling`, async () => {
      const t = await openPage("stale", { width, height });
      const { page } = t;
      await openPatient(page);
      await showTimeline(page);
      await t.shot(`11-layout-${width}x${height}`);
      const allergies = await box(page, "banner-allergies");
      assert.ok(allergies && allergies.y >= 0 && allergies.y + allergies.height <= height, `allergy line visible: ${JSON.stringify(allergies)}`);
      const rows = await fullyVisibleRows(page);
      assert.ok(rows >= minRows, `${rows} rows fully visible at ${width}×${height}, want ${minRows}`);
      const scrolls = await page.evaluate(() => {
        const m = document.querySelector("main");
        return m.scrollHeight > m.clientHeight + 1;
      });
      assert.equal(scrolls, false, "the page itself does not scroll");
      assert.deepEqual(await layoutProblems(page, ["header", "[data-testid=banner]", ".toolbar", ".filters", "[data-testid=timeline]", ".side"]), []);
      // Below ~1200 px the detail panel opens over the list; above it, beside it.
      await page.locator('[data-testid="timeline-row"]').nth(2).click();
      const list = await box(page, "timeline");
      const detail = await box(page, "detail-panel");
      const overlaps = detail.x < list.x + list.width - 1;
      assert.equal(overlaps, width < 1200, `detail ${JSON.stringify(detail)} list ${JSON.stringify(list)}`);
      if (width < 1200) {
        await page.getByTestId("detail-close").click();
        assert.equal(await page.getByTestId("detail-panel").isVisible(), false);
      }
      await page.locator('[data-testid="timeline-row"]').nth(2).click();
      await t.shot(`11-layout-${width}x${height}-detail`);
      await page.getByTestId("tab-summary").click();
      await t.shot(`11-layout-${width}x${height}-summary`);
      await t.done();
    });
  }

  it("1920×1080 and 200 % zoom: nothing clipped or overlapping", async () => {
    for (const [width, height, scale, name] of [
      [1920, 1080, 1, "12-layout-1920x1080"],
      [960, 540, 2, "12-layout-1920x1080-zoom200"],
    ]) {
      const t = await openPage("stale", { width, height, scale });
      const { page } = t;
      await openPatient(page);
      assert.deepEqual(await layoutProblems(page, ["header", "[data-testid=banner]", ".toolbar", "[data-testid=summary]", ".side"]), [], name);
      const parts = await layoutProblems(page, [".banner__name", ".banner__facts > div", "[data-testid=banner-allergies]", "[data-testid=banner-warnings]"]);
      assert.deepEqual(parts, [], `${name}: banner parts`);
      const headerParts = await layoutProblems(page, [".header__brand", ".lookup--compact", ".name-search__toggle", ".header__nav"]);
      assert.deepEqual(headerParts, [], `${name}: header parts`);
      await t.shot(`${name}-summary`);
      await showTimeline(page);
      await page.locator('[data-testid="timeline-row"]').first().click();
      assert.deepEqual(await layoutProblems(page, ["header", "[data-testid=banner]", ".toolbar", ".filters", "[data-testid=timeline]"]), [], `${name} timeline`);
      const filterParts = await layoutProblems(page, [".filters__search", ".filters__kinds", ".filters__dates", ".filters__sources", ".timeline__count"]);
      assert.deepEqual(filterParts, [], `${name}: filter parts`);
      await t.shot(name);
      await t.done();
    }
  });

  it("every control shows a visible focus indicator (checkboxes included)", async () => {
    const t = await openPage("stale", { width: 1366, height: 768 });
    const { page } = t;
    await openPatient(page);
    await showTimeline(page);
    await page.getByTestId("filter-sources").locator("summary").click();
    const panel = await page.getByTestId("filter-sources").locator(".dropdown__panel").boundingBox();
    assert.ok(panel.x >= 0 && panel.x + panel.width <= 1366 && panel.y + panel.height <= 768, `drop-down inside the window: ${JSON.stringify(panel)}`);
    await page.getByTestId("search-input").focus();
    const missing = [];
    const seen = new Set();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      const r = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const s = getComputedStyle(el);
        const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== "none");
        const name = `${el.tagName.toLowerCase()}${el.type ? `[${el.type}]` : ""}${el.dataset.testid ? `#${el.dataset.testid}` : ""} ${(el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 30)}`;
        return { ring, name };
      });
      if (!r) continue;
      seen.add(r.name.split(" ")[0]);
      if (!r.ring) missing.push(r.name);
    }
    assert.ok([...seen].some((n) => n.startsWith("input[checkbox]")), `checkboxes reached: ${[...seen]}`);
    assert.deepEqual(missing, []);
    await page.locator('input[type="checkbox"]').first().focus();
    await t.shot("13-focus-checkbox");
    await t.done();
  });

  it("asks why before opening a record: nothing is read until a basis is stated; emergency needs a reason", async () => {
    const t = await openPage("ok", { askBasis: true });
    const { page } = t;
    await page.getByTestId("nhs-input").fill("999 000 0018");
    await page.getByTestId("nhs-submit").click();
    await page.getByTestId("basis-dialog").waitFor();
    assert.match(await page.getByTestId("basis-dialog").innerText(), /999 000 0018/);
    let cmds = await page.evaluate(() => window.__mock.calls.map((c) => c.cmd));
    assert.ok(!cmds.includes("open_patient") && !cmds.includes("sync_patient"), `nothing read before the answer: ${cmds}`);
    await t.shot("14-basis-prompt");
    await page.getByTestId("basis-emergency").check();
    await page.getByTestId("basis-continue").click();
    assert.match(await page.getByTestId("basis-dialog").innerText(), /Enter a reason for emergency access/);
    cmds = await page.evaluate(() => window.__mock.calls.map((c) => c.cmd));
    assert.ok(!cmds.includes("declare_basis"), "nothing declared without a reason");
    await page.getByTestId("basis-reason").fill("Unconscious in ED");
    await page.getByTestId("basis-continue").click();
    await page.getByTestId("banner").waitFor();
    await syncDone(page);
    const calls = (await page.evaluate(() => window.__mock.calls)).filter((c) => c.cmd !== "app_info");
    const declared = calls.filter((c) => c.cmd === "declare_basis").map((c) => c.args);
    assert.deepEqual(declared, [{ nhs: fx.NHS, basis: "emergency", reason: "Unconscious in ED" }]);
    const reads = calls.map((c) => c.cmd).filter((c) => !GOVERNANCE.has(c));
    assert.deepEqual(reads.slice(0, 2), ["open_patient", "sync_patient"], "one audited open, cache first, then sync");
    assert.equal(reads.filter((c) => c === "open_patient").length, 1, "later reads are refreshes, not new opens");
    await t.done();
  });

  it("has no serious or critical axe violations (summary, timeline + detail, reader, endpoints)", async () => {
    const t = await openPage("stale", { axe: true });
    const { page } = t;
    await axeCheck(page, "lookup");
    await page.getByTestId("name-search-toggle").click();
    await page.getByTestId("family-input").fill("Ashworth");
    await page.getByTestId("dob-input").fill("02-Mar-1948");
    await page.getByTestId("name-search-submit").click();
    await page.getByTestId("basis-dialog").waitFor();
    await axeCheck(page, "access basis prompt");
    await answerBasis(page);
    await page.getByTestId("name-search-failure").waitFor();
    await axeCheck(page, "name search results");
    await openPatient(page);
    await page.getByTestId("summary-flag").first().getByTestId("flag-show-entries").click();
    await page.getByTestId("banner").getByRole("button", { name: /warnings/ }).count();
    await axeCheck(page, "summary");
    await showTimeline(page);
    await page.locator('[data-testid="timeline-row"][data-resource-id="dis-1"]').click();
    await page.getByTestId("filter-sources").locator("summary").click();
    await axeCheck(page, "timeline with detail panel");
    await page.getByTestId("open-discharge").click();
    await page.getByTestId("discharge-section").first().waitFor();
    await axeCheck(page, "discharge reader");
    await page.getByTestId("nav-endpoints").click();
    await page.getByTestId("endpoint-row").first().waitFor();
    await axeCheck(page, "endpoints");
    await t.done();
  });
});
