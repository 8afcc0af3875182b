import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/** The controls Tab can reach inside `root`, in order (radios: only the checked one, or the first of a group). */
function tabbable(root: HTMLElement): HTMLElement[] {
  const seen = new Set<string>();
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => {
    if (el.closest("[hidden]")) return false;
    if (el instanceof HTMLInputElement && el.type === "radio" && el.name) {
      const group = root.querySelectorAll<HTMLInputElement>(`input[type="radio"][name="${el.name}"]`);
      const checked = Array.from(group).find((r) => r.checked);
      if (checked ? checked !== el : seen.has(el.name)) return false;
      seen.add(el.name);
    }
    return true;
  });
}

interface Props {
  /** Id of the element naming the dialog (its heading). */
  labelledBy: string;
  describedBy?: string;
  testid: string;
  /** Esc (and the caller's Cancel) close it; not called while `busy`. */
  onClose: () => void;
  busy?: boolean;
  /** Selector of the element to focus first (else the first control). */
  initialFocus?: string;
  /**
   * Where focus goes on closing when it cannot go back where it was (a click
   * does not focus a button in every webview, and the element may be gone).
   */
  fallbackFocus?: () => HTMLElement | null | undefined;
  wide?: boolean;
  children: ComponentChildren;
}

/**
 * A modal dialog: focus moves into it, Tab stays inside it, Esc closes it, and
 * focus goes back to where it was when it closes. The caller renders it
 * outside the page's landmarks and makes them inert while it is open, so
 * nothing behind it can be reached or clicked.
 */
export function Modal({ labelledBy, describedBy, testid, onClose, busy, initialFocus, fallbackFocus, wide, children }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const fallback = useRef(fallbackFocus);
  fallback.current = fallbackFocus;

  useEffect(() => {
    const returnTo = document.activeElement as HTMLElement | null;
    const root = ref.current;
    if (root) {
      const first = (initialFocus && root.querySelector<HTMLElement>(initialFocus)) || tabbable(root)[0] || root;
      first.focus();
    }
    return () => {
      // Only when that element is still there (an open or a removal may have replaced it).
      const root = ref.current;
      // After the dialog has left the page (removing the focused control would undo it).
      queueMicrotask(() => {
        const target = returnTo && returnTo.isConnected && returnTo !== document.body && !root?.contains(returnTo) ? returnTo : fallback.current?.();
        if (target && target.isConnected) target.focus();
      });
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const onKeyDown = (e: KeyboardEvent) => {
    // The page's own shortcuts (/, Ctrl+K, Esc for the details) must not act behind the dialog.
    e.stopPropagation();
    if (e.key === "Escape") {
      e.preventDefault();
      if (!busy) onClose();
      return;
    }
    if (e.key !== "Tab" || !ref.current) return;
    const items = tabbable(ref.current);
    if (items.length === 0) {
      e.preventDefault();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    const inside = active instanceof Node && ref.current.contains(active) && active !== ref.current;
    if (e.shiftKey && (active === first || !inside)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !inside)) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <div class="modal-backdrop">
      <div
        ref={ref}
        class={`modal${wide ? " modal--wide" : ""}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={labelledBy}
        aria-describedby={describedBy}
        data-testid={testid}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        {children}
      </div>
    </div>
  );
}
