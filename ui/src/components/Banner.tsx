import type { Banner as BannerData } from "../bindings";
import { formatAge, formatDate, NOT_KNOWN } from "../lib/dates";
import { formatNhs } from "../lib/nhs";

/** `Female`, `Male`, …; `Not known` when absent or unknown. */
export function formatGender(g: string | null): string {
  if (!g) return NOT_KNOWN;
  const s = g.trim();
  if (!s || s.toLowerCase() === "unknown") return NOT_KNOWN;
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `ASHWORTH, Ada`: family name in capitals, then given name(s). */
export function patientName(b: Pick<BannerData, "family" | "given">): string {
  const family = b.family?.trim() ? b.family.trim().toUpperCase() : null;
  const given = b.given?.trim() || null;
  if (family && given) return `${family}, ${given}`;
  if (family) return family;
  if (given) return given;
  return "Name not known";
}

export function Banner({ banner, now }: { banner: BannerData; now?: Date }) {
  const age = formatAge(banner.birth_date, now);
  const born = banner.birth_date ? `${formatDate(banner.birth_date)}${age ? ` (${age})` : ""}` : NOT_KNOWN;
  const a = banner.allergies;
  const warnings = [...(banner.allergy_conflict ? [banner.allergy_conflict] : []), ...banner.discrepancies];
  return (
    <section class="banner" data-testid="banner" aria-labelledby="banner-name">
      <div class="banner__main">
        <h2 class="banner__name" id="banner-name">
          {patientName(banner)}
        </h2>
        <dl class="banner__facts">
          <div>
            <dt>Born</dt>
            <dd>{born}</dd>
          </div>
          <div>
            <dt>Gender</dt>
            <dd>{formatGender(banner.gender)}</dd>
          </div>
          <div>
            <dt>NHS No.</dt>
            <dd class="nowrap">{formatNhs(banner.nhs_number)}</dd>
          </div>
        </dl>
      </div>
      <div class={`banner__allergies banner__allergies--${a.state}`} data-testid="banner-allergies">
        <span class="banner__allergy-label">Allergies</span>{" "}
        {a.state === "listed" && (
          <ul class="inline-list">
            {a.allergies.map((x, i) => (
              <li key={i}>
                {x.title} ({x.source})
              </li>
            ))}
          </ul>
        )}
        {a.state === "no_known_allergies" && (
          <span>
            No known allergies
            {a.sources.length > 0 && <span class="muted"> ({a.sources.join(", ")})</span>}
          </span>
        )}
        {a.state === "not_recorded" && <span>Allergies not recorded</span>}
      </div>
      {warnings.length > 0 && (
        <ul class="banner__warnings" aria-label="Record warnings">
          {warnings.map((w, i) => (
            <li key={i} class="warning-callout">
              <strong>Warning: </strong>
              {w}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
