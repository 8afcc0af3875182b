import type { ConsentNote, SourceStatus } from "../bindings";

/** `1 Encounter, 1 DocumentReference` (zero counts left out). */
export function withheldWords(withheld: ConsentNote["withheld"]): string {
  return Object.entries(withheld)
    .filter(([, n]) => typeof n === "number" && n > 0)
    .map(([type, n]) => `${(n as number).toLocaleString("en-GB")} ${type}`)
    .join(", ");
}

/**
 * One consent note at a source: what its restriction withheld (never kept), or
 * a warning that it could not be applied. Always shown: what is missing, and
 * why, is part of the record.
 */
export function ConsentLine({ source, note }: { source: string; note: ConsentNote }) {
  const withheld = withheldWords(note.withheld);
  if (!note.applied) {
    return (
      <li class="warning-callout consent" data-testid="consent-note" data-applied="false" data-consent={note.consent}>
        <strong>Warning: </strong>Consent at <bdi>{source}</bdi> could not be applied: <bdi>{note.text}</bdi>
      </li>
    );
  }
  return (
    <li class="info-callout consent consent--applied" data-testid="consent-note" data-applied="true" data-consent={note.consent}>
      Consent restriction at <bdi>{source}</bdi>: <bdi>{note.text}</bdi>
      {withheld ? ` (withheld, not kept: ${withheld})` : ""}
    </li>
  );
}

/** Every source's consent notes, in source order; nothing when there are none. */
export function ConsentNotes({ sources, testid = "consent-notes" }: { sources: SourceStatus[]; testid?: string }) {
  const notes = sources.flatMap((s) => (s.consent ?? []).map((note, i) => ({ source: s.source, key: `${s.source_id}|${note.consent}|${i}`, note })));
  if (notes.length === 0) return null;
  return (
    <ul class="consent-notes" data-testid={testid} aria-label="Consent restrictions">
      {notes.map((n) => (
        <ConsentLine key={n.key} source={n.source} note={n.note} />
      ))}
    </ul>
  );
}
