import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  FLAG_KIND_TAGS,
  FLAG_KIND_TITLES,
  MEDICINE_STATE_LABELS,
  type AllergyEntry,
  type AllergyGroup,
  type EntryRef,
  type Flag,
  type MedicineEntry,
  type MedicineGroup,
  type MedicineState,
  type SourceGap,
  type Summary as SummaryData,
  type TimelineEvent,
} from "../bindings";
import { formatDate } from "../lib/dates";
import { eventKey, KIND_LABEL, sourceKindLabel } from "../lib/filter";
import { gapWords } from "./Banner";
import { ConsentNotes } from "./Consent";
import { KindBadge, MarkBadges, markFirstPaint, RestrictedBadge, SourceBadge, StaleMark } from "./Timeline";

const SEVERE_STATES = new Set<MedicineState>(["stopped", "do-not-give", "not-taken", "entered-in-error"]);

/** Resource types the timeline shows (every resource of these types is a timeline entry). */
const TIMELINE_TYPES = new Set(["AllergyIntolerance", "MedicationRequest", "MedicationStatement", "Encounter", "Composition", "DocumentReference", "Condition"]);

interface Props {
  summary: SummaryData;
  /** Sources still loading (first sync, nothing cached). */
  loadingFrom?: string[];
  now?: Date;
  /** Open an entry in the timeline's detail panel. */
  onOpenRef: (ref: EntryRef) => void;
}

interface RefInfo {
  title: string;
  date: string;
  status: string | null;
  /** Shown in this summary (so it can be highlighted and scrolled to). */
  inSummary: boolean;
}

function refKey(r: EntryRef) {
  return eventKey(r);
}

/**
 * The reconciled summary, shown first when a patient opens: flags, allergies,
 * do-not-give orders, current medicines, recent stops — every source entry
 * visible inside its group, and what could not be known said where it matters.
 */
export function Summary({ summary, loadingFrom = [], now, onOpenRef }: Props) {
  const [openFlag, setOpenFlag] = useState<number | null>(null);
  const [pastOpen, setPastOpen] = useState(false);
  const meds = summary.medications;

  // What names the entries flags refer to: the summary's own entries (and the restricted ones, masked).
  const info = useMemo(() => {
    const m = new Map<string, RefInfo>();
    for (const e of summary.restricted ?? []) m.set(eventKey(e), { title: e.title, date: e.date_display, status: e.status, inSummary: false });
    const put = (e: AllergyEntry | MedicineEntry) =>
      m.set(refKey(e), { title: e.title, date: e.date_display, status: e.status, inSummary: true });
    for (const g of summary.allergies.groups) g.entries.forEach(put);
    for (const list of [meds.groups, meds.recently_stopped, meds.do_not_give, meds.past]) for (const g of list) g.entries.forEach(put);
    return m;
  }, [summary, meds]);

  // The summary is the first screen: its first frame with entries is the record's first paint.
  const hasEntries = summary.allergies.groups.length > 0 || meds.groups.length > 0 || summary.flags.length > 0;
  useEffect(() => {
    if (hasEntries) markFirstPaint();
  }, [hasEntries]);

  const pastKeys = useMemo(() => new Set(meds.past.flatMap((g) => g.entries.map(refKey))), [meds]);

  const highlighted = useMemo(
    () => new Set(openFlag !== null && summary.flags[openFlag] ? summary.flags[openFlag].refs.map(refKey) : []),
    [openFlag, summary.flags],
  );

  const toggleFlag = (i: number) => {
    const next = openFlag === i ? null : i;
    setOpenFlag(next);
    if (next !== null && summary.flags[next].refs.some((r) => pastKeys.has(refKey(r)))) setPastOpen(true);
  };

  const rootRef = useRef<HTMLDivElement>(null);
  const goTo = (r: EntryRef) => {
    const k = refKey(r);
    const el = Array.from(rootRef.current?.querySelectorAll<HTMLElement>("[data-key]") ?? []).find((x) => x.dataset.key === k);
    if (!el) return;
    el.scrollIntoView?.({ block: "center" });
    el.focus({ preventScroll: true });
  };

  // An entry opens in the timeline when it is one of its entries (not a Patient record, say).
  const ctx: EntryCtx = { highlighted, now, onOpenRef, canOpen: (r) => info.has(refKey(r)) || TIMELINE_TYPES.has(r.resource_type) };
  const loading = loadingFrom.length > 0 || summary.loading;

  return (
    <div class="summary" ref={rootRef} data-testid="summary" data-loading={loading ? "true" : "false"}>
      {loading && (
        <p class="warning-callout summary__loading" role="status" data-testid="summary-loading">
          <strong>Still loading</strong>
          {loadingFrom.length > 0 ? (
            <>
              {" "}
              from <bdi>{loadingFrom.join(", ")}</bdi>
            </>
          ) : null}
          : what is shown is not complete yet.
        </p>
      )}
      <ConsentNotes sources={summary.sources} />
      {summary.terminology_problem && (
        <p class="warning-callout" role="note">
          <strong>Warning: </strong>medicines are grouped by code only and allergies are not checked against ingredients:{" "}
          <bdi>{summary.terminology_problem}</bdi>
        </p>
      )}
      <section class="summary__flags" aria-labelledby="flags-h">
        <h2 id="flags-h" class="summary__h">
          Warnings across sources {summary.flags.length > 0 && <span class="muted">({summary.flags.length})</span>}
        </h2>
        {summary.flags.length === 0 ? (
          <p class="muted">{loading ? "None found in the data read so far." : "None found."}</p>
        ) : (
          <ul class="flags">
            {summary.flags.map((f, i) => (
              <FlagItem
                key={i}
                f={f}
                index={i}
                open={openFlag === i}
                onToggle={() => toggleFlag(i)}
                info={info}
                canOpen={ctx.canOpen}
                onOpenRef={onOpenRef}
                onGoTo={goTo}
              />
            ))}
          </ul>
        )}
      </section>
      {(summary.restricted ?? []).length > 0 && <RestrictedBlock entries={summary.restricted} canOpen={ctx.canOpen} onOpenRef={onOpenRef} />}
      <div class="summary__cols">
        <div class="summary__col">
          <AllergiesBlock s={summary} ctx={ctx} loadingFrom={loadingFrom} loading={loading} />
          <section class="summary__block" data-testid="do-not-give" aria-labelledby="dng-h">
            <h2 id="dng-h" class="summary__h">
              Do not give
            </h2>
            <Gaps gaps={meds.gaps} loadingFrom={loadingFrom} testid="do-not-give-gaps" short />
            {meds.do_not_give.length === 0 ? (
              <NoneText loading={loading} />
            ) : (
              <ul class="groups">
                {meds.do_not_give.map((g, i) => (
                  <MedicineGroupView key={i} g={g} ctx={ctx} />
                ))}
              </ul>
            )}
          </section>
        </div>
        <div class="summary__col">
          <section class="summary__block" aria-labelledby="meds-h" data-testid="current-medicines">
            <h2 id="meds-h" class="summary__h">
              Current medicines {meds.groups.length > 0 && <span class="muted">({meds.groups.length})</span>}
            </h2>
            <Gaps gaps={meds.gaps} loadingFrom={loadingFrom} testid="medicine-gaps" />
            <ListNotes notes={meds.list_notes} testid="medicine-list-notes" label="What the sources' medicine lists say" />
            {meds.groups.length === 0 ? (
              <NoneText loading={loading} />
            ) : (
              <ul class="groups">
                {meds.groups.map((g, i) => (
                  <MedicineGroupView key={i} g={g} ctx={ctx} />
                ))}
              </ul>
            )}
          </section>
          <section class="summary__block" data-testid="recently-stopped" aria-labelledby="stopped-h">
            <h2 id="stopped-h" class="summary__h">
              Recently stopped or changed (last {meds.recent_days} days)
            </h2>
            {meds.recently_stopped.length === 0 ? (
              <NoneText loading={loading} />
            ) : (
              <ul class="groups">
                {meds.recently_stopped.map((g, i) => (
                  <MedicineGroupView key={i} g={g} ctx={ctx} />
                ))}
              </ul>
            )}
          </section>
          {meds.past.length > 0 && (
            <details class="summary__block summary__past" open={pastOpen} onToggle={(e) => setPastOpen((e.currentTarget as HTMLDetailsElement).open)}>
              <summary class="summary__h summary__h--toggle">Earlier medicines ({meds.past.length})</summary>
              <ul class="groups">
                {meds.past.map((g, i) => (
                  <MedicineGroupView key={i} g={g} ctx={ctx} />
                ))}
              </ul>
            </details>
          )}
        </div>
      </div>
    </div>
  );
}

/**
 * Entries their sources restricted, left out of this summary until revealed:
 * only their kind, date and source are known here. Each opens in the timeline,
 * where it can be revealed with a reason.
 */
function RestrictedBlock({ entries, canOpen, onOpenRef }: { entries: TimelineEvent[]; canOpen: (r: EntryRef) => boolean; onOpenRef: (r: EntryRef) => void }) {
  return (
    <section class="summary__block summary__restricted" data-testid="summary-restricted" aria-labelledby="restricted-h">
      <h2 id="restricted-h" class="summary__h">
        Restricted entries not included <span class="muted">({entries.length})</span>
      </h2>
      <p class="hint">
        Their sources restricted these entries, so nothing in this summary comes from them. To see one, open it in the timeline and give a reason; the
        reason is recorded in the access log.
      </p>
      <ul class="restricted-list">
        {entries.map((e) => {
          const r: EntryRef = { source: e.source, source_id: e.source_id, resource_type: e.resource_type, resource_id: e.resource_id };
          return (
            <li key={eventKey(e)} class="restricted-entry" data-testid="summary-restricted-entry" data-source-id={e.source_id} data-kind={e.kind}>
              <KindBadge kind={e.kind} /> <span class="entry__date">{e.date_display}</span> <SourceBadge source={e.source} kind={e.source_kind} />{" "}
              <RestrictedBadge e={e} />
              {canOpen(r) && (
                <button type="button" class="button button--link button--small entry__open" data-testid="summary-restricted-open" onClick={() => onOpenRef(r)}>
                  Reveal in timeline
                  <span class="visually-hidden">
                    {" "}
                    the {KIND_LABEL[e.kind].toLowerCase()} entry from {e.source}, {e.date_display}
                  </span>
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

interface EntryCtx {
  highlighted: ReadonlySet<string>;
  now?: Date;
  onOpenRef: (r: EntryRef) => void;
  canOpen: (r: EntryRef) => boolean;
}

function FlagItem({
  f,
  index,
  open,
  onToggle,
  info,
  canOpen,
  onOpenRef,
  onGoTo,
}: {
  f: Flag;
  index: number;
  open: boolean;
  onToggle: () => void;
  info: Map<string, RefInfo>;
  canOpen: (r: EntryRef) => boolean;
  onOpenRef: (r: EntryRef) => void;
  onGoTo: (r: EntryRef) => void;
}) {
  const listId = `flag-${index}-refs`;
  return (
    <li class={`flag flag--${f.severity}`} data-testid="summary-flag" data-kind={f.kind} data-severity={f.severity}>
      <p class="flag__text">
        <span class={`tag tag--${f.severity}`}>{f.severity === "warning" ? "WARNING" : "CAUTION"}</span>{" "}
        <strong class="flag__title">{FLAG_KIND_TITLES[f.kind]}</strong> <bdi class="flag__message">{f.message}</bdi>
      </p>
      {f.refs.length > 0 && (
        <button
          type="button"
          class="button button--secondary button--small flag__toggle"
          data-testid="flag-show-entries"
          aria-expanded={open ? "true" : "false"}
          aria-controls={listId}
          onClick={onToggle}
        >
          {open ? "Hide" : "Show"} the {f.refs.length === 1 ? "entry" : `${f.refs.length} entries`} it names
        </button>
      )}
      <ul id={listId} class="flag__refs" hidden={!open} data-testid="flag-refs">
        {f.refs.map((r, i) => {
          const it = info.get(refKey(r));
          return (
            <li key={i} class="flag__ref" data-testid="flag-ref">
              <span>
                <strong>
                  <bdi>{it?.title ?? `${r.resource_type}/${r.resource_id}`}</bdi>
                </strong>{" "}
                <span class="muted">
                  — <bdi>{r.source}</bdi>
                  {it ? `, ${it.date}` : ""}
                  {it?.status ? `, ${it.status}` : ""}
                </span>
              </span>{" "}
              {it?.inSummary && (
                <button type="button" class="button button--link button--small" onClick={() => onGoTo(r)}>
                  Go to entry<span class="visually-hidden"> {it.title} from {r.source}</span>
                </button>
              )}
              {canOpen(r) && (
                <button type="button" class="button button--link button--small" data-testid="flag-ref-open" onClick={() => onOpenRef(r)}>
                  Open in timeline<span class="visually-hidden"> {it?.title ?? ""} from {r.source}</span>
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </li>
  );
}

function Gaps({ gaps, loadingFrom, testid, short }: { gaps: SourceGap[]; loadingFrom: string[]; testid: string; short?: boolean }) {
  if (gaps.length === 0) return null;
  // Sources still loading are named once, together; the others each with their reason.
  const loading = gaps.filter((g) => loadingFrom.includes(g.source));
  const other = gaps.filter((g) => !loadingFrom.includes(g.source));
  return (
    <ul class={`gaps${short ? " gaps--short" : ""}`} data-testid={testid}>
      {loading.length > 0 && (
        <li class="gap">
          <span class="tag tag--incomplete">NOT KNOWN YET</span> Still loading from <bdi>{loading.map((g) => g.source).join(", ")}</bdi>
        </li>
      )}
      {other.map((g) => (
        <li key={g.source_id} class="gap">
          <span class="tag tag--incomplete">NOT KNOWN</span> <bdi>{gapWords(g, loadingFrom)}</bdi>
        </li>
      ))}
    </ul>
  );
}

/**
 * What a source's list says about itself ("the list is empty: No Content
 * Recorded"): a neutral note beside the statement, never a gap or a warning.
 */
function ListNotes({ notes, testid, label }: { notes: SourceGap[] | undefined; testid: string; label: string }) {
  if (!notes || notes.length === 0) return null;
  return (
    <ul class="list-notes" data-testid={testid} aria-label={label}>
      {notes.map((n, i) => (
        <li key={`${n.source_id}|${i}`} class="list-note" data-source-id={n.source_id}>
          <bdi>{n.source}</bdi>: <bdi>{n.reason}</bdi>
        </li>
      ))}
    </ul>
  );
}

/** What an empty list says: never "None recorded" while sources are still loading. */
function NoneText({ loading }: { loading: boolean }) {
  return <p class="muted">{loading ? "None in the data read so far — still loading." : "None recorded."}</p>;
}

function AllergiesBlock({ s, ctx, loadingFrom, loading }: { s: SummaryData; ctx: EntryCtx; loadingFrom: string[]; loading: boolean }) {
  const a = s.allergies;
  const nothingYet = loading && a.groups.length === 0;
  return (
    <section class="summary__block" aria-labelledby="allergies-h" data-testid="summary-allergies" data-state={a.state}>
      <h2 id="allergies-h" class="summary__h">
        Allergies and adverse reactions
      </h2>
      {a.state === "incomplete" && !nothingYet && (
        <p class="allergy-state allergy-state--incomplete">
          <span class="tag tag--incomplete">INCOMPLETE</span> Not every source could vouch for this patient's allergies.
        </p>
      )}
      {nothingYet && (
        <p class="allergy-state">
          <strong>Not known yet</strong> — the sources have not answered.
        </p>
      )}
      {a.state === "no-known-allergies" && (
        <p class="allergy-state">
          <strong>No known allergies</strong> — every source was read and records only that there are none.
        </p>
      )}
      {a.state === "not-recorded" && !nothingYet && (
        <p class="allergy-state">
          <strong>Allergies not recorded</strong>
          {a.negations.length > 0 ? " apart from the statements below." : " at any source."}
        </p>
      )}
      {a.gaps.length > 0 && <Gaps gaps={a.gaps} loadingFrom={loadingFrom} testid="allergy-gaps" />}
      <ListNotes notes={a.list_notes} testid="allergy-list-notes" label="What the sources' allergy lists say" />
      {a.groups.length > 0 && (
        <ul class="groups">
          {a.groups.map((g, i) => (
            <AllergyGroupView key={i} g={g} ctx={ctx} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AllergyGroupView({ g, ctx }: { g: AllergyGroup; ctx: EntryCtx }) {
  const verification = g.verification ?? null;
  return (
    <li
      class={`group group--allergy${g.current ? "" : " group--inactive"}${g.negation ? " group--negation" : ""}${g.high_criticality ? " group--critical" : ""}`}
      data-testid="allergy-group"
      data-current={g.current ? "true" : "false"}
    >
      <div class="group__head">
        <h3 class="group__title">
          <bdi>{g.title}</bdi>
        </h3>
        <span class="group__tags">
          {g.high_criticality && <span class="tag tag--critical">HIGH CRITICALITY</span>}
          {g.negation && <span class="tag tag--plain">NO KNOWN ALLERGY STATEMENT</span>}
          {!g.negation && g.allergy_type && <span class="tag tag--plain">{g.allergy_type.toUpperCase()}</span>}
          {verification === "unconfirmed" && <span class="tag tag--caution">UNCONFIRMED</span>}
          {verification === "confirmed" && !g.negation && <span class="tag tag--plain">CONFIRMED</span>}
          {verification === "refuted" && <span class="tag tag--failed">REFUTED</span>}
          {!g.current && <span class="tag tag--plain">NOT CURRENT</span>}
          {g.flags.map((k) => (
            <span key={k} class="tag tag--warning">
              {FLAG_KIND_TAGS[k]}
            </span>
          ))}
        </span>
      </div>
      {!g.negation && (
        <p class="group__facts">
          <span>
            <span class="fact__label">Reaction</span> {g.reactions.length ? <bdi>{g.reactions.join(", ")}</bdi> : "Not known"}
          </span>
          <span>
            <span class="fact__label">Criticality</span>{" "}
            {g.criticality ? <span class={g.high_criticality ? "fact--critical" : ""}>{g.criticality}</span> : "Not known"}
          </span>
          <span>
            <span class="fact__label">Verification</span> {verification ?? "Not known"}
          </span>
          <span>
            <span class="fact__label">Type</span> {g.allergy_type ?? "Not known"}
          </span>
        </p>
      )}
      <ul class="entries">
        {g.entries.map((e, i) => (
          <EntryRow
            key={i}
            e={e}
            groupTitle={g.title}
            ctx={ctx}
            status={[e.clinical_status, e.verification_status].filter(Boolean).join(", ") || e.status}
            extra={[
              e.reactions.length ? `Reaction ${e.reactions.join(", ")}` : null,
              e.criticality ? `Criticality ${e.criticality}` : null,
              e.allergy_type ? `Type ${e.allergy_type}` : null,
            ]}
          />
        ))}
      </ul>
    </li>
  );
}

function MedicineGroupView({ g, ctx }: { g: MedicineGroup; ctx: EntryCtx }) {
  return (
    <li class={`group group--medicine group--${g.standing}`} data-testid="medicine-group" data-standing={g.standing}>
      <div class="group__head">
        <h3 class="group__title">
          <bdi>{g.title}</bdi>
        </h3>
        <span class="group__tags">
          {g.standing === "do-not-give" && <span class="tag tag--critical">DO NOT GIVE</span>}
          {g.on_hold && <span class="tag tag--caution">ON HOLD</span>}
          {g.flags.map((k) => (
            <span key={k} class="tag tag--warning">
              {FLAG_KIND_TAGS[k]}
            </span>
          ))}
        </span>
      </div>
      <p class="group__facts">
        <span>
          <span class="fact__label">Dose</span> {g.dose ? <bdi>{g.dose}</bdi> : "Not known"}
        </span>
        <span>
          <span class="fact__label">Latest</span> {g.last_touched_display}
        </span>
        {g.last_issued && (
          <span>
            <span class="fact__label">Last issued</span> {formatDate(g.last_issued)}
          </span>
        )}
      </p>
      <ul class="entries">
        {g.entries.map((e, i) => (
          <EntryRow
            key={i}
            e={e}
            groupTitle={g.title}
            ctx={ctx}
            state={e.state}
            status={e.status}
            extra={[
              e.dose && e.dose !== g.dose ? `Dose ${e.dose}` : null,
              e.intent && e.intent !== "order" ? `Intent ${e.intent}` : null,
              e.reason ? `Reason ${e.reason}` : null,
              ...e.notes.map((n) => `Note ${n}`),
              e.last_issued ? `Last issued ${formatDate(e.last_issued)}` : null,
              e.end ? `Ends ${formatDate(e.end)}` : null,
            ]}
          />
        ))}
      </ul>
      {g.earlier_entries > 0 && (
        <p class="entries__more" data-testid="earlier-entries">
          and {g.earlier_entries.toLocaleString("en-GB")} earlier {g.earlier_entries === 1 ? "entry" : "entries"} of this medicine (on the
          timeline)
        </p>
      )}
    </li>
  );
}

function EntryRow({
  e,
  groupTitle,
  ctx,
  status,
  state,
  extra,
}: {
  e: AllergyEntry | MedicineEntry;
  groupTitle: string;
  ctx: EntryCtx;
  status: string | null;
  state?: MedicineState;
  extra: (string | null)[];
}) {
  const key = refKey(e);
  const hl = ctx.highlighted.has(key);
  const kind = "source_kind" in e ? e.source_kind : null;
  const notes = extra.filter((x): x is string => !!x);
  return (
    <li
      class={`entry${hl ? " entry--highlight" : ""}${e.entered_in_error ? " entry--eie" : ""}`}
      data-testid="summary-entry"
      data-key={key}
      data-resource-id={e.resource_id}
      data-highlighted={hl ? "true" : "false"}
      data-stale={e.stale ? "true" : "false"}
      tabIndex={-1}
    >
      {hl && <span class="tag tag--warning entry__flagged">FLAGGED</span>}
      <span class="entry__source">
        <bdi>{e.source}</bdi>
        {kind && <span class="muted"> ({sourceKindLabel(kind)})</span>}
      </span>
      {state ? (
        <span class={`tag ${SEVERE_STATES.has(state) ? "tag--failed" : state === "current" ? "tag--ok" : "tag--plain"}`}>{MEDICINE_STATE_LABELS[state]}</span>
      ) : (
        status && <span class="entry__status">{status}</span>
      )}
      <MarkBadges marks={e.marks.filter((m) => !(state === "stopped" && m === "stopped") && !(state === "do-not-give" && m === "do-not-give"))} eie={e.entered_in_error && state !== "entered-in-error"} />
      <span class="entry__date">{e.date_display}</span>
      {e.stale && <StaleMark asOf={e.as_of} now={ctx.now} />}
      {e.title !== groupTitle && (
        <span class="entry__title">
          as “<bdi>{e.title}</bdi>”
        </span>
      )}
      {notes.length > 0 && (
        <span class="entry__notes">
          <bdi>{notes.join(" · ")}</bdi>
        </span>
      )}
      {ctx.canOpen(e) && (
        <button type="button" class="button button--link button--small entry__open" onClick={() => ctx.onOpenRef(e)}>
          Details<span class="visually-hidden"> of {e.title} from {e.source}</span>
        </button>
      )}
    </li>
  );
}
