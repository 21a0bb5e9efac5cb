// authFetch against a token-protected API and a rotating refresh endpoint on a loopback socket.

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, test } from "node:test";

import { AuthError, MemoryTokenStore, RequestDriver, authFetch } from "../js/index.mjs";
import { FileTokenStore } from "../js/stores.mjs";
import { readBody, serve, startApi, stored } from "./loopback.mjs";

let api;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

const optionsFor = (a) => ({ tokenEndpoint: `${a.base}/token`, clientId: "cli", apiOrigins: [a.base] });

test("the bearer goes with the request and fresh tokens are not refreshed", async () => {
  const f = authFetch(optionsFor(api), new MemoryTokenStore(stored()));
  const r = await f(`${api.base}/api/me`);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).token, "Bearer at-1");
  assert.equal(api.refreshes, 0);
});

test("refreshes five minutes early and saves to a 0600 file, atomically", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "authcore-fetch-"));
  const store = new FileTokenStore(path.join(dir, "auth", "tokens.json"));
  assert.equal(await store.save(stored({ expiresIn: 200 }), 0), true);
  const f = authFetch(optionsFor(api), store);
  const r = await f(`${api.base}/api/me`);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).token, "Bearer at-2");
  assert.equal(api.refreshes, 1);
  const saved = await store.load();
  assert.equal(saved.generation, 2);
  assert.equal(saved.tokens.refresh_token, "rt-2");
  assert.equal((await fs.stat(store.path)).mode & 0o777, 0o600);
  assert.deepEqual((await fs.readdir(path.join(dir, "auth"))).filter((n) => n !== "tokens.json"), []);
});

test("a 401 refreshes and retries exactly once", async () => {
  api.access = "at-revoked"; // the server no longer accepts at-1
  const store = new MemoryTokenStore(stored());
  const f = authFetch(optionsFor(api), store);
  const r = await f(`${api.base}/api/me`);
  assert.equal(r.status, 200);
  assert.equal(api.refreshes, 1);
  assert.deepEqual(api.seenAuth, ["Bearer at-1", "Bearer at-2"]);
  assert.equal(store.load().generation, 2);
});

test("a second 401 is handed back, not retried again", async () => {
  api.always401 = true;
  const f = authFetch(optionsFor(api), new MemoryTokenStore(stored()));
  const r = await f(`${api.base}/api/me`);
  assert.equal(r.status, 401);
  assert.equal((await r.json()).code, "not_authenticated");
  assert.equal(api.refreshes, 1);
  assert.equal(api.seenAuth.length, 2);
});

test("a 402 is the server's answer, body intact", async () => {
  const f = authFetch(optionsFor(api), new MemoryTokenStore(stored()));
  const r = await f(`${api.base}/api/pay`);
  assert.equal(r.status, 402);
  assert.deepEqual(await r.json(), { detail: "Upgrade to pro.", code: "subscription_required" });
});

test("a refused refresh rejects with the driver's AuthError and clears the store", async () => {
  api.refuseRefresh = true;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "authcore-fetch-"));
  const store = new FileTokenStore(path.join(dir, "tokens.json"));
  assert.equal(await store.save(stored({ expiresIn: -10 }), 0), true);
  const f = authFetch(optionsFor(api), store);
  await assert.rejects(f(`${api.base}/api/me`), (e) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.code, "refresh_failed");
    return true;
  });
  assert.equal(await store.load(), null);
  await assert.rejects(fs.stat(store.path), { code: "ENOENT" });
  await assert.rejects(f(`${api.base}/api/me`), (e) => e instanceof AuthError && e.code === "not_authenticated");
  assert.deepEqual(api.seenAuth, []);
});

test("no tokens: not_authenticated without a request", async () => {
  const f = authFetch(optionsFor(api), new MemoryTokenStore());
  await assert.rejects(f(`${api.base}/api/me`), (e) => e instanceof AuthError && e.code === "not_authenticated");
  assert.deepEqual(api.seenAuth, []);
});

test("ten concurrent calls share one refresh", async () => {
  api.refreshDelay = 200;
  const store = new MemoryTokenStore(stored({ expiresIn: -10 }));
  const f = authFetch(optionsFor(api), store);
  const responses = await Promise.all(Array.from({ length: 10 }, () => f(`${api.base}/api/me`)));
  assert.deepEqual(
    responses.map((r) => r.status),
    Array(10).fill(200),
  );
  assert.equal(api.refreshes, 1);
  assert.deepEqual(api.seenAuth, Array(10).fill("Bearer at-2"));
  assert.equal(store.load().generation, 2);
});

test("ten concurrent 401s share one refresh and each retries once", async () => {
  api.access = "at-revoked";
  api.refreshDelay = 100;
  const f = authFetch(optionsFor(api), new MemoryTokenStore(stored()));
  const responses = await Promise.all(Array.from({ length: 10 }, () => f(`${api.base}/api/me`)));
  assert.deepEqual(
    responses.map((r) => r.status),
    Array(10).fill(200),
  );
  assert.equal(api.refreshes, 1);
  assert.equal(api.seenAuth.filter((a) => a === "Bearer at-2").length, 10);
});

test("request and response bodies are moved byte for byte, also on the retry", async () => {
  api.access = "at-revoked";
  const payload = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
  const f = authFetch(optionsFor(api), new MemoryTokenStore(stored()));
  const r = await f(`${api.base}/api/echo`, {
    method: "POST",
    body: payload,
    headers: { "Content-Type": "application/x-test" },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("x-echo"), "yes");
  assert.equal(r.headers.get("content-type"), "application/x-test");
  assert.deepEqual(new Uint8Array(await r.arrayBuffer()), payload);
  assert.equal(api.echoed.length, 1);
  assert.deepEqual(new Uint8Array(api.echoed[0]), payload);
  assert.equal(api.seenAuth.length, 2); // the 401 (body sent too) and the retry
});

test("a network failure during the refresh frees the waiters; the next call tries again", async () => {
  const port = await freePort();
  const f = authFetch(
    { tokenEndpoint: `http://127.0.0.1:${port}/token`, apiOrigins: [api.base] },
    new MemoryTokenStore(stored({ expiresIn: -10 })),
  );
  const calls = Array.from({ length: 3 }, () => f(`${api.base}/api/me`));
  for (const c of calls) {
    await assert.rejects(c, (e) => e instanceof AuthError && e.code === "network_error");
  }
  await assert.rejects(f(`${api.base}/api/me`), (e) => e instanceof AuthError && e.code === "network_error");
  assert.deepEqual(api.seenAuth, []);
});

test("a refresh answer cut off mid-body fails the waiters, and the next call refreshes again", async () => {
  let cut = true;
  const flaky = await serve(async (req, res) => {
    if (cut) {
      cut = false;
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "500" });
      res.write('{"access_token": "at-');
      setTimeout(() => res.destroy(), 20);
      return;
    }
    const form = (await readBody(req)).toString("utf8");
    const r = await fetch(`${api.base}/token`, { method: "POST", headers: { "Content-Type": req.headers["content-type"] }, body: form });
    res.writeHead(r.status, { "Content-Type": "application/json" }).end(await r.text());
  });
  try {
    const f = authFetch(
      { tokenEndpoint: `${flaky.base}/token`, apiOrigins: [api.base] },
      new MemoryTokenStore(stored({ expiresIn: -10 })),
    );
    await assert.rejects(f(`${api.base}/api/me`), (e) => e instanceof AuthError && e.code === "network_error");
    const r = await f(`${api.base}/api/me`);
    assert.equal(r.status, 200);
    assert.equal((await r.json()).token, "Bearer at-2");
  } finally {
    await flaky.close();
  }
});

test("a network failure of the request itself rejects with fetch's own error", async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const f = authFetch({ tokenEndpoint: `${base}/token` }, new MemoryTokenStore(stored()));
  await assert.rejects(f(`${base}/api/me`), (e) => e instanceof TypeError && !(e instanceof AuthError));
});

test("the bearer token never goes to another origin", async () => {
  const seen = [];
  const other = await serve((req, res) => {
    seen.push(req.headers.authorization ?? null);
    res.writeHead(401).end();
  });
  try {
    const f = authFetch(optionsFor(api), new MemoryTokenStore(stored()));
    const r = await f(`${other.base}/elsewhere`);
    assert.equal(r.status, 401); // handed back as is: no refresh for another origin
    assert.deepEqual(seen, [null]);
    assert.equal(api.refreshes, 0);
  } finally {
    await other.close();
  }
});

test("a store changed by another writer is a save conflict the driver resolves", async () => {
  // Another process rotated and saved meanwhile (generation 5): our save must not clobber it.
  const store = new MemoryTokenStore(stored({ access: "at-other", refresh: "rt-other", generation: 5 }));
  const driver = new RequestDriver({ ...optionsFor(api), stored: stored({ expiresIn: -10 }) });
  const f = authFetch(driver, store);
  const r = await f(`${api.base}/api/me`);
  assert.equal(r.status, 200);
  assert.equal(api.refreshes, 1);
  assert.equal(store.load().tokens.access_token, "at-other");
  assert.equal(store.load().generation, 5);
  assert.equal(driver.status().generation, 5); // the newer generation was adopted
});

test("shared_store: a second client picks up the tokens another one rotated", async () => {
  const store = new MemoryTokenStore(stored({ expiresIn: -10 }));
  const options = { ...optionsFor(api), sharedStore: true };
  const a = authFetch(options, store);
  const b = authFetch(options, store);
  assert.equal((await a(`${api.base}/api/me`)).status, 200);
  const r = await b(`${api.base}/api/me`);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).token, "Bearer at-2");
  assert.equal(api.refreshes, 1);
});

test("a driver may be passed in; identities are sent once set", async () => {
  const seen = [];
  const other = await serve((req, res) => {
    seen.push([req.headers.authorization ?? null, req.headers["x-identity"] ?? null]);
    res.writeHead(200).end("{}");
  });
  try {
    const driver = new RequestDriver({ tokenEndpoint: `${other.base}/token`, stored: stored() });
    const f = authFetch(driver, new MemoryTokenStore());
    await f(`${other.base}/x`);
    await f.setIdentity("org-1");
    await f(`${other.base}/x`);
    assert.deepEqual(seen, [
      ["Bearer at-1", null],
      ["Bearer at-1", "org-1"],
    ]);
  } finally {
    await other.close();
  }
});

test("a corrupt token file rejects every call with state_corrupt", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "authcore-fetch-"));
  const store = new FileTokenStore(path.join(dir, "t.json"));
  await fs.writeFile(store.path, "{garbage");
  const f = authFetch(optionsFor(api), store);
  for (let i = 0; i < 2; i++) {
    await assert.rejects(f(`${api.base}/api/me`), (e) => e instanceof AuthError && e.code === "state_corrupt");
  }
  assert.deepEqual(api.seenAuth, []);
});

test("wrong arguments are TypeErrors", () => {
  assert.throws(() => authFetch(optionsFor(api), null), TypeError);
  assert.throws(() => authFetch(null, new MemoryTokenStore()), TypeError);
  assert.throws(() => authFetch(optionsFor(api), new MemoryTokenStore(), { fetch: 3 }), TypeError);
});

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
