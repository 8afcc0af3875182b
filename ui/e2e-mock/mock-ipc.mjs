/**
 * Runs in the page (via page.addInitScript) before the app: a stand-in for the
 * Tauri IPC that @tauri-apps/api/core uses (`window.__TAURI_INTERNALS__`).
 * `invoke(cmd, args)` answers from `data`; a `Channel` argument (sync progress)
 * is fed messages through the callback it registered with `transformCallback`,
 * in the `{ index, message }` / `{ index, end }` shape the real IPC uses.
 * Every call is recorded in `window.__mock.calls`. The timeline's pages come
 * from `window.__timelineQuery` (timeline-query.mjs, injected before this);
 * `window.__mock.failPages = true` makes `timeline_page` fail.
 */
export function installMockIpc(data) {
  const callbacks = new Map();
  let nextId = 1;
  // A basis stated at launch (`--basis`) unless the scenario has the person asked for one.
  const access = data.askBasis ? {} : { [data.nhs]: { basis: "direct-care", reason: null } };
  const mock = { calls: [], saved: null, scenario: data.scenario, opens: 0, access, searchAccess: null, events: [], failPages: false };
  const timeline = window.__timelineQuery;
  window.__mock = mock;
  const delay = (ms) => new Promise((r) => setTimeout(r, ms));
  const clone = (v) => JSON.parse(JSON.stringify(v));
  const fail = (code, message) => Promise.reject({ code, message });

  const internals = {
    transformCallback(cb, once = false) {
      const id = nextId++;
      callbacks.set(id, (payload) => {
        if (once) callbacks.delete(id);
        return cb(payload);
      });
      return id;
    },
    unregisterCallback(id) {
      callbacks.delete(id);
    },
    runCallback(id, payload) {
      const cb = callbacks.get(id);
      if (cb) cb(payload);
    },
    callbacks,
    convertFileSrc: (p) => p,
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
    async invoke(cmd, args = {}) {
      mock.calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
      switch (cmd) {
        case "app_info":
          return { demo: !!data.demo };
        case "basis_for":
          return mock.access[args.nhs] ?? null;
        case "declare_basis":
          mock.access[args.nhs] = { basis: args.basis, reason: args.reason ?? null };
          return clone(mock.access[args.nhs]);
        case "declare_search_basis":
          mock.searchAccess = { basis: args.basis, reason: args.reason ?? null };
          return clone(mock.searchAccess);
        case "open_patient":
        case "refresh_patient": {
          if (args.nhs !== data.nhs) return fail("Internal", "No such patient in the mock");
          if (!mock.access[args.nhs]) return fail("AccessBasisRequired", "State why you are opening this record");
          mock.opens++;
          await delay(20);
          // The first open shows the cache; after a sync the scenario's outcome.
          const shown = mock.opens === 1 ? data.cache : data.record;
          mock.events = shown.events;
          return clone(shown.view);
        }
        case "timeline_page": {
          if (!mock.access[args.nhs]) return fail("AccessBasisRequired", "State why you are opening this record");
          await delay(data.pageDelay);
          if (mock.failPages) return fail("CacheError", "disk I/O error reading the timeline");
          try {
            return clone(timeline.page(mock.events, args));
          } catch (e) {
            return Promise.reject(e);
          }
        }
        case "timeline_entries": {
          if (!mock.access[args.nhs]) return fail("AccessBasisRequired", "State why you are opening this record");
          await delay(5);
          return clone(timeline.entries(mock.events, args.keys));
        }
        case "sync_patient": {
          const channelId = args.progress && args.progress.id;
          let index = 0;
          for (const message of data.syncMessages) {
            await delay(data.syncDelay);
            internals.runCallback(channelId, { index: index++, message: clone(message) });
          }
          internals.runCallback(channelId, { index, end: true });
          return { nhs_number: args.nhs, endpoints: data.syncMessages.filter((m) => m.event === "finished").map((m) => m.outcome) };
        }
        case "find_patients": {
          if (!mock.searchAccess) return fail("AccessBasisRequired", "State why you are searching for patients");
          if (!String(args.family ?? "").trim()) return fail("ConfigInvalid", "Enter a family name");
          if (!/^\d{4}-\d{2}-\d{2}$/.test(String(args.birthDate))) return fail("ConfigInvalid", "Date of birth must be yyyy-mm-dd");
          await delay(20);
          const hit = String(args.family).trim().toLowerCase() === "ashworth" && args.birthDate === "1948-03-02";
          return hit ? clone(data.patientSearch) : { matches: [], failures: [] };
        }
        case "resource_json":
          return JSON.stringify({ resourceType: args.resourceType, id: args.id }, null, 2);
        case "discharge":
          return clone(args.id === data.letter.resource_id ? data.letter : data.discharge);
        case "accept_suspect":
          mock.accepted = args;
          return true;
        case "purge_source":
          return 0;
        case "endpoint_defaults":
          return clone(data.endpointDefaults);
        case "list_endpoints":
          return clone(data.endpoints);
        case "test_endpoint":
          await delay(30);
          return clone(data.connectionOk);
        case "save_endpoints":
          if (data.demo) return fail("InvalidInput", "The demo's endpoints cannot be changed");
          mock.saved = clone(args.endpoints);
          return null;
        case "demo_set_online":
          return null;
        default:
          return fail("Internal", `Unknown command ${cmd}`);
      }
    },
  };
  window.__TAURI_INTERNALS__ = internals;
}
