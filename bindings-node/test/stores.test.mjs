// Token stores: compare-and-swap on the generation, the file's mode and atomic replace, and
// processes racing on one file.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { AuthError, MemoryTokenStore } from "../js/index.mjs";
import { FileTokenStore } from "../js/stores.mjs";
import { stored } from "./loopback.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), "authcore-store-"));

for (const [name, make] of [
  ["FileTokenStore", (dir) => new FileTokenStore(path.join(dir, "t.json"))],
  ["MemoryTokenStore", () => new MemoryTokenStore()],
]) {
  test(`${name}: compare-and-swap on the generation`, async () => {
    const store = make(await tmp());
    assert.equal(await store.load(), null);
    assert.equal(await store.save(stored({ generation: 1 }), 5), false); // the empty store holds 0
    assert.equal(await store.save(stored({ generation: 1 }), 0), true);
    assert.equal(await store.save(stored({ access: "x", generation: 2 }), 0), false); // a stale writer loses
    assert.equal((await store.load()).tokens.access_token, "at-1");
    assert.equal(await store.save(stored({ access: "y", generation: 2 }), 1), true);
    assert.equal((await store.load()).generation, 2);
    // A malformed document is refused before anything changes.
    await assert.rejects(async () => store.save({ version: 1, generation: 3 }, 2), (e) => e instanceof TypeError || e instanceof AuthError);
    assert.equal((await store.load()).tokens.access_token, "y");
    assert.ok(!String(store).includes("at-") && !String(store).includes("rt-"));
  });
}

test("FileTokenStore: mode 0600, directory 0700, no temporary file left, ~ expanded", async () => {
  const dir = await tmp();
  const store = new FileTokenStore(path.join(dir, "sub", "t.json"));
  assert.equal(await store.save(stored(), 0), true);
  assert.equal((await fs.stat(store.path)).mode & 0o777, 0o600);
  assert.equal((await fs.stat(path.join(dir, "sub"))).mode & 0o777, 0o700);
  assert.deepEqual(await fs.readdir(path.join(dir, "sub")), ["t.json"]);
  assert.equal(new FileTokenStore("~/x.json").path, path.join(os.homedir(), "x.json"));
});

test("FileTokenStore: a corrupt file is state_corrupt", async () => {
  const dir = await tmp();
  const store = new FileTokenStore(path.join(dir, "t.json"));
  await fs.writeFile(store.path, "{garbage", { mode: 0o600 });
  await assert.rejects(store.load(), (e) => e instanceof AuthError && e.code === "state_corrupt");
  await assert.rejects(store.save(stored(), 0), (e) => e instanceof AuthError && e.code === "state_corrupt");
});

test("FileTokenStore: saves from one process are serialised", async () => {
  const store = new FileTokenStore(path.join(await tmp(), "t.json"));
  const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => store.save(stored({ access: `at-${i}` }), 0)));
  assert.equal(wins.filter(Boolean).length, 1);
});

test("FileTokenStore: eight processes racing with one expected generation, exactly one wins", async () => {
  const dir = await tmp();
  const file = path.join(dir, "t.json");
  assert.equal(await new FileTokenStore(file).save(stored({ generation: 1 }), 0), true);
  const start = Date.now() + 1000; // every child saves at the same moment
  const script = `
    import { FileTokenStore } from ${JSON.stringify(path.join(here, "..", "js", "stores.mjs"))};
    import { stored } from ${JSON.stringify(path.join(here, "loopback.mjs"))};
    const doc = stored({ access: "at-" + process.pid, generation: 2 });
    while (Date.now() < ${start}) {}
    const won = await new FileTokenStore(${JSON.stringify(file)}).save(doc, 1);
    process.stdout.write(won ? "won" : "lost");
  `;
  const outputs = await Promise.all(Array.from({ length: 8 }, () => run(script)));
  assert.equal(outputs.filter((o) => o === "won").length, 1, outputs.join(","));
  assert.equal(outputs.filter((o) => o === "lost").length, 7, outputs.join(","));
  const final = await new FileTokenStore(file).load();
  assert.equal(final.generation, 2);
  assert.deepEqual(await fs.readdir(dir), ["t.json"]); // no lock or temporary file left
});

test("FileTokenStore: a lock left by a dead process is broken; a live one is waited for", async () => {
  const dir = await tmp();
  const store = new FileTokenStore(path.join(dir, "t.json"), { lockTimeoutMs: 300 });
  const dead = await new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", ""]);
    child.on("exit", () => resolve(child.pid));
  });
  await fs.writeFile(store.lockPath, JSON.stringify({ host: os.hostname(), pid: dead, nonce: "dead" }));
  assert.equal(await store.save(stored(), 0), true);
  await fs.writeFile(store.lockPath, JSON.stringify({ host: os.hostname(), pid: process.pid, nonce: "live" }));
  await assert.rejects(store.save(stored({ generation: 2 }), 1), /timed out/);
  assert.equal((await store.load()).generation, 1);
  await fs.unlink(store.lockPath);
  const old = new Date(Date.now() - 60_000);
  await fs.writeFile(store.lockPath, JSON.stringify({ host: "elsewhere", pid: 1, nonce: "old" }));
  await fs.utimes(store.lockPath, old, old);
  assert.equal(await store.save(stored({ generation: 2 }), 1), true); // older than staleLockSeconds
});

function run(script) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
  });
}
