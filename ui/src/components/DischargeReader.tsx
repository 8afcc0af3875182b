import { useContext, useEffect, useMemo, useRef, useState } from "preact/hooks";
import * as api from "../api";
import type { Attachment, DischargeView, DocumentLink, EntrySummary, MedicationChange, MedicationChanges, Section, TimelineEvent, UiError } from "../bindings";
import { formatDate, NOT_KNOWN } from "../lib/dates";
import { sourceKindLabel } from "../lib/filter";
import { base64ToBytes, base64ToText, onNarrativeClick, sanitizeNarrative } from "../lib/html";
import { documentKindWord, documentWord } from "../lib/marks";
import { AccessGuard } from "../lib/guard";
import { ErrorText } from "./ErrorText";
import { MarkBadges } from "./Timeline";

interface Props {
  nhs: string;
  event: TimelineEvent;
  onClose: () => void;
}

type State = { state: "loading" } | { state: "ok"; view: DischargeView } | { state: "error"; error: UiError };

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function DischargeReader({ nhs, event, onClose }: Props) {
  const [st, setSt] = useState<State>({ state: "loading" });
  const headingRef = useRef<HTMLHeadingElement>(null);
  const guard = useContext(AccessGuard);

  useEffect(() => {
    let live = true;
    setSt({ state: "loading" });
    guard(() => api.discharge({ nhs, source: event.source_id, resourceType: event.resource_type, id: event.resource_id })).then(
      (view) => live && setSt({ state: "ok", view }),
      (error: UiError) => live && setSt({ state: "error", error }),
    );
    return () => {
      live = false;
    };
  }, [nhs, event.source_id, event.resource_type, event.resource_id]);

  useEffect(() => {
    headingRef.current?.focus();
  }, [st.state]);

  const v = st.state === "ok" ? st.view : null;
  const word = v ? documentKindWord(v.kind) : documentWord(event);
  // Medication entries are listed once, in the medicines blocks below.
  const medRefs = useMemo(() => new Set(v?.medications.map((m) => m.reference) ?? []), [v]);
  const narrative = useMemo(() => (v?.narrative_html ? sanitizeNarrative(v.narrative_html) : null), [v]);

  return (
    <section class="reader" data-testid="discharge-reader" data-kind={v?.kind} aria-labelledby="reader-h">
      <div class="reader__bar">
        <button type="button" class="button button--secondary button--small" data-testid="reader-close" onClick={onClose}>
          Close {word}
          <span class="visually-hidden"> (Esc)</span>
        </button>
      </div>
      <h2 id="reader-h" class="reader__title" tabIndex={-1} ref={headingRef}>
        <bdi>{v ? (v.title ?? cap(word)) : event.title}</bdi>
      </h2>
      {st.state === "loading" && <p aria-live="polite">Loading {word}…</p>}
      {st.state === "error" && <ErrorText error={st.error} prefix={`Could not open the ${word}`} source={event.source} />}
      {v && (
        <>
          {v.superseded_by && (
            <p class="warning-callout" data-testid="superseded" role="note">
              <strong>Superseded</strong> — replaced by <DocName d={v.superseded_by} />. This {word} may no longer be current.
            </p>
          )}
          {v.kind === "discharge-summary" && v.medication_changes && <ChangesPanel c={v.medication_changes} />}
          <dl class="summary-list summary-list--compact">
            <div class="summary-list__row">
              <dt>Date</dt>
              <dd>{v.date ? formatDate(v.date) : event.date_display || NOT_KNOWN}</dd>
            </div>
            <div class="summary-list__row">
              <dt>Author</dt>
              <dd>
                <bdi>{v.author ?? NOT_KNOWN}</bdi>
              </dd>
            </div>
            <div class="summary-list__row">
              <dt>Source</dt>
              <dd>
                <bdi>{v.source}</bdi> ({sourceKindLabel(event.source_kind)})
              </dd>
            </div>
            {v.status && (
              <div class="summary-list__row">
                <dt>Status</dt>
                <dd>{v.status}</dd>
              </div>
            )}
            <div class="summary-list__row">
              <dt>Encounter</dt>
              <dd>{v.encounter ? <Entry e={v.encounter} /> : NOT_KNOWN}</dd>
            </div>
            {v.relates_to.length > 0 && (
              <div class="summary-list__row">
                <dt>Related</dt>
                <dd>
                  <ul class="plain-list">
                    {v.relates_to.map((d, i) => (
                      <li key={i}>
                        {cap(d.relation.replace(/-/g, " "))} <DocName d={d} />
                      </li>
                    ))}
                  </ul>
                </dd>
              </div>
            )}
          </dl>
          {narrative && (
            <section class="reader__section" aria-labelledby="reader-narrative-h">
              <h3 id="reader-narrative-h">Summary</h3>
              {/* Sanitised XHTML from the core, re-checked by sanitizeNarrative; links never navigate. */}
              <div class="narrative" data-testid="discharge-narrative" onClick={onNarrativeClick} dangerouslySetInnerHTML={{ __html: narrative }} />
            </section>
          )}
          {!narrative && v.narrative_text && (
            <section class="reader__section" aria-labelledby="reader-narrative-h">
              <h3 id="reader-narrative-h">Summary</h3>
              <p class="prewrap" data-testid="discharge-narrative">
                {v.narrative_text}
              </p>
            </section>
          )}
          {v.sections.map((s, i) => (
            <SectionView key={i} s={s} level={3} skip={medRefs} />
          ))}
          <Medicines meds={v.medications} onDischarge={v.kind === "discharge-summary"} />
          {v.attachments.length > 0 && (
            <section class="reader__block" aria-labelledby="reader-att">
              <h3 id="reader-att">Attachments</h3>
              {v.attachments.map((a, i) => (
                <AttachmentView key={i} a={a} />
              ))}
            </section>
          )}
        </>
      )}
    </section>
  );
}

function DocName({ d }: { d: DocumentLink }) {
  return (
    <span>
      <bdi>{d.title ?? "an untitled document"}</bdi> <span class="muted code">({d.resource_type}/{d.resource_id})</span>
    </span>
  );
}

/** The discharge's medicines against the GP's list, at the top of the reader. */
export function ChangesPanel({ c }: { c: MedicationChanges }) {
  const blocks: { key: string; title: string; note?: string; items: MedicationChange[]; show: "reason" | "detail" }[] = [
    { key: "started", title: "Started", items: c.started, show: "detail" },
    { key: "stopped", title: "Stopped", items: c.stopped, show: "reason" },
    { key: "changed", title: "Changed", items: c.changed, show: "detail" },
    { key: "continued", title: "Continued", items: c.continued, show: "detail" },
    { key: "not-mentioned", title: "Not mentioned", note: "On the GP list but not mentioned by this discharge: not assumed stopped.", items: c.not_mentioned, show: "detail" },
  ];
  const any = blocks.some((b) => b.items.length > 0);
  return (
    <section class="changes" data-testid="medication-changes" aria-labelledby="changes-h">
      <h3 id="changes-h" class="changes__title">
        Medicine changes on discharge
      </h3>
      <p class="changes__basis" data-testid="changes-basis">
        {c.compared_with.length > 0 ? (
          <>
            Compared with the GP list from{" "}
            {c.compared_with.map((g, i) => (
              <span key={g}>
                {i > 0 && ", "}
                <bdi>{g}</bdi>
              </span>
            ))}
            .
          </>
        ) : (
          "Not compared with a GP list: none was available."
        )}
        {c.note && (
          <>
            {" "}
            <bdi>{c.note}</bdi>
          </>
        )}
      </p>
      {!any && <p class="muted">No medicines listed.</p>}
      <div class="changes__grid">
        {blocks
          .filter((b) => b.items.length > 0)
          .map((b) => (
            <div key={b.key} class={`changes__block changes__block--${b.key}`} data-testid={`changes-${b.key}`}>
              <h4 class="changes__head">
                <span class={`tag tag--change tag--change-${b.key}`}>{b.title.toUpperCase()}</span> <span class="muted">({b.items.length})</span>
              </h4>
              {b.note && <p class="changes__note">{b.note}</p>}
              <ul class="plain-list">
                {b.items.map((m, i) => (
                  <li key={i} class="change">
                    <strong>
                      <bdi>{m.title}</bdi>
                    </strong>
                    {b.show === "reason" && (
                      <span class="change__why">
                        {" "}
                        — {m.reason ? <>Reason <bdi>{m.reason}</bdi></> : "no reason given"}
                      </span>
                    )}
                    {b.show === "detail" && m.detail && (
                      <span class="change__why">
                        {" "}
                        — <bdi>{m.detail}</bdi>
                      </span>
                    )}
                    {b.show === "detail" && m.reason && (
                      <span class="change__why">
                        {" "}
                        (<bdi>{m.reason}</bdi>)
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          ))}
      </div>
    </section>
  );
}

function Entry({ e }: { e: EntrySummary }) {
  return (
    <span>
      <MarkBadges marks={e.marks} eie={e.status === "entered-in-error"} /> <bdi>{e.title ?? e.reference}</bdi>
      {e.detail && (
        <span>
          : <bdi>{e.detail}</bdi>
        </span>
      )}
      {e.status && <span class="muted"> ({e.status})</span>}
    </span>
  );
}

function detailParts(detail: string | null): string[] {
  if (!detail) return [];
  return detail
    .split(" · ")
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * Split a medication's joined detail (`One tablet once a day · Intent order ·
 * Category Discharge · Reason …`) into the dose text a clinician reads; the
 * request's intent and category are bookkeeping, the reason and notes are
 * shown on their own.
 */
export function medicationDose(detail: string | null): string | null {
  const parts = detailParts(detail).filter((p) => !/^(Intent|Category|Reason|Note) /.test(p));
  return parts.length ? parts.join("; ") : null;
}

/** The reason and notes in a medication's detail (`Reason …`, `Note …`). */
export function medicationWhy(detail: string | null): string[] {
  return detailParts(detail).filter((p) => /^(Reason|Note) /.test(p));
}

export type MedBlock = "take" | "stopped" | "do-not-give" | "proposed" | "other";

/** Where a medicine listed by a document belongs: never a stopped one beside continued ones. */
export function medBlock(m: EntrySummary): MedBlock {
  const status = (m.status ?? "").toLowerCase();
  if (m.marks.includes("do-not-give")) return "do-not-give";
  if (m.marks.includes("stopped") || status === "stopped" || status === "cancelled") return "stopped";
  if (status === "entered-in-error" || m.marks.includes("not-taken") || status === "completed" || status === "not-taken") return "other";
  if (m.marks.includes("proposal")) return "proposed";
  return "take";
}

function Medicines({ meds, onDischarge }: { meds: EntrySummary[]; onDischarge: boolean }) {
  const by: Record<MedBlock, EntrySummary[]> = { take: [], stopped: [], "do-not-give": [], proposed: [], other: [] };
  for (const m of meds) by[medBlock(m)].push(m);
  const blocks: { key: MedBlock; title: string }[] = [
    { key: "take", title: onDischarge ? "Medications on discharge" : "Medicines listed" },
    { key: "stopped", title: onDischarge ? "Stopped medicines (not to be taken)" : "Stopped medicines" },
    { key: "do-not-give", title: "Do not give" },
    { key: "proposed", title: "Proposed, not started" },
    { key: "other", title: "Other medicine records (completed, not taken or entered in error)" },
  ];
  return (
    <div class="reader__meds" data-testid="discharge-medications">
      {blocks
        .filter((b) => b.key === "take" || by[b.key].length > 0)
        .map((b) => (
          <section key={b.key} class={`reader__block reader__block--${b.key}`} aria-labelledby={`reader-meds-${b.key}`} data-testid={`meds-${b.key}`}>
            <h3 id={`reader-meds-${b.key}`}>{b.title}</h3>
            {by[b.key].length === 0 ? (
              <p class="muted">None listed</p>
            ) : (
              <ul class="meds">
                {by[b.key].map((m, i) => (
                  <MedicationItem key={i} m={m} />
                ))}
              </ul>
            )}
          </section>
        ))}
    </div>
  );
}

function MedicationItem({ m }: { m: EntrySummary }) {
  const dose = medicationDose(m.detail);
  const why = medicationWhy(m.detail);
  return (
    <li class="med" data-testid="discharge-medication" data-status={m.status ?? ""} data-marks={m.marks.join(" ")}>
      <span class="med__head">
        <MarkBadges marks={m.marks} eie={m.status === "entered-in-error"} />
        <strong class="med__name">
          <bdi>{m.title ?? m.reference}</bdi>
        </strong>
      </span>
      <span class="med__dose">{dose ? <bdi>{dose}</bdi> : "Dose not recorded"}</span>
      {why.map((w, i) => (
        <span key={i} class="med__why">
          <bdi>{w}</bdi>
        </span>
      ))}
      {m.status && <span class="med__status muted">Status {m.status}</span>}
    </li>
  );
}

function SectionView({ s, level, skip }: { s: Section; level: number; skip: ReadonlySet<string> }) {
  const html = useMemo(() => (s.html ? sanitizeNarrative(s.html) : null), [s.html]);
  const entries = s.entries.filter((e) => !skip.has(e.reference));
  const skipped = s.entries.length - entries.length;
  const H = (level <= 3 ? "h3" : level === 4 ? "h4" : "h5") as "h3" | "h4" | "h5";
  return (
    <section class="reader__section" data-testid="discharge-section">
      <H>
        <bdi>{s.title ?? "Untitled section"}</bdi>
      </H>
      {/* Sanitised XHTML from the core, re-checked by sanitizeNarrative; links never navigate. */}
      {html && <div class="narrative" onClick={onNarrativeClick} dangerouslySetInnerHTML={{ __html: html }} />}
      {!html && s.text && <p class="prewrap">{s.text}</p>}
      {s.empty_reason && (
        <p class="section-empty" data-testid="section-empty">
          Section empty: <bdi>{s.empty_reason}</bdi>
        </p>
      )}
      {!html && !s.text && !s.empty_reason && skipped > 0 && <p class="muted">See the medicines below.</p>}
      {entries.length > 0 && (
        <ul class="entries">
          {entries.map((e, i) => (
            <li key={i}>
              <Entry e={e} />
            </li>
          ))}
        </ul>
      )}
      {s.sections.map((c, i) => (
        <SectionView key={i} s={c} level={level + 1} skip={skip} />
      ))}
    </section>
  );
}

function sizeText(n: number | null): string {
  if (n === null) return "";
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function AttachmentView({ a }: { a: Attachment }) {
  const type = (a.content_type ?? "").split(";")[0].trim().toLowerCase();
  const title = a.title ?? "Untitled attachment";
  let body;
  if (a.data && type === "text/plain") {
    let text: string | null = null;
    try {
      text = base64ToText(a.data);
    } catch {
      text = null;
    }
    body =
      text === null ? (
        <p class="error-message">This attachment could not be decoded.</p>
      ) : (
        <pre class="attachment__text" tabIndex={0}>
          {text}
        </pre>
      );
  } else if (a.data && type === "application/pdf") {
    body = <PdfView data={a.data} title={title} />;
  } else if (!a.data && a.url) {
    body = (
      <p>
        <span class="code">{a.url}</span> <strong>(not downloaded)</strong>
      </p>
    );
  } else {
    body = <p class="muted">This attachment type ({a.content_type ?? "unknown type"}) cannot be shown in Crossview.</p>;
  }
  return (
    <div class="attachment" data-testid="attachment">
      <h4>
        {title}{" "}
        <span class="muted">
          {a.content_type ?? "unknown type"}
          {a.size !== null ? `, ${sizeText(a.size)}` : ""}
        </span>
      </h4>
      {body}
    </div>
  );
}

function PdfView({ data, title }: { data: string; title: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<"loading" | "ok" | "error">("loading");
  const [pages, setPages] = useState(0);
  useEffect(() => {
    const signal = { cancelled: false };
    const el = ref.current;
    if (!el) return;
    el.replaceChildren();
    setStatus("loading");
    import("../lib/pdf")
      .then(({ renderPdf }) => renderPdf(base64ToBytes(data), el, { signal }))
      .then(
        (n) => {
          if (!signal.cancelled) {
            setPages(n);
            setStatus("ok");
          }
        },
        () => !signal.cancelled && setStatus("error"),
      );
    return () => {
      signal.cancelled = true;
    };
  }, [data]);
  return (
    <div class="pdf" aria-label={`PDF: ${title}`} role="group">
      {status === "loading" && <p aria-live="polite">Rendering PDF…</p>}
      {status === "error" && <p class="error-message">This PDF could not be displayed.</p>}
      {status === "ok" && pages > 50 && <p class="muted">Showing the first 50 of {pages} pages.</p>}
      <div ref={ref} class="pdf__pages" />
    </div>
  );
}
