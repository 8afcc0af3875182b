import { render, type ComponentChild } from "preact";
import { act } from "preact/test-utils";

let containers: HTMLElement[] = [];

export function mount(ui: ComponentChild): HTMLElement {
  const c = document.createElement("div");
  document.body.appendChild(c);
  containers.push(c);
  act(() => {
    render(ui, c);
  });
  return c;
}

export function cleanup() {
  for (const c of containers) {
    act(() => render(null, c));
    c.remove();
  }
  containers = [];
}

/** Let pending promises settle and effects run. */
export async function flush(times = 5) {
  for (let i = 0; i < times; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

export function q(root: ParentNode, testid: string): HTMLElement {
  const el = root.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
  if (!el) throw new Error(`no element with data-testid="${testid}"`);
  return el;
}

export function qa(root: ParentNode, testid: string): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`));
}

export function type(input: HTMLInputElement, value: string) {
  act(() => {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

export function click(el: HTMLElement) {
  act(() => {
    el.click();
  });
}

export function key(el: HTMLElement, k: string) {
  act(() => {
    el.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
  });
}
