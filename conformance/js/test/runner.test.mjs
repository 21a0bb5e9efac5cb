// The JS conformance runner fails what it must: an unknown operation, a wrong output (value,
// JSON type, an extra member), a wrong error code, a missing error, a case object never
// created; and passes the control cases. Runs against the module named by
// AUTHCORE_TEST_MODULE (default: the built package directory `bindings-node`), on the
// backends in AUTHCORE_TEST_BACKENDS (default both), so the WASM column can reuse it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

import { camel, loadModule, loadVectors, runAll, same, summary } from "../runner.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..", "..");
const MODULE = process.env.AUTHCORE_TEST_MODULE || join(ROOT, "bindings-node");
const BACKENDS = (process.env.AUTHCORE_TEST_BACKENDS ?? "native,portable").split(",");
const FIXTURES = join(HERE, "vectors");
const OPS = JSON.parse(readFileSync(join(ROOT, "conformance", "ops.json"), "utf8"));

const api = await loadModule(MODULE);
const vectors = await loadVectors(FIXTURES);
const { tally, failures } = runAll(api, vectors, { ops: OPS, backends: BACKENDS, name: "t" });

/** The failure lines of one fixture case (one per backend). */
function failuresOf(name) {
  return failures.filter((f) => f.includes(`/ ${name}:`));
}

function assertFails(name, pattern) {
  const got = failuresOf(name);
  assert.equal(got.length, BACKENDS.length, `${name} fails on every backend: ${got.join("\n")}`);
  for (const line of got) assert.match(line, pattern);
}

test("control cases pass: an output, an error code, a null member", () => {
  for (const name of ["pass-freshness", "pass-error-code", "pass-null-output"]) {
    assert.deepEqual(failuresOf(name), [], name);
  }
});

test("an unknown operation fails the case", () => {
  assertFails("fail-unknown-op", /step 0 \(jwt\.frobnicate\): unknown operation `jwt\.frobnicate`/);
});

test("a wrong output fails the case: value, JSON type, extra member", () => {
  assertFails("fail-wrong-output", /output mismatch\n {2}want: \{"freshness":"expired"\}\n {2}got: {2}\{"freshness":"fresh"\}/);
  assertFails("fail-wrong-type", /output mismatch/);
  assertFails("fail-extra-member", /output mismatch/);
});

test("a wrong error code fails the case, and so does an output where an error was expected", () => {
  assertFails("fail-wrong-error-code", /error mismatch: want \{"code":"invalid_input"\}, got state_corrupt/);
  assertFails("fail-error-expected", /expected an error \{"code":"state_corrupt"\}, got output/);
});

test("a step on a case object no step created fails the case", () => {
  assertFails("fail-no-case-object", /no driver: create it first/);
});

test("each backend is counted on its own", () => {
  for (const backend of BACKENDS) assert.deepEqual(tally[backend], { fixture: [3, 10] });
  const { line, ok } = summary(tally, "t");
  const col = (n, b) => (BACKENDS.length === 1 ? n : `${n}-${b}`);
  assert.equal(line, BACKENDS.map((b) => `${col("t", b)} 3/10`).join("; "));
  assert.equal(ok, false);
});

test("a runner with one backend is one column named after the runner", () => {
  const one = { portable: { fixture: [10, 10] } };
  assert.deepEqual(summary(one, "wasm"), { line: "wasm 10/10", ok: true });
  const r = spawnSync(process.execPath, [join(HERE, "..", "runner.mjs"), "--module", MODULE, "--name", "wasm", "--backends", "portable", FIXTURES], {
    encoding: "utf8",
  });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout.trim(), "wasm 3/10");
  assert.match(r.stderr, /FAIL \[wasm\] runner\.json \/ fail-unknown-op: /);
});

test("the CLI exits 1 on failures and prints the summary line", () => {
  const r = spawnSync(process.execPath, [join(HERE, "..", "runner.mjs"), "--module", MODULE, "--backends", BACKENDS.join(","), FIXTURES], {
    encoding: "utf8",
  });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout.trim(), BACKENDS.map((b) => `${BACKENDS.length === 1 ? "node" : `node-${b}`} 3/10`).join("; "));
  assert.match(r.stderr, /FAIL \[node(-\w+)?\] runner\.json \/ fail-unknown-op: /);
});

test("strict JSON equality: booleans are not numbers, undefined members are absent", () => {
  assert.equal(same(true, 1), false);
  assert.equal(same(0, false), false);
  assert.equal(same(null, undefined), false);
  assert.equal(same([], {}), false);
  assert.equal(same({ a: 1, b: undefined }, { a: 1 }), true);
  assert.equal(same({ a: 1 }, { a: 1, b: null }), false);
  assert.equal(same({ a: [1, "x", { b: true }] }, { a: [1, "x", { b: true }] }), true);
});

test("the naming rule camelCases Python names only at underscores before a letter", () => {
  assert.equal(camel("handle_response"), "handleResponse");
  assert.equal(camel("user_to_load"), "userToLoad");
  assert.equal(camel("max_token_bytes"), "maxTokenBytes");
  assert.equal(camel("routes"), "routes");
});
