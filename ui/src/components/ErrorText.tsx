import type { ErrorCode, UiError } from "../bindings";
import { plainError } from "../lib/errors";

/**
 * An error from the core in plain English (naming the source where known),
 * with the technical detail (code and message) behind a disclosure.
 * Decisions are made on the code only.
 */
export function ErrorText({ error, prefix, source }: { error: UiError; prefix?: string; source?: string | null }) {
  return (
    <div class="error-message" role="alert" data-testid="error" data-code={error.code}>
      <p class="error-message__text">
        <span class="visually-hidden">Error: </span>
        {prefix ? `${prefix}. ` : ""}
        {plainError(error.code, source)}
      </p>
      <TechnicalDetail code={error.code} message={error.message} />
    </div>
  );
}

/** Code and message of an error, collapsed. */
export function TechnicalDetail({ code, message }: { code: ErrorCode; message: string | null }) {
  return (
    <details class="tech-detail">
      <summary>Technical detail</summary>
      <p class="tech-detail__body">
        <span class="error-code">{code}</span>
        {message ? (
          <>
            {": "}
            <bdi>{message}</bdi>
          </>
        ) : null}
      </p>
    </details>
  );
}
