"use strict";
// Verifying the gateway's developer webhooks: `LLMGateway-Signature: t=<unix seconds>,v1=<hex>`,
// the hex HMAC-SHA256 with the endpoint's secret over "<t>." + the raw body — the Python SDK's
// scheme (sdk/python/src/llmgateway_server/webhooks.py). Verify the raw bytes exactly as
// received, compare in constant time, refuse timestamps outside the tolerance (no replays).

const { createHmac, timingSafeEqual } = require("node:crypto");

const { SignatureVerificationError } = require("./errors.cjs");

const SIGNATURE_HEADER = "LLMGateway-Signature";
const DEFAULT_TOLERANCE_SECONDS = 300;
const SIGNATURE_SCHEME = "v1";

function parseHeader(header) {
  let timestamp = null;
  const signatures = [];
  for (const item of header.split(",")) {
    const separator = item.indexOf("=");
    if (separator === -1) continue;
    const name = item.slice(0, separator).trim();
    const value = item.slice(separator + 1).trim();
    if (name === "t") {
      if (!/^-?\d+$/.test(value)) {
        throw new SignatureVerificationError(
          `The ${SIGNATURE_HEADER} header's timestamp t=${JSON.stringify(value)} is not an integer.`,
          { header },
        );
      }
      timestamp = Number(value);
    } else if (name === SIGNATURE_SCHEME) {
      signatures.push(value);
    }
  }
  if (timestamp === null) {
    throw new SignatureVerificationError(`The ${SIGNATURE_HEADER} header has no timestamp (t=…).`, {
      header,
    });
  }
  if (signatures.length === 0) {
    throw new SignatureVerificationError(
      `The ${SIGNATURE_HEADER} header has no ${SIGNATURE_SCHEME}=… signature.`,
      {
        header,
      },
    );
  }
  return { timestamp, signatures };
}

function payloadBytes(payload) {
  if (typeof payload === "string") return Buffer.from(payload, "utf8");
  if (payload instanceof ArrayBuffer) return Buffer.from(payload);
  if (ArrayBuffer.isView(payload)) {
    return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  }
  throw new TypeError(
    "pass the raw request body (a string, Buffer or Uint8Array), not parsed JSON",
  );
}

function headerValue(header) {
  // Frameworks hand headers over as a string, an array (repeated header) or undefined.
  return Array.isArray(header) ? header.join(",") : header;
}

/**
 * Throw a SignatureVerificationError unless `header` signs `payload` with `secret`, recently.
 * `tolerance`: seconds (default 300); `null` skips the age check (only for replaying stored
 * deliveries in tests).
 */
function verifyHeader(payload, header, secret, { tolerance = DEFAULT_TOLERANCE_SECONDS } = {}) {
  if (!secret) throw new TypeError("the endpoint's signing secret (whsec_…) is required");
  const value = headerValue(header);
  if (!value) {
    throw new SignatureVerificationError(`The request has no ${SIGNATURE_HEADER} header.`);
  }
  const body = payloadBytes(payload);
  const { timestamp, signatures } = parseHeader(value);
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest();
  // Every v1 value is checked (several while a secret rotates), without stopping at the first
  // match, so the time taken says nothing about which one was close.
  let matched = false;
  for (const signature of signatures) {
    const given = /^[0-9a-f]+$/i.test(signature) ? Buffer.from(signature, "hex") : Buffer.alloc(0);
    const sameLength = given.length === expected.length;
    const equal = timingSafeEqual(sameLength ? given : Buffer.alloc(expected.length), expected);
    matched = (equal && sameLength) || matched;
  }
  if (!matched) {
    throw new SignatureVerificationError(
      "No signature in the header matches the payload: check that you pass the raw request body " +
        "(not parsed and re-serialized JSON) and this endpoint's secret.",
      { header: value },
    );
  }
  if (tolerance !== null && tolerance !== undefined) {
    const age = Date.now() / 1000 - timestamp;
    if (Math.abs(age) > tolerance) {
      throw new SignatureVerificationError(
        `The signature's timestamp is ${Math.abs(age).toFixed(0)} s ${age > 0 ? "old" : "in the future"}, ` +
          `outside the tolerance of ${tolerance} s: a replayed delivery or a wrong server clock.`,
        { header: value },
      );
    }
  }
}

/**
 * Verify a delivery and return its event `{id, type, created, livemode, data}`; throw a
 * SignatureVerificationError otherwise. `payload` is the raw request body, `header` the
 * `LLMGateway-Signature` header, `secret` the `whsec_…` that `webhookEndpoints.create` returned.
 */
function constructEvent(payload, header, secret, options = {}) {
  verifyHeader(payload, header, secret, options);
  const event = JSON.parse(payloadBytes(payload).toString("utf8"));
  if (!event || typeof event !== "object" || Array.isArray(event)) {
    throw new TypeError("the webhook payload is not a JSON object");
  }
  return event;
}

/** `gateway.webhooks`: the same functions, reachable from a client. */
class Webhooks {
  get SIGNATURE_HEADER() {
    return SIGNATURE_HEADER;
  }

  verify(payload, header, secret, options) {
    verifyHeader(payload, header, secret, options);
  }

  verifyHeader(payload, header, secret, options) {
    verifyHeader(payload, header, secret, options);
  }

  constructEvent(payload, header, secret, options) {
    return constructEvent(payload, header, secret, options);
  }
}

module.exports = {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  Webhooks,
  constructEvent,
  verifyHeader,
};
