// The gate in real Express and Fastify applications on loopback sockets.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import express from "express";
import Fastify from "fastify";

import { Gate, Issuer } from "../js/index.mjs";
import { fastifyGate, gateMiddleware } from "../js/express.mjs";

const KEY = { alg: "HS256", secret: "an HS256 secret of at least 32 bytes!!" };
const USER = "11111111-1111-4111-8111-111111111111";
const SERVICE_SECRET = "a service secret of at least 32 bytes!!";

const storage = {
  users: new Map([[USER, { identities: [], entitlements: [] }]]),
  session: async () => null,
  async user(userId) {
    return this.users.get(userId) ?? null;
  },
};

function gate() {
  return new Gate({
    jwt: { config: { algorithms: ["HS256"] }, keys: [KEY] },
    services: [{ name: "billing", header: "X-Service-Token", secret: SERVICE_SECRET }],
    routes: [
      { path: "/docs/**", access: "user_or_guest" },
      { path: "/pro/**", access: "user", entitlement: "pro" },
      { path: "/internal/**", access: "service" },
    ],
  });
}

const bearer = () => ({ Authorization: `Bearer ${new Issuer(KEY).issue({ sub: USER })}` });

/** The same checks against either application. */
function behaves(start) {
  let base;
  let stop;
  before(async () => {
    [base, stop] = await start();
  });
  after(async () => {
    await stop();
  });

  test("allow: the handler sees the caller", async () => {
    const r = await fetch(`${base}/me`, { headers: bearer() });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { user_id: USER, credential: "jwt" });
  });

  test("401 with WWW-Authenticate and the catalog body", async () => {
    const r = await fetch(`${base}/me`);
    assert.equal(r.status, 401);
    assert.match(r.headers.get("www-authenticate"), /^Bearer realm="api"/);
    assert.equal((await r.json()).code, "not_authenticated");
  });

  test("guests read, and only read", async () => {
    const guest = { "X-Guest-ID": "guest-12345678" };
    assert.equal((await fetch(`${base}/docs/a`, { headers: guest })).status, 200);
    const r = await fetch(`${base}/docs/a`, { method: "POST", headers: guest });
    assert.equal(r.status, 403);
    assert.equal((await r.json()).code, "guest_read_only");
  });

  test("a service token", async () => {
    const r = await fetch(`${base}/internal/jobs`, { headers: { "X-Service-Token": SERVICE_SECRET } });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).service, "billing");
  });

  test("402 without the entitlement", async () => {
    const r = await fetch(`${base}/pro/report`, { headers: bearer() });
    assert.equal(r.status, 402);
    assert.equal((await r.json()).code, "subscription_required");
  });
}

describe("Express", () => {
  behaves(async () => {
    const app = express();
    app.use(gateMiddleware(gate(), storage));
    app.get("/me", (req, res) => res.json({ user_id: req.auth.user_id, credential: req.auth.credential }));
    app.all("/docs/:name", (req, res) => res.json({ guest: req.auth.is_guest }));
    app.get("/internal/jobs", (req, res) => res.json({ service: req.auth.service }));
    app.get("/pro/report", (req, res) => res.json({ ok: true }));
    const server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    return [
      `http://127.0.0.1:${server.address().port}`,
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ];
  });
});

describe("Fastify", () => {
  behaves(async () => {
    const app = Fastify();
    app.decorateRequest("auth", null);
    app.addHook("onRequest", fastifyGate(gate(), storage));
    app.get("/me", async (request) => ({ user_id: request.auth.user_id, credential: request.auth.credential }));
    app.route({ method: ["GET", "POST"], url: "/docs/:name", handler: async (request) => ({ guest: request.auth.is_guest }) });
    app.get("/internal/jobs", async (request) => ({ service: request.auth.service }));
    app.get("/pro/report", async () => ({ ok: true }));
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    return [base, () => app.close()];
  });
});
