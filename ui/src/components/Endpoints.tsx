import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { CheckStatus, ConnectionReport, EndpointKind, EndpointSettings, FhirVersionSetting, UiError } from "../bindings";
import { sourceKindLabel } from "../lib/filter";
import { plainError } from "../lib/errors";
import { ErrorText, TechnicalDetail } from "./ErrorText";

const KIND_OPTIONS: EndpointKind[] = ["hospital", "gp", "social-care", "other"];
const FHIR_OPTIONS: { value: FhirVersionSetting; label: string }[] = [
  { value: "auto", label: "Detect automatically" },
  { value: "R4", label: "R4" },
  { value: "STU3", label: "STU3" },
];

/** Whether a URL points at this computer (where plain http is acceptable). */
export function isLoopback(url: string): boolean {
  try {
    const h = new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase();
    return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
  } catch {
    return false;
  }
}

/** Client-side checks before the core validates again on save. */
export function validateEndpoint(e: EndpointSettings, others: EndpointSettings[]): string[] {
  const errs: string[] = [];
  if (!e.name.trim()) errs.push("Enter a name");
  else if (others.some((o) => o.name.trim() === e.name.trim())) errs.push("Another endpoint already has this name");
  const url = e.base_url.trim();
  if (!/^https?:\/\/\S+$/i.test(url)) errs.push("Base URL must start with https:// (or http:// for this computer)");
  else if (/^http:\/\//i.test(url) && !isLoopback(url) && !e.allow_insecure_http)
    errs.push("Plain http:// is accepted only for this computer (127.0.0.1, ::1, localhost): use https://");
  if (!Number.isFinite(e.timeout_s) || e.timeout_s < 1 || e.timeout_s > 600) errs.push("Timeout must be between 1 and 600 seconds");
  if (!Number.isInteger(e.page_size) || e.page_size < 1 || e.page_size > 1000) errs.push("Page size must be between 1 and 1000");
  if (e.token_env && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.token_env)) errs.push("Token variable must be an environment variable name (letters, digits, _)");
  return errs;
}

type TestState = { state: "running" } | { state: "done"; report: ConnectionReport } | { state: "error"; error: UiError };

/**
 * The endpoints screen. In demo mode the demo's own endpoints are shown
 * read-only (the core refuses to save them).
 */
export function Endpoints({ demo = false }: { demo?: boolean }) {
  const [list, setList] = useState<EndpointSettings[] | null>(null);
  const [defaults, setDefaults] = useState<EndpointSettings | null>(null);
  const [defaultsError, setDefaultsError] = useState<UiError | null>(null);
  const [loadError, setLoadError] = useState<UiError | null>(null);
  const [editing, setEditing] = useState<{ index: number | null; draft: EndpointSettings } | null>(null);
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<UiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [tests, setTests] = useState<Record<string, TestState>>({});

  useEffect(() => {
    api.listEndpoints().then(setList, (e: UiError) => {
      setLoadError(e);
      setList([]);
    });
    api.endpointDefaults().then(setDefaults, setDefaultsError);
  }, []);

  if (list === null) return <p aria-live="polite">Loading endpoints…</p>;

  const startEdit = (index: number | null) => {
    if (index === null && !defaults) return;
    setEditing({ index, draft: index === null ? { ...defaults!, id: null } : { ...list[index] } });
    setFormErrors([]);
    setSaved(false);
  };

  const applyEdit = (e: Event) => {
    e.preventDefault();
    if (!editing) return;
    const others = list.filter((_, i) => i !== editing.index);
    const d = { ...editing.draft, name: editing.draft.name.trim(), base_url: editing.draft.base_url.trim(), token_env: editing.draft.token_env.trim() };
    const errs = validateEndpoint(d, others);
    setFormErrors(errs);
    if (errs.length) return;
    const next = list.slice();
    if (editing.index === null) next.push(d);
    else next[editing.index] = d;
    setList(next);
    setEditing(null);
    setDirty(true);
    setSaved(false);
  };

  const remove = (i: number) => {
    setList(list.filter((_, j) => j !== i));
    setDirty(true);
    setSaved(false);
  };

  const save = () => {
    setSaving(true);
    setSaveError(null);
    api.saveEndpoints(list).then(
      () => {
        setSaving(false);
        setDirty(false);
        setSaved(true);
      },
      (e: UiError) => {
        setSaving(false);
        setSaveError(e);
      },
    );
  };

  const test = (ep: EndpointSettings, key: string) => {
    setTests((t) => ({ ...t, [key]: { state: "running" } }));
    api.testEndpoint(ep).then(
      (report) => setTests((t) => ({ ...t, [key]: { state: "done", report } })),
      (error: UiError) => setTests((t) => ({ ...t, [key]: { state: "error", error } })),
    );
  };

  const set = <K extends keyof EndpointSettings>(k: K, v: EndpointSettings[K]) =>
    setEditing((ed) => (ed ? { ...ed, draft: { ...ed.draft, [k]: v } } : ed));

  return (
    <section class="endpoints" aria-labelledby="endpoints-h">
      <h2 id="endpoints-h">Endpoints</h2>
      {demo ? (
        <p class="info-callout" data-testid="endpoints-demo-note">
          <strong>Demo mode.</strong> These are the demo's built-in endpoints (synthetic trusts on this computer). They can be tested but not changed here.
        </p>
      ) : (
        <p class="muted">FHIR servers Crossview reads from. Changes take effect when you save.</p>
      )}
      {loadError && <ErrorText error={loadError} prefix="Could not load the endpoints" />}
      {!demo && defaultsError && <ErrorText error={defaultsError} prefix="Could not read the settings for a new endpoint" />}
      <table class="table">
        <caption class="visually-hidden">Configured endpoints</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Base URL</th>
            <th scope="col">FHIR</th>
            <th scope="col">Token variable</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {list.length === 0 && (
            <tr>
              <td colSpan={6}>No endpoints configured.</td>
            </tr>
          )}
          {list.map((ep, i) => {
            const key = ep.id ?? `new-${i}:${ep.name}`;
            const t = tests[key];
            return [
              <tr key={key} data-testid="endpoint-row" data-endpoint={ep.name}>
                <td>
                  <bdi>{ep.name}</bdi>
                  {ep.connection && (
                    <div class="endpoint-connection muted" data-testid="endpoint-connection">
                      <bdi>{ep.connection}</bdi>
                    </div>
                  )}
                </td>
                <td>{sourceKindLabel(ep.kind)}</td>
                <td class="code wrap">
                  {ep.base_url}
                  {ep.allow_insecure_http && (
                    <>
                      {" "}
                      <span class="tag tag--critical" data-testid="insecure-http" title="Set in the configuration file">
                        INSECURE: PLAIN HTTP ALLOWED
                      </span>
                    </>
                  )}
                </td>
                <td>{ep.fhir_version}</td>
                <td class="code">{ep.token_env || "None"}</td>
                <td class="actions">
                  {!demo && (
                    <button type="button" class="button button--secondary button--small" onClick={() => startEdit(i)}>
                      Edit<span class="visually-hidden"> {ep.name}</span>
                    </button>
                  )}
                  <button type="button" class="button button--secondary button--small" onClick={() => test(ep, key)} disabled={t?.state === "running"}>
                    Test connection<span class="visually-hidden"> to {ep.name}</span>
                  </button>
                  {!demo && (
                    <button type="button" class="button button--warning button--small" onClick={() => remove(i)}>
                      Remove<span class="visually-hidden"> {ep.name}</span>
                    </button>
                  )}
                </td>
              </tr>,
              t && (
                <tr key={`${key}-test`} class="test-row">
                  <td colSpan={6}>
                    <TestResult t={t} name={ep.name} />
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
      {!demo && (
        <p class="button-row">
          <button type="button" class="button button--secondary" onClick={() => startEdit(null)} disabled={!!editing || !defaults}>
            Add endpoint
          </button>
          <button type="button" class="button" onClick={save} disabled={saving || !!editing || !dirty}>
            {saving ? "Saving…" : "Save endpoints"}
          </button>
          {dirty && <span class="muted">Unsaved changes</span>}
          {saved && <span role="status">Endpoints saved.</span>}
        </p>
      )}
      {saveError && (
        <div>
          <ErrorText error={saveError} prefix="The endpoints were not saved" />
          <p class="error-detail">
            <bdi>{saveError.message}</bdi>
          </p>
        </div>
      )}
      {editing && (
        <form class="endpoint-form" onSubmit={applyEdit} aria-labelledby="ep-form-h" noValidate>
          <h3 id="ep-form-h">{editing.index === null ? "Add endpoint" : `Edit ${list[editing.index].name}`}</h3>
          {formErrors.length > 0 && (
            <div class="error-summary" role="alert">
              <h4>There is a problem</h4>
              <ul>
                {formErrors.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            </div>
          )}
          <div class="field">
            <label for="ep-name">Name</label>
            <input id="ep-name" class="input" value={editing.draft.name} onInput={(e) => set("name", (e.currentTarget as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label for="ep-kind">Kind</label>
            <select id="ep-kind" class="input" value={editing.draft.kind} onChange={(e) => set("kind", (e.currentTarget as HTMLSelectElement).value as EndpointKind)}>
              {KIND_OPTIONS.map((k) => (
                <option key={k} value={k}>
                  {sourceKindLabel(k)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="ep-url">Base URL</label>
            <input id="ep-url" class="input input--wide" type="url" spellcheck={false} value={editing.draft.base_url} onInput={(e) => set("base_url", (e.currentTarget as HTMLInputElement).value)} />
            {editing.draft.allow_insecure_http && (
              <p class="warning-callout warning-callout--small">
                <strong>Danger: </strong>the configuration file allows plain http:// to another machine for this endpoint, so its data travels
                unencrypted. Only the configuration file can change this.
              </p>
            )}
          </div>
          {editing.draft.connection && (
            <div class="field">
              <span class="field__label" id="ep-connection-label">
                Connection
              </span>
              <p class="hint" id="ep-connection-hint">
                Interface, auth and TLS are set in the configuration file
              </p>
              <p class="readonly-value" data-testid="endpoint-connection-form" aria-labelledby="ep-connection-label" aria-describedby="ep-connection-hint">
                <bdi>{editing.draft.connection}</bdi>
              </p>
            </div>
          )}
          <div class="field">
            <label for="ep-fhir">FHIR version</label>
            <select id="ep-fhir" class="input" value={editing.draft.fhir_version} onChange={(e) => set("fhir_version", (e.currentTarget as HTMLSelectElement).value as FhirVersionSetting)}>
              {FHIR_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="ep-timeout">Timeout (seconds)</label>
            <input id="ep-timeout" class="input input--short" type="number" min={1} max={600} value={editing.draft.timeout_s} onInput={(e) => set("timeout_s", Number((e.currentTarget as HTMLInputElement).value))} />
          </div>
          <div class="field">
            <label for="ep-page">Page size</label>
            <input id="ep-page" class="input input--short" type="number" min={1} max={1000} value={editing.draft.page_size} onInput={(e) => set("page_size", Number((e.currentTarget as HTMLInputElement).value))} />
          </div>
          <div class="field">
            <label for="ep-token">Token environment variable</label>
            <p class="hint" id="ep-token-hint">
              The name of an environment variable that holds the access token, for example CROSSVIEW_TOKEN_TRUST. Crossview reads
              the token from that variable when it connects; the token itself is never stored.
            </p>
            <input id="ep-token" class="input" spellcheck={false} aria-describedby="ep-token-hint" value={editing.draft.token_env} onInput={(e) => set("token_env", (e.currentTarget as HTMLInputElement).value)} />
          </div>
          <p class="button-row">
            <button type="submit" class="button">
              {editing.index === null ? "Add" : "Apply changes"}
            </button>
            <button type="button" class="button button--secondary" onClick={() => test(editing.draft, "draft")}>
              Test connection
            </button>
            <button type="button" class="button button--link" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </p>
          {tests.draft && <TestResult t={tests.draft} name={editing.draft.name || "new endpoint"} />}
        </form>
      )}
    </section>
  );
}

/** The words beside each check: the status is never told by colour alone. */
export const CHECK_STATUS_WORDS: Record<CheckStatus, string> = {
  pass: "OK",
  warn: "Warning",
  fail: "Failed",
  skip: "Not tried",
};
const CHECK_STATUS_MARKS: Record<CheckStatus, string> = { pass: "✓", warn: "!", fail: "✗", skip: "–" };

function TestResult({ t, name }: { t: TestState; name: string }) {
  if (t.state === "running") return <p role="status">Testing connection to {name}…</p>;
  if (t.state === "error") return <ErrorText error={t.error} prefix={`The connection test for ${name} failed`} source={name} />;
  const r = t.report;
  // Older cores (and mocks) may leave the newer lists out.
  const checks = r.checks ?? [];
  const willShow = r.will_show ?? [];
  const willNotShow = r.will_not_show ?? [];
  const about = [r.fhir_version ? `FHIR ${r.fhir_version}` : null, r.software].filter((x): x is string => !!x);
  return (
    <div class="connection-report" role="status" data-testid="connection-report" data-ok={r.ok ? "true" : "false"}>
      {r.ok ? (
        <p data-testid="connection-overall">
          <span class="tag tag--ok">✓ Connected</span> <bdi>{name}</bdi> is healthy
          {about.length > 0 && (
            <>
              {" · "}
              <bdi>{about.join(" · ")}</bdi>
            </>
          )}
        </p>
      ) : (
        <div class="error-message" data-testid="connection-overall">
          <p class="error-message__text">
            <span class="tag tag--failed">✗ Connection failed</span> <bdi>{name}</bdi> is not healthy
            {about.length > 0 && (
              <>
                {" · "}
                <bdi>{about.join(" · ")}</bdi>
              </>
            )}
          </p>
          {r.error && <p class="error-message__text">{plainError(r.error.code, name)}</p>}
          {r.error && <TechnicalDetail code={r.error.code} message={r.error.message} />}
        </div>
      )}
      {checks.length > 0 && (
        <ol class="checks" aria-label={`Checks on ${name}`}>
          {checks.map((c, i) => (
            <li key={`${c.step}|${i}`} class={`check check--${c.status}`} data-testid="connection-check" data-status={c.status} data-step={c.step}>
              <span class={`check__status check__status--${c.status}`}>
                {CHECK_STATUS_MARKS[c.status]} {CHECK_STATUS_WORDS[c.status]}
              </span>{" "}
              <strong class="check__name">
                <bdi>{c.name}</bdi>
              </strong>
              {c.detail && (
                <>
                  {": "}
                  <bdi class="check__detail">{c.detail}</bdi>
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      {willShow.length > 0 && (
        <div class="will" data-testid="will-show">
          <strong>Will show:</strong>
          <ul class="will__list">
            {willShow.map((w, i) => (
              <li key={i}>
                <bdi>{w}</bdi>
              </li>
            ))}
          </ul>
        </div>
      )}
      {willNotShow.length > 0 && (
        <div class="will will--not" data-testid="will-not-show">
          <strong>Will not show:</strong>
          <ul class="will__list">
            {willNotShow.map((w, i) => (
              <li key={i}>
                <bdi>{w}</bdi>
              </li>
            ))}
          </ul>
        </div>
      )}
      {r.note && (
        <p class="info-callout" data-testid="connection-note">
          <bdi>{r.note}</bdi>
        </p>
      )}
      {r.supports.length > 0 && (
        <dl class="summary-list summary-list--compact">
          <div class="summary-list__row">
            <dt>Resource types</dt>
            <dd>
              <ul class="inline-list">
                {r.supports.map(([rt, ok]) => (
                  <li key={rt}>
                    {rt}: {ok ? "supported" : "not supported"}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        </dl>
      )}
    </div>
  );
}
