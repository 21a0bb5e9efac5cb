// The adapters' entry points: ESM and CommonJS give the same objects; the shared module has
// no host-specific imports (it runs in browsers as is); the generated CommonJS twins are current.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import * as esm from "@authcore/node";
import * as esmExpress from "@authcore/node/express";
import * as esmStores from "@authcore/node/stores";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

test("require and import give the same adapters", () => {
  const cjs = require("@authcore/node");
  for (const name of ["authFetch", "deviceLogin", "printPrompt", "MemoryTokenStore"]) {
    assert.equal(typeof esm[name], "function", name);
    assert.equal(cjs[name], esm[name], name);
  }
  const stores = require("@authcore/node/stores");
  assert.equal(stores.MemoryTokenStore, esm.MemoryTokenStore);
  assert.equal(typeof stores.FileTokenStore, "function");
  assert.equal(esmStores.MemoryTokenStore, esm.MemoryTokenStore);
  const express = require("@authcore/node/express");
  assert.deepEqual(Object.keys(express).sort(), Object.keys(esmExpress).sort());
  assert.deepEqual(Object.keys(express).sort(), ["authenticate", "fastifyGate", "gateMiddleware", "mcpServerMiddleware", "requestRecord"]);
});

test("the shared adapters module imports nothing (browsers run it as is)", () => {
  const source = readFileSync(path.join(here, "..", "js", "adapters.mjs"), "utf8");
  assert.doesNotMatch(source, /^\s*import\b/m);
  assert.doesNotMatch(source, /\brequire\(|\bprocess\.|\bBuffer\b/);
});

test("the CommonJS twins are generated from the current sources", () => {
  execFileSync(process.execPath, [path.join(here, "..", "tools", "gen-cjs-adapters.mjs"), "--check"], { stdio: "pipe" });
});

test("the adapters' declarations compile under tsc --strict and reject misspellings", () => {
  const tsc = path.join(here, "..", "node_modules", "typescript", "bin", "tsc");
  const cwd = path.join(here, "..");
  execFileSync(process.execPath, [tsc, "-p", path.join(here, "tsconfig.adapters.json")], { cwd, stdio: "pipe" });
  let output = "";
  try {
    execFileSync(process.execPath, [tsc, "-p", path.join(here, "tsconfig.adapters-negative.json")], { cwd, stdio: "pipe" });
  } catch (e) {
    output = String(e.stdout);
  }
  assert.match(output, /tokenEndpont/);
  assert.match(output, /clientID/);
  assert.match(output, /negative-adapters\.ts\(7,/);
});

test("the ESM source (what the WASM package uses) drives a refresh as the CJS twin does", async () => {
  const { createAdapters } = await import("../js/adapters.mjs");
  const { startApi, stored } = await import("./loopback.mjs");
  const adapters = createAdapters(require("@authcore/node"));
  const api = await startApi();
  try {
    api.access = "at-revoked";
    const store = new adapters.MemoryTokenStore(stored());
    const f = adapters.authFetch({ tokenEndpoint: `${api.base}/token`, apiOrigins: [api.base] }, store);
    const r = await f(`${api.base}/api/me`);
    assert.equal(r.status, 200);
    assert.equal(api.refreshes, 1);
    assert.equal(store.load().generation, 2);
  } finally {
    await api.close();
  }
});
