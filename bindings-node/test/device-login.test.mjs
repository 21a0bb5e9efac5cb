// deviceLogin against a device authority (DeviceAuthority) on a loopback socket.

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, test } from "node:test";

import {
  AuthError,
  DeviceAuthority,
  MemoryTokenStore,
  deviceCodeHash,
  deviceLogin,
  oauthErrorResponse,
  parseAuthorizationRequest,
  parseTokenRequest,
} from "../js/index.mjs";
import { FileTokenStore } from "../js/stores.mjs";
import { readBody, reply, serve, stored } from "./loopback.mjs";

const NOW = 1_700_000_000;

/** Simulated time shared by the server and the login: a wait advances it at once. */
function fakeTime() {
  const t = { now: NOW, sleeps: [] };
  t.clock = () => t.now;
  t.sleep = async (ms) => {
    t.sleeps.push(ms);
    t.now += ms / 1000;
  };
  return t;
}

let servers = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A device authority: approves (or denies) at the `decideAt`-th poll. */
async function startAuthority({ time, decideAt = 2, deny = false, slowDownFirst = false, clock } = {}) {
  const now = () => Math.floor(clock ? clock() : time.clock());
  const authority = new DeviceAuthority({ verificationUri: "https://auth.example.com/device", interval: 5 });
  const state = { grants: new Map(), polls: [], scope: undefined };
  const server = await serve(async (req, res) => {
    const body = (await readBody(req)).toString("utf8");
    if (req.url === "/api/auth/device/") {
      const request = parseAuthorizationRequest(body);
      state.scope = request.scope;
      const issued = authority.issue(request.client_id, request.scope ?? null, now());
      state.grants.set(issued.record.device_code_hash, issued.record);
      return reply(res, 200, issued.response);
    }
    const request = parseTokenRequest(body);
    const key = deviceCodeHash(request.device_code);
    state.polls.push(now());
    if (slowDownFirst && state.polls.length === 1) {
      const r = oauthErrorResponse("slow_down");
      return reply(res, r.status, r.body, r.headers);
    }
    if (state.polls.length === decideAt) {
      const g = state.grants.get(key);
      state.grants.set(key, deny ? authority.deny(g, now()) : authority.approve(g, "user-1", null, now()));
    }
    const out = authority.poll(state.grants.get(key) ?? null, request, now());
    if (out.record) state.grants.set(key, out.record);
    if (out.type === "approved") {
      return reply(res, 200, { access_token: "at-1", refresh_token: "rt-1", token_type: "Bearer", expires_in: 3600 });
    }
    return reply(res, out.response.status, out.response.body, out.response.headers);
  });
  servers.push(server);
  state.base = server.base;
  return state;
}

test("device login: prompt once, approve after two pending polls, tokens saved", async () => {
  const time = fakeTime();
  const server = await startAuthority({ time, decideAt: 3 });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "authcore-device-"));
  const store = new FileTokenStore(path.join(dir, "auth.json"));
  const prompts = [];
  const result = await deviceLogin({
    baseUrl: server.base,
    clientId: "my-cli",
    scope: "read",
    store,
    prompt: (p) => prompts.push(p),
    clock: time.clock,
    sleep: time.sleep,
  });
  assert.equal(result.tokens.access_token, "at-1");
  assert.equal(result.generation, 1);
  assert.deepEqual(await store.load(), result);
  assert.equal(prompts.length, 1);
  assert.equal(prompts[0].verification_uri, "https://auth.example.com/device");
  assert.match(prompts[0].user_code, /^[A-Z]{4}-?[A-Z]{4}$/);
  assert.equal(server.scope, "read");
  assert.equal(server.polls.length, 3); // pending, pending, approved
  assert.ok(server.polls[1] - server.polls[0] >= 5 && server.polls[2] - server.polls[1] >= 5);
  assert.ok(time.now >= NOW + 15);
});

test("device login honours slow_down (the interval grows by 5 seconds)", async () => {
  const time = fakeTime();
  const server = await startAuthority({ time, decideAt: 2, slowDownFirst: true });
  const result = await deviceLogin({
    baseUrl: server.base,
    clientId: "my-cli",
    prompt: () => {},
    clock: time.clock,
    sleep: time.sleep,
  });
  assert.equal(result.tokens.refresh_token, "rt-1");
  assert.equal(server.polls.length, 2);
  assert.ok(server.polls[1] - server.polls[0] >= 10, `polls ${server.polls}`);
});

test("device login denied rejects with access_denied", async () => {
  const time = fakeTime();
  const server = await startAuthority({ time, deny: true });
  await assert.rejects(
    deviceLogin({ baseUrl: server.base, clientId: "my-cli", prompt: () => {}, clock: time.clock, sleep: time.sleep }),
    (e) => e instanceof AuthError && e.code === "access_denied",
  );
});

test("device login aborted during the wait rejects with cancelled (real timers)", async () => {
  const server = await startAuthority({ clock: () => Date.now() / 1000, decideAt: 100 });
  const controller = new AbortController();
  const started = Date.now();
  await assert.rejects(
    deviceLogin({
      baseUrl: server.base,
      clientId: "my-cli",
      signal: controller.signal,
      prompt: () => {
        setTimeout(() => controller.abort(), 50);
      },
    }),
    (e) => e instanceof AuthError && e.code === "cancelled",
  );
  assert.ok(Date.now() - started < 4000); // the 5 s wait was cut short
});

test("device login aborted before it starts sends nothing", async () => {
  const time = fakeTime();
  const server = await startAuthority({ time });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    deviceLogin({ baseUrl: server.base, clientId: "my-cli", signal: controller.signal, prompt: () => {}, clock: time.clock, sleep: time.sleep }),
    (e) => e instanceof AuthError && e.code === "cancelled",
  );
  assert.equal(server.polls.length, 0);
});

test("device login refuses to overwrite a store that changed meanwhile", async () => {
  const time = fakeTime();
  const server = await startAuthority({ time });
  const store = new MemoryTokenStore();
  await assert.rejects(
    deviceLogin({
      baseUrl: server.base,
      clientId: "my-cli",
      store,
      prompt: () => {
        store.save(stored({ generation: 3 }), 0); // another login finished first
      },
      clock: time.clock,
      sleep: time.sleep,
    }),
    (e) => e instanceof AuthError && e.code === "version_conflict",
  );
  assert.equal(store.load().generation, 3);
});
