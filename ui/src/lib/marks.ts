import { EVENT_MARK_LABELS, type EventKind, type EventMark, type TimelineEvent } from "../bindings";

/** The words shown for each mark: the core's (the command line prints the same). */
export const MARK_LABEL: Record<EventMark, string> = EVENT_MARK_LABELS;

/** What each mark means, for the detail panel. */
export const MARK_MEANING: Record<EventMark, string> = {
  "do-not-give": "The source records that this medicine must NOT be given.",
  "not-taken": "The source records that the patient is not taking this medicine.",
  stopped: "The source records this as stopped or cancelled.",
  "on-hold": "The source records this medicine as on hold.",
  proposal: "A proposal or plan (for example \u201cGP to start\u201d), not an order.",
  unconfirmed: "The source has not confirmed this allergy.",
  refuted: "The source has ruled this allergy out: it is not a current allergy.",
  "high-criticality": "High criticality: a future reaction could be life-threatening.",
  intolerance: "Recorded as an intolerance rather than an allergy.",
  superseded: "This document has been replaced by a newer one.",
  degraded: "The source could not say what this record is (degraded when it was transferred).",
};

/** Marks that must stand out (red) rather than inform. */
export const SEVERE_MARKS: ReadonlySet<EventMark> = new Set<EventMark>(["do-not-give", "stopped", "high-criticality", "refuted", "not-taken"]);

/** Statuses that mean a medicine is no longer being given, even without a mark. */
const STOPPED_STATUS = new Set(["stopped", "cancelled"]);

/**
 * Marks to show for an event: the core's marks, plus STOPPED for a medicine
 * whose status says it was stopped or cancelled (in case a source's status
 * was not turned into a mark).
 */
export function eventMarks(e: Pick<TimelineEvent, "marks" | "status" | "kind">): EventMark[] {
  const marks = e.marks.slice();
  if (e.kind === "medication" && e.status && STOPPED_STATUS.has(e.status.toLowerCase()) && !marks.includes("stopped")) marks.unshift("stopped");
  return marks;
}

/** What the button that opens a document says: discharge summary, letter or document. */
export type DocumentWord = "discharge summary" | "letter" | "document";

/** Derive the document kind from a timeline event (kind discharge → discharge summary; "letter" in the title → letter). */
export function documentWord(e: { kind: EventKind; title: string }): DocumentWord {
  if (e.kind === "discharge") return "discharge summary";
  if (/\bletter\b/i.test(e.title)) return "letter";
  return "document";
}

export function documentKindWord(kind: "discharge-summary" | "letter" | "document"): DocumentWord {
  return kind === "discharge-summary" ? "discharge summary" : kind;
}
