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
