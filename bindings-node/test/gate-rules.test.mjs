// Gate options for the seed systems through the JS API, and cookie mode through the Express
// middleware on a loopback node:http server.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { AuthError, Gate, Issuer, SessionManager, generateGatewayToken } from "../js/index.mjs";
import { gateMiddleware } from "../js/express.mjs";
import { serve } from "./loopback.mjs";

const KEY = { alg: "HS256", secret: "an HS256 secret of at least 32 bytes!!" };
const JWT = { config: { algorithms: ["HS256"] }, keys: [KEY] };
const USER = "11111111-1111-4111-8111-111111111111";
const APP = "https://app.example.com";
const req = (method, url, headers = {}) => ({ method, url, headers });

test("credential kinds per route", () => {
  const gate = new Gate({
    jwt: JWT,
    credentials: ["session", "guest"],
    routes: [{ method: "POST", path: "/api/auth/session", credentials: ["jwt"] }],
  });
  const token = new Issuer(KEY).issue({ sub: USER });
  assert.equal(gate.authenticate(req("POST", "/api/auth/session", { Authorization: `Bearer ${token}` })).context.credential, "jwt");
  const d = gate.authenticate(req("GET", "/api/me", { Authorization: `Bearer ${token}` }));
  assert.equal(d.error.code, "invalid_token");
  assert.equal(d.error.detail, "This route does not take `jwt` credentials.");
});

test("gateway token", () => {
  const token = generateGatewayToken();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(generateGatewayToken(Uint8Array.from({ length: 32 }, (_, i) => i)), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
  assert.throws(() => generateGatewayToken(new Uint8Array(31)), (e) => e instanceof AuthError && e.code === "entropy_unavailable");
  const gate = new Gate({ gateway: { token } });
  assert.equal(gate.authenticate(req("GET", "/x", { Authorization: `Bearer ${token}` })).context.credential, "gateway");
  assert.equal(gate.authenticate(req("GET", "/x")).error.code, "not_authenticated");
});

test("services token from the environment (process.env when omitted)", () => {
  const config = {
    servicesEnv: [{ name: "reeve", variable: "REEVE_SERVICES_TOKEN", header: "X-Reeve-Services-Token" }],
    routes: [{ path: "/internal/**", access: "service" }],
  };
  process.env.REEVE_SERVICES_TOKEN = "svc-secret-value";
  try {
    const gate = Gate.fromEnv(undefined, config);
    const d = gate.authenticate(req("POST", "/internal/credits", { "X-Reeve-Services-Token": "svc-secret-value" }));
    assert.equal(d.context.service, "reeve");
    // `process.env` passed explicitly reads the same as the default.
    const explicit = Gate.fromEnv(process.env, config);
    assert.equal(explicit.authenticate(req("POST", "/internal/credits", { "X-Reeve-Services-Token": "svc-secret-value" })).context.service, "reeve");
    const other = Gate.fromEnv({ REEVE_SERVICES_TOKEN: "other" }, config);
    assert.equal(other.authenticate(req("POST", "/internal/credits", { "X-Reeve-Services-Token": "svc-secret-value" })).error.code, "invalid_service_token");
    process.env.REEVE_SERVICES_TOKEN = "";
    assert.throws(
      () => Gate.fromEnv(null, config),
      (e) => e instanceof AuthError && e.code === "invalid_config" && e.field === "REEVE_SERVICES_TOKEN" && !e.message.includes("svc-secret"),
    );
    assert.throws(() => new Gate(config), (e) => e instanceof AuthError && e.field === "services_env");
  } finally {
    delete process.env.REEVE_SERVICES_TOKEN;
  }
});

test("guest fallback and detail overrides", () => {
  const gate = new Gate({
    routes: [{ method: "GET, POST", path: "/api/dashboard", access: "user_or_guest" }],
    guestFallback: true,
    guestIdRule: "any",
    details: { notAuthenticated: "Not authenticated" },
  });
  const { token } = new SessionManager().create(USER);
  const headers = { Authorization: `Bearer ${token}`, "X-Guest-ID": "demo" };
  assert.deepEqual(gate.authenticate(req("GET", "/api/dashboard", headers)).context, { credential: "guest", guest_id: "demo", is_guest: true });
  assert.equal(gate.authenticate(req("POST", "/api/dashboard", headers)).error.code, "guest_read_only");
  assert.equal(gate.authenticate(req("GET", "/api/me")).response.body, '{"detail":"Not authenticated","code":"not_authenticated"}');
});

let server;
before(async () => {
  const gate = new Gate({ jwt: JWT, cookie: { name: "access_token", csrf: { origins: [APP] } } });
  const middleware = gateMiddleware(gate);
  server = await serve(
    (rq, res) =>
      new Promise((resolve) => {
        middleware(rq, res, (error) => {
          if (error) res.writeHead(500).end(String(error));
          else res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ auth: rq.auth }));
          resolve();
        });
        res.on("finish", resolve);
      }),
  );
});
after(async () => {
  await server.close();
});

test("cookie mode and CSRF through the Express middleware", async () => {
  const cookie = `theme=dark; access_token=${new Issuer(KEY).issue({ sub: USER })}`;
  const call = (method, headers) => fetch(`${server.base}/api/search`, { method, headers: { Cookie: cookie, ...headers } });
  let r = await call("GET", {});
  assert.equal(r.status, 200);
  assert.equal((await r.json()).auth.user_id, USER);
  r = await call("POST", {});
  assert.equal(r.status, 403);
  assert.equal((await r.json()).code, "csrf_failed");
  r = await call("POST", { Origin: "https://evil.example" });
  assert.equal(r.status, 403);
  r = await call("POST", { Origin: APP });
  assert.equal(r.status, 200);
  r = await call("GET", { Cookie: `${cookie}; access_token=x` });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).code, "invalid_token");
});
