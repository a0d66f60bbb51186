// Web Components for the LLM gateway: <llmgateway-provider>, <llmgateway-chat>,
// <llmgateway-balance> and <llmgateway-buy-credits>. Plain HTML or any framework; no build step.
// Served by the platform at /static/llmgateway/elements.js; the npm package
// @llmgateway-sdk/elements exports it as "@llmgateway-sdk/elements/web-components".
// Reference: docs/sdk-js.md.
//
// Styling: CSS custom properties (--llmgateway-accent, …, listed in BASE_STYLE) on any ancestor,
// and ::part() for everything else. Each element also dispatches bubbling, composed events:
// llmgateway-reply, llmgateway-error, llmgateway-topup.

import { LLMGatewayError, createClient, isRetryable } from "./client.js";
import { BASE_STYLE, CHAT_STYLE, BUY_STYLE, formatBalance, formatCost } from "./elements-style.js";

export { LLMGatewayError, createClient };

const DEFAULT_BUY_AMOUNT = "10";
const TOP_UP_POLL_MS = 1000;
const TOP_UP_WAIT_MS = 60_000;
const STRIPE_JS_URL = "https://js.stripe.com/v3/";
const DECLINED_TEST_CARD = "4000000000000002";
// Server-side rendering (Next.js, Remix…) evaluates this module where there is no DOM: the
// classes then extend a stand-in and nothing is defined; in the browser they are what they say.
const HTMLElementBase = globalThis.HTMLElement ?? class {};

function html(strings, ...values) {
  const template = document.createElement("template");
  template.innerHTML = strings.reduce((out, text, i) => out + text + (values[i] ?? ""), "");
  return template.content;
}

function emit(element, name, detail) {
  element.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}

// What the end user reads for a refusal meant for them; every other error shows its message.
const END_USER_MESSAGES = {
  customer_blocked: "This account is blocked from using credits. Contact the app's support.",
};
// Refusals of the page or the session as a whole: the provider shows them once, above its
// elements, rather than each element on its own.
const PAGE_LEVEL_CODES = new Set([
  "origin_not_allowed",
  "customer_blocked",
  "sessions_disabled",
  "session_revoked",
  "session_unavailable",
  "invalid_api_key",
  "mode_mismatch",
  "no_session",
]);

/** The text an element shows for `error`. */
export function errorText(error) {
  return END_USER_MESSAGES[error?.code] || error?.message || String(error);
}

function isPageLevel(error) {
  if (isRetryable(error)) return false; // it heals by itself: the elements retry
  return PAGE_LEVEL_CODES.has(error?.code) || Boolean(error?.fromSessionRoute);
}

/** An LLMGatewayError for your session route's failure, with the gateway's reason when the
 * route passed the API's error shape through ({"error": {code, message}}). */
async function sessionRouteError(url, response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: a login page, a proxy's error page
  }
  const error = body && body.error;
  if (error && typeof error === "object" && error.code) {
    const retryAfter = Number.parseFloat(response.headers.get("retry-after") ?? "");
    return new LLMGatewayError({
      code: error.code,
      message: error.message || `${url} answered ${response.status} (${error.code}).`,
      status: response.status,
      type: error.type ?? null,
      param: error.param ?? null,
      retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : null,
    });
  }
  const signedOut = response.status === 401 || response.status === 403;
  return new LLMGatewayError({
    code: "session_unavailable",
    status: response.status,
    message: signedOut
      ? `${url} answered ${response.status}: are you signed in?`
      : `${url} answered ${response.status}${typeof error === "string" ? `: ${error}` : "."}`,
  });
}

// Custom elements may get properties set before their class is defined: re-apply them.
function upgradeProperty(element, name) {
  if (Object.prototype.hasOwnProperty.call(element, name)) {
    const value = element[name];
    delete element[name];
    element[name] = value;
  }
}

/** The nearest <llmgateway-provider> up the tree, crossing shadow roots. */
function findProvider(element) {
  let node = element;
  while (node) {
    node = node.parentNode || node.host || null;
    if (node && node.localName === "llmgateway-provider") return node;
  }
  return null;
}

async function providerClient(element) {
  await customElements.whenDefined("llmgateway-provider");
  const provider = findProvider(element);
  if (!provider) {
    throw new LLMGatewayError({
      code: "no_provider",
      message: `Put <${element.localName}> inside <llmgateway-provider>.`,
    });
  }
  return provider.client;
}

// --- <llmgateway-provider> ----------------------------------------------------------------

/**
 * Holds the session and the client the elements inside it share.
 * Attributes: `fetch-session` (a URL of your backend answering POST with the JSON of
 * POST /v1/sessions), `base-url` (the gateway), `transport` ("sse" | "websocket"), `test`.
 * Properties: `fetchSession` (an async function, instead of the URL), `session`, `client`.
 */
export class LLMGatewayProviderElement extends HTMLElementBase {
  static observedAttributes = ["fetch-session"];

  constructor() {
    super();
    this._hook = null;
    this._hookWaiters = [];
    this._client = null;
    this._session = null;
    this.attachShadow({ mode: "open" }).append(
      html`<style>
          ${BASE_STYLE} :host { display: block; }
          .notice {
            margin: 0 0 0.75em;
            padding: 0.6em 0.8em;
            border: 1px solid var(--llmgateway-error, #b42318);
            border-radius: var(--llmgateway-radius, 8px);
            color: var(--llmgateway-error, #b42318);
            background: var(--llmgateway-background, #fff);
          }
        </style>
        <p part="test-badge" class="badge" hidden>Test mode: no real card is charged</p>
        <p part="error" class="notice" role="alert" hidden></p>
        <slot></slot>`,
    );
    // The elements inside report every failure; the ones about the whole page show here.
    this.addEventListener("llmgateway-error", (event) => {
      const error = event.detail?.error;
      if (isPageLevel(error)) this.showError(error);
    });
  }

  /** Show `error` (an LLMGatewayError) above the elements; null hides the notice. */
  showError(error) {
    const notice = this.shadowRoot.querySelector(".notice");
    notice.textContent = error ? errorText(error) : "";
    notice.hidden = !error;
  }

  connectedCallback() {
    upgradeProperty(this, "fetchSession");
    upgradeProperty(this, "session");
    this.shadowRoot.querySelector(".badge").hidden = !this.hasAttribute("test");
  }

  disconnectedCallback() {
    this._client?.close();
    this._client = null;
  }

  attributeChangedCallback(name, previous, value) {
    // A framework may set the URL after the elements started: they wait for it (or the hook).
    if (name === "fetch-session" && value) this._hookWaiters.splice(0).forEach((wake) => wake());
  }

  get fetchSession() {
    return this._hook;
  }

  set fetchSession(hook) {
    this._hook = typeof hook === "function" ? hook : null;
    if (this._hook) this._hookWaiters.splice(0).forEach((wake) => wake());
  }

  get session() {
    return this._client ? this._client.session : this._session;
  }

  set session(value) {
    this._session = value;
  }

  get client() {
    if (!this._client) {
      this._client = createClient({
        baseUrl: this.getAttribute("base-url") || "",
        transport: this.getAttribute("transport") || "sse",
        session: this._session,
        fetchSession: () => this._obtainSession(),
      });
    }
    return this._client;
  }

  async _obtainSession() {
    const url = this.getAttribute("fetch-session");
    if (!this._hook && !url) {
      // The page may set the fetchSession property after the elements started: wait for it.
      await new Promise((wake) => this._hookWaiters.push(wake));
    }
    const route = this.getAttribute("fetch-session");
    let session;
    if (this._hook) {
      session = await this._hook();
    } else {
      let response;
      try {
        response = await fetch(route, {
          method: "POST",
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
      } catch (error) {
        throw new LLMGatewayError({
          code: "connection_error",
          message: `Could not reach ${route} (${error?.message || error}).`,
        });
      }
      if (!response.ok) {
        const error = await sessionRouteError(route, response);
        error.fromSessionRoute = true;
        throw error;
      }
      session = await response.json();
    }
    const token = String(session?.sessionToken || session || "");
    if (this.hasAttribute("test") && token.startsWith("es_live_")) {
      throw new LLMGatewayError({
        code: "mode_mismatch",
        message: "This page is marked test but got a live session: refusing to charge real cards.",
      });
    }
    return session;
  }
}

// --- <llmgateway-balance> -----------------------------------------------------------------

/** The wallet's balance, kept live by the socket's wallet.balance pushes. */
export class LLMGatewayBalanceElement extends HTMLElementBase {
  constructor() {
    super();
    this._unsubscribe = null;
    this.balance = null;
    this.attachShadow({ mode: "open" }).append(
      html`<style>
          ${BASE_STYLE}
          :host { display: inline-block; }
          [part="amount"] { font-weight: 600; font-variant-numeric: tabular-nums; }
        </style>
        <span part="balance" role="status" aria-live="polite" aria-atomic="true">
          <span part="label"><slot>Balance</slot></span>
          <span part="amount">…</span>
        </span>`,
    );
  }

  connectedCallback() {
    this._start().catch((error) => this._fail(error));
  }

  disconnectedCallback() {
    this._unsubscribe?.();
    this._unsubscribe = null;
  }

  async _start() {
    const client = await providerClient(this);
    if (!this.isConnected) return;
    this._unsubscribe = client.onBalance((balance) => this._show(balance));
    // Over HTTP as well: the first figure needn't wait for the socket.
    const wallet = await client.balance();
    this._show(wallet.balance);
  }

  _show(balance) {
    this.balance = balance;
    this.dataset.balance = balance;
    const amount = this.shadowRoot.querySelector('[part="amount"]');
    amount.textContent = formatBalance(balance);
    amount.title = `$${balance}`;
  }

  _fail(error) {
    const amount = this.shadowRoot.querySelector('[part="amount"]');
    amount.textContent = "unavailable";
    amount.title = errorText(error);
    emit(this, "llmgateway-error", { error });
  }
}

// --- <llmgateway-buy-credits> -------------------------------------------------------------

/**
 * A button that buys `amount` USD of credits: Stripe's Payment Element when the top-up's
 * provider is Stripe, a simulated card form in test mode without Stripe keys.
 */
export class LLMGatewayBuyCreditsElement extends HTMLElementBase {
  static observedAttributes = ["amount"];

  constructor() {
    super();
    this._topUp = null;
    this._stripe = null;
    this.attachShadow({ mode: "open" }).append(
      html`<style>
          ${BASE_STYLE} ${BUY_STYLE}
        </style>
        <div part="container">
          <div class="row" part="start">
            <label part="amount-label" class="amount-field" hidden>
              Amount (USD)
              <input part="amount-input" name="amount" type="number" min="1" step="1" value="10" />
            </label>
            <button part="button" type="button" class="buy">Buy credits</button>
          </div>
          <form part="card-form" class="card" hidden>
            <p part="title" class="title" id="card-title">Test card (simulated payment)</p>
            <p part="summary" class="summary"></p>
            <label>Card number
              <input part="input" name="card" inputmode="numeric" autocomplete="cc-number"
                     value="4242 4242 4242 4242" required /></label>
            <div class="row">
              <label>Expiry <input part="input" name="expiry" autocomplete="cc-exp"
                                   value="12 / 34" required /></label>
              <label>CVC <input part="input" name="cvc" inputmode="numeric" autocomplete="cc-csc"
                                value="123" required /></label>
            </div>
            <p class="hint">4000 0000 0000 0002 is declined.</p>
            <div class="row">
              <button part="pay-button" type="submit" class="pay">Pay</button>
              <button part="cancel-button" type="button" class="cancel">Cancel</button>
            </div>
          </form>
          <div part="stripe" class="stripe" hidden>
            <p part="summary" class="summary"></p>
            <slot name="stripe-payment"></slot>
            <div class="row">
              <button part="pay-button" type="button" class="pay">Pay</button>
              <button part="cancel-button" type="button" class="cancel">Cancel</button>
            </div>
          </div>
          <p part="status" class="status" role="status" aria-live="polite"></p>
        </div>`,
    );
    const root = this.shadowRoot;
    root.querySelector(".buy").addEventListener("click", () => this._begin());
    root.querySelector(".card").addEventListener("submit", (event) => {
      event.preventDefault();
      this._paySimulated();
    });
    root.querySelector(".stripe .pay").addEventListener("click", () => this._payStripe());
    for (const cancel of root.querySelectorAll(".cancel")) {
      cancel.addEventListener("click", () => this._reset("Payment cancelled."));
    }
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this._topUp) this._reset("Payment cancelled.");
    });
  }

  connectedCallback() {
    this._render();
  }

  attributeChangedCallback() {
    this._render();
  }

  get amount() {
    const fixed = this.getAttribute("amount");
    if (fixed) return fixed;
    return this.shadowRoot.querySelector('[part="amount-input"]').value || DEFAULT_BUY_AMOUNT;
  }

  // React 19 sets a custom element's props as properties when the element has one.
  set amount(value) {
    if (value === null || value === undefined || value === "") this.removeAttribute("amount");
    else this.setAttribute("amount", String(value));
  }

  _render() {
    const fixed = this.getAttribute("amount");
    this.shadowRoot.querySelector(".amount-field").hidden = Boolean(fixed);
    this.shadowRoot.querySelector(".buy").textContent = fixed
      ? `Buy $${Number(fixed).toFixed(2)} of credits`
      : "Buy credits";
  }

  _status(text, { alert = false } = {}) {
    const status = this.shadowRoot.querySelector(".status");
    status.setAttribute("role", alert ? "alert" : "status");
    status.textContent = text;
  }

  _reset(message = "") {
    this._topUp = null;
    this.shadowRoot.querySelector(".card").hidden = true;
    this.shadowRoot.querySelector(".stripe").hidden = true;
    this.querySelector('[slot="stripe-payment"]')?.remove();
    const buy = this.shadowRoot.querySelector(".buy");
    buy.disabled = false;
    this._status(message);
    buy.focus();
  }

  async _begin() {
    const buy = this.shadowRoot.querySelector(".buy");
    buy.disabled = true;
    this._status("Preparing the payment…");
    try {
      const client = await providerClient(this);
      this._topUp = await client.topUp(this.amount);
      const summary = `You pay $${this._topUp.total}; you get ${formatBalance(this._topUp.netCredit)} of credit.`;
      for (const node of this.shadowRoot.querySelectorAll(".summary")) node.textContent = summary;
      if (this._topUp.provider === "stripe") {
        await this._mountStripe(this._topUp);
      } else {
        const form = this.shadowRoot.querySelector(".card");
        form.querySelector(".pay").textContent = `Pay $${this._topUp.total}`;
        form.hidden = false;
        this._status("");
        form.querySelector('input[name="card"]').focus();
      }
    } catch (error) {
      this._reset();
      this._fail(error);
    }
  }

  // A refusal of the whole page is shown once, by the provider; the rest in the status line.
  _fail(error) {
    if (!isPageLevel(error)) this._status(errorText(error), { alert: true });
    emit(this, "llmgateway-error", { error });
  }

  async _paySimulated() {
    const topUp = this._topUp;
    if (!topUp) return;
    const form = this.shadowRoot.querySelector(".card");
    const card = form.querySelector('input[name="card"]').value.replace(/\D/g, "");
    form.querySelector(".pay").disabled = true;
    this._status("Processing the payment…");
    try {
      const client = await providerClient(this);
      const outcome = card === DECLINED_TEST_CARD ? "failed" : "succeeded";
      await client.simulateTopUp(topUp.id, { outcome });
      await this._awaitCredit(client, topUp);
    } catch (error) {
      this._fail(error);
    } finally {
      form.querySelector(".pay").disabled = false;
    }
  }

  async _mountStripe(topUp) {
    if (!topUp.publishableKey || !topUp.clientSecret) {
      throw new LLMGatewayError({ code: "stripe_unavailable", message: "Card payments are not set up." });
    }
    const Stripe = await loadStripeJs();
    const stripe = Stripe(topUp.publishableKey);
    const accent = getComputedStyle(this).getPropertyValue("--llmgateway-accent").trim();
    const elements = stripe.elements({
      clientSecret: topUp.clientSecret,
      appearance: accent ? { variables: { colorPrimary: accent } } : undefined,
    });
    // Stripe's iframe goes in the light DOM (Stripe.js doesn't support shadow roots), slotted.
    const mount = document.createElement("div");
    mount.slot = "stripe-payment";
    this.append(mount);
    elements.create("payment").mount(mount);
    this._stripe = { stripe, elements };
    this.shadowRoot.querySelector(".stripe").hidden = false;
    this._status("");
  }

  async _payStripe() {
    const topUp = this._topUp;
    if (!topUp || !this._stripe) return;
    const pay = this.shadowRoot.querySelector(".stripe .pay");
    pay.disabled = true;
    this._status("Processing the payment…");
    try {
      const { stripe, elements } = this._stripe;
      const { error } = await stripe.confirmPayment({
        elements,
        redirect: "if_required",
        confirmParams: { return_url: location.href },
      });
      if (error) throw new LLMGatewayError({ code: error.code || "card_error", message: error.message });
      await this._awaitCredit(await providerClient(this), topUp);
    } catch (error) {
      this._fail(error);
    } finally {
      pay.disabled = false;
    }
  }

  // The wallet is credited by the platform once the payment lands (a webhook, then a task):
  // <llmgateway-balance> shows it from the live push; this only waits to say "done".
  async _awaitCredit(client, topUp) {
    const deadline = Date.now() + TOP_UP_WAIT_MS;
    let current = topUp;
    while (current.status === "pending" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, TOP_UP_POLL_MS));
      current = await client.getTopUp(topUp.id);
    }
    if (current.status === "succeeded") {
      this._reset(`Payment received: ${formatBalance(current.netCredit)} added to your balance.`);
      client.balance().catch(() => {}); // in case the push was missed
      emit(this, "llmgateway-topup", { topUp: current });
    } else if (current.status === "pending") {
      this._reset("The payment is still processing; your balance updates when it lands.");
    } else {
      this._reset();
      this._status(current.failureMessage || "The payment was declined.", { alert: true });
      emit(this, "llmgateway-error", {
        error: new LLMGatewayError({ code: "payment_failed", message: current.failureMessage }),
      });
    }
  }
}

let stripeJs = null;

function loadStripeJs() {
  if (globalThis.Stripe) return Promise.resolve(globalThis.Stripe);
  if (!stripeJs) {
    stripeJs = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = STRIPE_JS_URL;
      script.onload = () => resolve(globalThis.Stripe);
      script.onerror = () => {
        stripeJs = null;
        reject(new LLMGatewayError({ code: "stripe_unavailable", message: "Stripe.js did not load." }));
      };
      document.head.append(script);
    });
  }
  return stripeJs;
}

// --- <llmgateway-chat> --------------------------------------------------------------------

/**
 * A streamed chat billed to the wallet. Attributes: `model` (required), `transport`,
 * `max-tokens`, `system` (a system prompt), `buy-amount` (the credits offered when the balance
 * is too low, default 10), `placeholder`.
 */
export class LLMGatewayChatElement extends HTMLElementBase {
  constructor() {
    super();
    this.messages = [];
    this._stream = null;
    this.attachShadow({ mode: "open" }).append(
      html`<style>
          ${BASE_STYLE} ${CHAT_STYLE}
        </style>
        <section part="container" class="chat">
          <div part="log" class="log" role="log" aria-live="polite" aria-label="Conversation"></div>
          <p part="error" class="error" role="alert" hidden></p>
          <div part="prompt" class="prompt" hidden>
            <p part="prompt-text">Your balance is too low for this message. Buy credits, then send it again.</p>
          </div>
          <form part="form" class="form">
            <label part="label" for="message">Message</label>
            <textarea part="input" id="message" name="message" rows="2"></textarea>
            <div class="row">
              <button part="send-button" type="submit" class="send">Send</button>
              <button part="stop-button" type="button" class="stop" hidden>Stop</button>
              <span part="cost" class="cost" aria-live="polite"></span>
            </div>
          </form>
        </section>`,
    );
    const root = this.shadowRoot;
    root.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send(root.querySelector("textarea").value);
    });
    root.querySelector("textarea").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        root.querySelector("form").requestSubmit();
      }
    });
    root.querySelector(".stop").addEventListener("click", () => this._stream?.cancel());
    root.addEventListener("llmgateway-topup", () => {
      root.querySelector(".prompt").hidden = true;
      root.querySelector("textarea").focus();
    });
  }

  connectedCallback() {
    const placeholder = this.getAttribute("placeholder");
    if (placeholder) this.shadowRoot.querySelector("textarea").placeholder = placeholder;
  }

  /** Send `text` as the user's next message and stream the answer. */
  async send(text) {
    const content = String(text || "").trim();
    const root = this.shadowRoot;
    if (!content || this._stream) return;
    root.querySelector(".error").hidden = true;
    root.querySelector(".prompt").hidden = true;
    root.querySelector("textarea").value = "";
    const userNode = this._append("user", content);
    this.messages.push({ role: "user", content });
    const answerNode = this._append("assistant", "");
    const answerText = answerNode.querySelector(".text");
    this._busy(true);
    try {
      const client = await providerClient(this);
      const system = this.getAttribute("system");
      const maxTokens = this.getAttribute("max-tokens");
      this._stream = client.stream(
        {
          model: this.getAttribute("model"),
          messages: system ? [{ role: "system", content: system }, ...this.messages] : this.messages,
          ...(maxTokens ? { max_tokens: Number(maxTokens) } : {}),
        },
        this.getAttribute("transport") ? { transport: this.getAttribute("transport") } : {},
      );
      for await (const delta of this._stream) answerText.textContent += delta;
      const result = await this._stream.result;
      this.messages.push({ role: "assistant", content: result.content });
      answerNode.querySelector(".meta").textContent = formatCost(result.cost);
      root.querySelector(".cost").textContent = `Cost ${formatCost(result.cost)} · balance ${formatBalance(result.balance)}`;
      emit(this, "llmgateway-reply", result);
    } catch (error) {
      if (answerText.textContent) {
        // Cut off after output began: what was said stays (and was billed: error.cost).
        this.messages.push({ role: "assistant", content: answerText.textContent });
        if (error.cost) answerNode.querySelector(".meta").textContent = formatCost(error.cost);
      } else {
        // Nothing was said: take the message back so it can simply be sent again.
        answerNode.remove();
        userNode.remove();
        this.messages.pop();
        root.querySelector("textarea").value = content;
      }
      this._showError(error);
    } finally {
      this._stream = null;
      this._busy(false);
    }
  }

  _append(role, text) {
    const node = html`<div part="message ${role}-message" class="message ${role}">
      <span class="role" part="role">${role === "user" ? "You" : "Assistant"}</span>
      <p class="text" part="text"></p>
      <span class="meta" part="message-cost"></span>
    </div>`.firstElementChild;
    node.querySelector(".text").textContent = text;
    this.shadowRoot.querySelector(".log").append(node);
    return node;
  }

  _busy(busy) {
    const root = this.shadowRoot;
    root.querySelector(".log").setAttribute("aria-busy", String(busy));
    root.querySelector(".send").disabled = busy;
    root.querySelector(".stop").hidden = !busy;
  }

  _showError(error) {
    const root = this.shadowRoot;
    emit(this, "llmgateway-error", { error });
    if (error.code === "insufficient_balance") {
      const prompt = root.querySelector(".prompt");
      if (!prompt.querySelector("llmgateway-buy-credits")) {
        const buy = document.createElement("llmgateway-buy-credits");
        buy.setAttribute("amount", this.getAttribute("buy-amount") || DEFAULT_BUY_AMOUNT);
        buy.setAttribute("exportparts", "button: buy-button");
        prompt.append(buy);
      }
      prompt.hidden = false;
      prompt.querySelector("llmgateway-buy-credits").shadowRoot.querySelector(".buy").focus();
      return;
    }
    if (isPageLevel(error)) return; // the provider shows it, above every element
    const box = root.querySelector(".error");
    box.textContent = errorText(error);
    box.hidden = false;
  }
}

for (const [name, element] of [
  ["llmgateway-provider", LLMGatewayProviderElement],
  ["llmgateway-balance", LLMGatewayBalanceElement],
  ["llmgateway-buy-credits", LLMGatewayBuyCreditsElement],
  ["llmgateway-chat", LLMGatewayChatElement],
]) {
  if (globalThis.customElements && !customElements.get(name)) customElements.define(name, element);
}
