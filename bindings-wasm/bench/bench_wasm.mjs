#!/usr/bin/env node
// @authcore/wasm next to its peers, in Node and in headless Chromium, in one run.
//
// JWT sign and verify ops/s for HS256 (32-byte key), EdDSA (Ed25519), ES256 (P-256) and RS256
// (2048-bit), keys from conformance/keys, parsed once outside the timed loops by every library;
// claims sub, email, iat, exp, iss, aud; verify = signature + exp + iss + aud. Every verifier
// is timed on the same token (the one @authcore/wasm signed).
//
// * Node: @authcore/wasm (the built package, bindings-wasm/pkg) next to jose (async API, each
//   call awaited as an application does), fast-jwt (cache off, for reference) and
//   @authcore/node (napi addon, both backends) for comparison; plus the per-call cost of the
//   WASM binding (the raw wasm-bindgen calls beneath the façade and the façade calls).
// * Chromium (the system /usr/bin/chromium, headless, driven by playwright-core): a page served
//   from a loopback static server imports the package's ES module entry (browser.mjs, no
//   bundler), jose's browser build (dist/webapi, over WebCrypto) from node_modules and the
//   shared harness (bench/harness.mjs); the timing runs inside the page with
//   `performance.now()` and the results come back to this process.
//
// Before any timing every library verifies every library's token, across both sides: the page
// verifies the tokens the Node libraries made, and the Node libraries verify the page's.
// Timing: a warm-up that sizes each case's batch, then ROUNDS interleaved rounds of SECONDS
// per case; the reported rate is the median over the rounds (bench/harness.mjs, shared with
// bindings-node/bench). Results: printed tables and target/bench/wasm-node.json,
// target/bench/wasm-browser.json.
//
//     make wasm-bench          # builds both packages, installs the peers, runs this
//     node bench_wasm.mjs [--where node,browser] [--rounds N] [--seconds S] [--only alg,alg]
//                         [--json PATH] [--json-browser PATH] [--pkg DIR (a built package,
//                         default bindings-wasm/pkg; e.g. a variant built elsewhere)]
//     node bench_wasm.mjs --smoke   # every case called once, cross-checks included (make wasm-test)

import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import * as node from "../../bindings-node/js/index.mjs";
import * as fastJwt from "fast-jwt";
import * as jose from "jose";

import { ALGS, AUD, ISS, SECRET, authcoreLib, crossCheck, fastJwtLib, fmt, joseLib, jwtCases, jwtRows, measure, ratio, smoke, tokensOf } from "../../bench/harness.mjs";
import { ROOT, benchDoc, loadavg, loadPems, machine, parseArgs, versionOf, writeJson } from "../../bench/node.mjs";
import { launch, newPage, serve } from "../../conformance/js/chromium.mjs";

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = join(HERE, "node_modules");
const USAGE =
  "usage: node bench_wasm.mjs [--smoke] [--where node,browser] [--rounds N] [--seconds S] [--only HS256,EdDSA,ES256,RS256] [--json PATH] [--json-browser PATH] [--pkg DIR]";

const NOW = Math.floor(Date.now() / 1000);
const PEMS = loadPems();
const WASM = "@authcore/wasm";

/** The package under test (--pkg) and its Node entry, set by `main`. */
let PKG = join(HERE, "..", "pkg");
let wasm;

// ------------------------------------------------------------------------------- Node side

/** The Node libraries of one algorithm, keys parsed once; @authcore/wasm first. */
async function nodeLibs(alg) {
  return [
    authcoreLib(wasm, alg, PEMS, { lib: WASM, now: NOW }),
    authcoreLib(node, alg, PEMS, { lib: "@authcore/node", backend: "native", now: NOW }),
    authcoreLib(node, alg, PEMS, { lib: "@authcore/node", backend: "portable", now: NOW }),
    await joseLib(jose, alg, PEMS, { now: NOW }),
    fastJwtLib(fastJwt, alg, PEMS, { now: NOW }),
  ];
}

/** The bare per-call cost of the WASM binding: raw wasm-bindgen calls and the façade over them. */
function overheadCases(token) {
  const glue = require(join(PKG, "wasm", "authcore.cjs"));
  const keys = [{ alg: "HS256", secret: SECRET }];
  const raw = new glue.Verifier(JSON.stringify({ config: { algorithms: ["HS256"], issuer: ISS, audience: AUD }, keys }), null);
  const facade = new wasm.Verifier({ algorithms: ["HS256"], issuer: ISS, audience: AUD, keys });
  return [
    { id: "js no-op function", fn: () => 1 },
    { id: "wasm version() (bare call, returns a short string)", fn: () => glue.version() },
    { id: "wasm errorBody (returns small JSON text)", fn: () => glue.errorBody("forbidden", null) },
    { id: "façade errorBody (argument checks + wasm call)", fn: () => wasm.errorBody("forbidden") },
    { id: "wasm decodeUnverified (returns JSON text)", fn: () => glue.decodeUnverified(token) },
    { id: "façade decodeUnverified (+ JSON.parse: objects)", fn: () => wasm.decodeUnverified(token) },
    { id: "wasm Verifier.verify HS256 (JSON text)", fn: () => raw.verify(token, NOW) },
    { id: "façade Verifier.verify HS256 (+ JSON.parse)", fn: () => facade.verify(token, NOW) },
  ].map((o) => ({ kind: "overhead", name: o.id, async: false, fn: o.fn }));
}

// ------------------------------------------------------------------------------- Chromium side

/**
 * Runs inside the page (serialised by playwright): builds @authcore/wasm and jose for each
 * algorithm, verifies the Node side's tokens and its own, then times every case (or calls each
 * once with `smoke`). Returns its tokens, the cross-check count and each case's rates.
 */
async function inPage({ algs, pems, now, nodeTokens, smoke: smokeOnly, rounds, seconds }) {
  const h = await import("/bench/harness.mjs");
  const api = await import("/pkg/browser.mjs");
  const jose = await import("/jose/index.js");
  const cases = [];
  const tokens = {};
  let interop = 0;
  for (const alg of algs) {
    const libs = [h.authcoreLib(api, alg, pems, { lib: "@authcore/wasm", now }), await h.joseLib(jose, alg, pems, { now })];
    const own = await h.tokensOf(libs);
    interop += await h.crossCheck(alg, libs, [...own, ...nodeTokens[alg]]);
    tokens[alg] = own;
    cases.push(...h.jwtCases(alg, libs, own[0].token));
  }
  if (smokeOnly) await h.smoke(cases);
  else await h.measure(cases, { rounds, seconds, onRound: (r) => console.log(`bench: round ${r}/${rounds} done`) });
  return {
    agent: navigator.userAgent,
    tokens,
    interop,
    cases: cases.map(({ kind, alg, op, lib, backend, name, rounds, opsPerS }) => ({ kind, alg, op, lib, backend, name, rounds, opsPerS })),
  };
}

/** Serves the page, runs `inPage` in headless Chromium, returns its result. */
async function runBrowser(args, algs, nodeTokens) {
  const server = await serve(
    {
      "/pkg/": PKG,
      "/jose/": join(NODE_MODULES, "jose", "dist", "webapi"),
      "/bench/": join(ROOT, "bench"),
    },
    { "/": { type: "text/html; charset=utf-8", body: "<!doctype html><title>authcore wasm bench</title>" } },
  );
  const browser = await launch();
  try {
    const page = await newPage(browser);
    page.on("console", (m) => {
      if (m.text().startsWith("bench:")) process.stderr.write(`chromium ${m.text().slice(7)}\n`);
    });
    await page.goto(`${server.origin}/`);
    try {
      return {
        version: browser.version(),
        ...(await page.evaluate(inPage, { algs, pems: PEMS, now: NOW, nodeTokens, smoke: args.smoke, rounds: args.rounds, seconds: args.seconds })),
      };
    } catch (e) {
      throw new Error(`the benchmark page failed: ${e.message}\n${page.problems.join("\n")}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

// ------------------------------------------------------------------------------- report

/** Targets: Node HS256 verify ≥ 5× jose; Chromium HS256 and EdDSA verify ≥ 2× jose. */
function targets(rows, where) {
  const goals = where === "node" ? { HS256: 5 } : { HS256: 2, EdDSA: 2 };
  return rows
    .filter((r) => r.op === "verify" && r.alg in goals)
    .map((r) => {
      const got = r.ops[WASM] / r.ops.jose;
      return { alg: r.alg, target: `verify ≥ ${goals[r.alg]}× jose`, ratio: Number(got.toFixed(3)), met: got >= goals[r.alg] };
    });
}

function table(rows, columns, peers) {
  const lines = [];
  lines.push(`| alg | op | ${columns.join(" | ")} | ${peers.map((p) => `${WASM} ÷ ${p}`).join(" | ")} |`);
  lines.push(`|---|---|${columns.map(() => "---:").join("|")}|${peers.map(() => "---:").join("|")}|`);
  for (const r of rows) {
    const a = r.ops[WASM];
    lines.push(`| ${r.alg} | ${r.op} | ${columns.map((c) => fmt(r.ops[c])).join(" | ")} | ${peers.map((p) => ratio(a, r.ops[p])).join(" | ")} |`);
  }
  return lines;
}

function print(title, meta, rows, columns, peers, goals, overhead = []) {
  const lines = [`== ${title}`];
  lines.push(Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(", "));
  lines.push(`${meta.runtime}, ${meta.cpu} × ${meta.cores}, load ${meta.loadavg_start.map((x) => x.toFixed(2)).join(" ")} → ${meta.loadavg_end.map((x) => x.toFixed(2)).join(" ")}; median of ${meta.rounds} rounds × ${meta.seconds} s`);
  lines.push("", ...table(rows, columns, peers));
  if (overhead.length > 0) {
    lines.push("", "| call | calls/s | ns/call |", "|---|---:|---:|");
    for (const o of overhead) lines.push(`| ${o.call} | ${fmt(o.ops_per_s)} | ${(1e9 / o.ops_per_s).toFixed(0)} |`);
  }
  lines.push("");
  for (const g of goals) lines.push(`target ${g.alg} ${g.target}: ${g.ratio.toFixed(2)}× ${g.met ? "met" : "MISSED"}`);
  console.log(lines.join("\n"));
}

// ------------------------------------------------------------------------------- main

async function main() {
  const args = parseArgs(process.argv.slice(2), { usage: USAGE, defaultJson: "wasm-node.json", extra: { "--where": "node,browser", "--json-browser": null, "--pkg": PKG } });
  PKG = resolve(args.pkg);
  wasm = await import(pathToFileURL(join(PKG, "node.mjs")).href);
  const where = args.where.split(",");
  for (const w of where) if (w !== "node" && w !== "browser") throw new Error(`--where: unknown ${w}\n${USAGE}`);
  if (args["json-browser"] === null && !args.smoke) args["json-browser"] = join(ROOT, "target", "bench", "wasm-browser.json");
  const algs = ALGS.filter((a) => args.only === null || args.only.includes(a));
  const loadStart = loadavg();

  // Node libraries: cross-check among themselves, and keep their tokens for the page.
  const cases = [];
  const nodeSide = {};
  const nodeTokens = {};
  let interop = 0;
  for (const alg of algs) {
    const libs = await nodeLibs(alg);
    const tokens = await tokensOf(libs);
    interop += await crossCheck(alg, libs, tokens);
    nodeSide[alg] = libs;
    nodeTokens[alg] = tokens;
    cases.push(...jwtCases(alg, libs, tokens[0].token));
  }
  const hsToken = (nodeTokens.HS256 ?? (await tokensOf([authcoreLib(wasm, "HS256", PEMS, { lib: WASM, now: NOW })])))[0].token;
  cases.push(...overheadCases(hsToken));

  const versions = {
    [WASM]: wasm.version,
    "@authcore/node": node.version,
    jose: versionOf(NODE_MODULES, "jose"),
    "fast-jwt": versionOf(NODE_MODULES, "fast-jwt"),
    node: process.version,
  };
  const common = {
    date: new Date().toISOString(),
    ...machine(),
    loadavg_start: loadStart,
    rounds: args.rounds,
    seconds: args.seconds,
    statistic: "median of interleaved rounds, ops/s",
    token: "every verifier times the token @authcore/wasm signed; each library signs its own",
  };

  if (where.includes("node")) {
    if (args.smoke) {
      await smoke(cases);
      const meta = { harness: "bindings-wasm/bench/bench_wasm.mjs (Node)", ...common, rounds: 1, seconds: 0, runtime: `Node ${process.version}`, versions };
      if (args.json) writeJson(args.json, benchDoc({ name: "wasm-node", harness: meta.harness, smoke: true, meta, cases }));
    } else {
      await measure(cases, { ...args, onRound: (r) => process.stderr.write(`node round ${r}/${args.rounds} done\n`) });
      const rows = jwtRows(cases);
      const overhead = cases.filter((c) => c.kind === "overhead").map((c) => ({ call: c.name, ops_per_s: c.opsPerS, rounds: c.rounds }));
      const goals = targets(rows, "node");
      const meta = {
        harness: "bindings-wasm/bench/bench_wasm.mjs (Node)",
        ...common,
        runtime: `Node ${process.version}`,
        loadavg_end: loadavg(),
        notes: {
          [WASM]: `the built package's Node entry (${PKG}/node.mjs); portable (pure-Rust) crypto`,
          "@authcore/node": "napi addon through its façade, backends native and portable",
          jose: "async API, each call awaited; keys imported once (HS256 as a CryptoKey)",
          "fast-jwt": "cache off",
        },
        versions,
      };
      const columns = [WASM, "@authcore/node (native)", "@authcore/node (portable)", "jose", "fast-jwt"];
      print("@authcore/wasm in Node", meta, rows, columns, ["jose", "fast-jwt", "@authcore/node (native)"], goals, overhead);
      writeJson(args.json, benchDoc({ name: "wasm-node", harness: meta.harness, smoke: false, meta, cases, extra: { jwt: rows, overhead, targets: goals } }));
      console.log(`results: ${args.json}\n`);
    }
  }

  let browserCases = 0;
  if (where.includes("browser")) {
    const browserLoadStart = loadavg();
    const out = await runBrowser(args, algs, nodeTokens);
    browserCases = out.cases.length;
    // The Node libraries verify the page's tokens too.
    for (const alg of algs) interop += await crossCheck(alg, nodeSide[alg], out.tokens[alg].map((t) => ({ from: `${t.from} in Chromium`, token: t.token })));
    interop += out.interop;
    const browserVersions = { [WASM]: versions[WASM], jose: versions.jose, chromium: out.version };
    if (args.smoke && args["json-browser"]) {
      const meta = { harness: "bindings-wasm/bench/bench_wasm.mjs (Chromium)", ...common, rounds: 1, seconds: 0, runtime: `Chromium ${out.version} (headless)`, versions: browserVersions };
      writeJson(args["json-browser"], benchDoc({ name: "wasm-browser", harness: meta.harness, smoke: true, meta, cases: out.cases }));
    }
    if (!args.smoke) {
      const rows = jwtRows(out.cases);
      const goals = targets(rows, "browser");
      const meta = {
        harness: "bindings-wasm/bench/bench_wasm.mjs (Chromium)",
        ...common,
        runtime: `Chromium ${out.version} (headless)`,
        loadavg_start: browserLoadStart,
        user_agent: out.agent,
        loadavg_end: loadavg(),
        notes: {
          [WASM]: "the package's ES module entry (browser.mjs) loaded by the page, no bundler",
          jose: "browser build (dist/webapi) over WebCrypto; async API, each call awaited; keys imported once",
          timing: "inside the page with performance.now()",
        },
        versions: browserVersions,
      };
      print("@authcore/wasm in Chromium", meta, rows, [WASM, "jose"], ["jose"], goals);
      writeJson(args["json-browser"], benchDoc({ name: "wasm-browser", harness: meta.harness, smoke: false, meta, cases: out.cases, extra: { jwt: rows, targets: goals } }));
      console.log(`results: ${args["json-browser"]}`);
    }
  }

  if (args.smoke) {
    const n = where.includes("node") ? cases.length : 0;
    console.log(`wasm bench smoke: ${n} Node cases and ${browserCases} Chromium cases called once each; ${interop} cross-library verifications passed`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
