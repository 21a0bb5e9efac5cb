#!/usr/bin/env node
// @authcore/node next to fast-jwt, jose and jsonwebtoken: same machine, same process, same run.
//
// JWT sign and verify ops/s for HS256 (32-byte key), EdDSA (Ed25519), ES256 (P-256) and RS256
// (2048-bit), keys from conformance/keys, parsed once outside the timed loops by every library.
// Claims: sub, email, iat, exp, iss, aud; verify = signature + exp + iss + aud. authcore runs
// through the public façade with both crypto backends (native is the headline); fast-jwt with
// its cache off; jose through its async API, each call awaited (that is how it is used, and
// its cost is part of the number); jsonwebtoken (no EdDSA support: n/a). Before any timing,
// every library verifies every other library's token once (interop sanity). Every verifier is
// timed on the same token (the one authcore signed).
//
// Plus the bare per-call cost of the binding: the raw native calls beneath the façade and the
// façade calls over them.
//
// Timing: a warm-up pass, then ROUNDS interleaved rounds (every case once per round, in the
// same order), each case timed for SECONDS; the reported rate is the median over the rounds.
// Results: a printed table and a JSON file (default target/bench/node.json).
//
//     make node-bench                          # builds the addon, installs the peers, runs this
//     node bench_jwt.mjs [--rounds N] [--seconds S] [--json PATH] [--only alg,alg]
//     node bench_jwt.mjs --smoke               # one call of each case, no timing (make node-test)

import { createRequire } from "node:module";
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createPrivateKey, createPublicKey, createSecretKey } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { performance } from "node:perf_hooks";

import * as authcore from "../js/index.mjs";
import { createSigner, createVerifier } from "fast-jwt";
import * as jose from "jose";
import jsonwebtoken from "jsonwebtoken";

const require = createRequire(import.meta.url);
const native = require("../js/native.cjs");

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");
const KEYS = join(ROOT, "conformance", "keys");

// ------------------------------------------------------------------------------- arguments

function parseArgs(argv) {
  const args = { smoke: false, rounds: 5, seconds: 0.2, json: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a}: missing value`);
      return argv[++i];
    };
    if (a === "--smoke") args.smoke = true;
    else if (a === "--rounds") args.rounds = Number.parseInt(value(), 10);
    else if (a === "--seconds") args.seconds = Number.parseFloat(value());
    else if (a === "--json") args.json = value();
    else if (a === "--only") args.only = value().split(",");
    else if (a === "--help" || a === "-h") {
      console.log("usage: node bench_jwt.mjs [--smoke] [--rounds N] [--seconds S] [--json PATH] [--only HS256,EdDSA,ES256,RS256]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!(args.rounds >= 1) || !(args.seconds > 0)) throw new Error("--rounds must be ≥ 1 and --seconds > 0");
  if (args.json === null && !args.smoke) args.json = join(ROOT, "target", "bench", "node.json");
  return args;
}

// ------------------------------------------------------------------------------- fixtures

const NOW = Math.floor(Date.now() / 1000);
const LIFETIME = 3600;
const ISS = "https://issuer.example";
const AUD = "api://bench";
const SUB = "user-1";
const EMAIL = "user-1@example.com";
/** 32 bytes. */
const SECRET = "bench-hs256-secret-of-32-bytes!!";
if (Buffer.byteLength(SECRET) !== 32) throw new Error("the HS256 secret must be 32 bytes");

/** The claims every library signs (authcore sets iat/exp/iss/aud itself from its config). */
const CLAIMS = { sub: SUB, email: EMAIL, iat: NOW, exp: NOW + LIFETIME, iss: ISS, aud: AUD };

const pem = (name) => readFileSync(join(KEYS, name), "utf8");

const ALGS = {
  HS256: { sign: SECRET, verify: SECRET },
  EdDSA: { sign: pem("ed25519.pem"), verify: pem("ed25519.pub.pem") },
  ES256: { sign: pem("p256.pem"), verify: pem("p256.pub.pem") },
  RS256: { sign: pem("rsa2048.pem"), verify: pem("rsa2048.pub.pem") },
};

function versionOf(pkg) {
  // Read the file directly: not every package exports its package.json.
  return JSON.parse(readFileSync(join(HERE, "node_modules", pkg, "package.json"), "utf8")).version;
}

function assertClaims(claims, who) {
  for (const [k, v] of Object.entries(CLAIMS)) {
    if (k === "iat" || k === "exp") {
      if (typeof claims[k] !== "number") throw new Error(`${who}: claim ${k} missing`);
    } else if (claims[k] !== v) throw new Error(`${who}: claim ${k} is ${JSON.stringify(claims[k])}, expected ${JSON.stringify(v)}`);
  }
}

/** One algorithm's signers and verifiers, every key parsed once here. */
async function setUp(alg) {
  const k = ALGS[alg];
  const hmac = alg === "HS256";
  const signSpec = hmac ? { alg, secret: k.sign } : { alg, pem: k.sign };
  const verifySpec = hmac ? { alg, secret: k.verify } : { alg, pem: k.verify };

  const libs = [];

  for (const backend of ["native", "portable"]) {
    const issuer = new authcore.Issuer(signSpec, { lifetime: LIFETIME, issuer: ISS, audience: AUD, backend });
    const verifier = new authcore.Verifier({ algorithms: [alg], issuer: ISS, audience: AUD, keys: [verifySpec], backend });
    const payload = { sub: SUB, email: EMAIL };
    libs.push({
      lib: "authcore",
      backend,
      sign: () => issuer.issue(payload, NOW),
      verify: (token) => verifier.verify(token, NOW).claims,
    });
  }

  {
    const signer = createSigner({ key: k.sign, algorithm: alg });
    const verifier = createVerifier({
      key: k.verify,
      algorithms: [alg],
      cache: false,
      allowedIss: ISS,
      allowedAud: AUD,
      clockTimestamp: NOW * 1000,
    });
    libs.push({ lib: "fast-jwt", sign: () => signer(CLAIMS), verify: (token) => verifier(token) });
  }

  {
    const signKey = hmac ? new TextEncoder().encode(k.sign) : await jose.importPKCS8(k.sign, alg);
    const verifyKey = hmac ? new TextEncoder().encode(k.verify) : await jose.importSPKI(k.verify, alg);
    const currentDate = new Date(NOW * 1000);
    const header = { alg };
    libs.push({
      lib: "jose",
      async: true,
      sign: () => new jose.SignJWT(CLAIMS).setProtectedHeader(header).sign(signKey),
      verify: async (token) => (await jose.jwtVerify(token, verifyKey, { algorithms: [alg], issuer: ISS, audience: AUD, currentDate })).payload,
    });
  }

  if (alg !== "EdDSA") {
    // jsonwebtoken has no EdDSA. Keys as KeyObjects, so no PEM is parsed per call.
    const signKey = hmac ? createSecretKey(Buffer.from(k.sign)) : createPrivateKey(k.sign);
    const verifyKey = hmac ? createSecretKey(Buffer.from(k.verify)) : createPublicKey(k.verify);
    const opts = { algorithms: [alg], issuer: ISS, audience: AUD, clockTimestamp: NOW };
    libs.push({
      lib: "jsonwebtoken",
      sign: () => jsonwebtoken.sign(CLAIMS, signKey, { algorithm: alg }),
      verify: (token) => jsonwebtoken.verify(token, verifyKey, opts),
    });
  }

  // Interop: every library verifies every library's token (and its own), once.
  const tokens = [];
  for (const l of libs) tokens.push({ from: label(l), token: await l.sign() });
  for (const v of libs) {
    for (const t of tokens) {
      let claims;
      try {
        claims = await v.verify(t.token);
      } catch (e) {
        throw new Error(`${alg}: ${label(v)} does not verify the token of ${t.from}: ${e.message}`);
      }
      assertClaims(claims, `${alg}: ${label(v)} on the token of ${t.from}`);
    }
  }
  // Every verifier is timed on the same token: authcore's.
  const token = tokens[0].token;
  return { libs, token, interop: libs.length * tokens.length };
}

const label = (l) => (l.backend ? `${l.lib} (${l.backend})` : l.lib);

// ------------------------------------------------------------------------------- timing

let sink = 0;

/** Calls/s of `fn` over about `seconds`, in batches of `batch` calls between clock reads. */
function rateSync(fn, seconds, batch) {
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
async function rateAsync(fn, seconds, batch) {
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

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Every case: a warm-up (which also sizes its batch to about one millisecond), then `rounds`
 * interleaved rounds. Returns the median rate of each case and every round's rate.
 */
async function measure(cases, { rounds, seconds }) {
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
    process.stderr.write(`round ${r + 1}/${rounds} done\n`);
  }
  for (const c of cases) c.opsPerS = median(c.rounds);
}

// ------------------------------------------------------------------------------- overhead cases

function overheadCases(token) {
  const nv = new native.Verifier(JSON.stringify({ config: { algorithms: ["HS256"], issuer: ISS, audience: AUD }, keys: [{ alg: "HS256", secret: SECRET }] }), "native");
  const fv = new authcore.Verifier({ algorithms: ["HS256"], issuer: ISS, audience: AUD, keys: [{ alg: "HS256", secret: SECRET }], backend: "native" });
  const noop = () => 1;
  return [
    { id: "js no-op function", fn: noop },
    { id: "native version() (bare call, returns a short string)", fn: () => native.version() },
    { id: "native errorBody (returns small JSON text)", fn: () => native.errorBody("forbidden", null) },
    { id: "façade errorBody (argument checks + native call)", fn: () => authcore.errorBody("forbidden") },
    { id: "native decodeUnverified (returns JSON text)", fn: () => native.decodeUnverified(token) },
    { id: "façade decodeUnverified (+ JSON.parse: objects)", fn: () => authcore.decodeUnverified(token) },
    { id: "native Verifier.verify HS256 (JSON text)", fn: () => nv.verify(token, NOW) },
    { id: "façade Verifier.verify HS256 (+ JSON.parse)", fn: () => fv.verify(token, NOW) },
  ];
}

// ------------------------------------------------------------------------------- report

const fmt = (x) => (x === undefined ? "n/a" : Math.round(x).toLocaleString("en-US"));
const ratio = (a, b) => (a === undefined || b === undefined ? "n/a" : `${(a / b).toFixed(2)}×`);

/** Verify targets: authcore native ≥ 2× fast-jwt on HS256, ≥ 1× on the others. */
function targets(rows) {
  return rows
    .filter((r) => r.op === "verify")
    .map((r) => {
      const need = r.alg === "HS256" ? 2 : 1;
      const got = r.ops["authcore (native)"] / r.ops["fast-jwt"];
      return { alg: r.alg, target: `verify ≥ ${need}× fast-jwt`, ratio: Number(got.toFixed(3)), met: got >= need };
    });
}

function printTable(meta, rows, overhead, goals) {
  const lines = [];
  lines.push(`authcore ${meta.versions.authcore}, fast-jwt ${meta.versions["fast-jwt"]}, jose ${meta.versions.jose}, jsonwebtoken ${meta.versions.jsonwebtoken}`);
  lines.push(`Node ${meta.node}, ${meta.cpu} × ${meta.cores}, load ${meta.loadavg_start.map((x) => x.toFixed(2)).join(" ")} → ${meta.loadavg_end.map((x) => x.toFixed(2)).join(" ")}; median of ${meta.rounds} rounds × ${meta.seconds} s`);
  lines.push("");
  lines.push("| alg | op | authcore native | authcore portable | fast-jwt | jose (async) | jsonwebtoken | ÷ fast-jwt | ÷ jose | ÷ jsonwebtoken |");
  lines.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const a = r.ops["authcore (native)"];
    lines.push(
      `| ${r.alg} | ${r.op} | ${fmt(a)} | ${fmt(r.ops["authcore (portable)"])} | ${fmt(r.ops["fast-jwt"])} | ${fmt(r.ops.jose)} | ${fmt(r.ops.jsonwebtoken)} | ${ratio(a, r.ops["fast-jwt"])} | ${ratio(a, r.ops.jose)} | ${ratio(a, r.ops.jsonwebtoken)} |`,
    );
  }
  lines.push("");
  lines.push("| call | calls/s | ns/call |");
  lines.push("|---|---:|---:|");
  for (const o of overhead) lines.push(`| ${o.call} | ${fmt(o.ops_per_s)} | ${(1e9 / o.ops_per_s).toFixed(0)} |`);
  lines.push("");
  for (const g of goals) lines.push(`target ${g.alg} ${g.target}: ${g.ratio.toFixed(2)}× ${g.met ? "met" : "MISSED"}`);
  console.log(lines.join("\n"));
}

// ------------------------------------------------------------------------------- main

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const loadStart = os.loadavg();
  const algs = Object.keys(ALGS).filter((a) => args.only === null || args.only.includes(a));

  const cases = [];
  let interop = 0;
  let hsToken = null;
  for (const alg of algs) {
    const { libs, token, interop: n } = await setUp(alg);
    interop += n;
    if (alg === "HS256") hsToken = token;
    for (const op of ["verify", "sign"]) {
      for (const l of libs) {
        cases.push({ kind: "jwt", alg, op, lib: l.lib, backend: l.backend, name: label(l), async: Boolean(l.async), fn: op === "verify" ? () => l.verify(token) : l.sign });
      }
    }
  }
  if (hsToken === null) hsToken = (await setUp("HS256")).token;
  for (const o of overheadCases(hsToken)) cases.push({ kind: "overhead", name: o.id, async: false, fn: o.fn });

  if (args.smoke) {
    for (const c of cases) {
      if (c.async) await c.fn();
      else c.fn();
    }
    console.log(`bench smoke: ${cases.length} cases called once each; ${interop} cross-library verifications passed`);
    return;
  }

  await measure(cases, args);

  const rows = [];
  for (const c of cases.filter((c) => c.kind === "jwt")) {
    let row = rows.find((r) => r.alg === c.alg && r.op === c.op);
    if (!row) rows.push((row = { alg: c.alg, op: c.op, ops: {}, rounds: {} }));
    row.ops[c.name] = c.opsPerS;
    row.rounds[c.name] = c.rounds;
  }
  const overhead = cases.filter((c) => c.kind === "overhead").map((c) => ({ call: c.name, ops_per_s: c.opsPerS, rounds: c.rounds }));
  const goals = targets(rows);
  const meta = {
    harness: "bindings-node/bench/bench_jwt.mjs",
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()}-${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    loadavg_start: loadStart,
    loadavg_end: os.loadavg(),
    rounds: args.rounds,
    seconds: args.seconds,
    statistic: "median of interleaved rounds, ops/s",
    token: "every verifier times the token authcore signed; each library signs its own",
    notes: {
      jose: "async API, each call awaited",
      "fast-jwt": "cache off",
      jsonwebtoken: "keys as KeyObjects; no EdDSA support",
      authcore: "public façade (@authcore/node); backends native and portable",
    },
    versions: {
      authcore: authcore.version,
      "fast-jwt": versionOf("fast-jwt"),
      jose: versionOf("jose"),
      jsonwebtoken: versionOf("jsonwebtoken"),
    },
  };
  printTable(meta, rows, overhead, goals);
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify({ meta, jwt: rows, overhead, targets: goals }, null, 1)}\n`);
  console.log(`\nresults: ${args.json}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
