/**
 * The core's `timeline_page` and `timeline_entries` over an array of events
 * already in display order (newest first, undated last), for the mocked IPC
 * (browser tests) and the component tests. Self-contained: the browser tests
 * inject its source into the page, so it may not use anything outside itself.
 *
 * - kinds / sources: entries of these kinds / source ids; empty means all.
 * - from / to (`yyyy-mm-dd`, inclusive): the entry's date overlaps the range
 *   to its precision (`2019` spans the year); undated entries never match.
 * - text: every word must start a word of the title or detail (accents
 *   folded, case-insensitive); restricted entries are never found by text.
 * - total: matches of every filter; by_kind: every filter but the kinds;
 *   by_source: every filter but the sources (only non-zero counts, as SQL gives).
 */
export function timelineQuery() {
  const fold = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const words = (s) => fold(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);

  function span(date) {
    const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(date ?? "");
    if (!m) return null;
    const [, y, mo, d] = m;
    if (!mo) return [`${y}-01-01`, `${y}-12-31`];
    if (!d) return [`${y}-${mo}-01`, `${y}-${mo}-31`];
    return [`${y}-${mo}-${d}`, `${y}-${mo}-${d}`];
  }

  function rest(e, q) {
    if (q.from || q.to) {
      const s = span(e.date);
      if (!s || (q.from && s[1] < q.from) || (q.to && s[0] > q.to)) return false;
    }
    if (q.text) {
      const want = words(q.text).slice(0, 16);
      if (want.length > 0) {
        if (e.restricted) return false;
        const have = words(`${e.title} ${e.detail ?? ""}`);
        if (!want.every((w) => have.some((h) => h.startsWith(w)))) return false;
      }
    }
    return true;
  }

  function page(events, { kinds = [], sources = [], text = null, from = null, to = null, offset = 0, limit = 200 }) {
    if (!(limit >= 1 && limit <= 1000)) throw { code: "InvalidInput", message: `limit ${limit} is not 1..1000` };
    const q = { text, from, to };
    const kindIn = (e) => kinds.length === 0 || kinds.includes(e.kind);
    const sourceIn = (e) => sources.length === 0 || sources.includes(e.source_id);
    const matching = [];
    const by_kind = {};
    const by_source = {};
    for (const e of events) {
      if (!rest(e, q)) continue;
      if (sourceIn(e)) by_kind[e.kind] = (by_kind[e.kind] ?? 0) + 1;
      if (kindIn(e)) by_source[e.source_id] = (by_source[e.source_id] ?? 0) + 1;
      if (kindIn(e) && sourceIn(e)) matching.push(e);
    }
    return { events: matching.slice(offset, offset + limit), total: matching.length, offset, by_kind, by_source };
  }

  // As the core: looked up by the cached resource id, so a masked entry (whose
  // id on screen is its handle) is not found by it.
  function entries(events, keys) {
    if (keys.length > 1000) throw { code: "InvalidInput", message: "at most 1000 entries at once" };
    return keys.flatMap((k) => {
      const e = events.find((x) => !x.restricted?.masked && x.source_id === k.source_id && x.resource_type === k.resource_type && x.resource_id === k.resource_id);
      return e ? [e] : [];
    });
  }

  return { page, entries };
}
