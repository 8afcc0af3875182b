import type { UiError } from "../bindings";

/** An error from the core, shown with its code (decisions are made on the code only). */
export function ErrorText({ error, prefix }: { error: UiError; prefix?: string }) {
  return (
    <p class="error-message" role="alert">
      <span class="visually-hidden">Error: </span>
      {prefix ? `${prefix}: ` : ""}
      {error.message} <span class="error-code">({error.code})</span>
    </p>
  );
}
