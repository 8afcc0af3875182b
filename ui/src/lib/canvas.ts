/**
 * Largest canvas drawn for one page, in device pixels (16 Mpx, 64 MiB of RGBA):
 * a hostile PDF declaring a page of 200×200 metres must not exhaust memory.
 */
export const MAX_CANVAS_PIXELS = 16 * 1024 * 1024;

/** The scale that keeps a page of `width`×`height` (at scale 1) within `maxPixels` at `ratio`. */
export function boundedScale(width: number, height: number, scale: number, ratio: number, maxPixels = MAX_CANVAS_PIXELS): number {
  const px = width * scale * ratio * (height * scale * ratio);
  if (!(px > maxPixels)) return scale;
  return scale * Math.sqrt(maxPixels / px);
}
