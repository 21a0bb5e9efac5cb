// One garbage case (run by garbage.test.mjs in its own process): every argument position of
// one entry point gets every kind of garbage. Only TypeError and AuthError may come out; the
// process must not crash, and Object.prototype must stay clean. Exits 0 when all is well.
import { api } from "./module.mjs";

const A = api;
const [, , entry] = process.argv;
const KEY = { alg: "HS256", secret: "k".repeat(32) };

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
const throwing = Object.defineProperty({}, "a", { enumerable: true, get() { throw new Error("getter"); } });
const trap = new Proxy({}, { get() { throw new Error("trap"); }, ownKeys() { throw new Error("trap"); }, getPrototypeOf() { throw new Error("trap"); } });

const GARBAGE = [
  undefined, null, 0, -1, 1.5, NaN, Infinity, 2 ** 64, -(2 ** 63), 10n, true, "", "x".repeat(5_000_000), "\u0000\ud800",
  Symbol("s"), () => 1, [], [1, "a", null], {}, new Uint8Array(8), Buffer.from("abc"), new Date(0), new Map(),
  deep(100_000), deepArray(100_000), JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}}'),
  throwing, trap, Object.create(null), Object.defineProperties({}, Object.fromEntries(["backend", "globalLimiter", "custom", "allowLoopbackHttp", "code", "detail", "field", "algorithms", "keys", "secret"].map((k) => [k, { enumerable: true, get() { throw new Error("getter"); } }]))), { type: "send", version: 1, config: {}, keys: [{ alg: "none" }] },
];

const INSTANCES = {
  Verifier: () => new A.Verifier({ algorithms: ["HS256"], keys: [KEY] }),
  Issuer: () => new A.Issuer(KEY),
  RequestDriver: () => new A.RequestDriver({ tokenEndpoint: "https://auth.example/token" }),
  DeviceClient: () => new A.DeviceClient({ baseUrl: "https://auth.example", clientId: "c" }),
  DeviceAuthority: () => new A.DeviceAuthority({ verificationUri: "https://auth.example/d" }),
  SessionManager: () => new A.SessionManager(),
  Gate: () => new A.Gate(),
  Accounts: () => new A.Accounts({ memoryKib: 64, iterations: 1 }),
  RefreshTokens: () => new A.RefreshTokens(),
  AuthCodeClient: () =>
    new A.AuthCodeClient({ authorizationEndpoint: "https://i.example/a", tokenEndpoint: "https://i.example/t", clientId: "c", redirectUri: "https://app.example/cb" }),
  Broker: () => new A.Broker(),
  MemoryTokenStore: () => new A.MemoryTokenStore(),
  JwksCache: () => new A.JwksCache({ jwksUri: "https://i.example/jwks", verifier: { algorithms: ["EdDSA"] } }),
  RemoteJwks: () =>
    new A.RemoteJwks(
      { jwksUri: "https://i.example/jwks", verifier: { algorithms: ["EdDSA"] } },
      { fetch: async () => { throw new Error("offline"); } },
    ),
};

const ARITY = 6;
let bad = 0;

async function attempt(label, f) {
  try {
    const r = f();
    if (r && typeof r.then === "function") await r;
  } catch (e) {
    if (!(e instanceof TypeError || e instanceof A.AuthError)) {
      bad++;
      console.error(`${label}: threw ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
    }
  }
}

async function run(label, call) {
  for (let pos = 0; pos < ARITY; pos++) {
    for (const [g, value] of GARBAGE.entries()) {
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
  if (typeof target !== "function") throw new Error(`no entry point ${entry}`);
  if (owner in INSTANCES) await run(`new ${owner}`, (args) => new target(...args));
  else await run(owner, (args) => target(...args));
} else if (member === "restore") {
  await run(entry, (args) => A[owner].restore(...args));
} else {
  const obj = INSTANCES[owner]();
  if (member === "providers") await attempt(entry, () => obj.providers);
  else await run(entry, (args) => obj[member](...args));
}
if (Object.prototype.polluted !== undefined || {}.polluted !== undefined) {
  console.error("Object.prototype polluted");
  bad++;
}
process.exit(bad === 0 ? 0 : 1);
