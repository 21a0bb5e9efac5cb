// The gate middleware on a node:http server (the `(req, res, next)` shape Express calls).

import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";

import { Gate, Issuer, SessionManager } from "../js/index.mjs";
import { gateMiddleware, requestRecord } from "../js/express.mjs";
import { serve } from "./loopback.mjs";

const KEY = { alg: "HS256", secret: "an HS256 secret of at least 32 bytes!!" };
const USER = "11111111-1111-4111-8111-111111111111";
const SERVICE_SECRET = "a service secret of at least 32 bytes!!";

/** The host's storage, in memory: sessions by token hash, users by id. */
const storage = {
  sessions: new Map(),
  users: new Map([[USER, { identities: [], entitlements: ["pro"] }]]),
  touched: [],
  async session(tokenHash) {
    return this.sessions.get(tokenHash) ?? null;
  },
  async user(userId) {
    return this.users.get(userId) ?? null;
  },
  async saveSession(record) {
    this.touched.push(record);
    this.sessions.set(record.token_hash, record);
  },
};

let server;
before(async () => {
  const gate = new Gate({
    jwt: { config: { algorithms: ["HS256"] }, keys: [KEY] },
    services: [{ name: "billing", header: "X-Service-Token", secret: SERVICE_SECRET }],
    routes: [
      { path: "/api/public/**", access: "public" },
      { path: "/api/docs/**", access: "user_or_guest" },
      { path: "/api/pro/**", access: "user", entitlement: "pro" },
      { path: "/internal/**", access: "service" },
    ],
  });
  const middleware = gateMiddleware(gate, storage);
  server = await serve(
    (req, res) =>
      new Promise((resolve) => {
        middleware(req, res, (error) => {
          if (error) {
            res.writeHead(500).end(String(error));
          } else {
            res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ path: req.url, auth: req.auth }));
          }
          resolve();
        });
        res.on("finish", resolve);
      }),
  );
});
after(async () => {
  await server.close();
});

const bearer = () => ({ Authorization: `Bearer ${new Issuer(KEY).issue({ sub: USER, email: "a@example.com" })}` });
const get = (p, headers = {}, method = "GET") => fetch(server.base + p, { method, headers });

test("a public route needs nothing", async () => {
  const r = await get("/api/public/hello");
  assert.equal(r.status, 200);
  assert.equal((await r.json()).auth.credential, "none");
});

test("no credential gets the gate's 401 with WWW-Authenticate", async () => {
  const r = await get("/api/me");
  assert.equal(r.status, 401);
  assert.match(r.headers.get("www-authenticate"), /^Bearer realm="api"/);
  assert.equal(r.headers.get("content-type"), "application/json");
  assert.equal((await r.json()).code, "not_authenticated");
});

test("a JWT reaches the handler as req.auth", async () => {
  const r = await get("/api/me", bearer());
  assert.equal(r.status, 200);
  const { auth } = await r.json();
  assert.equal(auth.user_id, USER);
  assert.equal(auth.credential, "jwt");
  assert.equal(auth.email, "a@example.com");
});

test("a bad JWT is refused as invalid_token", async () => {
  const r = await get("/api/me", { Authorization: "Bearer a.b.c" });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).code, "invalid_token");
  assert.match(r.headers.get("www-authenticate"), /error="invalid_token"/);
});

test("a session token is loaded and touched", async () => {
  const created = new SessionManager({}).create(USER, null, false, Math.floor(Date.now() / 1000) - 3600);
  storage.sessions.set(created.record.token_hash, created.record);
  const r = await get("/api/me", { Authorization: `Bearer ${created.token}` });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).auth.credential, "session");
  assert.equal(storage.touched.at(-1).token_hash, created.record.token_hash);
});

test("guests only read", async () => {
  const guest = { "X-Guest-ID": "guest-12345678" };
  let r = await get("/api/docs/intro", guest);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).auth.is_guest, true);
  r = await get("/api/docs/intro", guest, "POST");
  assert.equal(r.status, 403);
  assert.equal((await r.json()).code, "guest_read_only");
});

test("a service token passes service routes; a wrong one does not", async () => {
  let r = await get("/internal/jobs", { "X-Service-Token": SERVICE_SECRET });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).auth.service, "billing");
  r = await get("/internal/jobs", { "X-Service-Token": "not the secret, but long enough to compare" });
  assert.ok(r.status === 401 || r.status === 403, String(r.status));
  r = await get("/internal/jobs", bearer());
  assert.ok(r.status === 401 || r.status === 403, String(r.status));
});

test("a missing entitlement is 402", async () => {
  storage.users.get(USER).entitlements = [];
  try {
    const r = await get("/api/pro/report", bearer());
    assert.equal(r.status, 402);
    assert.equal((await r.json()).code, "subscription_required");
  } finally {
    storage.users.get(USER).entitlements = ["pro"];
  }
  assert.equal((await get("/api/pro/report", bearer())).status, 200);
});

test("the judged target is the raw one", async () => {
  const r = await get("/api/public/..%2fme");
  assert.notEqual(r.status, 200);
});

test("a storage failure goes to next(error)", async () => {
  const gate = new Gate({ jwt: { config: { algorithms: ["HS256"] }, keys: [KEY] } });
  const failing = {
    session: async () => {
      throw new Error("database down");
    },
    user: async () => null,
  };
  const mw = gateMiddleware(gate, failing);
  const created = new SessionManager({}).create(USER, null, false);
  const req = { method: "GET", url: "/x", rawHeaders: ["Authorization", `Bearer ${created.token}`] };
  const error = await new Promise((resolve) => mw(req, {}, resolve));
  assert.equal(error.message, "database down");
});

test("requestRecord joins repeated headers and keeps the target as sent", () => {
  const req = new http.IncomingMessage(null);
  req.method = "GET";
  req.url = "/a/b?x=1";
  req.rawHeaders = ["Accept", "a", "accept", "b", "X-Identity", "org"];
  assert.deepEqual(requestRecord(req), { method: "GET", url: "/a/b?x=1", headers: { accept: "a, b", "x-identity": "org" } });
  req.originalUrl = "/mounted/a/b?x=1";
  assert.equal(requestRecord(req).url, "/mounted/a/b?x=1");
});
