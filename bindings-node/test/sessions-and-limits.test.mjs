// Session tokens through authFetch (a 401 signs out and clears the store), the active identity
// saved in the token file, the Ravi token-file constant, and password login behind limits.
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, test } from "node:test";

import { Accounts, AuthError, MemoryTokenStore, RAVI_TOKEN_FILE, authFetch, tokenSetFromResponse } from "../js/index.mjs";
import { FileTokenStore } from "../js/stores.mjs";
import { startApi, stored } from "./loopback.mjs";

const NOW = 1_700_000_000;

let api;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

function sessionDoc(token = "at-1") {
  const body = JSON.stringify({ session_token: token, user_id: "user_abc123", email: "user@example.com" });
  return { version: 2, generation: 1, clock_offset: 0, tokens: tokenSetFromResponse(body) };
}

for (const [name, make] of [
  ["file", (dir) => new FileTokenStore(path.join(dir, "auth.json"))],
  ["memory", () => new MemoryTokenStore()],
]) {
  test(`a refused session token signs out and clears the ${name} store`, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "authcore-session-"));
    const store = make(dir);
    assert.equal(await store.save(sessionDoc(), 0), true);
    let signedOut = 0;
    const f = authFetch({ tokenEndpoint: `${api.base}/api/auth/session` }, store, { onSignedOut: () => (signedOut += 1) });
    assert.equal((await f(`${api.base}/api/me`)).status, 200);
    api.access = "revoked";
    await assert.rejects(f(`${api.base}/api/me`), (e) => e instanceof AuthError && e.code === "not_authenticated");
    await assert.rejects(f(`${api.base}/api/me`), (e) => e instanceof AuthError && e.code === "not_authenticated");
    assert.equal(signedOut, 1);
    assert.equal(await store.load(), null);
    assert.equal(api.refreshes, 0);
    assert.deepEqual(api.seenAuth, ["Bearer at-1", "Bearer at-1"]);
  });
}

test("the identity is saved with the tokens (0600, atomic) and restored", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "authcore-ravi-"));
  const file = path.join(dir, "ravi", "auth.json");
  const store = new FileTokenStore(file);
  assert.equal(await store.save(stored(), 0), true);
  const options = { tokenEndpoint: `${api.base}/token`, identityHeader: "X-Ravi-Identity" };
  const f = authFetch(options, store);
  await f.setIdentity("6f1c2a8e");
  const saved = await store.load();
  assert.equal(saved.identity, "6f1c2a8e");
  assert.equal(saved.version, 2);
  assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await fs.readdir(path.dirname(file)), ["auth.json"]);
  // Another process: the identity comes back from the file.
  let sent = null;
  const g = authFetch(options, new FileTokenStore(file), {
    fetch: (req) => {
      sent = req.headers.get("X-Ravi-Identity");
      return fetch(req);
    },
  });
  assert.equal((await g(`${api.base}/api/me`)).status, 200);
  assert.equal(sent, "6f1c2a8e");
});

test("RAVI_TOKEN_FILE is the core's constant; the file store expands ~", () => {
  assert.equal(RAVI_TOKEN_FILE, "~/.ravi/auth.json");
  assert.equal(new FileTokenStore(RAVI_TOKEN_FILE).path, path.join(os.homedir(), ".ravi", "auth.json"));
});

test("the file store's clear compares the generation", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "authcore-clear-"));
  const store = new FileTokenStore(path.join(dir, "t.json"));
  assert.equal(await store.clear(0), true);
  assert.equal(await store.save(stored({ generation: 3 }), 0), true);
  assert.equal(await store.clear(2), false);
  assert.notEqual(await store.load(), null);
  assert.equal(await store.clear(3), true);
  assert.equal(await store.load(), null);
});

test("tokenSetFromResponse reads a SimpleJWT body through responseFields", () => {
  const t = tokenSetFromResponse(JSON.stringify({ access: "a", refresh: "r" }), NOW, null, {
    responseFields: { accessToken: "access", refreshToken: "refresh" },
  });
  assert.deepEqual(t, { access_token: "a", refresh_token: "r", token_type: "Bearer", expires_at: NOW + 3600 });
});

test("loginLimited answers unknown and known accounts alike, sync and async", async () => {
  const accounts = new Accounts({ memoryKib: 64, iterations: 1, loginLimits: { maxAccountFailures: 2, window: 60 } });
  const account = { user_id: "u-1", password_hash: accounts.hashPassword("correct horse") };
  for (const acct of [account, null]) {
    const first = accounts.loginLimited(acct, "wrong horse", null, null, NOW);
    assert.equal(first.error.code, "invalid_credentials");
    const second = await accounts.loginLimitedAsync(acct, "wrong horse", first.account_limiter, first.requester_limiter, NOW);
    assert.equal(second.error.code, "too_many_attempts");
    assert.equal(second.retry_at, NOW + 60);
    const locked = accounts.loginLimited(acct, "correct horse", second.account_limiter, null, NOW + 59);
    assert.deepEqual(locked, { error: { detail: "Too many attempts.", code: "too_many_attempts" }, retry_at: NOW + 60 });
  }
  const ok = accounts.loginLimited(account, "correct horse", { revision: 2, window_start: NOW, failures: 2 }, null, NOW + 60);
  assert.equal(ok.login.user_id, "u-1");
  assert.equal(ok.account_limiter.failures, 0);
});
