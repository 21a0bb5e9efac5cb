#!/usr/bin/env node
// @authcore/node next to fast-jwt, jose and jsonwebtoken: same machine, same process, same run.
//
// JWT sign and verify ops/s for HS256 (32-byte key), EdDSA (Ed25519), ES256 (P-256) and RS256
// (2048-bit), keys from conformance/keys, parsed once outside the timed loops by every library.
// Claims: sub, email, iat, exp, iss, aud; verify = signature + exp + iss + aud. authcore runs
// through the public façade with both crypto backends (native is the headline); fast-jwt with
// its cache off; jose through its async API, each call awaited (that is how it is used, and
// its cost is part of the number; its HS256 key imported once as a CryptoKey); jsonwebtoken
// (no EdDSA support: n/a). Before any timing,
// every library verifies every other library's token once (interop sanity). Every verifier is
// timed on the same token (the one authcore signed).
//
// Plus the bare per-call cost of the binding: the raw native calls beneath the façade and the
// façade calls over them.
//
// Timing: a warm-up pass, then ROUNDS interleaved rounds (every case once per round, in the
// same order), each case timed for SECONDS; the reported rate is the median over the rounds.
// Results: a printed table and a JSON file (default target/bench/node.json; with --smoke only
// when --json is given), in the shape every harness writes (bench/report.py reads it). The fixtures,
// library adapters, cross-checks and timing are bench/harness.mjs, shared with the WASM
// benchmark (bindings-wasm/bench).
//
//     make node-bench                          # builds the addon, installs the peers, runs this
//     node bench_jwt.mjs [--rounds N] [--seconds S] [--json PATH] [--only alg,alg]
//     node bench_jwt.mjs --smoke               # one call of each case, no timing (make node-test)

import { createRequire } from "node:module";
import { createPrivateKey, createPublicKey, createSecretKey } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as authcore from "../js/index.mjs";
import * as fastJwt from "fast-jwt";
import * as jose from "jose";
import jsonwebtoken from "jsonwebtoken";

import { ALGS, AUD, ISS, SECRET, authcoreLib, claimsAt, crossCheck, fastJwtLib, fmt, joseLib, jwtCases, jwtRows, measure, ratio, smoke, tokensOf } from "../../bench/harness.mjs";
import { benchDoc, loadavg, loadPems, machine, parseArgs, versionOf, writeJson } from "../../bench/node.mjs";

const require = createRequire(import.meta.url);
const native = require("../js/native.cjs");

const HERE = dirname(fileURLToPath(import.meta.url));
const USAGE = "usage: node bench_jwt.mjs [--smoke] [--rounds N] [--seconds S] [--json PATH] [--only HS256,EdDSA,ES256,RS256]";

// ------------------------------------------------------------------------------- fixtures

const NOW = Math.floor(Date.now() / 1000);
const PEMS = loadPems();

/** jsonwebtoken (no EdDSA). Keys as KeyObjects, so no PEM is parsed per call. */
function jsonwebtokenLib(alg) {
  const hmac = alg === "HS256";
  const signKey = hmac ? createSecretKey(Buffer.from(SECRET)) : createPrivateKey(PEMS[alg].sign);
  const verifyKey = hmac ? createSecretKey(Buffer.from(SECRET)) : createPublicKey(PEMS[alg].verify);
  const opts = { algorithms: [alg], issuer: ISS, audience: AUD, clockTimestamp: NOW };
  const claims = claimsAt(NOW);
  return {
    lib: "jsonwebtoken",
    sign: () => jsonwebtoken.sign(claims, signKey, { algorithm: alg }),
    verify: (token) => jsonwebtoken.verify(token, verifyKey, opts),
  };
}

/** One algorithm's signers and verifiers, every key parsed once here, cross-checked. */
async function setUp(alg) {
  const libs = [];
  for (const backend of ["native", "portable"]) libs.push(authcoreLib(authcore, alg, PEMS, { backend, now: NOW }));
  libs.push(fastJwtLib(fastJwt, alg, PEMS, { now: NOW }));
  libs.push(await joseLib(jose, alg, PEMS, { now: NOW }));
  if (alg !== "EdDSA") libs.push(jsonwebtokenLib(alg));
  // Interop: every library verifies every library's token (and its own), once.
  const tokens = await tokensOf(libs);
  const interop = await crossCheck(alg, libs, tokens);
  // Every verifier is timed on the same token: authcore's.
  return { libs, token: tokens[0].token, interop };
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
  const args = parseArgs(process.argv.slice(2), { usage: USAGE, defaultJson: "node.json" });
  const loadStart = loadavg();
  const algs = ALGS.filter((a) => args.only === null || args.only.includes(a));

  const cases = [];
  let interop = 0;
  let hsToken = null;
  for (const alg of algs) {
    const { libs, token, interop: n } = await setUp(alg);
    interop += n;
    if (alg === "HS256") hsToken = token;
    cases.push(...jwtCases(alg, libs, token));
  }
  if (hsToken === null) hsToken = (await setUp("HS256")).token;
  for (const o of overheadCases(hsToken)) cases.push({ kind: "overhead", name: o.id, async: false, fn: o.fn });

  const nm = join(HERE, "node_modules");
  const versions = {
    authcore: authcore.version,
    node: process.version,
    "fast-jwt": versionOf(nm, "fast-jwt"),
    jose: versionOf(nm, "jose"),
    jsonwebtoken: versionOf(nm, "jsonwebtoken"),
  };
  if (args.smoke) {
    await smoke(cases);
    const meta = { harness: "bindings-node/bench/bench_jwt.mjs", date: new Date().toISOString(), ...machine(), rounds: 1, seconds: 0, interop_checks: interop, versions };
    if (args.json) writeJson(args.json, benchDoc({ name: "node", harness: meta.harness, smoke: true, meta, cases }));
    console.log(`bench smoke: ${cases.length} cases called once each; ${interop} cross-library verifications passed`);
    return;
  }

  await measure(cases, { ...args, onRound: (r) => process.stderr.write(`round ${r}/${args.rounds} done\n`) });

  const rows = jwtRows(cases);
  const overhead = cases.filter((c) => c.kind === "overhead").map((c) => ({ call: c.name, ops_per_s: c.opsPerS, rounds: c.rounds }));
  const goals = targets(rows);
  const meta = {
    harness: "bindings-node/bench/bench_jwt.mjs",
    date: new Date().toISOString(),
    ...machine(),
    loadavg_start: loadStart,
    loadavg_end: loadavg(),
    rounds: args.rounds,
    seconds: args.seconds,
    statistic: "median of interleaved rounds, ops/s",
    token: "every verifier times the token authcore signed; each library signs its own",
    notes: {
      jose: "async API, each call awaited; HS256 key imported once as a CryptoKey",
      "fast-jwt": "cache off",
      jsonwebtoken: "keys as KeyObjects; no EdDSA support",
      authcore: "public façade (@authcore/node); backends native and portable",
    },
    interop_checks: interop,
    versions,
  };
  printTable(meta, rows, overhead, goals);
  writeJson(args.json, benchDoc({ name: "node", harness: meta.harness, smoke: false, meta, cases, extra: { jwt: rows, overhead, targets: goals } }));
  console.log(`\nresults: ${args.json}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
