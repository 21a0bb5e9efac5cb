"use strict";
// GENERATED from facade.mjs by tools/gen-cjs.mjs: do not edit.
// The one JavaScript API of authcore, shared by @authcore/node and @authcore/wasm.
//
// `createApi(native)` takes a native module implementing the low-level contract of
// `NATIVE.md` and returns the public API. This layer converts only: camelCase options to the
// core's snake_case settings, data to JSON text and back, `now` defaults, `Uint8Array`
// secrets to `secret_b64`, and the contract's errors to `AuthError` / `TypeError`. Every
// rule lives in the core.
//
// No imports and no host APIs beyond the ECMAScript standard (plus TextEncoder), so browsers,
// edge runtimes and Node all run it unchanged. `facade.cjs` is generated from this file
// (`node tools/gen-cjs.mjs`); edit this one.

const ERROR_PREFIX = "AUTHCORE:";
/** Nesting deeper than this in a data argument is refused (the core refuses deeper input too). */
const MAX_DEPTH = 64;

/** `now` when the caller gives none: the current time in Unix seconds. */
function currentTime() {
  return Math.floor(Date.now() / 1000);
}

// -------------------------------------------------------------------------------------------
// Argument checks (TypeError, naming the argument, never quoting a value)
// -------------------------------------------------------------------------------------------

/** The kind of a value, for error text (never the value itself; safe on hostile proxies). */
function describe(v) {
  if (v === null) return "null";
  try {
    if (Array.isArray(v)) return "an array";
    if (v instanceof Uint8Array) return "a Uint8Array";
  } catch {
    // a proxy whose traps throw
  }
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function str(v, name) {
  if (typeof v !== "string") throw new TypeError(`${name}: expected a string, got ${describe(v)}`);
  return v;
}

function optStr(v, name) {
  return v === undefined || v === null ? null : str(v, name);
}

function bool(v, name, dflt) {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") throw new TypeError(`${name}: expected a boolean, got ${describe(v)}`);
  return v;
}

function int(v, name, { min = Number.MIN_SAFE_INTEGER } = {}) {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw new TypeError(`${name}: expected ${min === 0 ? "a non-negative" : "an"} integer, got ${describe(v)}`);
  }
  return v;
}

function optInt(v, name, dflt, opts) {
  return v === undefined || v === null ? dflt : int(v, name, opts);
}

function nowArg(v) {
  return v === undefined || v === null ? currentTime() : int(v, "now");
}

/** Whether `v` is a Uint8Array (a Buffer is one); false for hostile proxies. */
function isBytes(v) {
  try {
    return v instanceof Uint8Array;
  } catch {
    return false;
  }
}

/** The process environment as a plain object (`{}` where there is no `process`, e.g. a browser). */
function processEnv() {
  const env = globalThis.process?.env;
  return env ? Object.assign({}, env) : {};
}

// An environment: `process.env` itself (not a plain object) is read as a copy of its entries.
function envArg(v) {
  if (v === undefined || v === null) return processEnv();
  if (v === globalThis.process?.env) return Object.assign({}, v);
  return v;
}

function entropyArg(v) {
  if (v === undefined || v === null) return null;
  if (!isBytes(v)) throw new TypeError(`entropy: expected a Uint8Array, got ${describe(v)}`);
  return v;
}

function bytesArg(v, name, { text = false } = {}) {
  if (isBytes(v)) return v;
  if (text && typeof v === "string") return new TextEncoder().encode(v);
  throw new TypeError(`${name}: expected ${text ? "a string or " : ""}a Uint8Array, got ${describe(v)}`);
}

function optionsArg(v, name) {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw new TypeError(`${name}: expected an options object, got ${describe(v)}`);
  return v;
}

/** A plain object (`{}` or `Object.create(null)`); false for anything else, hostile proxies included. */
/** One member of an optional options object (a getter that throws becomes TypeError). */
function option(v, key, name) {
  const o = optionsArg(v, name);
  try {
    return o[key];
  } catch (e) {
    throw new TypeError(`${name}.${key}: could not be read`, { cause: e });
  }
}

function isPlainObject(v) {
  if (typeof v !== "object" || v === null) return false;
  try {
    if (Array.isArray(v)) return false;
    const proto = Object.getPrototypeOf(v);
    return proto === Object.prototype || proto === null;
  } catch {
    return false;
  }
}

// -------------------------------------------------------------------------------------------
// Data as JSON text (strict: plain objects, arrays, strings, finite numbers, booleans, null)
// -------------------------------------------------------------------------------------------

function encode(v, path, depth) {
  if (depth > MAX_DEPTH) throw new TypeError(`${path}: nested too deeply`);
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
    case "number":
      if (!Number.isFinite(v)) throw new TypeError(`${path}: NaN and infinities are not JSON`);
      return JSON.stringify(v);
    case "object":
      if (v === null) return "null";
      if (Array.isArray(v)) {
        const parts = [];
        for (let i = 0; i < v.length; i++) {
          const item = v[i];
          if (item === undefined) throw new TypeError(`${path}[${i}]: undefined is not JSON`);
          parts.push(encode(item, `${path}[${i}]`, depth + 1));
        }
        return `[${parts.join(",")}]`;
      }
      if (isPlainObject(v)) {
        const parts = [];
        for (const key of Object.keys(v)) {
          const item = v[key];
          if (item === undefined) continue; // an absent optional member
          parts.push(`${JSON.stringify(key)}:${encode(item, `${path}.${key}`, depth + 1)}`);
        }
        return `{${parts.join(",")}}`;
      }
      throw new TypeError(`${path}: expected JSON data (a plain object, array, string, number, boolean or null), got ${describe(v)}`);
    default:
      throw new TypeError(`${path}: expected JSON data, got ${describe(v)}`);
  }
}

/** A data argument as JSON text; a getter that throws, or a proxy trap, becomes TypeError. */
function json(v, name) {
  try {
    return encode(v, name, 0);
  } catch (e) {
    if (e instanceof TypeError) throw e;
    throw new TypeError(`${name}: could not be read as JSON data`, { cause: e });
  }
}

function optJson(v, name) {
  return v === undefined || v === null ? null : json(v, name);
}

// -------------------------------------------------------------------------------------------
// Options: camelCase → snake_case
// -------------------------------------------------------------------------------------------

/**
 * `maxTokenBytes` → `max_token_bytes`. A snake_case name is left as it is, so settings already
 * in the core's shape (read from a JSON file, or a conformance vector) pass through unchanged.
 */
function snake(key) {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * The converter: an options object (with nested option objects and arrays of them) with every
 * member name in snake_case. Members that hold DATA rather than options (`keys`, `jwks`,
 * `stored`, `extraParams`, `claims`, `custom`) are passed through unchanged, except that key
 * specs get their `Uint8Array` secrets encoded (see `keySpec`).
 */
const DATA_MEMBERS = new Set(["jwks", "stored", "extra_params", "claims", "custom"]);

function settings(v, path, depth = 0) {
  if (depth > MAX_DEPTH) throw new TypeError(`${path}: nested too deeply`);
  if (Array.isArray(v)) return v.map((item, i) => settings(item, `${path}[${i}]`, depth + 1));
  if (!isPlainObject(v)) return v;
  const out = {};
  for (const key of Object.keys(v)) {
    const name = snake(key);
    const item = v[key];
    let converted;
    if (name === "keys") converted = keySpecs(item, `${path}.${key}`);
    else if (DATA_MEMBERS.has(name)) converted = item;
    else converted = settings(item, `${path}.${key}`, depth + 1);
    Object.defineProperty(out, name, { value: converted, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The options object converted, read safely (a throwing getter becomes TypeError). */
function settingsArg(v, name) {
  const o = optionsArg(v, name);
  try {
    return settings(o, name);
  } catch (e) {
    if (e instanceof TypeError) throw e;
    throw new TypeError(`${name}: could not be read`, { cause: e });
  }
}

/** Splits members out of converted settings: `[picked, rest]`. */
function pick(o, names) {
  const picked = {};
  const rest = {};
  for (const key of Object.keys(o)) {
    if (names.includes(key)) picked[key] = o[key];
    else Object.defineProperty(rest, key, { value: o[key], enumerable: true, writable: true, configurable: true });
  }
  return [picked, rest];
}

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Unpadded base64url. */
function base64url(bytes) {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64URL[n >> 18] + B64URL[(n >> 12) & 63] + B64URL[(n >> 6) & 63] + B64URL[n & 63];
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i] << 16;
    out += B64URL[n >> 18] + B64URL[(n >> 12) & 63];
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64URL[n >> 18] + B64URL[(n >> 12) & 63] + B64URL[(n >> 6) & 63];
  }
  return out;
}

/**
 * A key spec as given, except that a `secret` given as `Uint8Array` becomes the core's
 * `secret_b64` member (when `secret_b64` is given too, the encoded bytes go into `secret`, so
 * the core refuses the two materials as usual).
 */
function keySpec(spec) {
  if (!isPlainObject(spec) || !isBytes(spec.secret)) return spec;
  const out = {};
  for (const key of Object.keys(spec)) {
    if (key !== "secret") Object.defineProperty(out, key, { value: spec[key], enumerable: true, writable: true, configurable: true });
  }
  out["secret_b64" in out ? "secret" : "secret_b64"] = base64url(spec.secret);
  return out;
}

function keySpecs(v) {
  return Array.isArray(v) ? v.map(keySpec) : v;
}

/** A key spec argument as JSON text. */
function keyJson(v, name) {
  try {
    return json(keySpec(v), name);
  } catch (e) {
    if (e instanceof TypeError) throw e;
    throw new TypeError(`${name}: could not be read`, { cause: e });
  }
}

// -------------------------------------------------------------------------------------------
// The API
// -------------------------------------------------------------------------------------------

/**
 * The public API over a native module implementing `NATIVE.md`.
 * @param {object} native the low-level module (napi addon or wasm-bindgen exports)
 */
function createApi(native) {
  /** `{code: {status, family}}` from the catalog, read once. */
  let catalogIndex = null;
  function catalogEntry(code) {
    if (catalogIndex === null) {
      catalogIndex = new Map(JSON.parse(native.catalog()).map((e) => [e.code, e]));
    }
    return catalogIndex.get(code);
  }

  /** An error of the core: `code`, `status`, `detail`, `field`, `family`. */
  class AuthError extends Error {
    /**
     * @param {string} code a catalog code
     * @param {string} [detail] the text (default: the catalog's)
     * @param {string} [field] the member at fault
     */
    constructor(code, detail, field) {
      const entry = typeof code === "string" ? catalogEntry(code) : undefined;
      if (entry === undefined) throw new TypeError("code: not a code of the error catalog");
      const text = detail === undefined || detail === null ? entry.detail : str(detail, "detail");
      super(text);
      this.name = "AuthError";
      this.code = code;
      this.status = entry.status;
      this.detail = text;
      this.field = field === undefined || field === null ? undefined : str(field, "field");
      this.family = entry.family;
    }

    /** The HTTP body: `{detail, code}`. */
    toJSON() {
      return { detail: this.detail, code: this.code };
    }

    /** The error for one in the catalog shape (`{detail, code, field?}`), as a `failed` action carries it. */
    static fromJSON(obj) {
      if (!isPlainObject(obj)) throw new TypeError(`error: expected an object, got ${describe(obj)}`);
      const code = str(option(obj, "code", "error"), "error.code");
      const detail = optStr(option(obj, "detail", "error"), "error.detail");
      const field = optStr(option(obj, "field", "error"), "error.field");
      return new AuthError(code, detail ?? undefined, field ?? undefined);
    }
  }

  /** The contract's error (or the host's argument error) as AuthError / TypeError. */
  function convert(e) {
    const message = e !== null && typeof e === "object" && typeof e.message === "string" ? e.message : null;
    if (message !== null && message.startsWith(ERROR_PREFIX)) {
      let body = null;
      try {
        body = JSON.parse(message.slice(ERROR_PREFIX.length));
      } catch {
        body = null;
      }
      if (body !== null && body.type === "auth") {
        const err = Object.create(AuthError.prototype);
        Error.captureStackTrace?.(err, convert);
        Object.defineProperty(err, "message", { value: body.detail, writable: true, configurable: true });
        err.name = "AuthError";
        err.code = body.code;
        err.status = body.status;
        err.detail = body.detail;
        err.field = body.field ?? undefined;
        err.family = body.family;
        return err;
      }
      if (body !== null && body.type === "type") return new TypeError(String(body.message));
    }
    if (e instanceof TypeError) return e;
    return new TypeError(message ?? "invalid argument", { cause: e });
  }

  function call(fn) {
    try {
      return fn();
    } catch (e) {
      throw convert(e);
    }
  }

  async function callAsync(fn) {
    let promise;
    try {
      promise = fn();
    } catch (e) {
      throw convert(e);
    }
    try {
      return await promise;
    } catch (e) {
      throw convert(e);
    }
  }

  const parse = (text) => JSON.parse(text);
  const backendArg = (v) => optStr(v, "backend");

  /** Façade instance → native instance (for `SessionManager.exchange`). */
  const natives = new WeakMap();

  function wrap(cls, nativeObj) {
    const obj = Object.create(cls.prototype);
    natives.set(obj, nativeObj);
    return obj;
  }

  function self(obj, cls) {
    const n = natives.get(obj);
    if (n === undefined || !(obj instanceof cls)) throw new TypeError(`this: not a ${cls.name}`);
    return n;
  }

  // ---------------------------------------------------------------------------- jwt

  class Verifier {
    /** `{algorithms, issuer?, audience?, leeway?, typ?, maxTokenBytes?, keys? | jwks? (+defaultAlg), backend?}` */
    constructor(options) {
      const o = settingsArg(options, "options");
      const [extra, config] = pick(o, ["keys", "jwks", "default_alg", "backend"]);
      const spec = { config, keys: extra.keys, jwks: extra.jwks, default_alg: extra.default_alg };
      natives.set(this, call(() => new native.Verifier(json(spec, "options"), backendArg(extra.backend))));
    }
    /** Verifies `token` at `now`: `{alg, kid?, typ?, claims}`. */
    verify(token, now) {
      const n = self(this, Verifier);
      const t = str(token, "token");
      const at = nowArg(now);
      return parse(call(() => n.verify(t, at)));
    }
    /** `verify` on a worker thread. */
    verifyAsync(token, now) {
      return callAsync(() => self(this, Verifier).verifyAsync(str(token, "token"), nowArg(now))).then(parse);
    }
    /** The public keys as a JWKS. */
    jwks() {
      const n = self(this, Verifier);
      return parse(call(() => n.jwks()));
    }
    /** The JWKS entries skipped at construction: `[{index, kid, reason_code, detail}]`. */
    skippedKeys() {
      const n = self(this, Verifier);
      return parse(call(() => n.skippedKeys()));
    }
  }

  class JwksCache {
    /** JwksCacheConfig options in camelCase (`{jwksUri, verifier: {algorithms, …}, cooldown?, …, backend?}`). */
    constructor(options) {
      const o = settingsArg(options, "options");
      const [extra, config] = pick(o, ["backend"]);
      natives.set(this, call(() => new native.JwksCache(json(config, "options"), backendArg(extra.backend))));
    }
    static restore(snapshot, options) {
      const s = json(snapshot, "snapshot");
      const b = backendArg(option(options, "backend", "options"));
      return wrap(JwksCache, call(() => native.JwksCache.restore(s, b)));
    }
    /** `{type: "key", jwk}` or `{type: "fetch", transmit}`. */
    keyFor(kid, now) {
      const n = self(this, JwksCache);
      const k = optStr(kid, "kid");
      const at = nowArg(now);
      return parse(call(() => n.keyFor(k, at)));
    }
    /** `{type: "verified", token: {alg, kid?, typ?, claims}}` or `{type: "fetch", transmit}`. */
    verify(token, now) {
      const n = self(this, JwksCache);
      const t = str(token, "token");
      const at = nowArg(now);
      return parse(call(() => n.verify(t, at)));
    }
    handleTimeout(now) {
      const n = self(this, JwksCache);
      const at = nowArg(now);
      call(() => n.handleTimeout(at));
    }
    handleResponse(transmit, response, now) {
      const n = self(this, JwksCache);
      const t = int(transmit, "transmit", { min: 0 });
      const r = json(response, "response");
      const at = nowArg(now);
      call(() => n.handleResponse(t, r, at));
    }
    handleNetworkError(transmit, now) {
      const n = self(this, JwksCache);
      const t = int(transmit, "transmit", { min: 0 });
      const at = nowArg(now);
      call(() => n.handleNetworkError(t, at));
    }
    pollAction() {
      const a = call(() => self(this, JwksCache).pollAction());
      return a === null || a === undefined ? null : parse(a);
    }
    actions() {
      return drain(self(this, JwksCache));
    }
    status(now) {
      const n = self(this, JwksCache);
      const at = nowArg(now);
      return parse(call(() => n.status(at)));
    }
    snapshot() {
      const n = self(this, JwksCache);
      return parse(call(() => n.snapshot()));
    }
  }

  class Issuer {
    /** `key`: a KeySpec (`secret` may be a `Uint8Array`); options `{lifetime?, issuer?, audience?, typ?, jti?, backend?}`. */
    constructor(key, options) {
      const k = keyJson(key, "key");
      const o = settingsArg(options, "options");
      const [extra, config] = pick(o, ["backend"]);
      natives.set(this, call(() => new native.Issuer(k, json(config, "options"), backendArg(extra.backend))));
    }
    /** Signs `claims` at `now` (`iat`/`exp`, and `jti` when configured, are set): the token. */
    issue(claims, now, entropy) {
      const n = self(this, Issuer);
      const c = json(claims, "claims");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return call(() => n.issue(c, at, e));
    }
    /** `issue` on a worker thread. */
    issueAsync(claims, now, entropy) {
      return callAsync(() => self(this, Issuer).issueAsync(json(claims, "claims"), nowArg(now), entropyArg(entropy)));
    }
    /** The public key as a JWKS. */
    jwks() {
      const n = self(this, Issuer);
      return parse(call(() => n.jwks()));
    }
  }

  /** `[Issuer, Verifier]` from the env-file shape (`JWT_SECRET_KEY`, `JWT_ALGORITHM`, …). */
  function fromEnv(env, options) {
    const e = json(envArg(env), "env");
    const b = backendArg(option(options, "backend", "options"));
    const issuer = call(() => native.Issuer.fromEnv(e, b));
    const verifier = call(() => native.Verifier.fromEnv(e, b));
    return [wrap(Issuer, issuer), wrap(Verifier, verifier)];
  }

  /** Checks one raw signature with one key (no claims checked). */
  function verifySignature(key, signingInput, signature, options) {
    const k = keyJson(key, "key");
    const input = bytesArg(signingInput, "signingInput", { text: true });
    const sig = bytesArg(signature, "signature");
    const b = backendArg(option(options, "backend", "options"));
    return call(() => native.verifySignature(k, input, sig, b));
  }

  /** A JWKS parsed: `{keys: [public JWK], skipped: [{index, kid, reason_code, detail}]}`. */
  function parseJwks(jwks, defaultAlg, options) {
    const j = json(jwks, "jwks");
    const a = optStr(defaultAlg, "defaultAlg");
    const b = backendArg(option(options, "backend", "options"));
    return parse(call(() => native.parseJwks(j, a, b)));
  }

  /** `parseJwks` on a worker thread. */
  function parseJwksAsync(jwks, defaultAlg, options) {
    return callAsync(() =>
      native.parseJwksAsync(json(jwks, "jwks"), optStr(defaultAlg, "defaultAlg"), backendArg(option(options, "backend", "options"))),
    ).then(parse);
  }

  /** `[header, claims]` of a token WITHOUT verifying it. Never trust the result. */
  function decodeUnverified(token) {
    const t = str(token, "token");
    return parse(call(() => native.decodeUnverified(t)));
  }

  // ---------------------------------------------------------------------------- tokens

  /** `options.responseFields`: the server's member names (`{accessToken: "access", …}`). */
  function tokenSetFromResponse(body, now, defaultExpiresIn, options) {
    const b = str(body, "body");
    const at = nowArg(now);
    const d = optInt(defaultExpiresIn, "defaultExpiresIn", null);
    const o = settingsArg(options, "options");
    const f = o.response_fields === undefined || o.response_fields === null ? null : json(o.response_fields, "options.responseFields");
    return parse(call(() => native.tokenSetFromResponse(b, at, d, f)));
  }

  function freshness(tokens, now, margin) {
    const t = json(tokens, "tokens");
    const at = nowArg(now);
    const m = optInt(margin, "margin", null);
    return call(() => native.freshness(t, at, m));
  }

  function loadTokens(text) {
    const t = str(text, "text");
    return parse(call(() => native.loadTokens(t)));
  }

  function dumpTokens(stored) {
    const s = json(stored, "stored");
    return call(() => native.dumpTokens(s));
  }

  /** Drains a machine's actions. */
  function drain(n) {
    const out = [];
    for (;;) {
      const a = call(() => n.pollAction());
      if (a === null || a === undefined) return out;
      out.push(parse(a));
    }
  }

  class RequestDriver {
    /** ClientConfig options in camelCase, plus `stored` (StoredTokens). */
    constructor(options) {
      const o = settingsArg(options, "options");
      const [extra, config] = pick(o, ["stored"]);
      const c = json(config, "options");
      const s = optJson(extra.stored, "stored");
      natives.set(this, call(() => new native.RequestDriver(c, s)));
    }
    /** Rebuilds a driver from `snapshot()`, with every check of construction. */
    static restore(snapshot) {
      const s = json(snapshot, "snapshot");
      return wrap(RequestDriver, call(() => native.RequestDriver.restore(s)));
    }
    /** Queues an API request; its id. */
    send(request, now) {
      const n = self(this, RequestDriver);
      const r = json(request, "request");
      const at = nowArg(now);
      return call(() => n.send(r, at));
    }
    handleResponse(transmit, response, now) {
      const n = self(this, RequestDriver);
      const t = int(transmit, "transmit", { min: 0 });
      const r = json(response, "response");
      const at = nowArg(now);
      call(() => n.handleResponse(t, r, at));
    }
    handleNetworkError(transmit, now) {
      const n = self(this, RequestDriver);
      const t = int(transmit, "transmit", { min: 0 });
      const at = nowArg(now);
      call(() => n.handleNetworkError(t, at));
    }
    handleLoaded(stored, now) {
      const n = self(this, RequestDriver);
      const s = optJson(stored, "stored");
      const at = nowArg(now);
      call(() => n.handleLoaded(s, at));
    }
    handleSaveConflict(stored) {
      const n = self(this, RequestDriver);
      const s = json(stored, "stored");
      call(() => n.handleSaveConflict(s));
    }
    setIdentity(identity) {
      const n = self(this, RequestDriver);
      const i = optStr(identity, "identity");
      call(() => n.setIdentity(i));
    }
    setTokens(tokens) {
      const n = self(this, RequestDriver);
      const t = json(tokens, "tokens");
      call(() => n.setTokens(t));
    }
    /** The next action (tagged by `type`), or `null`. */
    pollAction() {
      const a = call(() => self(this, RequestDriver).pollAction());
      return a === null || a === undefined ? null : parse(a);
    }
    /** Every pending action, in order. */
    actions() {
      return drain(self(this, RequestDriver));
    }
    status(now) {
      const n = self(this, RequestDriver);
      const at = nowArg(now);
      return parse(call(() => n.status(at)));
    }
    stored() {
      const n = self(this, RequestDriver);
      return parse(call(() => n.stored()));
    }
    snapshot() {
      const n = self(this, RequestDriver);
      return parse(call(() => n.snapshot()));
    }
  }

  // ---------------------------------------------------------------------------- device

  class DeviceClient {
    /** DeviceClientConfig options in camelCase. */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.DeviceClient(c)));
    }
    static restore(snapshot) {
      const s = json(snapshot, "snapshot");
      return wrap(DeviceClient, call(() => native.DeviceClient.restore(s)));
    }
    start(now) {
      const n = self(this, DeviceClient);
      const at = nowArg(now);
      call(() => n.start(at));
    }
    handleTimeout(now) {
      const n = self(this, DeviceClient);
      const at = nowArg(now);
      call(() => n.handleTimeout(at));
    }
    handleResponse(transmit, response, now) {
      const n = self(this, DeviceClient);
      const t = int(transmit, "transmit", { min: 0 });
      const r = json(response, "response");
      const at = nowArg(now);
      call(() => n.handleResponse(t, r, at));
    }
    handleNetworkError(transmit, now) {
      const n = self(this, DeviceClient);
      const t = int(transmit, "transmit", { min: 0 });
      const at = nowArg(now);
      call(() => n.handleNetworkError(t, at));
    }
    cancel() {
      const n = self(this, DeviceClient);
      call(() => n.cancel());
    }
    pollAction() {
      const a = call(() => self(this, DeviceClient).pollAction());
      return a === null || a === undefined ? null : parse(a);
    }
    actions() {
      return drain(self(this, DeviceClient));
    }
    status(now) {
      const n = self(this, DeviceClient);
      const at = nowArg(now);
      return parse(call(() => n.status(at)));
    }
    snapshot() {
      const n = self(this, DeviceClient);
      return parse(call(() => n.snapshot()));
    }
  }

  class DeviceAuthority {
    /** DeviceServerConfig options in camelCase (`userCode: {alphabet, length, group}` too). */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.DeviceAuthority(c)));
    }
    issue(clientId, scope, now, entropy) {
      const n = self(this, DeviceAuthority);
      const c = str(clientId, "clientId");
      const s = optStr(scope, "scope");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.issue(c, s, at, e)));
    }
    normalizeUserCode(typed) {
      const n = self(this, DeviceAuthority);
      const t = str(typed, "typed");
      return call(() => n.normalizeUserCode(t));
    }
    checkUserCode(grant, typed, now) {
      const n = self(this, DeviceAuthority);
      const g = json(grant, "grant");
      const t = str(typed, "typed");
      const at = nowArg(now);
      return parse(call(() => n.checkUserCode(g, t, at)));
    }
    approve(grant, userId, claims, now) {
      const n = self(this, DeviceAuthority);
      const g = json(grant, "grant");
      const u = str(userId, "userId");
      const c = optJson(claims, "claims");
      const at = nowArg(now);
      return parse(call(() => n.approve(g, u, c, at)));
    }
    consent(grant, now) {
      const n = self(this, DeviceAuthority);
      const g = json(grant, "grant");
      const at = nowArg(now);
      return parse(call(() => n.consent(g, at)));
    }
    enterUserCode(limiter, grant, typed, now, options) {
      const n = self(this, DeviceAuthority);
      const l = optJson(limiter, "limiter");
      const g = optJson(grant, "grant");
      const t = str(typed, "typed");
      const at = nowArg(now);
      const gl = optJson(option(options, "globalLimiter", "options"), "globalLimiter");
      return parse(call(() => n.enterUserCode(l, g, t, at, gl)));
    }
    deny(grant, now) {
      const n = self(this, DeviceAuthority);
      const g = json(grant, "grant");
      const at = nowArg(now);
      return parse(call(() => n.deny(g, at)));
    }
    poll(grant, request, now) {
      const n = self(this, DeviceAuthority);
      const g = optJson(grant, "grant");
      const r = json(request, "request");
      const at = nowArg(now);
      return parse(call(() => n.poll(g, r, at)));
    }
  }

  function parseTokenRequest(body, clientId) {
    const b = str(body, "body");
    const c = optStr(clientId, "clientId");
    return parse(call(() => native.parseTokenRequest(b, c)));
  }
  function parseAuthorizationRequest(body) {
    const b = str(body, "body");
    return parse(call(() => native.parseAuthorizationRequest(b)));
  }
  function deviceCodeHash(deviceCode) {
    const d = str(deviceCode, "deviceCode");
    return call(() => native.deviceCodeHash(d));
  }
  function loadGrant(text) {
    const t = str(text, "text");
    return parse(call(() => native.loadGrant(t)));
  }
  function oauthError(code, detail) {
    const c = str(code, "code");
    const d = optStr(detail, "detail");
    return parse(call(() => native.oauthError(c, d)));
  }
  function oauthErrorResponse(code, detail) {
    const c = str(code, "code");
    const d = optStr(detail, "detail");
    return parse(call(() => native.oauthErrorResponse(c, d)));
  }

  // ---------------------------------------------------------------------------- session

  class SessionManager {
    /** `{idleTimeout?, absoluteLifetime?, touchInterval?}` */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.SessionManager(c)));
    }
    create(userId, email, isGuest, now, entropy) {
      const n = self(this, SessionManager);
      const u = str(userId, "userId");
      const m = optStr(email, "email");
      const g = bool(isGuest, "isGuest", false);
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.create(u, m, g, at, e)));
    }
    signIn(userId, email, previous, now, entropy) {
      const n = self(this, SessionManager);
      const u = str(userId, "userId");
      const m = optStr(email, "email");
      const p = optJson(previous, "previous");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.signIn(u, m, p, at, e)));
    }
    exchange(verifier, token, previous, now, entropy) {
      const n = self(this, SessionManager);
      if (!natives.has(verifier)) throw new TypeError(`verifier: expected a Verifier, got ${describe(verifier)}`);
      const v = self(verifier, Verifier);
      const t = str(token, "token");
      const p = optJson(previous, "previous");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.exchange(v, t, p, at, e)));
    }
    validate(record, token, now) {
      const n = self(this, SessionManager);
      const r = optJson(record, "record");
      const t = str(token, "token");
      const at = nowArg(now);
      return parse(call(() => n.validate(r, t, at)));
    }
    revoke(record, now) {
      const n = self(this, SessionManager);
      const r = json(record, "record");
      const at = nowArg(now);
      return parse(call(() => n.revoke(r, at)));
    }
  }

  /** A new gateway token (256 bits, URL-safe base64 without padding) for the `gateway` option. */
  function generateGatewayToken(entropy) {
    const e = entropyArg(entropy);
    return call(() => native.generateGatewayToken(e));
  }

  function sessionTokenHash(token) {
    const t = str(token, "token");
    return call(() => native.sessionTokenHash(t)) ?? null;
  }
  function loadSession(text) {
    const t = str(text, "text");
    return parse(call(() => native.loadSession(t)));
  }

  // ---------------------------------------------------------------------------- gate

  class Gate {
    /** GateConfig options in camelCase (`jwt: {config, keys}`, `routes[]`, `services[]`, `session`), plus `backend`. */
    constructor(options) {
      const o = settingsArg(options, "options");
      const [extra, config] = pick(o, ["backend"]);
      const c = json(config, "options");
      natives.set(this, call(() => new native.Gate(c, backendArg(extra.backend))));
    }
    /**
     * A gate whose `servicesEnv` secrets are read from `env` (default `process.env`; `{}` where
     * there is no `process`): `Gate.fromEnv(env?, config?, options?)`, `config` and `options`
     * merged as for the constructor.
     */
    static fromEnv(env, config, options) {
      const e = json(envArg(env), "env");
      const merged = {};
      for (const part of [settingsArg(config, "config"), settingsArg(options, "options")]) {
        for (const key of Object.keys(part)) {
          Object.defineProperty(merged, key, { value: part[key], enumerable: true, writable: true, configurable: true });
        }
      }
      const [extra, rest] = pick(merged, ["backend"]);
      const c = json(rest, "config");
      return wrap(Gate, call(() => native.Gate.fromEnv(e, c, backendArg(extra.backend))));
    }
    classify(request, now) {
      const n = self(this, Gate);
      const r = json(request, "request");
      const at = nowArg(now);
      return parse(call(() => n.classify(r, at)));
    }
    decide(classified, lookup, now) {
      const n = self(this, Gate);
      const c = json(classified, "classified");
      const l = optJson(lookup, "lookup");
      const at = nowArg(now);
      return parse(call(() => n.decide(c, l, at)));
    }
    userToLoad(classified, session) {
      const n = self(this, Gate);
      const c = json(classified, "classified");
      const s = optJson(session, "session");
      return call(() => n.userToLoad(c, s));
    }
    authenticate(request, lookup, now) {
      const n = self(this, Gate);
      const r = json(request, "request");
      const l = optJson(lookup, "lookup");
      const at = nowArg(now);
      return parse(call(() => n.authenticate(r, l, at)));
    }
  }

  // ---------------------------------------------------------------------------- password

  class Accounts {
    /** `{minLength?, maxLength?, memoryKib?, iterations?, parallelism?}` */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.Accounts(c)));
    }
    hashPassword(password, entropy) {
      const n = self(this, Accounts);
      const p = str(password, "password");
      const e = entropyArg(entropy);
      return call(() => n.hashPassword(p, e));
    }
    hashPasswordAsync(password, entropy) {
      return callAsync(() => self(this, Accounts).hashPasswordAsync(str(password, "password"), entropyArg(entropy)));
    }
    verifyPassword(passwordHash, password) {
      const n = self(this, Accounts);
      const h = str(passwordHash, "passwordHash");
      const p = str(password, "password");
      return call(() => n.verifyPassword(h, p));
    }
    verifyPasswordAsync(passwordHash, password) {
      return callAsync(() => self(this, Accounts).verifyPasswordAsync(str(passwordHash, "passwordHash"), str(password, "password")));
    }
    needsRehash(passwordHash) {
      const n = self(this, Accounts);
      const h = str(passwordHash, "passwordHash");
      return call(() => n.needsRehash(h));
    }
    register(password, username, email, entropy) {
      const n = self(this, Accounts);
      const p = str(password, "password");
      const u = optStr(username, "username");
      const m = optStr(email, "email");
      const e = entropyArg(entropy);
      return parse(call(() => n.register(p, u, m, e)));
    }
    registerAsync(password, username, email, entropy) {
      return callAsync(() =>
        self(this, Accounts).registerAsync(str(password, "password"), optStr(username, "username"), optStr(email, "email"), entropyArg(entropy)),
      ).then(parse);
    }
    login(account, password) {
      const n = self(this, Accounts);
      const a = optJson(account, "account");
      const p = str(password, "password");
      return parse(call(() => n.login(a, p)));
    }
    loginAsync(account, password) {
      return callAsync(() => self(this, Accounts).loginAsync(optJson(account, "account"), str(password, "password"))).then(parse);
    }
    /** Login behind brute-force limits: `{login?, error?, account_limiter?, requester_limiter?, retry_at?}`. */
    loginLimited(account, password, accountLimiter, requesterLimiter, now) {
      const n = self(this, Accounts);
      const a = optJson(account, "account");
      const p = str(password, "password");
      const al = optJson(accountLimiter, "accountLimiter");
      const rl = optJson(requesterLimiter, "requesterLimiter");
      const at = nowArg(now);
      return parse(call(() => n.loginLimited(a, p, al, rl, at)));
    }
    loginLimitedAsync(account, password, accountLimiter, requesterLimiter, now) {
      return callAsync(() =>
        self(this, Accounts).loginLimitedAsync(
          optJson(account, "account"),
          str(password, "password"),
          optJson(accountLimiter, "accountLimiter"),
          optJson(requesterLimiter, "requesterLimiter"),
          nowArg(now),
        ),
      ).then(parse);
    }
  }

  function normalizeUsername(username) {
    const u = str(username, "username");
    return call(() => native.normalizeUsername(u));
  }
  function normalizeEmail(email) {
    const m = str(email, "email");
    return call(() => native.normalizeEmail(m));
  }

  // ---------------------------------------------------------------------------- refresh

  class RefreshTokens {
    /** `{ttl?, familyLifetime?, tokenBytes?}` */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.RefreshTokens(c)));
    }
    issue(userId, clientId, scope, now, entropy) {
      const n = self(this, RefreshTokens);
      const u = str(userId, "userId");
      const c = optStr(clientId, "clientId");
      const s = optStr(scope, "scope");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.issue(u, c, s, at, e)));
    }
    rotate(record, token, clientId, now, entropy) {
      const n = self(this, RefreshTokens);
      const r = optJson(record, "record");
      const t = str(token, "token");
      const c = optStr(clientId, "clientId");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.rotate(r, t, c, at, e)));
    }
    revoke(record) {
      const n = self(this, RefreshTokens);
      const r = json(record, "record");
      return parse(call(() => n.revoke(r)));
    }
  }

  function refreshTokenHash(token) {
    const t = str(token, "token");
    return call(() => native.refreshTokenHash(t));
  }
  function loadRefreshRecord(text) {
    const t = str(text, "text");
    return parse(call(() => native.loadRefreshRecord(t)));
  }
  function parseRefreshRequest(body, clientId) {
    const b = str(body, "body");
    const c = optStr(clientId, "clientId");
    return parse(call(() => native.parseRefreshRequest(b, c)));
  }

  // ---------------------------------------------------------------------------- signin

  class DesktopSignIn {
    /** `{redirectUris, codeTtl?, codeBytes?}` */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.DesktopSignIn(c)));
    }
    issue(userId, email, codeChallenge, redirectUri, state, now, entropy) {
      const n = self(this, DesktopSignIn);
      const u = str(userId, "userId");
      const m = optStr(email, "email");
      const ch = str(codeChallenge, "codeChallenge");
      const r = str(redirectUri, "redirectUri");
      const st = optStr(state, "state");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.issue(u, m, ch, r, st, at, e)));
    }
    redirectAllowed(redirectUri) {
      const n = self(this, DesktopSignIn);
      const r = str(redirectUri, "redirectUri");
      return call(() => n.redirectAllowed(r));
    }
    redeem(record, code, codeVerifier, redirectUri, now) {
      const n = self(this, DesktopSignIn);
      const rec = optJson(record, "record");
      const c = str(code, "code");
      const v = str(codeVerifier, "codeVerifier");
      const r = str(redirectUri, "redirectUri");
      const at = nowArg(now);
      return parse(call(() => n.redeem(rec, c, v, r, at)));
    }
    exchange(sessions, record, request, now, entropy) {
      const n = self(this, DesktopSignIn);
      if (!natives.has(sessions)) throw new TypeError(`sessions: expected a SessionManager, got ${describe(sessions)}`);
      const sm = self(sessions, SessionManager);
      const rec = optJson(record, "record");
      const req = json(request, "request");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.exchange(sm, rec, req, at, e)));
    }
  }

  function parseDesktopExchange(request) {
    const r = json(request, "request");
    return parse(call(() => native.parseDesktopExchange(r)));
  }
  function desktopCodeHash(code) {
    const c = str(code, "code");
    return call(() => native.desktopCodeHash(c));
  }
  function loadDesktopCode(text) {
    const t = str(text, "text");
    return parse(call(() => native.loadDesktopCode(t)));
  }

  class DesktopClient {
    /** `{signInUrl, exchangeUrl, redirectUri, timeout?, allowInsecureHttp?}` */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.DesktopClient(c)));
    }
    static restore(snapshot) {
      const s = json(snapshot, "snapshot");
      return wrap(DesktopClient, call(() => native.DesktopClient.restore(s)));
    }
    start(now, entropy) {
      const n = self(this, DesktopClient);
      const at = nowArg(now);
      const e = entropyArg(entropy);
      call(() => n.start(at, e));
    }
    handleRedirect(redirect, now) {
      const n = self(this, DesktopClient);
      const r = str(redirect, "redirect");
      const at = nowArg(now);
      call(() => n.handleRedirect(r, at));
    }
    handleResponse(transmit, response, now) {
      const n = self(this, DesktopClient);
      const t = int(transmit, "transmit", { min: 0 });
      const r = json(response, "response");
      const at = nowArg(now);
      call(() => n.handleResponse(t, r, at));
    }
    handleNetworkError(transmit, now) {
      const n = self(this, DesktopClient);
      const t = int(transmit, "transmit", { min: 0 });
      const at = nowArg(now);
      call(() => n.handleNetworkError(t, at));
    }
    handleTimeout(now) {
      const n = self(this, DesktopClient);
      const at = nowArg(now);
      call(() => n.handleTimeout(at));
    }
    cancel() {
      const n = self(this, DesktopClient);
      call(() => n.cancel());
    }
    pollAction() {
      const a = call(() => self(this, DesktopClient).pollAction());
      return a === null || a === undefined ? null : parse(a);
    }
    actions() {
      return drain(self(this, DesktopClient));
    }
    status(now) {
      const n = self(this, DesktopClient);
      const at = nowArg(now);
      return parse(call(() => n.status(at)));
    }
    snapshot() {
      const n = self(this, DesktopClient);
      return parse(call(() => n.snapshot()));
    }
  }

  // ---------------------------------------------------------------------------- authflow

  /** The RFC 7591 registration request for `metadata`; options `{allowLoopbackHttp?}`. */
  function registrationRequest(endpoint, metadata, options) {
    const e = str(endpoint, "endpoint");
    const m = json(metadata, "metadata");
    const l = bool(option(options, "allowLoopbackHttp", "options"), "options.allowLoopbackHttp", false);
    return parse(call(() => native.registrationRequest(e, m, l)));
  }
  /** The registered client in the registration endpoint's answer. */
  function registrationResponse(response, now) {
    const r = json(response, "response");
    const at = nowArg(now);
    return parse(call(() => native.registrationResponse(r, at)));
  }

  // ---------------------------------------------------------------------------- grants

  /**
   * The token-endpoint request for `request` (GrantRequest) at `endpoint` (TokenEndpoint),
   * authenticated by `auth` (TokenEndpointAuth); options `{backend?}`.
   */
  function grantRequest(endpoint, auth, request, now, entropy, options) {
    const e = json(endpoint, "endpoint");
    const a = json(auth, "auth");
    const r = json(request, "request");
    const at = nowArg(now);
    const en = entropyArg(entropy);
    const b = backendArg(option(options, "backend", "options"));
    return parse(call(() => native.grantRequest(e, a, r, at, en, b)));
  }
  /** A `private_key_jwt` client assertion (the JWT text); options `{lifetime?, backend?}`. */
  function clientAssertion(endpoint, clientId, key, now, entropy, options) {
    const e = json(endpoint, "endpoint");
    const id = str(clientId, "clientId");
    const k = json(key, "key");
    const at = nowArg(now);
    const en = entropyArg(entropy);
    const l = optInt(option(options, "lifetime", "options"), "options.lifetime", null);
    const b = backendArg(option(options, "backend", "options"));
    return call(() => native.clientAssertion(e, id, k, at, en, l, b));
  }
  /** The answer to an access-token request: a TokenSet, or the error naming its field. */
  function grantResponse(request, response, now) {
    const q = json(request, "request");
    const r = json(response, "response");
    const at = nowArg(now);
    return parse(call(() => native.grantResponse(q, r, at)));
  }
  /** The answer to a token-exchange request: an ExchangedToken. */
  function tokenExchangeResponse(request, response, now) {
    const q = json(request, "request");
    const r = json(response, "response");
    const at = nowArg(now);
    return parse(call(() => native.tokenExchangeResponse(q, r, at)));
  }
  /** The token-endpoint authentication method (RFC 8414 name) for a client. */
  function chooseAuthMethod(registered, supported, hasSecret, hasKey) {
    const reg = optStr(registered, "registered");
    const sup = optJson(supported, "supported");
    const s = bool(hasSecret, "hasSecret", false);
    const k = bool(hasKey, "hasKey", false);
    return call(() => native.chooseAuthMethod(reg, sup, s, k));
  }
  /** The enterprise-managed token exchange (ID token to ID-JAG); options `{scope?}`. */
  function idJagRequest(idToken, authorizationServer, resource, options) {
    const t = str(idToken, "idToken");
    const as = str(authorizationServer, "authorizationServer");
    const r = str(resource, "resource");
    const sc = optStr(option(options, "scope", "options"), "options.scope");
    return parse(call(() => native.idJagRequest(t, as, r, sc)));
  }

  class AuthSession {
    constructor() {
      throw new TypeError("AuthSession: use AuthSession.start(...) or AuthSession.restore(...)");
    }
    /** `options`: `{redirectUri?, connectionName?, clientName?, ttl?, allowLoopbackHttp?}` */
    static start(provider, flow, now, entropy, options) {
      const p = json(provider, "provider");
      const f = str(flow, "flow");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      const c = json(settingsArg(options, "options"), "options");
      return wrap(AuthSession, call(() => native.AuthSession.start(p, f, at, e, c)));
    }
    static restore(snapshot) {
      const s = json(snapshot, "snapshot");
      return wrap(AuthSession, call(() => native.AuthSession.restore(s)));
    }
    get sessionId() {
      const n = self(this, AuthSession);
      return call(() => n.sessionId());
    }
    provider() {
      const n = self(this, AuthSession);
      return parse(call(() => n.provider()));
    }
    handleResponse(transmit, response, now) {
      const n = self(this, AuthSession);
      const t = int(transmit, "transmit", { min: 0 });
      const r = json(response, "response");
      const at = nowArg(now);
      call(() => n.handleResponse(t, r, at));
    }
    handleNetworkError(transmit, now) {
      const n = self(this, AuthSession);
      const t = int(transmit, "transmit", { min: 0 });
      const at = nowArg(now);
      call(() => n.handleNetworkError(t, at));
    }
    handleTimeout(now) {
      const n = self(this, AuthSession);
      const at = nowArg(now);
      call(() => n.handleTimeout(at));
    }
    handleCallback(callback, now) {
      const n = self(this, AuthSession);
      const c = str(callback, "callback");
      const at = nowArg(now);
      call(() => n.handleCallback(c, at));
    }
    submitInput(values, now) {
      const n = self(this, AuthSession);
      const v = json(values, "values");
      const at = nowArg(now);
      call(() => n.submitInput(v, at));
    }
    resume(now) {
      const n = self(this, AuthSession);
      const at = nowArg(now);
      call(() => n.resume(at));
    }
    pollAction() {
      const a = call(() => self(this, AuthSession).pollAction());
      return a === null || a === undefined ? null : parse(a);
    }
    actions() {
      return drain(self(this, AuthSession));
    }
    status(now) {
      const n = self(this, AuthSession);
      const at = nowArg(now);
      return parse(call(() => n.status(at)));
    }
    snapshot() {
      const n = self(this, AuthSession);
      return parse(call(() => n.snapshot()));
    }
  }

  class MagicLinks {
    /** `{ttl?, tokenBytes?, maxPerWindow?, window?, linkUrl?}` */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.MagicLinks(c)));
    }
    issue(email, limiter, now, entropy) {
      const n = self(this, MagicLinks);
      const m = str(email, "email");
      const l = optJson(limiter, "limiter");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.issue(m, l, at, e)));
    }
    redeem(record, token, now) {
      const n = self(this, MagicLinks);
      const r = optJson(record, "record");
      const t = str(token, "token");
      const at = nowArg(now);
      return parse(call(() => n.redeem(r, t, at)));
    }
  }

  function magicLinkHash(token) {
    const t = str(token, "token");
    return call(() => native.magicLinkHash(t));
  }
  function loadMagicLink(text) {
    const t = str(text, "text");
    return parse(call(() => native.loadMagicLink(t)));
  }

  // ---------------------------------------------------------------------------- vault

  class Vault {
    /** `keys`: master key file contents, the current key first. */
    constructor(keys) {
      const k = json(keys, "keys");
      natives.set(this, call(() => new native.Vault(k)));
    }
    get currentKid() {
      const n = self(this, Vault);
      return call(() => n.currentKid());
    }
    get kids() {
      const n = self(this, Vault);
      return parse(call(() => n.kids()));
    }
    seal(record, context, now, entropy) {
      const n = self(this, Vault);
      const r = json(record, "record");
      const c = str(context, "context");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.seal(r, c, at, e)));
    }
    open(sealed, context) {
      const n = self(this, Vault);
      const s = json(sealed, "sealed");
      const c = str(context, "context");
      return parse(call(() => n.open(s, c)));
    }
    reseal(sealed, context, now, entropy) {
      const n = self(this, Vault);
      const s = json(sealed, "sealed");
      const c = str(context, "context");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.reseal(s, c, at, e)));
    }
    inspect(sealed) {
      const n = self(this, Vault);
      const s = json(sealed, "sealed");
      return parse(call(() => n.inspect(s)));
    }
    needsReseal(sealed) {
      const n = self(this, Vault);
      const s = json(sealed, "sealed");
      return call(() => n.needsReseal(s));
    }
  }

  function generateMasterKey(kid, entropy) {
    const k = optStr(kid, "kid");
    const e = entropyArg(entropy);
    return call(() => native.generateMasterKey(k, e));
  }
  function parseMasterKey(text) {
    const t = str(text, "text");
    return parse(call(() => native.parseMasterKey(t)));
  }
  function masterKeyFromBytes(kid, key) {
    const k = str(kid, "kid");
    const b = bytesArg(key, "key");
    return call(() => native.masterKeyFromBytes(k, b));
  }

  // ---------------------------------------------------------------------------- oauth

  function pkce(verifier, method, allowPlain, bytes, entropy) {
    const v = optStr(verifier, "verifier");
    const m = optStr(method, "method");
    const p = bool(allowPlain, "allowPlain", false);
    const b = optInt(bytes, "bytes", null, { min: 0 });
    if (b !== null && b > 0xffffffff) throw new TypeError("bytes: out of range");
    const e = entropyArg(entropy);
    return parse(call(() => native.pkce(v, m, p, b, e)));
  }

  function checkPkce(challenge, verifier, allowPlain) {
    const c = optJson(challenge, "challenge");
    const v = optStr(verifier, "verifier");
    const p = bool(allowPlain, "allowPlain", false);
    call(() => native.checkPkce(c, v, p));
  }

  /** Where `issuer` publishes its metadata (`kind`: `"openid"`, the default, or `"oauth"`); options `{allowInsecureHttp?}`. */
  function wellKnownUrl(issuer, kind, options) {
    const i = str(issuer, "issuer");
    const k = optStr(kind, "kind");
    const insecure = bool(option(options, "allowInsecureHttp", "options"), "options.allowInsecureHttp", false);
    return call(() => native.wellKnownUrl(i, k, insecure));
  }

  /** A provider's metadata response read for the expected `issuer`; options `{allowInsecureHttp?}`. */
  function parseProviderMetadata(response, issuer, options) {
    const r = json(response, "response");
    const i = str(issuer, "issuer");
    const insecure = bool(option(options, "allowInsecureHttp", "options"), "options.allowInsecureHttp", false);
    return parse(call(() => native.parseProviderMetadata(r, i, insecure)));
  }

  class AuthCodeClient {
    /** AuthCodeConfig options in camelCase (`extraParams: [[name, value]]`). */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.AuthCodeClient(c)));
    }
    start(now, entropy) {
      const n = self(this, AuthCodeClient);
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return parse(call(() => n.start(at, e)));
    }
    callback(record, callbackUrl, now) {
      const n = self(this, AuthCodeClient);
      const r = json(record, "record");
      const c = str(callbackUrl, "callback");
      const at = nowArg(now);
      return parse(call(() => n.callback(r, c, at)));
    }
    tokenResponse(response, now) {
      const n = self(this, AuthCodeClient);
      const r = json(response, "response");
      const at = nowArg(now);
      return parse(call(() => n.tokenResponse(r, at)));
    }
    /** The OpenID Connect ID-token checks (`iss`, `aud`, `azp`, `nonce`, `at_hash`) on a verified token. */
    checkIdToken(verified, record, accessToken) {
      const n = self(this, AuthCodeClient);
      const v = json(verified, "verified");
      const r = json(record, "record");
      const a = optStr(accessToken, "accessToken");
      call(() => n.checkIdToken(v, r, a));
    }
  }

  // ---------------------------------------------------------------------------- broker

  class Broker {
    /** `{custom?: [provider definition], allowLoopbackHttp?}` */
    constructor(options) {
      const c = optJson(option(options, "custom", "options"), "custom");
      const l = bool(option(options, "allowLoopbackHttp", "options"), "allowLoopbackHttp", false);
      natives.set(this, call(() => new native.Broker(c, l)));
    }
    /** `{providers, sources, overrides}`. */
    get providers() {
      const n = self(this, Broker);
      return parse(call(() => n.providers()));
    }
    routingTable() {
      const n = self(this, Broker);
      return parse(call(() => n.routingTable()));
    }
    resolve(url, connections, method, now) {
      const n = self(this, Broker);
      const u = str(url, "url");
      const c = json(connections, "connections");
      const m = optStr(method, "method");
      const at = nowArg(now);
      return parse(call(() => n.resolve(u, c, m, at)));
    }
    applyRefresh(connection, response, now) {
      const n = self(this, Broker);
      const c = json(connection, "connection");
      const r = json(response, "response");
      const at = nowArg(now);
      return parse(call(() => n.applyRefresh(c, r, at)));
    }
    /** RFC 7009: `{requests, delete}`; `options.client`: `{client_id?, client_secret?, method?}`. */
    revoke(provider, connections, options) {
      const n = self(this, Broker);
      const p = str(provider, "provider");
      const c = json(connections, "connections");
      const cl = optJson(option(options, "client", "options"), "client");
      return parse(call(() => n.revoke(p, c, cl)));
    }
    /** RFC 7662: the introspection request. */
    providerListing() {
      const n = self(this, Broker);
      return parse(call(() => n.providerListing()));
    }
    showProvider(name, options) {
      const n = self(this, Broker);
      const p = str(name, "name");
      const r = bool(option(options, "reveal", "options"), "reveal", false);
      return parse(call(() => n.showProvider(p, r)));
    }
    introspect(provider, token, tokenTypeHint, options) {
      const n = self(this, Broker);
      const p = str(provider, "provider");
      const t = str(token, "token");
      const h = optStr(tokenTypeHint, "tokenTypeHint");
      const cl = optJson(option(options, "client", "options"), "client");
      return parse(call(() => n.introspect(p, t, h, cl)));
    }
  }

  function redact(connections) {
    const c = json(connections, "connections");
    return parse(call(() => native.redact(c)));
  }
  function exportEnv(connections) {
    const c = json(connections, "connections");
    return call(() => native.exportEnv(c));
  }
  function checkConnection(connection) {
    const c = json(connection, "connection");
    call(() => native.checkConnection(c));
  }
  function exportJson(connections) {
    const c = json(connections, "connections");
    return parse(call(() => native.exportJson(c)));
  }
  function readiness(custom, connections, keyFiles, now, options) {
    const c = optJson(custom, "custom");
    const n = optJson(connections, "connections");
    const k = optJson(keyFiles, "keyFiles");
    const at = nowArg(now);
    const v = optInt(option(options, "schemaVersion", "options"), "schemaVersion", null, { min: 0 });
    const loopback = bool(option(options, "allowLoopbackHttp", "options"), "allowLoopbackHttp", false);
    return parse(call(() => native.readiness(c, n, k, at, v, loopback)));
  }
  function setDefault(connections, provider, connection) {
    const c = json(connections, "connections");
    const p = str(provider, "provider");
    const n = str(connection, "connection");
    return parse(call(() => native.setDefault(c, p, n)));
  }
  function revocationOutcome(response) {
    const r = json(response, "response");
    return parse(call(() => native.revocationOutcome(r)));
  }
  function introspectionOutcome(response, now) {
    const r = json(response, "response");
    const at = nowArg(now);
    return parse(call(() => native.introspectionOutcome(r, at)));
  }

  // ---------------------------------------------------------------------------- MCP resource server

  /** The URL of `resource`'s Protected Resource Metadata document (RFC 9728 §3.1, path-inserted). */
  function resourceMetadataUrl(resource) {
    const r = str(resource, "resource");
    return call(() => native.resourceMetadataUrl(r));
  }
  /** The path of `resource`'s metadata document, for a router. */
  function resourceMetadataPath(resource) {
    const r = str(resource, "resource");
    return call(() => native.resourceMetadataPath(r));
  }
  /** The metadata document checked, in its wire shape. */
  function checkResourceMetadata(metadata) {
    const m = json(metadata, "metadata");
    return parse(call(() => native.checkResourceMetadata(m)));
  }
  /** The response to `request` when it asks for the metadata document, else `null`. */
  function serveResourceMetadata(metadata, request) {
    const m = json(metadata, "metadata");
    const r = json(request, "request");
    return parse(call(() => native.serveResourceMetadata(m, r)));
  }
  /** Whether the audience value `aud` names `resource` (the audience rule). */
  function audienceNamesResource(aud, resource) {
    const a = str(aud, "aud");
    const r = str(resource, "resource");
    return call(() => native.audienceNamesResource(a, r));
  }

  // ---------------------------------------------------------------------------- errors

  /** The error catalog: `[{code, status, family, detail}]`. */
  // ---------------------------------------------------------------------------- cors

  class Cors {
    /** `{allowedOrigins?, allowedMethods?, allowedHeaders?, exposedHeaders?, allowCredentials?, maxAge?}` */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.Cors(c)));
    }
    decide(request) {
      const n = self(this, Cors);
      const r = json(request, "request");
      return parse(call(() => n.decide(r)));
    }
  }

  function catalog() {
    return parse(call(() => native.catalog()));
  }
  /** The compact `{"detail","code"}` body of a catalog code. */
  function errorBody(code, detail) {
    const c = str(code, "code");
    const d = optStr(detail, "detail");
    return call(() => native.errorBody(c, d));
  }

  // ---------------------------------------------------------------------------- profiles

  /** The document of a named profile (`ravi`, `reeve`, `rag-modulo`). */
  function profile(name) {
    const n = str(name, "name");
    return parse(call(() => native.profile(n)));
  }
  /** The names of the profiles, sorted. */
  function profileNames() {
    return parse(call(() => native.profileNames()));
  }

  // ---------------------------------------------------------------------------- dpop

  class DpopKey {
    constructor() {
      throw new TypeError("DpopKey: use DpopKey.generate(...) or DpopKey.fromJwk(...)");
    }
    /** A fresh key: `alg` `"ES256"` (default) or `"EdDSA"`; `options`: `{entropy?, backend?}`. */
    static generate(alg, options) {
      const a = optStr(alg, "alg");
      const e = entropyArg(option(options, "entropy", "options"));
      const b = backendArg(option(options, "backend", "options"));
      return wrap(DpopKey, call(() => native.DpopKey.generate(a, e, b)));
    }
    /** A key from its private JWK; `options`: `{backend?}`. */
    static fromJwk(jwk, options) {
      const j = json(jwk, "jwk");
      const b = backendArg(option(options, "backend", "options"));
      return wrap(DpopKey, call(() => native.DpopKey.fromJwk(j, b)));
    }
    /** The private JWK (with `d`): a secret. */
    toJwk() {
      const n = self(this, DpopKey);
      return parse(call(() => n.toJwk()));
    }
    get publicJwk() {
      const n = self(this, DpopKey);
      return parse(call(() => n.publicJwk()));
    }
    get thumbprint() {
      const n = self(this, DpopKey);
      return call(() => n.thumbprint());
    }
    get algorithm() {
      const n = self(this, DpopKey);
      return call(() => n.algorithm());
    }
    /** The `DPoP` header value for one request; `options`: `{accessToken?, nonce?, now?, entropy?}`. */
    proof(method, url, options) {
      const n = self(this, DpopKey);
      const params = {
        method: str(method, "method"),
        url: str(url, "url"),
        access_token: optStr(option(options, "accessToken", "options"), "options.accessToken") ?? undefined,
        nonce: optStr(option(options, "nonce", "options"), "options.nonce") ?? undefined,
      };
      const at = nowArg(option(options, "now", "options"));
      const e = entropyArg(option(options, "entropy", "options"));
      const p = json(params, "params");
      return call(() => n.proof(p, at, e));
    }
  }

  class ProofChecker {
    /** `{algorithms?, maxAge?, leeway?, requireNonce?, nonceKey?, nonceLifetime?, maxProofBytes?, backend?}` */
    constructor(options) {
      const o = settingsArg(options, "options");
      const [extra, config] = pick(o, ["backend"]);
      natives.set(this, call(() => new native.ProofChecker(json(config, "options"), backendArg(extra.backend))));
    }
    /** Checks the request's `DPoP` header: the ProofRecord. */
    check(request, accessToken, jkt, now) {
      const n = self(this, ProofChecker);
      const r = json(request, "request");
      const t = optStr(accessToken, "accessToken");
      const k = optStr(jkt, "jkt");
      const at = nowArg(now);
      return parse(call(() => n.check(r, t, k, at)));
    }
    /** The header checks and signature of one proof: `{alg, jkt, header, claims}`. */
    decode(proof) {
      const n = self(this, ProofChecker);
      const p = str(proof, "proof");
      return parse(call(() => n.decode(p)));
    }
    issueNonce(now, entropy) {
      const n = self(this, ProofChecker);
      const at = nowArg(now);
      const e = entropyArg(entropy);
      return call(() => n.issueNonce(at, e));
    }
    /** The `WWW-Authenticate: DPoP` value for an error (`{code, detail}` or an `AuthError`). */
    challenge(error) {
      const n = self(this, ProofChecker);
      const e = error === undefined || error === null ? null : json(errorData(error), "error");
      return call(() => n.challenge(e));
    }
  }

  class DpopNonces {
    /** `nonces`: `{origin: nonce}` to start from. */
    constructor(nonces) {
      const j = optJson(nonces, "nonces");
      natives.set(this, call(() => new native.DpopNonces(j)));
    }
    nonceFor(url) {
      const n = self(this, DpopNonces);
      const u = str(url, "url");
      return call(() => n.nonceFor(u)) ?? null;
    }
    /** Remembers the response's `DPoP-Nonce`; whether to send the request again with it. */
    handleResponse(url, response, alreadyRetried) {
      const n = self(this, DpopNonces);
      const u = str(url, "url");
      const r = json(response, "response");
      const a = bool(alreadyRetried, "alreadyRetried", false);
      return call(() => n.handleResponse(u, r, a));
    }
    get nonces() {
      const n = self(this, DpopNonces);
      return parse(call(() => n.nonces()));
    }
  }

  /** An `AuthError` (or `{code, detail, field?}`) as the core's Error data. */
  function errorData(e) {
    let own;
    try {
      own = e instanceof AuthError;
    } catch (cause) {
      throw new TypeError("error: could not be read", { cause });
    }
    return own ? { code: e.code, detail: e.detail, field: e.field } : e;
  }

  function jwkThumbprint(jwk) {
    const j = json(jwk, "jwk");
    return call(() => native.jwkThumbprint(j));
  }
  function dpopAccessTokenHash(accessToken) {
    const t = str(accessToken, "accessToken");
    return call(() => native.dpopAccessTokenHash(t));
  }
  function normalizeHtu(url) {
    const u = str(url, "url");
    return call(() => native.normalizeHtu(u));
  }
  function dpopCheckReplay(record, seen) {
    const r = json(record, "record");
    const s = bool(seen, "seen", false);
    call(() => native.dpopCheckReplay(r, s));
  }
  function dpopCheckTokenType(tokenType, dpopRequested, allowBearer) {
    const t = str(tokenType, "tokenType");
    const d = bool(dpopRequested, "dpopRequested", false);
    const a = bool(allowBearer, "allowBearer", false);
    return call(() => native.dpopCheckTokenType(t, d, a));
  }
  function dpopConfirmation(jkt) {
    const k = str(jkt, "jkt");
    return parse(call(() => native.dpopConfirmation(k)));
  }
  function dpopCheckTokenBinding(claims, scheme) {
    const c = json(claims, "claims");
    const s = str(scheme, "scheme");
    return call(() => native.dpopCheckTokenBinding(c, s)) ?? null;
  }
  function dpopTokenEndpointError(error, nonce) {
    const e = json(errorData(error), "error");
    const n = optStr(nonce, "nonce");
    return parse(call(() => native.dpopTokenEndpointError(e, n)));
  }
  function dpopIsNonceChallenge(response) {
    const r = json(response, "response");
    return call(() => native.dpopIsNonceChallenge(r));
  }

  // ---------------------------------------------------------------------------- mcp

  /** Every challenge in the `WWW-Authenticate` header values (an array of strings). */
  function parseChallenges(headers) {
    const h = json(headers, "headers");
    return parse(call(() => native.parseChallenges(h)));
  }
  /** The first `Bearer` (else `DPoP`) challenge of parsed challenges, or `null`. */
  function resourceChallenge(challenges) {
    const c = json(challenges, "challenges");
    return parse(call(() => native.resourceChallenge(c)));
  }
  /** The protected resource metadata URLs to try, in order. */
  function prmUrls(serverUrl, resourceMetadata) {
    const u = str(serverUrl, "serverUrl");
    const r = optStr(resourceMetadata, "resourceMetadata");
    return parse(call(() => native.mcpPrmUrls(u, r)));
  }
  /** The authorization-server metadata URLs to try for `issuer`, in order. */
  function asMetadataUrls(issuer) {
    const i = str(issuer, "issuer");
    return parse(call(() => native.mcpAsMetadataUrls(i)));
  }
  /** Whether a resource metadata document's `resource` fits the MCP server URL. */
  function resourceMatches(resource, serverUrl) {
    const r = str(resource, "resource");
    const u = str(serverUrl, "serverUrl");
    return call(() => native.mcpResourceMatches(r, u));
  }
  /** The scopes to request: the challenge's, else `scopesSupported`, else none. */
  function chooseScopes(challengeScope, scopesSupported) {
    const c = optStr(challengeScope, "challengeScope");
    const s = optJson(scopesSupported, "scopesSupported");
    return parse(call(() => native.mcpChooseScopes(c, s)));
  }
  /** `previous` followed by the scopes of `chosen` not in it. */
  function unionScopes(previous, chosen) {
    const p = json(previous ?? [], "previous");
    const c = json(chosen ?? [], "chosen");
    return parse(call(() => native.mcpUnionScopes(p, c)));
  }
  /** The token endpoint authentication method for `client` (McpClient). */
  function mcpChooseAuthMethod(client, supported) {
    const c = json(client, "client");
    const s = optJson(supported, "supported");
    return parse(call(() => native.mcpChooseAuthMethod(c, s)));
  }
  /** Reads a protected resource metadata response (RFC 9728). */
  function parseProtectedResourceMetadata(response) {
    const r = json(response, "response");
    return parse(call(() => native.mcpParseProtectedResourceMetadata(r)));
  }
  /** The Client ID Metadata Document a client hosts at its `client_id` URL. */
  function clientMetadataDocument(clientId, clientName, redirectUris) {
    const i = str(clientId, "clientId");
    const n = str(clientName, "clientName");
    const r = json(redirectUris, "redirectUris");
    return parse(call(() => native.mcpClientMetadataDocument(i, n, r)));
  }
  /** Checks a Client ID Metadata Document fetched from `clientId` (throws when unfit). */
  function validateClientMetadataDocument(clientId, document) {
    const i = str(clientId, "clientId");
    const d = json(document, "document");
    call(() => native.mcpValidateClientMetadataDocument(i, d));
  }

  /** The MCP authorization client: a sans-IO machine from a 401 to a usable access token. */
  class McpAuth {
    /** McpAuthConfig options in camelCase (`serverUrl`, `redirectUri` required). */
    constructor(options) {
      const c = json(settingsArg(options, "options"), "options");
      natives.set(this, call(() => new native.McpAuth(c)));
    }
    static restore(snapshot) {
      const s = json(snapshot, "snapshot");
      return wrap(McpAuth, call(() => native.McpAuth.restore(s)));
    }
    config() {
      const n = self(this, McpAuth);
      return parse(call(() => n.config()));
    }
    addClient(key, client) {
      const n = self(this, McpAuth);
      const k = json(key, "key");
      const c = json(client, "client");
      call(() => n.addClient(k, c));
    }
    addTokens(key, tokens) {
      const n = self(this, McpAuth);
      const k = json(key, "key");
      const t = json(tokens, "tokens");
      call(() => n.addTokens(k, t));
    }
    authorizeRequest(request, now) {
      const n = self(this, McpAuth);
      const r = json(request, "request");
      const at = nowArg(now);
      return parse(call(() => n.authorizeRequest(r, at)));
    }
    handleSuccess() {
      const n = self(this, McpAuth);
      call(() => n.handleSuccess());
    }
    handleUnauthorized(response, now, entropy) {
      const n = self(this, McpAuth);
      const r = json(response, "response");
      const at = nowArg(now);
      const e = entropyArg(entropy);
      call(() => n.handleUnauthorized(r, at, e));
    }
    handleResponse(transmit, response, now) {
      const n = self(this, McpAuth);
      const t = int(transmit, "transmit", { min: 0 });
      const r = json(response, "response");
      const at = nowArg(now);
      call(() => n.handleResponse(t, r, at));
    }
    handleNetworkError(transmit, now) {
      const n = self(this, McpAuth);
      const t = int(transmit, "transmit", { min: 0 });
      const at = nowArg(now);
      call(() => n.handleNetworkError(t, at));
    }
    handleCallback(callback, now) {
      const n = self(this, McpAuth);
      const c = str(callback, "callback");
      const at = nowArg(now);
      call(() => n.handleCallback(c, at));
    }
    provideClient(client, now) {
      const n = self(this, McpAuth);
      const c = json(client, "client");
      const at = nowArg(now);
      call(() => n.provideClient(c, at));
    }
    resume(now) {
      const n = self(this, McpAuth);
      const at = nowArg(now);
      call(() => n.resume(at));
    }
    pollAction() {
      const a = call(() => self(this, McpAuth).pollAction());
      return a === null || a === undefined ? null : parse(a);
    }
    actions() {
      return drain(self(this, McpAuth));
    }
    status() {
      const n = self(this, McpAuth);
      return parse(call(() => n.status()));
    }
    snapshot() {
      const n = self(this, McpAuth);
      return parse(call(() => n.snapshot()));
    }
  }

  for (const cls of [Verifier, Issuer, JwksCache, RequestDriver, DeviceClient, DeviceAuthority, SessionManager, Gate, Accounts, RefreshTokens, AuthCodeClient, Broker, Cors, DesktopSignIn, DesktopClient, MagicLinks, Vault, AuthSession, DpopKey, ProofChecker, DpopNonces, McpAuth]) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name });
  }

  return Object.freeze({
    version: native.version(),
    RAVI_TOKEN_FILE: native.raviTokenFile(),
    AuthError,
    catalog,
    errorBody,
    Verifier,
    Issuer,
    JwksCache,
    fromEnv,
    verifySignature,
    parseJwks,
    parseJwksAsync,
    decodeUnverified,
    tokenSetFromResponse,
    freshness,
    loadTokens,
    dumpTokens,
    RequestDriver,
    DeviceClient,
    DeviceAuthority,
    parseTokenRequest,
    parseAuthorizationRequest,
    deviceCodeHash,
    loadGrant,
    oauthError,
    oauthErrorResponse,
    SessionManager,
    sessionTokenHash,
    loadSession,
    Gate,
    generateGatewayToken,
    Accounts,
    normalizeUsername,
    normalizeEmail,
    RefreshTokens,
    refreshTokenHash,
    loadRefreshRecord,
    parseRefreshRequest,
    pkce,
    checkPkce,
    wellKnownUrl,
    parseProviderMetadata,
    AuthCodeClient,
    Broker,
    redact,
    exportEnv,
    checkConnection,
    exportJson,
    readiness,
    setDefault,
    revocationOutcome,
    introspectionOutcome,
    resourceMetadataUrl,
    resourceMetadataPath,
    checkResourceMetadata,
    serveResourceMetadata,
    audienceNamesResource,
    Cors,
    profile,
    profileNames,
    DesktopSignIn,
    parseDesktopExchange,
    desktopCodeHash,
    loadDesktopCode,
    DesktopClient,
    MagicLinks,
    magicLinkHash,
    loadMagicLink,
    Vault,
    generateMasterKey,
    parseMasterKey,
    masterKeyFromBytes,
    registrationRequest,
    registrationResponse,
    grantRequest,
    clientAssertion,
    grantResponse,
    tokenExchangeResponse,
    chooseAuthMethod,
    idJagRequest,
    AuthSession,
    DpopKey,
    ProofChecker,
    DpopNonces,
    jwkThumbprint,
    dpopAccessTokenHash,
    normalizeHtu,
    dpopCheckReplay,
    dpopCheckTokenType,
    dpopConfirmation,
    dpopCheckTokenBinding,
    dpopTokenEndpointError,
    dpopIsNonceChallenge,
    parseChallenges,
    resourceChallenge,
    prmUrls,
    asMetadataUrls,
    resourceMatches,
    chooseScopes,
    unionScopes,
    mcpChooseAuthMethod,
    parseProtectedResourceMetadata,
    clientMetadataDocument,
    validateClientMetadataDocument,
    McpAuth,
    /** Test hook: the native module's deliberate panic (surfaces as `AuthError` code `internal`). */
    _panicForTests: () => call(() => native.panicForTests()),
  });
}

module.exports = { createApi };
