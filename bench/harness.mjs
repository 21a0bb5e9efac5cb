// The JWT benchmark harness shared by every JavaScript benchmark (bindings-node/bench,
// bindings-wasm/bench in Node and inside Chromium). ECMAScript only (no Node module), so a
// browser page imports this same file: the fixtures (claims, issuer, audience, HS256 secret),
// one adapter per library (each library module is passed in, since each harness installs its
// own pinned peers), the cross-check that every library verifies every library's token before
// any timing, and the timing itself: a warm-up that sizes each case's batch, then interleaved
// rounds, the median of the rounds reported.
//
// A library adapter is `{lib, backend?, async?, sign(), verify(token) → claims}`; keys are
// parsed once when the adapter is made, never inside `sign` or `verify`.

/** Token lifetime (s). */
export const LIFETIME = 3600;
export const ISS = "https://issuer.example";
export const AUD = "api://bench";
export const SUB = "user-1";
export const EMAIL = "user-1@example.com";
/** The HS256 key: 32 bytes. */
export const SECRET = "bench-hs256-secret-of-32-bytes!!";
if (new TextEncoder().encode(SECRET).length !== 32) throw new Error("the HS256 secret must be 32 bytes");

/** The algorithms, in table order. */
export const ALGS = ["HS256", "EdDSA", "ES256", "RS256"];

/** The key files (in conformance/keys) of each asymmetric algorithm: private, public. */
export const KEY_FILES = {
  EdDSA: ["ed25519.pem", "ed25519.pub.pem"],
  ES256: ["p256.pem", "p256.pub.pem"],
  RS256: ["rsa2048.pem", "rsa2048.pub.pem"],
};

/** The claims every peer signs (authcore sets iat/exp/iss/aud itself from its config). */
export function claimsAt(now) {
  return { sub: SUB, email: EMAIL, iat: now, exp: now + LIFETIME, iss: ISS, aud: AUD };
}

/** `{sign, verify}` key material of `alg`: the secret, or the PEMs from `pems[alg]`. */
function material(alg, pems) {
  if (alg === "HS256") return { sign: SECRET, verify: SECRET };
  const p = pems[alg];
  if (!p) throw new Error(`no PEM keys for ${alg}`);
  return p;
}

/** The label of an adapter in tables and JSON: `lib` or `lib (backend)`. */
export const label = (l) => (l.backend ? `${l.lib} (${l.backend})` : l.lib);

// ------------------------------------------------------------------------------- adapters

/**
 * authcore through its public API (`@authcore/node` or `@authcore/wasm`: the same API):
 * `Issuer` and `Verifier` built once, verify = signature + exp + iss + aud.
 */
export function authcoreLib(api, alg, pems, { lib = "authcore", backend, now }) {
  const k = material(alg, pems);
  const hmac = alg === "HS256";
  const signSpec = hmac ? { alg, secret: k.sign } : { alg, pem: k.sign };
  const verifySpec = hmac ? { alg, secret: k.verify } : { alg, pem: k.verify };
  const opts = backend === undefined ? {} : { backend };
  const issuer = new api.Issuer(signSpec, { lifetime: LIFETIME, issuer: ISS, audience: AUD, ...opts });
  const verifier = new api.Verifier({ algorithms: [alg], issuer: ISS, audience: AUD, keys: [verifySpec], ...opts });
  const payload = { sub: SUB, email: EMAIL };
  return {
    lib,
    backend,
    sign: () => issuer.issue(payload, now),
    verify: (token) => verifier.verify(token, now).claims,
  };
}

/** fast-jwt (`{createSigner, createVerifier}`), cache off. */
export function fastJwtLib(fastJwt, alg, pems, { now }) {
  const k = material(alg, pems);
  const claims = claimsAt(now);
  const signer = fastJwt.createSigner({ key: k.sign, algorithm: alg });
  const verifier = fastJwt.createVerifier({
    key: k.verify,
    algorithms: [alg],
    cache: false,
    allowedIss: ISS,
    allowedAud: AUD,
    clockTimestamp: now * 1000,
  });
  return { lib: "fast-jwt", sign: () => signer(claims), verify: (token) => verifier(token) };
}

function base64url(text) {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * jose, through its async API, each call awaited as an application does (that cost is part of
 * its numbers). Keys are imported once: PEMs with `importPKCS8` / `importSPKI`, the HS256
 * secret as a JWK (a `CryptoKey`; a raw `Uint8Array` would be imported again on every call).
 */
export async function joseLib(jose, alg, pems, { now }) {
  const k = material(alg, pems);
  const hmac = alg === "HS256";
  const secret = () => jose.importJWK({ kty: "oct", k: base64url(k.sign) }, alg);
  const signKey = hmac ? await secret() : await jose.importPKCS8(k.sign, alg);
  const verifyKey = hmac ? await secret() : await jose.importSPKI(k.verify, alg);
  const claims = claimsAt(now);
  const currentDate = new Date(now * 1000);
  const header = { alg };
  return {
    lib: "jose",
    async: true,
    sign: () => new jose.SignJWT(claims).setProtectedHeader(header).sign(signKey),
    verify: async (token) => (await jose.jwtVerify(token, verifyKey, { algorithms: [alg], issuer: ISS, audience: AUD, currentDate })).payload,
  };
}

// ------------------------------------------------------------------------------- cross-checks

/** Throws unless `claims` are the benchmark's claims (`iat`/`exp`: any number). */
export function assertClaims(claims, who) {
  const want = claimsAt(0);
  for (const [k, v] of Object.entries(want)) {
    if (k === "iat" || k === "exp") {
      if (typeof claims?.[k] !== "number") throw new Error(`${who}: claim ${k} missing`);
    } else if (claims?.[k] !== v) throw new Error(`${who}: claim ${k} is ${JSON.stringify(claims?.[k])}, expected ${JSON.stringify(v)}`);
  }
}

/** Each adapter's token: `[{from, token}]`, in adapter order. */
export async function tokensOf(libs) {
  const tokens = [];
  for (const l of libs) tokens.push({ from: label(l), token: await l.sign() });
  return tokens;
}

/**
 * Every adapter in `libs` verifies every token in `tokens` (`[{from, token}]`: its own, the
 * others', and any made elsewhere) and gets the benchmark's claims; throws on the first
 * failure. Returns the number of verifications.
 */
export async function crossCheck(alg, libs, tokens) {
  for (const v of libs) {
    for (const t of tokens) {
      let claims;
      try {
        claims = await v.verify(t.token);
      } catch (e) {
        throw new Error(`${alg}: ${label(v)} does not verify the token of ${t.from}: ${e?.message ?? e}`);
      }
      assertClaims(claims, `${alg}: ${label(v)} on the token of ${t.from}`);
    }
  }
  return libs.length * tokens.length;
}

/** One timed case per (op, adapter): verify on `token` (the same token for every verifier), sign. */
export function jwtCases(alg, libs, token) {
  const cases = [];
  for (const op of ["verify", "sign"]) {
    for (const l of libs) {
      cases.push({ kind: "jwt", alg, op, lib: l.lib, backend: l.backend, name: label(l), async: Boolean(l.async), fn: op === "verify" ? () => l.verify(token) : l.sign });
    }
  }
  return cases;
}

// ------------------------------------------------------------------------------- timing

let sink = 0;

/** Calls/s of `fn` over about `seconds`, in batches of `batch` calls between clock reads. */
export function rateSync(fn, seconds, batch) {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let n = 0;
  let now;
  do {
    for (let i = 0; i < batch; i++) {
      if (fn() === sink) sink++;
    }
    n += batch;
    now = performance.now();
  } while (now < deadline);
  return (n * 1000) / (now - start);
}

/** `rateSync` for a Promise-returning `fn`: each call awaited before the next. */
export async function rateAsync(fn, seconds, batch) {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let n = 0;
  let now;
  do {
    for (let i = 0; i < batch; i++) {
      if ((await fn()) === sink) sink++;
    }
    n += batch;
    now = performance.now();
  } while (now < deadline);
  return (n * 1000) / (now - start);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Every case: a warm-up (which also sizes its batch to about one millisecond), then `rounds`
 * interleaved rounds (every case once per round, in the same order), `onRound(r)` after each.
 * Sets `c.rounds` (every round's rate) and `c.opsPerS` (their median) on each case.
 */
export async function measure(cases, { rounds, seconds, onRound = () => {} }) {
  for (const c of cases) {
    const probe = c.async ? await rateAsync(c.fn, 0.05, 1) : rateSync(c.fn, 0.05, 1);
    c.batch = Math.max(1, Math.round(probe / 1000));
    c.async ? await rateAsync(c.fn, seconds / 2, c.batch) : rateSync(c.fn, seconds / 2, c.batch);
    c.rounds = [];
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      c.rounds.push(c.async ? await rateAsync(c.fn, seconds, c.batch) : rateSync(c.fn, seconds, c.batch));
    }
    onRound(r + 1);
  }
  for (const c of cases) c.opsPerS = median(c.rounds);
}

/**
 * The smoke run: every case called once (awaited when async). That one call is timed only so
 * that every case has a (meaningless) positive rate in the results file.
 */
export async function smoke(cases) {
  for (const c of cases) {
    const start = performance.now();
    if (c.async) await c.fn();
    else c.fn();
    c.rounds = [1000 / Math.max(performance.now() - start, 1e-6)];
    c.opsPerS = c.rounds[0];
  }
}

/** The measured JWT cases as rows: `[{alg, op, ops: {label: ops/s}, rounds: {label: [...]}}]`. */
export function jwtRows(cases) {
  const rows = [];
  for (const c of cases.filter((c) => c.kind === "jwt")) {
    let row = rows.find((r) => r.alg === c.alg && r.op === c.op);
    if (!row) rows.push((row = { alg: c.alg, op: c.op, ops: {}, rounds: {} }));
    row.ops[c.name] = c.opsPerS;
    row.rounds[c.name] = c.rounds;
  }
  return rows;
}

// ------------------------------------------------------------------------------- report

export const fmt = (x) => (x === undefined ? "n/a" : Math.round(x).toLocaleString("en-US"));
export const ratio = (a, b) => (a === undefined || b === undefined ? "n/a" : `${(a / b).toFixed(2)}×`);
