/**
 * pdf.js, loaded lazily. The worker is bundled by Vite into our own assets
 * (no remote URL); eval is disabled to match the CSP.
 */
import { getDocument, GlobalWorkerOptions } from "pdfjs-dist";
import { boundedScale, MAX_CANVAS_PIXELS } from "./canvas";
import PdfWorker from "./pdf-worker?worker";

let port: Worker | null = null;


export async function renderPdf(
  data: Uint8Array,
  container: HTMLElement,
  opts: { maxPages?: number; scale?: number; signal?: { cancelled: boolean } } = {},
): Promise<number> {
  if (!port) {
    port = new PdfWorker();
    GlobalWorkerOptions.workerPort = port;
  }
  const task = getDocument({ data, isEvalSupported: false, useSystemFonts: true, enableXfa: false, maxImageSize: MAX_CANVAS_PIXELS });
  const doc = await task.promise;
  const pages = Math.min(doc.numPages, opts.maxPages ?? 50);
  for (let n = 1; n <= pages; n++) {
    if (opts.signal?.cancelled) break;
    const page = await doc.getPage(n);
    const ratio = window.devicePixelRatio || 1;
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: boundedScale(base.width, base.height, opts.scale ?? 1.25, ratio) });
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `Page ${n} of ${doc.numPages}`);
    canvas.className = "pdf__page";
    container.appendChild(canvas);
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("Canvas is not available");
    await page.render({
      canvas,
      canvasContext: ctx,
      viewport,
      transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined,
    }).promise;
  }
  return doc.numPages;
}
