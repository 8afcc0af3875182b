import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import * as api from "./api";
import type { Access, EntryRef, PatientView, SourceStatus, TimelineEvent, UiError } from "./bindings";
import { AccessLogDialog } from "./components/AccessLog";
import { Banner, patientName } from "./components/Banner";
import { BasisDialog, type BasisRequest } from "./components/BasisDialog";
import { DetailPanel } from "./components/DetailPanel";
import { DischargeReader } from "./components/DischargeReader";
import { Endpoints } from "./components/Endpoints";
import { ErrorText } from "./components/ErrorText";
import { ForgetDialog } from "./components/ForgetDialog";
import { Lookup, type OpenFrom, type SearchGuard } from "./components/Lookup";
import { Summary } from "./components/Summary";
import { applyProgress, type EndpointProgress, OfflineBanner, progressDone, SourcesPanel, SyncProgress } from "./components/Sync";
import { type SelectRequest, Timeline } from "./components/Timeline";
import { entryKeyOf, eventKey, sameEntry } from "./lib/filter";
import { AccessGuard, type Guard, needsBasis } from "./lib/guard";
import { formatNhs, nhsFromHash } from "./lib/nhs";

type View = "record" | "endpoints";
type Tab = "summary" | "timeline";
type Dialog = "forget" | "access-log" | null;

/** Entries the app keeps by key (opened, read, revealed): the latest ones, a few dozen at most. */
const KEPT_ENTRIES = 50;

/** `m` with `events` added (replacing the same keys), keeping the newest `KEPT_ENTRIES`. */
function withEntries(m: ReadonlyMap<string, TimelineEvent>, events: TimelineEvent[]): Map<string, TimelineEvent> {
  const next = new Map(m);
  for (const e of events) {
    const k = eventKey(e);
    next.delete(k);
    next.set(k, e);
  }
  for (const k of next.keys()) {
    if (next.size <= KEPT_ENTRIES) break;
    next.delete(k);
  }
  return next;
}

/** Resolves once the next frame has been painted (two animation frames). */
export function afterPaint(): Promise<void> {
  const raf = typeof requestAnimationFrame === "function" ? requestAnimationFrame : (cb: FrameRequestCallback) => setTimeout(() => cb(0), 16);
  return new Promise((resolve) => raf(() => raf(() => resolve())));
}

/** True when the user is typing in a field (single-key shortcuts are then left alone). */
function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

/**
 * The launch context (`index.html#nhs=…`), read once when the app starts. The
 * fragment is never read again: nothing on the page (a narrative link, say)
 * can switch the patient by changing it.
 */
function launchNhs(): string | null {
  return typeof location !== "undefined" ? nhsFromHash(location.hash) : null;
}

export function App() {
  const [demo, setDemo] = useState(false);
  const [view, setView] = useState<View>("record");
  const [tab, setTab] = useState<Tab>("summary");
  const [nhs, setNhs] = useState<string | null>(null);
  const [patient, setPatient] = useState<PatientView | null>(null);
  const [opening, setOpening] = useState(false);
  const [openError, setOpenError] = useState<UiError | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [progress, setProgress] = useState<EndpointProgress[]>([]);
  const [syncError, setSyncError] = useState<UiError | null>(null);
  const [openKey, setOpenKey] = useState<string | null>(null);
  const [readerKey, setReaderKey] = useState<string | null>(null);
  const [select, setSelect] = useState<SelectRequest | null>(null);
  // The timeline entries the app refers to by key (the open one, the one being read), as last read.
  const [entries, setEntries] = useState<ReadonlyMap<string, TimelineEvent>>(new Map());
  // Entries revealed in this session, shown in place of masked rows already loaded.
  const [revealed, setRevealed] = useState<TimelineEvent[]>([]);
  const [refError, setRefError] = useState<UiError | null>(null);
  const [sourcesOpen, setSourcesOpen] = useState(true);
  const [now, setNow] = useState(() => new Date());
  const [initialNhs] = useState(launchNhs);
  const [focusSearch, setFocusSearch] = useState(0);
  const [focusDetail, setFocusDetail] = useState(0);
  const [focusLookup, setFocusLookup] = useState(0);
  const [lookupInitial, setLookupInitial] = useState<string | null>(initialNhs);
  const [basisAsk, setBasisAsk] = useState<BasisRequest | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // The question on screen, and who waits for its answer (several calls may wait for the same one).
  const pendingAsk = useRef<{ key: string; promise: Promise<Access | null>; resolve: (a: Access | null) => void } | null>(null);
  // The basis for searching, as stated in this session (the core keeps it too; it has no call to read it back).
  const searchAccess = useRef<Access | null>(null);
  const lastAnswer = useRef<Access | null>(null);
  const patientRef = useRef<PatientView | null>(null);
  patientRef.current = patient;
  const askSeq = useRef(0);
  const seq = useRef(0);
  const refreshSeq = useRef(0);
  const applied = useRef(0);
  const inflight = useRef<Promise<unknown> | null>(null);
  const pending = useRef(false);
  const selSeq = useRef(0);
  const refSeq = useRef(0);
  const reread = useRef(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const lookupRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    api.appInfo().then(
      (i) => setDemo(i.demo),
      () => setDemo(false),
    );
    const t = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(t);
  }, []);

  /** Ask why a record is opened (or patients searched for); null when the person cancels. */
  const askBasis = useCallback((req: BasisRequest): Promise<Access | null> => {
    const key = req.kind === "search" ? "search" : `patient:${req.nhs}`;
    if (pendingAsk.current?.key === key) return pendingAsk.current.promise;
    // Another question replaces the one on screen (which counts as cancelled).
    pendingAsk.current?.resolve(null);
    let resolve: (a: Access | null) => void = () => {};
    const promise = new Promise<Access | null>((r) => (resolve = r));
    pendingAsk.current = { key, promise, resolve };
    setBasisAsk(req);
    return promise;
  }, []);

  const answerBasis = useCallback((a: Access | null) => {
    lastAnswer.current = a;
    const p = pendingAsk.current;
    pendingAsk.current = null;
    setBasisAsk(null);
    p?.resolve(a);
  }, []);

  const nameOf = (id: string) => {
    const p = patientRef.current;
    return p && p.nhs_number === id ? patientName(p.banner) : null;
  };

  /** A call on one patient's record: when the core says no basis was stated, ask, then try once more. */
  const guarded = useCallback(
    async <T,>(id: string, fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (e) {
        if (!needsBasis(e)) throw e;
        const a = await askBasis({ kind: "patient", nhs: id, name: nameOf(id) });
        if (!a) throw e;
        return await fn();
      }
    },
    [askBasis],
  );

  /** Searches by name and date of birth: the basis is asked for before the first one in the session. */
  const searchGuard: SearchGuard = useCallback(
    async <T,>(fn: () => Promise<T>): Promise<T | null> => {
      if (!searchAccess.current && !(await askBasis({ kind: "search" }))) return null;
      try {
        return await fn();
      } catch (e) {
        if (!needsBasis(e)) throw e;
        searchAccess.current = null;
        if (!(await askBasis({ kind: "search" }))) throw e;
        return await fn();
      }
    },
    [askBasis],
  );

  /**
   * Read the record: `first` is the one audited open of this patient; every
   * later read (live refreshes, after a reveal or an accept) is a refresh. The
   * newest request wins, whatever order the answers arrive in.
   */
  const refresh = useCallback(
    async (id: string, token: number, first = false): Promise<PatientView | null> => {
      const n = ++refreshSeq.current;
      try {
        const v = await guarded(id, () => (first ? api.openPatient(id) : api.refreshPatient(id)));
        if (seq.current === token && n > applied.current) {
          applied.current = n;
          setPatient(v);
          setOpenError(null);
          return v;
        }
      } catch (e) {
        if (seq.current === token && n > applied.current) setOpenError(e as UiError);
      }
      return null;
    },
    [guarded],
  );

  /** While a sync runs, show each source's data as soon as it has arrived (one read at a time). */
  const liveRefresh = useCallback(
    (id: string, token: number) => {
      if (inflight.current) {
        pending.current = true;
        return;
      }
      inflight.current = refresh(id, token).finally(() => {
        inflight.current = null;
        if (pending.current && seq.current === token) {
          pending.current = false;
          liveRefresh(id, token);
        }
      });
    },
    [refresh],
  );

  const sync = useCallback(
    async (id: string, token: number, full = false) => {
      setSyncing(true);
      setSyncError(null);
      setProgress([]);
      try {
        await guarded(id, () =>
          api.syncPatient(id, (p) => {
            if (seq.current !== token) return;
            setProgress((l) => applyProgress(l, p));
            if (p.event === "finished") liveRefresh(id, token);
          }, full),
        );
      } catch (e) {
        if (seq.current === token) setSyncError(e as UiError);
      }
      pending.current = false;
      await refresh(id, token);
      if (seq.current === token) {
        setSyncing(false);
        setNow(new Date());
      }
    },
    [refresh, liveRefresh, guarded],
  );

  /** Open a patient whose access basis is stated: the one audited open (cache first), then the sync. */
  const load = useCallback(
    async (id: string) => {
      const token = ++seq.current;
      pending.current = false;
      setNhs(id);
      setView("record");
      setTab("summary");
      setOpening(true);
      setPatient(null);
      setOpenError(null);
      setSyncError(null);
      setProgress([]);
      setOpenKey(null);
      setReaderKey(null);
      setEntries(new Map());
      setRevealed([]);
      setRefError(null);
      setSyncing(true);
      // Cache first (instant), then refresh from the sources.
      await refresh(id, token, true);
      if (seq.current !== token) return;
      setOpening(false);
      // The cached record reaches the screen before the sync's work starts: on two
      // cores a sync of a long record otherwise starves the first paint for seconds.
      await afterPaint();
      if (seq.current !== token) return;
      await sync(id, token);
    },
    [refresh, sync],
  );

  /**
   * Make sure a basis is stated for this patient: the one stated earlier in the
   * session, the search's for a patient chosen from search results (that click
   * is the person's choice; the core records it), else the person is asked.
   */
  const ensureBasis = useCallback(
    async (id: string, from?: OpenFrom): Promise<boolean> => {
      let current: Access | null;
      try {
        current = await api.basisFor(id);
      } catch (e) {
        setOpenError(e as UiError);
        return false;
      }
      if (current) return true;
      const s = searchAccess.current;
      if (from?.search && s) {
        try {
          await api.declareBasis(id, s.basis, s.reason);
          return true;
        } catch {
          // Asked instead, below.
        }
      }
      return (await askBasis({ kind: "patient", nhs: id, name: from?.name ?? nameOf(id) })) !== null;
    },
    [askBasis],
  );

  /** Open a patient (lookup, search result, launch): the basis first; false when nothing was opened. */
  const open = useCallback(
    async (id: string, from?: OpenFrom): Promise<boolean> => {
      const attempt = ++askSeq.current;
      setNotice(null);
      if (!(await ensureBasis(id, from))) return false;
      // Another open was asked for meanwhile: it wins.
      if (askSeq.current !== attempt) return false;
      void load(id);
      return true;
    },
    [ensureBasis, load],
  );

  // Launched in a patient's context: open them once, the same way as a lookup.
  useEffect(() => {
    if (initialNhs) void open(initialNhs);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const remember = useCallback((events: TimelineEvent[]) => setEntries((m) => withEntries(m, events)), []);

  // Every read of the record: the open and read entries are read again (they may have
  // changed, or gone); the core cannot look a masked entry up, so it stays as it is.
  useEffect(() => {
    const keep = [openKey, readerKey].flatMap((k) => {
      const e = k ? entries.get(k) : undefined;
      return e && !e.restricted?.masked ? [e] : [];
    });
    if (!patient || !nhs || keep.length === 0) return;
    const n = ++reread.current;
    const token = seq.current;
    guarded(nhs, () => api.timelineEntries(nhs, keep.map(entryKeyOf))).then(
      (found) => {
        if (n !== reread.current || seq.current !== token) return;
        const now = new Set(found.map(eventKey));
        setEntries((m) => {
          const next = withEntries(m, found);
          // Gone from the record (or restricted since): not shown any more.
          for (const e of keep) if (!now.has(eventKey(e))) next.delete(eventKey(e));
          return next;
        });
      },
      // The copy already shown stays; the next read tries again.
      () => {},
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [patient]);
  const sourcesById = useMemo(() => {
    const m = new Map<string, SourceStatus>();
    if (patient) for (const s of patient.sources) m.set(s.source_id, s);
    return m;
  }, [patient]);
  const openEvent = openKey ? (entries.get(openKey) ?? null) : null;
  const readerEvent = readerKey ? (entries.get(readerKey) ?? null) : null;

  const sources = useMemo(
    () => patient?.sources.map((s) => ({ source_id: s.source_id, source: s.source, source_kind: s.source_kind })) ?? [],
    [patient],
  );

  // Sources the record is still loading from: nothing cached from them and their sync not finished.
  const loadingSources = useMemo(() => {
    if (!patient) return [];
    const byId = new Map(progress.map((p) => [p.sourceId, p]));
    return patient.sources.filter(
      (s) => s.configured && !s.last_success && ((syncing && !progressDone(byId.get(s.source_id))) || s.state === "syncing"),
    );
  }, [patient, progress, syncing]);
  const loadingFrom = useMemo(() => loadingSources.map((s) => s.source), [loadingSources]);
  const loadingIds = useMemo(() => new Set(loadingSources.map((s) => s.source_id)), [loadingSources]);

  const requestSelect = (key: string, focus: boolean, event?: TimelineEvent) => setSelect({ key, focus, seq: ++selSeq.current, event });

  const closeReader = useCallback(() => {
    const k = readerKey;
    setReaderKey(null);
    if (k) requestSelect(k, true);
  }, [readerKey]);

  const closeDetail = useCallback(() => {
    const k = openKey;
    setOpenKey(null);
    setReaderKey(null);
    if (k) requestSelect(k, true);
  }, [openKey]);

  /** Open an entry the summary names in the timeline's detail panel (read by key unless known). */
  const openRef = useCallback(
    async (r: EntryRef) => {
      if (!nhs || !patient) return;
      const id = nhs;
      const key = eventKey(r);
      const n = ++refSeq.current;
      const token = seq.current;
      setRefError(null);
      // A masked entry cannot be looked up by its handle; the summary lists those itself.
      let e = entries.get(key) ?? (patient.summary.restricted ?? []).find((x) => eventKey(x) === key);
      if (!e) {
        try {
          [e] = await guarded(id, () => api.timelineEntries(id, [entryKeyOf(r)]));
        } catch (err) {
          if (n === refSeq.current && seq.current === token) setRefError(err as UiError);
          return;
        }
      }
      if (n !== refSeq.current || seq.current !== token) return;
      if (!e) {
        setRefError({ code: "NotInCache", message: `${r.resource_type}/${r.resource_id} from ${r.source} is not in the saved record` });
        return;
      }
      remember([e]);
      setTab("timeline");
      setOpenKey(key);
      setReaderKey(null);
      requestSelect(key, false, e);
      setFocusDetail((n) => n + 1);
    },
    [nhs, patient, entries, guarded, remember],
  );

  // Keyboard: "/" timeline search, Ctrl+K change patient, Esc closes the reader (then the details).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "k" || e.key === "K")) {
        if (!lookupRef.current) return;
        e.preventDefault();
        setView("record");
        lookupRef.current.focus();
        lookupRef.current.select();
        return;
      }
      if (e.key === "Escape" && view === "record" && tab === "timeline") {
        if (readerKey) {
          e.preventDefault();
          closeReader();
        } else if (openKey && !typing(e.target)) {
          e.preventDefault();
          closeDetail();
        }
        return;
      }
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (!patient || view !== "record") return;
      e.preventDefault();
      if (tab === "timeline" && searchRef.current) searchRef.current.focus();
      else {
        setTab("timeline");
        setFocusSearch((n) => n + 1);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [view, tab, patient, readerKey, openKey, closeReader, closeDetail]);

  useEffect(() => {
    if (focusSearch) searchRef.current?.focus();
  }, [focusSearch]);
  useEffect(() => {
    if (focusDetail) document.getElementById("detail-h")?.focus();
  }, [focusDetail]);

  const switchTab = (t: Tab) => setTab(t);
  const onTabKey = (e: KeyboardEvent) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight" && e.key !== "Home" && e.key !== "End") return;
    e.preventDefault();
    const next: Tab = e.key === "Home" ? "summary" : e.key === "End" ? "timeline" : tab === "summary" ? "timeline" : "summary";
    setTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };

  const onAccept = async (s: SourceStatus) => {
    if (!nhs) return false;
    const id = nhs;
    const accepted = await guarded(id, () => api.acceptSuspect(id, s.source_id));
    await refresh(id, seq.current);
    return accepted;
  };
  const onPurge = async (s: SourceStatus) => {
    const n = await api.purgeSource(s.source_id);
    if (nhs) await refresh(nhs, seq.current);
    return n;
  };

  /** Reveal a masked entry, then read the record again, keeping the same entry open. */
  const onReveal = async (e: TimelineEvent, reason: string) => {
    if (!nhs) return;
    const id = nhs;
    const token = seq.current;
    const shown = await guarded(id, () =>
      api.reveal({ nhs: id, source: e.source_id, resourceType: e.resource_type, entry: e.restricted?.handle ?? e.resource_id, reason }),
    );
    if (seq.current !== token) return;
    const show = (key: string) => {
      setOpenKey(key);
      setReaderKey(null);
      requestSelect(key, false);
    };
    // Shown at once (in the detail panel and on its row), whatever the read below brings.
    setRevealed((l) => [...l.filter((x) => !sameEntry(x, shown)), shown]);
    remember([shown]);
    show(eventKey(shown));
    setFocusDetail((n) => n + 1);
    await refresh(id, token);
  };

  const onForget = async () => {
    if (!nhs) return;
    const id = nhs;
    await api.forgetPatient(id);
    // Nothing still arriving for this patient is shown.
    seq.current++;
    pending.current = false;
    setDialog(null);
    setNhs(null);
    setPatient(null);
    setOpening(false);
    setOpenError(null);
    setSyncError(null);
    setSyncing(false);
    setProgress([]);
    setOpenKey(null);
    setReaderKey(null);
    setEntries(new Map());
    setRevealed([]);
    setRefError(null);
    setView("record");
    setLookupInitial(null);
    setNotice(`Removed NHS No. ${formatNhs(id)} from this computer.`);
    setFocusLookup((n) => n + 1);
  };

  useEffect(() => {
    if (focusLookup) lookupRef.current?.focus();
  }, [focusLookup]);

  // Calls made by the panels (original resource, documents) for the open patient.
  const guard: Guard = useCallback(<T,>(fn: () => Promise<T>) => (nhs ? guarded(nhs, fn) : fn()), [nhs, guarded]);

  const modalOpen = basisAsk !== null || dialog !== null;
  const hasContext = nhs !== null;
  const warningCount = patient?.summary.flags.filter((f) => f.severity === "warning").length ?? 0;
  const cautionCount = (patient?.summary.flags.length ?? 0) - warningCount;
  const doneCount = progress.filter(progressDone).length;
  const problemSources = patient?.sources.filter((s) => s.configured && s.stale).length ?? 0;

  return (
    <div class="app">
      <a class="skip-link" href="#main" inert={modalOpen}>
        Skip to main content
      </a>
      <header class="header" inert={modalOpen}>
        <div class="header__brand">
          <span class="header__title">Crossview</span>
          {demo && <span class="tag tag--demo">DEMO DATA</span>}
        </div>
        {hasContext && (
          <Lookup key="compact" compact demo={demo} busy={opening} onOpen={open} initial={nhs} inputRef={lookupRef} searchGuard={searchGuard} />
        )}
        <nav class="header__nav" aria-label="Main">
          <button
            type="button"
            class="nav-button"
            data-testid="nav-timeline"
            aria-current={view === "record" ? "page" : undefined}
            onClick={() => setView("record")}
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
      <main id="main" class="main" tabIndex={-1} inert={modalOpen}>
        {view === "endpoints" && (
          <div class="page">
            <Endpoints demo={demo} />
          </div>
        )}
        <div class="record" hidden={view !== "record"}>
          <h1 class="visually-hidden">Patient record</h1>
          {!hasContext && (
            <div class="topbar">
              <Lookup key="full" demo={demo} busy={opening} onOpen={open} initial={lookupInitial} inputRef={lookupRef} searchGuard={searchGuard} />
            </div>
          )}
          <p class="record__notice" role="status" data-testid="record-notice">
            {notice}
          </p>
          {opening && (
            <p class="record__note" aria-live="polite">
              Opening record {nhs ? formatNhs(nhs) : ""}…
            </p>
          )}
          {openError && (
            <div class="record__note">
              <ErrorText error={openError} prefix="Could not open the record" />
            </div>
          )}
          {!hasContext && !openError && (
            <p class="muted intro">Enter an NHS number to open a patient's record from every connected source.</p>
          )}
          {patient && (
            <AccessGuard.Provider value={guard}>
              <Banner banner={patient.banner} now={now} loadingFrom={loadingFrom} />
              {patient.offline && (!syncing || !!patient.oldest_data) && <OfflineBanner oldest={patient.oldest_data} now={now} />}
              {syncError && (
                <div class="record__note">
                  <ErrorText error={syncError} prefix="The sync did not complete" />
                </div>
              )}
              <div class="toolbar">
                <div class="tabs" role="tablist" aria-label="Record views" onKeyDown={onTabKey}>
                  <button
                    type="button"
                    role="tab"
                    id="tab-summary"
                    class="tab"
                    data-testid="tab-summary"
                    aria-selected={tab === "summary" ? "true" : "false"}
                    aria-controls="panel-summary"
                    tabIndex={tab === "summary" ? 0 : -1}
                    onClick={() => switchTab("summary")}
                  >
                    Summary
                    {warningCount > 0 && (
                      <span class="tab__count tab__count--warning">
                        {warningCount} {warningCount === 1 ? "warning" : "warnings"}
                      </span>
                    )}
                    {cautionCount > 0 && (
                      <span class="tab__count tab__count--caution">
                        {cautionCount} {cautionCount === 1 ? "caution" : "cautions"}
                      </span>
                    )}
                  </button>
                  <button
                    type="button"
                    role="tab"
                    id="tab-timeline"
                    class="tab"
                    data-testid="tab-timeline"
                    aria-selected={tab === "timeline" ? "true" : "false"}
                    aria-controls="panel-timeline"
                    tabIndex={tab === "timeline" ? 0 : -1}
                    onClick={() => switchTab("timeline")}
                  >
                    Timeline <span class="tab__count">{patient.timeline.total.toLocaleString("en-GB")}</span>
                  </button>
                </div>
                <div class="toolbar__right">
                  <span class="toolbar__status" data-testid="sync-status">
                    {syncing ? (
                      `Syncing: ${doneCount} of ${patient.sources.filter((s) => s.configured).length} sources done`
                    ) : problemSources > 0 ? (
                      <span class="tag tag--failed">
                        {problemSources} {problemSources === 1 ? "source" : "sources"} with stale or missing data
                      </span>
                    ) : null}
                  </span>
                  <button
                    type="button"
                    class="button button--secondary button--small"
                    data-testid="sources-toggle"
                    aria-expanded={sourcesOpen ? "true" : "false"}
                    aria-controls="side"
                    onClick={() => setSourcesOpen(!sourcesOpen)}
                  >
                    {sourcesOpen ? "Hide sources" : "Show sources"}
                  </button>
                  <button
                    type="button"
                    class="button button--secondary button--small"
                    data-testid="access-log-button"
                    aria-haspopup="dialog"
                    onClick={() => setDialog("access-log")}
                  >
                    Access log
                  </button>
                  <button
                    type="button"
                    class="button button--warning button--small"
                    data-testid="forget-patient"
                    aria-haspopup="dialog"
                    disabled={syncing}
                    onClick={() => setDialog("forget")}
                  >
                    Remove from this computer
                  </button>
                  <button
                    type="button"
                    class="button button--small"
                    data-testid="sync-button"
                    disabled={syncing || !nhs}
                    onClick={() => nhs && sync(nhs, seq.current)}
                  >
                    {syncing ? "Syncing…" : "Sync now"}
                  </button>
                </div>
              </div>
              <div class={`workspace${sourcesOpen ? "" : " workspace--no-side"}`}>
                <section id="side" class="side" aria-label="Sync and sources" tabIndex={0} hidden={!sourcesOpen}>
                  <div class="side__block">
                    {syncing && <h2 class="panel-title">Syncing</h2>}
                    <SyncProgress items={progress} running={syncing} />
                    <p class="side__note">
                      A sync fetches only what changed since the last one; a full sync fetches everything again and finds
                      entries a source has deleted.{" "}
                      <button
                        type="button"
                        class="button button--secondary button--small"
                        data-testid="full-sync-button"
                        disabled={syncing || !nhs}
                        onClick={() => nhs && sync(nhs, seq.current, true)}
                      >
                        Full sync
                      </button>
                    </p>
                  </div>
                  <SourcesPanel sources={patient.sources} now={now} onAccept={onAccept} onPurge={onPurge} loadingIds={loadingIds} />
                </section>
                <div role="tabpanel" id="panel-summary" aria-labelledby="tab-summary" class="tabpanel tabpanel--summary" tabIndex={0} hidden={tab !== "summary"}>
                  {refError && (
                    <div class="record__note" data-testid="open-ref-error">
                      <ErrorText error={refError} prefix="Could not open the entry" />
                    </div>
                  )}
                  <Summary summary={patient.summary} loadingFrom={loadingFrom} now={now} onOpenRef={openRef} />
                </div>
                <div
                  role="tabpanel"
                  id="panel-timeline"
                  aria-labelledby="tab-timeline"
                  class={`tabpanel tabpanel--timeline${readerEvent ? " tabpanel--reading" : ""}${openEvent ? " tabpanel--detail" : ""}`}
                  hidden={tab !== "timeline"}
                >
                  <Timeline
                    key={patient.nhs_number}
                    nhs={patient.nhs_number}
                    first={patient.timeline}
                    revealed={revealed}
                    sources={sources}
                    openKey={openKey}
                    now={now}
                    select={select}
                    emptyText={loadingFrom.length > 0 ? `Loading the record from ${loadingFrom.join(", ")}…` : undefined}
                    onOpen={(e) => {
                      remember([e]);
                      setOpenKey(eventKey(e));
                      setReaderKey(null);
                    }}
                    searchRef={searchRef}
                  />
                  {readerEvent ? (
                    <DischargeReader key={readerKey} nhs={patient.nhs_number} event={readerEvent} onClose={closeReader} />
                  ) : (
                    <DetailPanel
                      nhs={patient.nhs_number}
                      event={openEvent}
                      source={openEvent ? sourcesById.get(openEvent.source_id) : null}
                      now={now}
                      onReadDischarge={(e) => setReaderKey(eventKey(e))}
                      onClose={openEvent ? closeDetail : undefined}
                      onReveal={onReveal}
                    />
                  )}
                </div>
              </div>
            </AccessGuard.Provider>
          )}
        </div>
      </main>
      {basisAsk && (
        <BasisDialog
          key={basisAsk.kind === "search" ? "search" : basisAsk.nhs}
          request={basisAsk}
          onDeclared={(a) => {
            if (basisAsk.kind === "search") searchAccess.current = a;
            answerBasis(a);
          }}
          onCancel={() => answerBasis(null)}
          fallbackFocus={() =>
            basisAsk.kind === "search"
              ? document.querySelector<HTMLElement>("[data-testid=name-search-submit]")
              : // Cancelled: back to the lookup. Opened: the record takes the page.
                lastAnswer.current
                ? null
                : lookupRef.current
          }
        />
      )}
      {!basisAsk && dialog === "forget" && nhs && (
        <ForgetDialog nhs={nhs} name={patient ? patientName(patient.banner) : null} onConfirm={onForget} onCancel={() => setDialog(null)} />
      )}
      {!basisAsk && dialog === "access-log" && nhs && <AccessLogDialog nhs={nhs} onClose={() => setDialog(null)} />}
    </div>
  );
}
