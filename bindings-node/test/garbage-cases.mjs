// The garbage cases, ECMAScript only so a browser page runs the same ones (the WASM package's
// Chromium test) as Node does (garbage-worker.mjs, one process per entry point). Every
// argument position of every entry point gets every kind of garbage: wrong types, huge
// strings, deep objects, `__proto__` keys, throwing getters and proxies, typed arrays where
// strings are expected, malformed JSON text, random bytes. Only TypeError and AuthError may
// come out (never a WebAssembly trap or another error), Object.prototype stays clean, and the
// module still signs and verifies afterwards.

const KEY = { alg: "HS256", secret: "k".repeat(32) };
const NOW = 1_700_000_000;

/** The entry points named in `api`: `Name`, `Name.method`, `Name.restore`, `Name.fromEnv`, plus AuthError's. */
export function entries(api) {
  const SKIP = new Set(["version", "AuthError", "_panicForTests"]);
  const out = [];
  for (const [name, value] of Object.entries(api)) {
    if (SKIP.has(name) || typeof value !== "function") continue;
    out.push(name);
    if (/^[A-Z]/.test(name)) {
      for (const m of Object.getOwnPropertyNames(value.prototype)) if (m !== "constructor") out.push(`${name}.${m}`);
      if (typeof value.restore === "function") out.push(`${name}.restore`);
      if (typeof value.start === "function") out.push(`${name}.start`);
      if (typeof value.fromEnv === "function") out.push(`${name}.fromEnv`);
    }
  }
  return [...out, "AuthError", "AuthError.fromJSON"];
}

function deep(n) {
  let v = {};
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}
function deepArray(n) {
  let v = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
}
/** `n` deterministic pseudo-random bytes (xorshift32 from `seed`). */
function randomBytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Every kind of garbage (a fresh list: some members are consumed by reading them). */
export function garbage() {
  const throwing = Object.defineProperty({}, "a", { enumerable: true, get() { throw new Error("getter"); } });
  const trap = new Proxy({}, { get() { throw new Error("trap"); }, ownKeys() { throw new Error("trap"); }, getPrototypeOf() { throw new Error("trap"); } });
  const getters = Object.defineProperties(
    {},
    Object.fromEntries(
      ["backend", "globalLimiter", "custom", "allowLoopbackHttp", "code", "detail", "field", "algorithms", "keys", "secret", "client", "schemaVersion"].map((k) => [k, { enumerable: true, get() { throw new Error("getter"); } }]),
    ),
  );
  const random = randomBytes(257, 0x5eed);
  return [
    undefined, null, 0, -1, 1.5, NaN, Infinity, 2 ** 64, -(2 ** 63), 10n, true, "", "x".repeat(5_000_000), "\u0000\ud800",
    Symbol("s"), () => 1, [], [1, "a", null], {}, new Uint8Array(8),
    ...(typeof Buffer === "function" ? [Buffer.from("abc")] : [new TextEncoder().encode("abc")]),
    new Date(0), new Map(),
    deep(100_000), deepArray(100_000), JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}}'),
    throwing, trap, Object.create(null), getters, { type: "send", version: 1, config: {}, keys: [{ alg: "none" }] },
    // malformed JSON text and random bytes, as bytes and as a string (lone surrogates included)
    '{"keys": [{"kty": "oct", "k": ', '{"type":"send","version":1,}', random, String.fromCharCode(...random, 0xdc00),
  ];
}

const INSTANCES = {
  Verifier: (A) => new A.Verifier({ algorithms: ["HS256"], keys: [KEY] }),
  Issuer: (A) => new A.Issuer(KEY),
  RequestDriver: (A) => new A.RequestDriver({ tokenEndpoint: "https://auth.example/token" }),
  DeviceClient: (A) => new A.DeviceClient({ baseUrl: "https://auth.example", clientId: "c" }),
  DeviceAuthority: (A) => new A.DeviceAuthority({ verificationUri: "https://auth.example/d" }),
  SessionManager: (A) => new A.SessionManager(),
  Gate: (A) => new A.Gate(),
  Accounts: (A) => new A.Accounts({ memoryKib: 64, iterations: 1 }),
  RefreshTokens: (A) => new A.RefreshTokens(),
  AuthCodeClient: (A) =>
    new A.AuthCodeClient({ authorizationEndpoint: "https://i.example/a", tokenEndpoint: "https://i.example/t", clientId: "c", redirectUri: "https://app.example/cb" }),
  Broker: (A) => new A.Broker(),
  Cors: (A) => new A.Cors({ allowedOrigins: ["https://app.example"], allowCredentials: true }),
  DesktopSignIn: (A) => new A.DesktopSignIn({ redirectUris: ["reeve://callback", "http://127.0.0.1/callback"] }),
  DesktopClient: (A) =>
    new A.DesktopClient({ signInUrl: "https://a.example/s", exchangeUrl: "https://a.example/x", redirectUri: "reeve://callback" }),
  MagicLinks: (A) => new A.MagicLinks(),
  Vault: (A) => new A.Vault(["authcore-master-key:v1:k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"]),
  AuthSession: (A) =>
    A.AuthSession.start(
      { name: "k", display_name: "K", auth_type: "api_key", hosts: ["api.k.example"], inject: { header: "X-Api-Key", format: "{key}" } },
      "api_key",
      NOW,
    ),
  DpopKey: (A) => A.DpopKey.generate("EdDSA"),
  ProofChecker: (A) => new A.ProofChecker(),
  DpopNonces: (A) => new A.DpopNonces(),
  McpAuth: (A) => new A.McpAuth({ serverUrl: "https://mcp.example/mcp", redirectUri: "http://127.0.0.1:3000/callback" }),
  MemoryTokenStore: (A) => new A.MemoryTokenStore(),
  JwksCache: (A) => new A.JwksCache({ jwksUri: "https://i.example/jwks", verifier: { algorithms: ["EdDSA"] } }),
  RemoteJwks: (A) =>
    new A.RemoteJwks(
      { jwksUri: "https://i.example/jwks", verifier: { algorithms: ["EdDSA"] } },
      { fetch: async () => { throw new Error("offline"); } },
    ),
};

const ARITY = 6;

/**
 * Garbage into every argument position of `entry` (a name from `entries(api)`). Resolves to
 * the list of problems (empty when all is well): anything thrown that is not a TypeError or an
 * AuthError, a polluted Object.prototype, a module that no longer signs and verifies.
 */
export async function runEntry(A, entry) {
  const problems = [];
  async function attempt(label, f) {
    try {
      const r = f();
      if (r && typeof r.then === "function") await r;
    } catch (e) {
      if (!(e instanceof TypeError || e instanceof A.AuthError)) {
        problems.push(`${label}: threw ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
      }
    }
  }
  async function run(label, call) {
    for (let pos = 0; pos < ARITY; pos++) {
      for (const [g, value] of garbage().entries()) {
        const args = new Array(ARITY).fill(undefined);
        args[pos] = value;
        await attempt(`${label} arg ${pos} garbage ${g}`, () => call(args));
      }
    }
  }
  const [owner, member] = entry.split(".");
  if (owner === "AuthError") {
    if (member === undefined) await run("new AuthError", (args) => new A.AuthError(...args));
    else await run(entry, (args) => A.AuthError[member](...args));
  } else if (member === undefined) {
    const target = A[owner];
    if (typeof target !== "function") return [`no entry point ${entry}`];
    if (owner in INSTANCES) await run(`new ${owner}`, (args) => new target(...args));
    else await run(owner, (args) => target(...args));
  } else if (member === "restore" || member === "fromEnv" || (member === "start" && typeof A[owner].start === "function")) {
    await run(entry, (args) => A[owner][member](...args));
  } else {
    const obj = INSTANCES[owner](A);
    if (member === "providers") await attempt(entry, () => obj.providers);
    else await run(entry, (args) => obj[member](...args));
  }
  if (Object.prototype.polluted !== undefined || {}.polluted !== undefined) problems.push(`${entry}: Object.prototype polluted`);
  try {
    const token = new A.Issuer(KEY).issue({ sub: "alive" }, NOW);
    if (new A.Verifier({ algorithms: ["HS256"], keys: [KEY] }).verify(token, NOW).claims.sub !== "alive") throw new Error("wrong sub");
  } catch (e) {
    problems.push(`${entry}: the module no longer signs and verifies afterwards: ${e && e.message}`);
  }
  return problems;
}
