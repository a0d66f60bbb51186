// The elements' default look and money formatting (elements.js). Every colour, radius and font
// is a CSS custom property that pages override on any ancestor:
//   --llmgateway-accent, --llmgateway-accent-text, --llmgateway-text, --llmgateway-muted,
//   --llmgateway-background, --llmgateway-surface, --llmgateway-border, --llmgateway-error,
//   --llmgateway-radius, --llmgateway-font, --llmgateway-focus.

export const BASE_STYLE = `
  :host {
    font-family: var(--llmgateway-font, system-ui, -apple-system, "Segoe UI", sans-serif);
    color: var(--llmgateway-text, #1f2330);
    line-height: 1.45;
  }
  [hidden] { display: none !important; }
  button {
    font: inherit;
    cursor: pointer;
    border-radius: var(--llmgateway-radius, 8px);
    border: 1px solid var(--llmgateway-accent, #4f46e5);
    background: var(--llmgateway-accent, #4f46e5);
    color: var(--llmgateway-accent-text, #fff);
    padding: 0.45em 1em;
  }
  button:disabled { opacity: 0.55; cursor: progress; }
  button.cancel, button.stop {
    background: transparent;
    color: var(--llmgateway-accent, #4f46e5);
  }
  button:focus-visible, input:focus-visible, textarea:focus-visible {
    outline: 3px solid var(--llmgateway-focus, #a5b4fc);
    outline-offset: 2px;
  }
  input, textarea {
    font: inherit;
    color: inherit;
    background: var(--llmgateway-background, #fff);
    border: 1px solid var(--llmgateway-border, #c9ccd6);
    border-radius: var(--llmgateway-radius, 8px);
    padding: 0.45em 0.6em;
    box-sizing: border-box;
  }
  .row { display: flex; gap: 0.6em; align-items: center; flex-wrap: wrap; }
  .badge {
    display: inline-block;
    margin: 0 0 0.6em;
    padding: 0.15em 0.6em;
    border-radius: 999px;
    font-size: 0.8em;
    background: #fff4d6;
    color: #6b4d00;
  }
`;

export const CHAT_STYLE = `
  :host { display: block; }
  .chat {
    display: flex;
    flex-direction: column;
    gap: 0.75em;
    padding: 1em;
    background: var(--llmgateway-surface, #f7f7fb);
    border: 1px solid var(--llmgateway-border, #c9ccd6);
    border-radius: var(--llmgateway-radius, 8px);
  }
  .log { display: flex; flex-direction: column; gap: 0.6em; max-height: 28em; overflow-y: auto; }
  .log:empty { display: none; }
  .message {
    padding: 0.5em 0.75em;
    border-radius: var(--llmgateway-radius, 8px);
    background: var(--llmgateway-background, #fff);
    max-width: 85%;
  }
  .message.user {
    align-self: flex-end;
    background: var(--llmgateway-accent, #4f46e5);
    color: var(--llmgateway-accent-text, #fff);
  }
  .role { display: block; font-size: 0.75em; opacity: 0.7; }
  .text { margin: 0.1em 0; white-space: pre-wrap; }
  .meta, .cost { font-size: 0.8em; color: var(--llmgateway-muted, #5d6275); }
  .error { margin: 0; color: var(--llmgateway-error, #b42318); }
  .prompt {
    padding: 0.75em;
    border: 1px solid var(--llmgateway-error, #b42318);
    border-radius: var(--llmgateway-radius, 8px);
    background: var(--llmgateway-background, #fff);
  }
  .prompt p { margin: 0 0 0.5em; }
  .form { display: flex; flex-direction: column; gap: 0.4em; }
  label { font-weight: 600; font-size: 0.9em; }
  textarea { width: 100%; resize: vertical; }
`;

export const BUY_STYLE = `
  :host { display: block; }
  .card, .stripe {
    margin-top: 0.6em;
    padding: 0.75em;
    display: flex;
    flex-direction: column;
    gap: 0.5em;
    max-width: 24em;
    border: 1px solid var(--llmgateway-border, #c9ccd6);
    border-radius: var(--llmgateway-radius, 8px);
    background: var(--llmgateway-background, #fff);
  }
  .title { margin: 0; font-weight: 600; }
  .summary, .hint { margin: 0; font-size: 0.85em; color: var(--llmgateway-muted, #5d6275); }
  label { display: flex; flex-direction: column; gap: 0.2em; font-size: 0.85em; font-weight: 600; }
  .amount-field { flex-direction: row; align-items: center; gap: 0.5em; }
  .amount-field input { width: 6em; }
  .status { margin: 0.4em 0 0; font-size: 0.9em; }
  .status:empty { display: none; }
  .status[role="alert"] { color: var(--llmgateway-error, #b42318); }
`;

function splitUsd(value) {
  const text = String(value ?? "");
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = text.replace(/^-/, "").split(".");
  return { negative, whole, fraction };
}

/**
 * The one money rule of the gateway (docs/money.md, llmgateway.money.usd_display): the sign
 * before the symbol, dollars grouped by thousands, every significant decimal (2 to 9), never
 * rounded. "8.333333333" → "$8.333333333", "-0.00005" → "-$0.00005", "1234.5" → "$1,234.50".
 */
export function formatUsd(value) {
  const { negative, whole, fraction } = splitUsd(value);
  const grouped = (whole.replace(/^0+(?=\d)/, "") || "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const digits = fraction.replace(/0+$/, "").padEnd(2, "0");
  const zero = !/[1-9]/.test(whole + fraction);
  return `${negative && !zero ? "-" : ""}$${grouped}.${digits}`;
}

/** A balance, by the one rule ("…" while it is unknown). */
export function formatBalance(value) {
  if (value === null || value === undefined || value === "") return "…";
  return formatUsd(value);
}

/** A cost, by the one rule (nothing while it is unknown). */
export function formatCost(value) {
  if (value === null || value === undefined || value === "") return "";
  return formatUsd(value);
}
