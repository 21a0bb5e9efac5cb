// Garbage into every entry point, one subprocess per entry point (see garbage-worker.mjs; the
// cases are garbage-cases.mjs): wrong types, huge strings, deep objects, `__proto__` keys,
// throwing getters and proxies, typed arrays where strings are expected, malformed JSON, random
// bytes. Only TypeError / AuthError; the module works afterwards; exit code 0.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { api } from "./module.mjs";
import { entries } from "./garbage-cases.mjs";

const WORKER = fileURLToPath(new URL("./garbage-worker.mjs", import.meta.url));

function runWorker(entry) {
  return new Promise((resolve) => {
    execFile(process.execPath, [WORKER, entry], { env: process.env, maxBuffer: 1 << 24, timeout: 600_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? error.signal) : 0, stderr });
    });
  });
}

test("garbage into every entry point: only TypeError / AuthError, no crash", async () => {
  const all = entries(api);
  assert.ok(all.length > 90, `found ${all.length} entry points`);
  const failures = [];
  const queue = [...all];
  const workers = Array.from({ length: 2 }, async () => {
    for (let e = queue.shift(); e !== undefined; e = queue.shift()) {
      const { code, stderr } = await runWorker(e);
      if (code !== 0) failures.push(`${e} (exit ${code}): ${stderr.slice(0, 2000)}`);
    }
  });
  await Promise.all(workers);
  assert.deepEqual(failures, []);
});
