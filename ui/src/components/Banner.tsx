import { useState } from "preact/hooks";
import type { BannerAllergies, Banner as BannerData, SourceGap } from "../bindings";
import { formatAge, formatDate, NOT_KNOWN } from "../lib/dates";
import { formatNhs } from "../lib/nhs";

/** `Female`, `Male`, …; `Not known` when absent or unknown. */
export function formatGender(g: string | null): string {
  if (!g) return NOT_KNOWN;
  const s = g.trim();
  if (!s || s.toLowerCase() === "unknown") return NOT_KNOWN;
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `ASHWORTH, Ada`, `HARGREAVES, Evelyn Rose (Mrs)`: family name in capitals, given name(s), title. */
export function patientName(b: { family: string | null; given: string | null; title?: string | null }): string {
  const family = b.family?.trim() ? b.family.trim().toUpperCase() : null;
  const given = b.given?.trim() || null;
  const title = b.title?.trim() ? ` (${b.title.trim()})` : "";
  if (family && given) return `${family}, ${given}${title}`;
  if (family) return `${family}${title}`;
  if (given) return `${given}${title}`;
  return "Name not known";
}

/** A warning in the banner: the most severe first (identity, then allergy conflict, then differences). */
export interface BannerWarning {
  text: string;
  kind: "identity" | "allergy" | "demographics";
}

export function bannerWarnings(b: BannerData): BannerWarning[] {
  return [
    ...b.identity_warnings.map((text) => ({ text, kind: "identity" as const })),
    ...(b.allergy_conflict ? [{ text: b.allergy_conflict, kind: "allergy" as const }] : []),
    ...b.discrepancies.map((text) => ({ text, kind: "demographics" as const })),
  ];
}

interface Props {
  banner: BannerData;
  now?: Date;
  /** Sources the record is still loading from (a sync running, nothing cached from them yet). */
  loadingFrom?: string[];
}

/**
 * The patient banner (never scrolls away), compact: one line of demographics,
 * one line of allergies, and the warnings collapsed to the most severe one.
 */
export function Banner({ banner, now, loadingFrom = [] }: Props) {
  const [showAll, setShowAll] = useState(false);
  const loading = banner.loading || loadingFrom.length > 0;
  const age = formatAge(banner.birth_date, now);
  const born = banner.birth_date ? `${formatDate(banner.birth_date)}${age ? ` (${age})` : ""}` : NOT_KNOWN;
  const hasName = !!(banner.family?.trim() || banner.given?.trim());
  const warnings = bannerWarnings(banner);
  const rest = warnings.slice(1);
  return (
    <section class={`banner${loading ? " banner--loading" : ""}`} data-testid="banner" data-loading={loading ? "true" : "false"} aria-labelledby="banner-name">
      <div class="banner__line">
        <h2 class="banner__name" id="banner-name">
          {hasName || !loading ? <bdi>{patientName(banner)}</bdi> : <span data-testid="banner-loading">Loading record…</span>}
        </h2>
        <dl class="banner__facts">
          {(banner.birth_date || !loading) && (
            <div>
              <dt>Born</dt>
              <dd>{born}</dd>
            </div>
          )}
          {(banner.gender || !loading) && (
            <div>
              <dt>Gender</dt>
              <dd>{formatGender(banner.gender)}</dd>
            </div>
          )}
          <div>
            <dt>NHS No.</dt>
            <dd class="nowrap">{formatNhs(banner.nhs_number)}</dd>
          </div>
        </dl>
        {loading && (
          <p class="banner__loading" role="status">
            <span class="tag tag--loading">LOADING</span> from <SourceNames names={loadingFrom} />
            {loadingFrom.length === 0 && "its sources"}
            {hasName ? " — this record is not complete yet" : ""}
          </p>
        )}
      </div>
      <AllergyLine a={banner.allergies} loadingFrom={loadingFrom} loading={loading} />
      {warnings.length > 0 && (
        <div class="banner__warnings" data-testid="banner-warnings">
          <p class="banner__warning">
            <span class="tag tag--warning">WARNING</span> <bdi>{warnings[0].text}</bdi>
          </p>
          {rest.length > 0 && (
            <>
              <button
                type="button"
                class="banner__more"
                aria-expanded={showAll ? "true" : "false"}
                aria-controls="banner-more-warnings"
                onClick={() => setShowAll(!showAll)}
              >
                {warnings.length} warnings — {showAll ? "hide" : "show"}
              </button>
              <ul id="banner-more-warnings" class="banner__warning-list" hidden={!showAll}>
                {rest.map((w, i) => (
                  <li key={i} class="banner__warning">
                    <span class="tag tag--warning">WARNING</span> <bdi>{w.text}</bdi>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}

function SourceNames({ names }: { names: string[] }) {
  return (
    <>
      {names.map((n, i) => (
        <span key={n}>
          {i > 0 && ", "}
          <bdi>{n}</bdi>
        </span>
      ))}
    </>
  );
}

/** A gap in words: "Not known from Hillcrest Community Trust: its last sync failed (EndpointUnreachable)". */
export function gapWords(g: SourceGap, loadingFrom: string[] = []): string {
  const reason = loadingFrom.includes(g.source) ? "still loading" : g.reason;
  return `Not known from ${g.source}: ${reason}`;
}

function AllergyLine({ a, loadingFrom, loading }: { a: BannerAllergies; loadingFrom: string[]; loading: boolean }) {
  const nothingYet = loading && a.items.length === 0 && a.negations.length === 0;
  return (
    <div class={`banner__allergies banner__allergies--${nothingYet ? "loading" : a.state}`} data-testid="banner-allergies" data-state={nothingYet ? "loading" : a.state}>
      <span class="banner__allergy-label">Allergies</span>
      {nothingYet ? (
        <span>
          <strong>Not known yet</strong> — loading from <SourceNames names={loadingFrom} />
          {loadingFrom.length === 0 && "its sources"}
        </span>
      ) : (
        <>
          {a.state === "incomplete" && <span class="tag tag--incomplete">INCOMPLETE</span>}
          {a.items.length > 0 && (
            <ul class="inline-list banner__allergy-items">
              {a.items.map((x, i) => (
                <li key={i}>
                  <strong>
                    <bdi>{x.title}</bdi>
                  </strong>
                  {x.high_criticality && (
                    <>
                      {" "}
                      <span class="tag tag--critical">HIGH CRITICALITY</span>
                    </>
                  )}
                  {x.high_criticality && x.reactions.length > 0 && <span>: {x.reactions.join(", ")}</span>}
                  {x.unconfirmed && (
                    <>
                      {" "}
                      <span class="tag tag--plain">UNCONFIRMED</span>
                    </>
                  )}{" "}
                  <span class="banner__allergy-src">({x.sources.length === 1 ? <bdi>{x.sources[0]}</bdi> : `${x.sources.length} sources`})</span>
                  {x.stale && (
                    <>
                      {" "}
                      <span class="tag tag--stale">OLD DATA</span>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
          {a.state === "no-known-allergies" && (
            <>
              <strong class="banner__nka">No known allergies</strong>
              {a.negations.length > 0 && " — "}
            </>
          )}
          {a.state === "not-recorded" && a.negations.length === 0 && <strong>Allergies not recorded</strong>}
          {a.negations.length > 0 && a.items.length === 0 && (
            <ul class="inline-list banner__negations">
              {a.negations.map((n, i) => (
                <li key={i}>
                  <bdi>{n.text}</bdi> (<bdi>{n.source}</bdi>)
                </li>
              ))}
            </ul>
          )}
          {a.state === "not-recorded" && a.negations.length > 0 && <span> — no other allergy information recorded</span>}
          {a.state === "incomplete" && a.gaps.length > 0 && (
            <span class="banner__gaps">
              {(a.items.length > 0 || a.negations.length > 0) && " · "}
              {a.gaps.map((g, i) => (
                <span key={g.source_id} class="banner__gap" data-testid="banner-allergy-gap">
                  {i > 0 && "; "}
                  <bdi>{gapWords(g, loadingFrom)}</bdi>
                </span>
              ))}
            </span>
          )}
          {(a.list_notes ?? []).length > 0 && (
            <span class="banner__list-notes" data-testid="banner-list-notes">
              {" · "}
              {a.list_notes.map((n, k) => (
                <span key={`${n.source_id}|${k}`} class="banner__list-note">
                  {k > 0 && "; "}
                  <bdi>{n.source}</bdi>: <bdi>{n.reason}</bdi>
                </span>
              ))}
            </span>
          )}
        </>
      )}
    </div>
  );
}
