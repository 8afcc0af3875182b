import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import * as api from "./api";
import type { PatientView, TimelineEvent, UiError } from "./bindings";
import { Banner } from "./components/Banner";
import { DetailPanel } from "./components/DetailPanel";
import { DischargeReader } from "./components/DischargeReader";
import { Endpoints } from "./components/Endpoints";
import { ErrorText } from "./components/ErrorText";
import { Lookup } from "./components/Lookup";
import { applyProgress, type EndpointProgress, OfflineBanner, SourcesPanel, SyncProgress } from "./components/Sync";
import { Timeline } from "./components/Timeline";
import { eventKey } from "./lib/filter";
import { formatNhs, nhsFromHash } from "./lib/nhs";

type View = "timeline" | "endpoints";

export function App() {
  const [demo, setDemo] = useState(false);
  const [view, setView] = useState<View>("timeline");
  const [nhs, setNhs] = useState<string | null>(null);
  const [patient, setPatient] = useState<PatientView | null>(null);
  const [loading, setLoading] = useState(false);
  const [openError, setOpenError] = useState<UiError | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [progress, setProgress] = useState<EndpointProgress[]>([]);
  const [syncError, setSyncError] = useState<UiError | null>(null);
  const [openKey, setOpenKey] = useState<string | null>(null);
  const [readerKey, setReaderKey] = useState<string | null>(null);
  const [now, setNow] = useState(() => new Date());
  const [initialNhs] = useState(() => (typeof location !== "undefined" ? nhsFromHash(location.hash) : null));
  const [lookupKey, setLookupKey] = useState(0);
  const seq = useRef(0);
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    api.appInfo().then(
      (i) => setDemo(i.demo),
      () => setDemo(false),
    );
    const t = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(t);
  }, []);

  // "/" focuses the timeline search (unless the user is typing somewhere).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (!searchRef.current || view !== "timeline") return;
      e.preventDefault();
      searchRef.current.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [view]);

  const refresh = useCallback(async (id: string, token: number) => {
    try {
      const v = await api.openPatient(id);
      if (seq.current === token) {
        setPatient(v);
        setOpenError(null);
      }
    } catch (e) {
      if (seq.current === token) setOpenError(e as UiError);
    }
  }, []);

  const sync = useCallback(
    async (id: string, token: number) => {
      setSyncing(true);
      setSyncError(null);
      setProgress([]);
      try {
        await api.syncPatient(id, (p) => {
          if (seq.current === token) setProgress((l) => applyProgress(l, p));
        });
      } catch (e) {
        if (seq.current === token) setSyncError(e as UiError);
      }
      await refresh(id, token);
      if (seq.current === token) {
        setSyncing(false);
        setNow(new Date());
      }
    },
    [refresh],
  );

  const open = useCallback(
    async (id: string) => {
      const token = ++seq.current;
      setNhs(id);
      setView("timeline");
      setLoading(true);
      setPatient(null);
      setOpenError(null);
      setSyncError(null);
      setProgress([]);
      setOpenKey(null);
      setReaderKey(null);
      // Cache first (instant), then refresh from the sources.
      await refresh(id, token);
      if (seq.current !== token) return;
      setLoading(false);
      await sync(id, token);
    },
    [refresh, sync],
  );

  // Launched in a patient's context (`index.html#nhs=…`): open them at start,
  // the same way as a lookup; a later change of the fragment opens that patient.
  useEffect(() => {
    if (initialNhs) void open(initialNhs);
    const onHash = () => {
      const n = nhsFromHash(location.hash);
      if (!n) return;
      setLookupKey((k) => k + 1);
      void open(n);
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const byKey = useMemo(() => {
    const m = new Map<string, TimelineEvent>();
    if (patient) for (const e of patient.events) m.set(eventKey(e), e);
    return m;
  }, [patient]);
  const openEvent = openKey ? (byKey.get(openKey) ?? null) : null;
  const readerEvent = readerKey ? (byKey.get(readerKey) ?? null) : null;

  const sources = useMemo(() => patient?.sources.map((s) => ({ source: s.source, source_kind: s.source_kind })) ?? [], [patient]);

  return (
    <div class="app">
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <header class="header">
        <div class="header__brand">
          <span class="header__title">Crossview</span>
          {demo && <span class="tag tag--demo">DEMO DATA</span>}
        </div>
        <nav class="header__nav" aria-label="Main">
          <button
            type="button"
            class="nav-button"
            data-testid="nav-timeline"
            aria-current={view === "timeline" ? "page" : undefined}
            onClick={() => setView("timeline")}
          >
            Patient record
          </button>
          <button
            type="button"
            class="nav-button"
            data-testid="nav-endpoints"
            aria-current={view === "endpoints" ? "page" : undefined}
            onClick={() => setView("endpoints")}
          >
            Endpoints
          </button>
        </nav>
      </header>
      <main id="main" class="main" tabIndex={-1}>
        {view === "endpoints" && (
          <div class="page">
            <Endpoints />
          </div>
        )}
        <div class="record" hidden={view !== "timeline"}>
          <h1 class="visually-hidden">Patient record</h1>
          <div class="topbar">
            <Lookup key={lookupKey} demo={demo} busy={loading} onOpen={open} initial={nhs ?? initialNhs} />
            {patient && (
              <div class="sync-bar">
                <button
                  type="button"
                  class="button"
                  data-testid="sync-button"
                  disabled={syncing || !nhs}
                  onClick={() => nhs && sync(nhs, seq.current)}
                >
                  {syncing ? "Syncing…" : "Sync now"}
                </button>
              </div>
            )}
          </div>
          {loading && <p aria-live="polite">Opening record {nhs ? formatNhs(nhs) : ""}…</p>}
          {openError && <ErrorText error={openError} prefix="Could not open the record" />}
          {!patient && !loading && !openError && (
            <p class="muted intro">Enter an NHS number to open a patient's record from every connected source.</p>
          )}
          {patient && (
            <>
              <Banner banner={patient.banner} now={now} />
              {patient.offline && <OfflineBanner oldest={patient.oldest_data} now={now} />}
              {syncError && <ErrorText error={syncError} prefix="Sync failed" />}
              <div class={`workspace${readerEvent ? " workspace--reading" : ""}`}>
                <section class="side" aria-label="Sync and sources" tabIndex={0}>
                  <div class="side__block">
                    {syncing && <h2 class="panel-title">Syncing</h2>}
                    <SyncProgress items={progress} running={syncing} />
                  </div>
                  <SourcesPanel sources={patient.sources} now={now} />
                </section>
                <Timeline
                  key={patient.nhs_number}
                  events={patient.events}
                  sources={sources}
                  openKey={openKey}
                  onOpen={(e) => {
                    setOpenKey(eventKey(e));
                    setReaderKey(null);
                  }}
                  searchRef={searchRef}
                />
                {readerEvent ? (
                  <DischargeReader nhs={patient.nhs_number} event={readerEvent} onClose={() => setReaderKey(null)} />
                ) : (
                  <DetailPanel nhs={patient.nhs_number} event={openEvent} onReadDischarge={(e) => setReaderKey(eventKey(e))} />
                )}
              </div>
            </>
          )}
        </div>
      </main>
    </div>
  );
}
