// The vault: seal/open, refusals as AuthError codes, rotation, and the master key file helper.

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { AuthError, Vault, generateMasterKey, masterKeyFromBytes, parseMasterKey, readiness } from "../js/index.mjs";
import { FileKeyStore } from "../js/stores.mjs";

const K1 = masterKeyFromBytes("k1", new Uint8Array(32).map((_, i) => i));
const K2 = generateMasterKey("k2");
const RECORD = { provider: "github", credential: { type: "api_key", key: "sk-s3cret" } };

const code = (f) => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof AuthError);
    assert.ok(!e.message.includes("s3cret"));
    return e.code;
  }
  assert.fail("expected an AuthError");
};

test("Vault: seal, open, refusals", () => {
  const v = new Vault([K1]);
  assert.equal(v.currentKid, "k1");
  assert.deepEqual(v.kids, ["k1"]);
  const sealed = v.seal(RECORD, "connection:github/default");
  assert.equal(sealed.alg, "XChaCha20-Poly1305");
  assert.ok(!JSON.stringify(sealed).includes("s3cret"));
  assert.deepEqual(v.open(sealed, "connection:github/default"), RECORD);
  assert.equal(code(() => v.open(sealed, "connection:github/work")), "state_corrupt");
  assert.equal(code(() => new Vault([K2]).open(sealed, "connection:github/default")), "invalid_key");
  assert.equal(code(() => v.open({ ...sealed, v: 2 }, "connection:github/default")), "state_version_unsupported");
  assert.equal(code(() => parseMasterKey("nope")), "invalid_key");
  assert.deepEqual(parseMasterKey(K2), { kid: "k2" });
  assert.throws(() => new Vault("nope"), TypeError);
  assert.equal(Object.prototype.toString.call(v), "[object Vault]");
});

test("Vault: rotation", () => {
  const sealed = new Vault([K1]).seal({ n: 1 }, "c");
  const both = new Vault([K2, K1]);
  assert.equal(both.needsReseal(sealed), true);
  const resealed = both.reseal(sealed, "c");
  assert.equal(resealed.kid, "k2");
  assert.equal(both.needsReseal(resealed), false);
  assert.deepEqual(new Vault([K2]).open(resealed, "c"), { n: 1 });
});

test("FileKeyStore: 0600, atomic, readiness report", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "authcore-vault-"));
  const store = new FileKeyStore(path.join(dir, "home", "master.key"));
  assert.equal(await store.load(), null);
  assert.equal((await store.report()).error, "missing");
  const text = await store.loadOrCreate("k1");
  assert.equal(await store.loadOrCreate(), text);
  assert.equal(await store.mode(), 0o600);
  assert.deepEqual(await fs.readdir(path.dirname(store.path)), ["master.key"]);
  assert.deepEqual(await store.report(), { path: store.path, mode: 0o600 });
  assert.equal(readiness([], [], [await store.report()]).components.vault.status, "ok");
  await fs.chmod(store.path, 0o644);
  const r = readiness([], [], [await store.report()]);
  assert.equal(r.status, "degraded");
  assert.match(r.warnings[0], /has mode 0644 instead of 0600\.$/);
  await fs.writeFile(store.path, "garbage");
  assert.equal((await store.report()).error, "invalid_key");
  await assert.rejects(store.save("garbage"), (e) => e instanceof AuthError && e.code === "invalid_key");
  await fs.rm(dir, { recursive: true });
});
