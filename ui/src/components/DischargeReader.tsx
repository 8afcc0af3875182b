import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import * as api from "../api";
import type { Attachment, DischargeView, EntrySummary, Section, TimelineEvent, UiError } from "../bindings";
import { formatDate, NOT_KNOWN } from "../lib/dates";
import { base64ToBytes, base64ToText, sanitizeNarrative } from "../lib/html";
import { sourceKindLabel } from "../lib/filter";
import { ErrorText } from "./ErrorText";

interface Props {
  nhs: string;
  event: TimelineEvent;
  onClose: () => void;
}

type State = { state: "loading" } | { state: "ok"; view: DischargeView } | { state: "error"; error: UiError };

export function DischargeReader({ nhs, event, onClose }: Props) {
  const [st, setSt] = useState<State>({ state: "loading" });
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let live = true;
    setSt({ state: "loading" });
    api.discharge({ nhs, source: event.source, resourceType: event.resource_type, id: event.resource_id }).then(
      (view) => live && setSt({ state: "ok", view }),
      (error: UiError) => live && setSt({ state: "error", error }),
    );
    return () => {
      live = false;
    };
  }, [nhs, event.source, event.resource_type, event.resource_id]);

  useEffect(() => {
    headingRef.current?.focus();
  }, [st.state]);

  const v = st.state === "ok" ? st.view : null;
  // Medication entries are listed once, under "Medications on discharge".
  const medRefs = useMemo(() => new Set(v?.medications.map((m) => m.reference) ?? []), [v]);

  return (
    <section class="reader" data-testid="discharge-reader" aria-labelledby="reader-h">
      <div class="reader__bar">
        <button type="button" class="button button--secondary button--small" onClick={onClose}>
          Back to details
        </button>
      </div>
      <h2 id="reader-h" class="reader__title" tabIndex={-1} ref={headingRef}>
        {v ? (v.title ?? "Discharge summary") : event.title}
      </h2>
      {st.state === "loading" && <p aria-live="polite">Loading discharge summary…</p>}
      {st.state === "error" && <ErrorText error={st.error} prefix="Could not open the discharge summary" />}
      {v && (
        <>
          <dl class="summary-list summary-list--compact">
            <div class="summary-list__row">
              <dt>Date</dt>
              <dd>{v.date ? formatDate(v.date) : event.date_display || NOT_KNOWN}</dd>
            </div>
            <div class="summary-list__row">
              <dt>Author</dt>
              <dd>{v.author ?? NOT_KNOWN}</dd>
            </div>
            <div class="summary-list__row">
              <dt>Source</dt>
              <dd>
                {v.source} ({sourceKindLabel(event.source_kind)})
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
          </dl>
          {v.sections.map((s, i) => (
            <SectionView key={i} s={s} level={3} skip={medRefs} />
          ))}
          <section class="reader__block" aria-labelledby="reader-meds">
            <h3 id="reader-meds">Medications on discharge</h3>
            {v.medications.length === 0 ? (
              <p class="muted">None listed</p>
            ) : (
              <ul class="meds" data-testid="discharge-medications">
                {v.medications.map((m, i) => (
                  <MedicationItem key={i} m={m} />
                ))}
              </ul>
            )}
          </section>
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

function Entry({ e }: { e: EntrySummary }) {
  return (
    <span>
      <span>{e.title ?? e.reference}</span>
      {e.detail && <span>: {e.detail}</span>}
      {e.status && <span class="muted"> ({e.status})</span>}
    </span>
  );
}

/**
 * Split a medication's joined detail (`One tablet once a day · Intent order ·
 * Category Discharge`) into the dose text a clinician reads; the request's
 * intent and category are bookkeeping and are left out.
 */
export function medicationDose(detail: string | null): string | null {
  if (!detail) return null;
  const parts = detail
    .split(" · ")
    .map((p) => p.trim())
    .filter((p) => p && !/^(Intent|Category) /.test(p));
  return parts.length ? parts.join("; ") : null;
}

function MedicationItem({ m }: { m: EntrySummary }) {
  const dose = medicationDose(m.detail);
  return (
    <li class="med" data-testid="discharge-medication">
      <strong class="med__name">{m.title ?? m.reference}</strong>
      <span class="med__dose">{dose ?? "Dose not recorded"}</span>
      {m.status && <span class="med__status muted">Status: {m.status}</span>}
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
      <H>{s.title ?? "Untitled section"}</H>
      {/* Sanitised XHTML from the core, re-checked by sanitizeNarrative. */}
      {html && <div class="narrative" dangerouslySetInnerHTML={{ __html: html }} />}
      {!html && skipped > 0 && <p class="muted">See Medications on discharge below.</p>}
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
