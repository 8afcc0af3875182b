import {
  elementScroll,
  observeElementOffset,
  observeElementRect,
  Virtualizer,
  type VirtualItem,
} from "@tanstack/virtual-core";
import { useLayoutEffect, useReducer, useState } from "preact/hooks";

/**
 * Element size, but never zero: before layout (or where there is none, as in
 * tests) assume a window's height so the first rows still render.
 */
const observeRect: typeof observeElementRect = (instance, cb) =>
  observeElementRect(instance, (rect) =>
    cb(rect.height > 0 ? rect : { width: rect.width, height: (typeof window !== "undefined" && window.innerHeight) || 600 }),
  );

/** Minimal Preact binding for @tanstack/virtual-core (fixed row height). */
export function useVirtualRows(opts: {
  count: number;
  rowHeight: number;
  getScrollElement: () => HTMLElement | null;
  overscan?: number;
}): { items: VirtualItem[]; totalSize: number; scrollToIndex: (i: number) => void } {
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const [v] = useState(
    () =>
      new Virtualizer<HTMLElement, HTMLElement>({
        count: opts.count,
        getScrollElement: opts.getScrollElement,
        estimateSize: () => opts.rowHeight,
        overscan: opts.overscan ?? 8,
        observeElementRect: observeRect,
        observeElementOffset,
        scrollToFn: elementScroll,
        // Used before the first measurement and where layout is unavailable.
        initialRect: { width: 0, height: 600 },
        onChange: () => rerender(0),
      }),
  );
  v.setOptions({
    ...v.options,
    count: opts.count,
    getScrollElement: opts.getScrollElement,
  });

  useLayoutEffect(() => v._didMount(), [v]);
  useLayoutEffect(() => {
    v._willUpdate();
  });

  return {
    items: v.getVirtualItems(),
    totalSize: v.getTotalSize(),
    scrollToIndex: (i: number) => v.scrollToIndex(i, { align: "auto" }),
  };
}
