/**
 * Defence in depth for narrative XHTML. The core already sanitises section
 * html; this second pass (in an inert <template>, so nothing loads or runs)
 * drops anything active that might still slip through.
 */
const DROP = new Set([
  "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "link", "meta", "base",
  "form", "input", "button", "select", "textarea", "svg", "math", "template", "noscript", "audio", "video", "source",
]);

export function sanitizeNarrative(html: string): string {
  const t = document.createElement("template");
  t.innerHTML = html;
  const walk = (root: ParentNode) => {
    for (const el of Array.from(root.children)) {
      const name = el.localName.toLowerCase();
      if (DROP.has(name)) {
        el.remove();
        continue;
      }
      for (const attr of Array.from(el.attributes)) {
        const n = attr.name.toLowerCase();
        // Anchors inside a narrative are kept only as data: an id or name from a
        // source must never clash with (or clobber) the app's own ids.
        if (n === "id" || n === "name") {
          if (attr.value && !el.hasAttribute("data-anchor")) el.setAttribute("data-anchor", attr.value);
          el.removeAttribute(attr.name);
          continue;
        }
        const v = attr.value.replace(/[\s\u0000-\u001f]/g, "").toLowerCase();
        if (
          n.startsWith("on") ||
          n === "style" ||
          n === "srcset" ||
          ((n === "href" || n === "src" || n === "xlink:href" || n === "action" || n === "formaction") &&
            !(v.startsWith("#") || (n === "src" && v.startsWith("data:image/"))))
        ) {
          el.removeAttribute(attr.name);
        }
      }
      if (name === "img") {
        // An image whose address was removed says so (as the core does); one kept gets a text alternative.
        if (!el.getAttribute("src")) {
          const span = el.ownerDocument.createElement("span");
          span.className = "removed";
          span.textContent = "[image removed]";
          el.replaceWith(span);
          continue;
        }
        if (!el.hasAttribute("alt")) el.setAttribute("alt", "Image in the document");
      }
      walk(el);
    }
  };
  walk(t.content);
  return t.innerHTML;
}

/** Decode base64 to bytes. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Decode base64 UTF-8 text. */
export function base64ToText(b64: string): string {
  return new TextDecoder("utf-8").decode(base64ToBytes(b64));
}

/**
 * Click handler for a narrative container: no link inside a narrative ever
 * navigates (the location and its fragment never change, so a link cannot
 * switch the patient). A link to `#anchor` scrolls to the element with that
 * anchor inside the same narrative; anything else does nothing.
 */
export function onNarrativeClick(e: MouseEvent) {
  const target = e.target as Element | null;
  const link = target?.closest?.("a");
  const container = e.currentTarget as HTMLElement | null;
  if (!link || !container || !container.contains(link)) return;
  e.preventDefault();
  const href = link.getAttribute("href") ?? "";
  if (!href.startsWith("#") || href.length < 2) return;
  let name: string;
  try {
    name = decodeURIComponent(href.slice(1));
  } catch {
    return;
  }
  const dest = Array.from(container.querySelectorAll<HTMLElement>("[data-anchor]")).find((el) => el.getAttribute("data-anchor") === name);
  if (!dest) return;
  dest.scrollIntoView?.({ block: "start" });
  if (!dest.hasAttribute("tabindex")) dest.setAttribute("tabindex", "-1");
  dest.focus?.({ preventScroll: true });
}
