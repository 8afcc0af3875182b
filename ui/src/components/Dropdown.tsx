import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A small drop-down (a <details> disclosure, so it works with the keyboard and
 * assistive technology as is): closes on a click outside it and on Esc, which
 * then returns focus to its toggle.
 */
export function Dropdown({ label, testid, className, children }: { label: ComponentChildren; testid?: string; className?: string; children: ComponentChildren }) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      const d = ref.current;
      if (d && d.open && e.target instanceof Node && !d.contains(e.target)) d.open = false;
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    const d = ref.current;
    if (e.key !== "Escape" || !d?.open) return;
    e.preventDefault();
    e.stopPropagation();
    d.open = false;
    d.querySelector<HTMLElement>("summary")?.focus();
  };
  return (
    <details ref={ref} class={`dropdown${className ? ` ${className}` : ""}`} data-testid={testid} onKeyDown={onKeyDown}>
      <summary class="dropdown__summary">{label}</summary>
      <div class="dropdown__panel">{children}</div>
    </details>
  );
}
