import { test } from "node:test";
import assert from "node:assert/strict";
import { api, NOW, bytes, ASYNC_OFF_THREAD } from "./module.mjs";

const A = api;
const KEY = { alg: "HS256", secret: "k".repeat(32) };

test("token lifecycle: the request driver round trip, snapshot and restore", () => {
  const body = '{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600}';
  const tokens = A.tokenSetFromResponse(body, NOW);
  assert.deepEqual(tokens, { access_token: "at-1", refresh_token: "rt-1", token_type: "Bearer", expires_at: NOW + 3600 });
  assert.equal(A.freshness(tokens, NOW), "fresh");
  assert.equal(A.freshness(tokens, NOW + 3500), "refresh_due");
  assert.equal(A.freshness(tokens, NOW + 3500, 60), "fresh");
  const stored = { version: 1, generation: 3, clock_offset: 0, tokens };
  assert.deepEqual(A.loadTokens(A.dumpTokens(stored)), stored);

  const d = new A.RequestDriver({ tokenEndpoint: "https://auth.example/token", apiOrigins: ["https://api.example"], stored });
  const rid = d.send({ method: "GET", url: "https://api.example/me", headers: {} }, NOW);
  const [send] = d.actions();
  assert.equal(send.type, "send");
  assert.equal(send.request.headers.Authorization, "Bearer at-1");
  d.handleResponse(send.transmit, { status: 200, headers: {}, body: "{}" }, NOW);
  assert.deepEqual(d.actions(), [{ type: "complete", request_id: rid, response: { status: 200, headers: {}, body: "{}" } }]);
  assert.equal(d.pollAction(), null);
  assert.throws(() => d.handleResponse(send.transmit, { status: 200 }, NOW), (e) => e instanceof A.AuthError && e.code === "invalid_state");
  assert.deepEqual(d.status(NOW), { generation: 3, clock_offset: 0, freshness: "fresh" });
  assert.deepEqual(d.stored(), stored);
  const back = A.RequestDriver.restore(d.snapshot());
  assert.ok(back instanceof A.RequestDriver);
  assert.deepEqual(back.status(NOW), d.status(NOW));
  assert.throws(() => A.RequestDriver.restore({ ...d.snapshot(), version: 2 }), (e) => e.code === "state_version_unsupported" && e.field === "version");

  // a 401: the shared store is read first, then one refresh, then the retry
  const shared = new A.RequestDriver({ tokenEndpoint: "https://auth.example/token", clientId: "cli", sharedStore: true, stored });
  shared.send({ method: "GET", url: "https://auth.example/me", headers: {} }, NOW + 3500);
  assert.deepEqual(shared.actions(), [{ type: "load_tokens" }]);
  shared.handleLoaded(null, NOW + 3500);
  const fresh = new A.RequestDriver({ tokenEndpoint: "https://auth.example/token", clientId: "cli", stored });
  fresh.send({ method: "GET", url: "https://auth.example/me", headers: {} }, NOW);
  const [first] = fresh.actions();
  fresh.handleResponse(first.transmit, { status: 401, headers: {}, body: "" }, NOW);
  const [refresh] = fresh.actions();
  assert.equal(refresh.type, "send");
  assert.equal(refresh.request.url, "https://auth.example/token");
  assert.ok(refresh.request.body.includes("grant_type=refresh_token"));
  fresh.handleResponse(refresh.transmit, { status: 200, headers: {}, body: body.replace("at-1", "at-2") }, NOW);
  const after = fresh.actions();
  assert.equal(after[0].type, "save_tokens");
  const retry = after.find((a) => a.type === "send");
  assert.equal(retry.request.headers.Authorization, "Bearer at-2");
  fresh.handleNetworkError(retry.transmit, NOW);
  const failed = fresh.actions().find((a) => a.type === "failed");
  const err = A.AuthError.fromJSON(failed.error);
  assert.ok(err instanceof A.AuthError);
  assert.equal(err.code, failed.error.code);
  assert.equal(err.status, A.catalog().find((c) => c.code === failed.error.code).status);
  fresh.setIdentity("team-1");
  assert.throws(() => fresh.setIdentity("a\r\nb"), (e) => e.code === "invalid_input");
  fresh.setTokens(tokens);
  assert.equal(fresh.actions()[0].type, "save_tokens");
  fresh.handleSaveConflict(stored);
});

test("device grant: client and authority end to end", () => {
  const authority = new A.DeviceAuthority({ verificationUri: "https://auth.example/device", interval: 5 });
  const client = new A.DeviceClient({ baseUrl: "https://auth.example", clientId: "cli", scope: "read" });
  client.start(NOW);
  const [authz] = client.actions();
  assert.equal(authz.type, "send");
  const req = A.parseAuthorizationRequest(authz.request.body);
  assert.deepEqual(req, { client_id: "cli", scope: "read" });
  const issued = authority.issue(req.client_id, req.scope, NOW, bytes(64, 3));
  let grant = issued.record;
  assert.equal(grant.status, "pending");
  assert.equal(A.loadGrant(JSON.stringify(grant)).user_code, grant.user_code);
  client.handleResponse(authz.transmit, { status: 200, headers: {}, body: JSON.stringify(issued.response) }, NOW);
  const [prompt, wait] = client.actions();
  assert.equal(prompt.type, "prompt");
  assert.equal(prompt.user_code.replace("-", ""), grant.user_code);
  assert.deepEqual(wait, { type: "wait", until: NOW + 5 });
  assert.deepEqual(client.status(NOW), { interval: 5, finished: false });

  // the person types the code on the verification page
  const typed = prompt.user_code.toLowerCase();
  assert.equal(authority.normalizeUserCode(typed), grant.user_code);
  assert.equal(authority.checkUserCode(grant, typed, NOW).ok, true);
  const entry = authority.enterUserCode(null, grant, typed, NOW, { globalLimiter: null });
  assert.equal(entry.consent.client_id, "cli");
  assert.deepEqual(authority.consent(grant, NOW).scopes, ["read"]);
  const wrong = authority.enterUserCode(null, grant, "ZZZZ-ZZZZ", NOW);
  assert.equal(wrong.limiter.failures, 1);
  grant = authority.approve(grant, "user-1", { role: "admin" }, NOW + 1);

  // the client polls
  const snap = client.snapshot();
  const restored = A.DeviceClient.restore(snap);
  assert.deepEqual(restored.actions(), [{ type: "wait", until: NOW + 5 }]);
  client.handleTimeout(NOW + 5);
  const [poll] = client.actions();
  const tokenReq = A.parseTokenRequest(poll.request.body);
  assert.equal(A.deviceCodeHash(tokenReq.device_code), grant.device_code_hash);
  const outcome = authority.poll(grant, tokenReq, NOW + 5);
  assert.equal(outcome.type, "approved");
  assert.equal(outcome.user_id, "user-1");
  assert.equal(outcome.record.status, "consumed");
  const again = authority.poll(outcome.record, tokenReq, NOW + 10);
  assert.equal(again.type, "error");
  assert.equal(again.error.code, "invalid_grant");
  const tokenBody = JSON.stringify({ access_token: "at", refresh_token: "rt", token_type: "Bearer", expires_in: 600 });
  client.handleResponse(poll.transmit, { status: 200, headers: {}, body: tokenBody }, NOW + 5);
  const end = client.actions();
  assert.deepEqual(end.map((a) => a.type), ["save_tokens", "done"]);
  assert.equal(end[0].stored.tokens.access_token, "at");
  assert.equal(client.status(NOW).finished, true);

  const denied = authority.deny(authority.issue("cli", null, NOW).record, NOW);
  assert.equal(denied.status, "denied");
  const [status, errBody] = A.oauthError("access_denied");
  assert.equal(status, 400);
  assert.equal(errBody.error, "access_denied");
  assert.equal(A.oauthErrorResponse("slow_down").headers["Cache-Control"], "no-store");
  const c2 = new A.DeviceClient({ baseUrl: "https://auth.example", clientId: "cli" });
  c2.start(NOW);
  const [s2] = c2.actions();
  c2.handleNetworkError(s2.transmit, NOW);
  assert.equal(c2.actions()[0].type, "wait");
  c2.cancel();
  assert.equal(c2.actions()[0].error.code, "cancelled");
});

test("sessions: create, validate, sign in, exchange, revoke", () => {
  const sm = new A.SessionManager({ idleTimeout: 3600, touchInterval: 60 });
  const s = sm.create("alice", "alice@example.com", false, NOW, bytes(16, 1));
  assert.equal(A.sessionTokenHash(s.token), s.record.token_hash);
  assert.equal(A.sessionTokenHash("not-a-uuid"), null);
  assert.deepEqual(A.loadSession(JSON.stringify(s.record)), s.record);
  assert.equal(sm.validate(s.record, s.token, NOW + 61).touch.last_seen_at, NOW + 61);
  assert.throws(() => sm.validate(s.record, s.token, NOW + 3600), (e) => e instanceof A.AuthError && e.code === "session_expired");
  const signed = sm.signIn("alice", null, s.record, NOW + 1);
  assert.equal(signed.revoked.token_hash, s.record.token_hash);
  assert.equal(signed.response.user_id, "alice");
  const verifier = new A.Verifier({ algorithms: ["HS256"], keys: [KEY] });
  const token = new A.Issuer(KEY).issue({ sub: "bob", email: "bob@example.com" }, NOW);
  const ex = sm.exchange(verifier, token, null, NOW);
  assert.equal(ex.response.user_id, "bob");
  assert.throws(() => sm.exchange({}, token), TypeError);
  assert.ok(sm.revoke(s.record, NOW + 2).revoked_at !== undefined);
  assert.equal(sm.create("guest-1", null, true, NOW).record.is_guest, true);
});

test("gate: classify, decide, authenticate with nested camelCase options", () => {
  const gate = new A.Gate({
    realm: "api",
    jwt: { config: { algorithms: ["HS256"], maxTokenBytes: 4096 }, keys: [{ alg: "HS256", secret: new TextEncoder().encode("k".repeat(32)) }] },
    routes: [
      { path: "/public", access: "public" },
      { method: "GET", path: "/admin", access: "user", scopes: ["admin"] },
      { path: "/me", access: "user", identity: "optional" },
    ],
    identityHeader: "X-Identity",
    guestHeader: null,
  });
  assert.equal(gate.authenticate({ method: "GET", url: "/public", headers: {} }, null, NOW).type, "allow");
  const denied = gate.authenticate({ method: "GET", url: "/me", headers: {} }, null, NOW);
  assert.equal(denied.type, "deny");
  assert.equal(denied.response.headers["WWW-Authenticate"], 'Bearer realm="api"');
  const token = new A.Issuer(KEY).issue({ sub: "alice", scope: "read" }, NOW);
  const req = { method: "GET", url: "/me", headers: { Authorization: `Bearer ${token}` } };
  const classified = gate.classify(req, NOW);
  assert.equal(classified.credential.type, "jwt");
  assert.equal(gate.userToLoad(classified), "alice");
  assert.equal(gate.userToLoad(gate.classify({ method: "GET", url: "/public", headers: {} }, NOW)), null);
  assert.throws(() => gate.userToLoad(classified, { user_id: 1 }), TypeError);
  const allowed = gate.decide(classified, { user: { identities: [], entitlements: [] } }, NOW);
  assert.equal(allowed.type, "allow");
  assert.equal(allowed.context.user_id, "alice");
  const admin = gate.authenticate({ ...req, url: "/admin" }, null, NOW);
  assert.equal(admin.type, "deny");
  assert.equal(admin.error.code, "insufficient_scope");
  assert.equal(gate.authenticate({ method: "DELETE", url: "/admin", headers: {} }, null, NOW).response.status, 405);
  assert.throws(() => new A.Gate({ routes: [{ path: "/x", acces: "public" }] }), TypeError);
});

test("accounts: register, login, hash and verify, sync and async", async () => {
  const accounts = new A.Accounts({ memoryKib: 64, iterations: 1 });
  const acct = accounts.register("correct horse", "Alice", null, bytes(32));
  assert.equal(acct.username, "alice");
  assert.match(acct.user_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(acct.password_hash.startsWith("$argon2id$"));
  const asyncAcct = await accounts.registerAsync("correct horse", null, "A@Example.com", bytes(32));
  assert.equal(asyncAcct.email, A.normalizeEmail("A@Example.com"));
  const stored = { user_id: "u-1", password_hash: acct.password_hash, email: "a@example.com" };
  const login = { user_id: "u-1", email: "a@example.com", needs_rehash: false };
  assert.deepEqual(accounts.login(stored, "correct horse"), login);
  assert.deepEqual(await accounts.loginAsync(stored, "correct horse"), login);
  for (const [account, pw] of [[stored, "wrong horse"], [null, "correct horse"]]) {
    assert.throws(() => accounts.login(account, pw), (e) => e instanceof A.AuthError && e.code === "invalid_credentials");
    await assert.rejects(accounts.loginAsync(account, pw), (e) => e instanceof A.AuthError && e.code === "invalid_credentials");
  }
  const h = accounts.hashPassword("pw-123456", bytes(16));
  assert.equal(await accounts.hashPasswordAsync("pw-123456", bytes(16)), h);
  assert.equal(accounts.verifyPassword(h, "pw-123456"), true);
  assert.equal(await accounts.verifyPasswordAsync(h, "nope-nope"), false);
  assert.equal(accounts.needsRehash(h), false);
  assert.equal(new A.Accounts().needsRehash(h), true);
  assert.throws(() => accounts.register("short", "bob"), (e) => e.code === "invalid_password");
  assert.equal(A.normalizeUsername("Alice"), "alice");
  assert.equal(A.normalizeEmail("Bob@EXAMPLE.com"), "bob@example.com");
  // the async variants run off the event loop: a timer fires while a slow hash is computed
  // (not on WASM, where they run synchronously inside the promise)
  if (!ASYNC_OFF_THREAD) return;
  const slow = new A.Accounts({ memoryKib: 19456, iterations: 2 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  await slow.hashPasswordAsync("pw-123456");
  clearInterval(timer);
  assert.ok(ticks > 0);
});

test("refresh tokens: issue, rotate, reuse, revoke", () => {
  const rt = new A.RefreshTokens({ ttl: 3600, familyLifetime: 7200 });
  const first = rt.issue("u-1", "cli", "read", NOW, bytes(48, 2));
  assert.equal(A.refreshTokenHash(first.refresh_token), first.record.token_hash);
  assert.deepEqual(A.loadRefreshRecord(JSON.stringify(first.record)), first.record);
  const rotated = rt.rotate(first.record, first.refresh_token, "cli", NOW + 1);
  assert.equal(rotated.type, "rotated");
  const reuse = rt.rotate(rotated.previous, first.refresh_token, "cli", NOW + 2);
  assert.equal(reuse.type, "reuse");
  assert.equal(A.AuthError.fromJSON(reuse.error).code, reuse.error.code);
  assert.equal(rt.revoke(rotated.issued.record).status, "revoked");
});

test("oauth: pkce and the authorization-code client", () => {
  const p = A.pkce("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  assert.equal(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  assert.equal(A.pkce().method, "S256");
  assert.equal(A.pkce(null, "S256", false, 32, bytes(32)).verifier.length, 43);
  A.checkPkce({ challenge: p.challenge, method: "S256" }, p.verifier);
  assert.throws(() => A.checkPkce(null, p.verifier), (e) => e.code === "invalid_grant");
  const client = new A.AuthCodeClient({
    authorizationEndpoint: "https://idp.example/authorize",
    tokenEndpoint: "https://idp.example/token",
    clientId: "web",
    redirectUri: "https://app.example/cb",
    scopes: ["openid", "email"],
    extraParams: [["prompt", "consent"]],
  });
  const start = client.start(NOW, bytes(96, 5)); // state, PKCE verifier, and the nonce `openid` asks for
  assert.ok(start.url.includes(`&nonce=${start.record.nonce}&`));
  assert.ok(start.url.startsWith("https://idp.example/authorize?"));
  assert.ok(start.url.includes("prompt=consent"));
  const cb = client.callback(start.record, `https://app.example/cb?code=c1&state=${start.record.state}`, NOW + 1);
  assert.equal(cb.record.used, true);
  assert.equal(cb.request.url, "https://idp.example/token");
  assert.throws(() => client.callback(start.record, "?code=c1&state=other", NOW + 1), (e) => e.code === "state_mismatch");
  const t = client.tokenResponse({ status: 200, headers: {}, body: '{"access_token":"a","token_type":"Bearer","expires_in":60}' }, NOW);
  assert.equal(t.expires_at, NOW + 60);
});

test("broker: resolve, refresh, redact, export, readiness", () => {
  const b = new A.Broker();
  assert.equal(b.providers.providers.openai.name, "openai");
  assert.ok(b.routingTable().length > 0);
  const conn = { provider: "openai", name: "default", credential: { type: "api_key", key: "sk-1" }, is_default: true, created_at: NOW };
  assert.equal(b.resolve("https://api.openai.com/v1/x", [conn], "GET", NOW).value, "Bearer sk-1");
  assert.equal(A.redact([conn])[0].secret, "[redacted]");
  assert.equal(A.exportEnv([conn]), "OPENAI_API_KEY='sk-1'\n");
  assert.deepEqual(A.exportJson([conn]), [conn]);
  A.checkConnection(conn);
  assert.throws(() => A.checkConnection({ ...conn, credential: { type: "api_key", key: "a\r\nb" } }), (e) => e.code === "invalid_input");
  assert.throws(() => b.resolve("https://example.org/", [conn]), (e) => e.code === "no_provider");
  assert.equal(A.readiness(null, null, null, NOW).status, "ok");
  assert.equal(A.readiness(null, null, null, NOW, { schemaVersion: 2 }).status, "unhealthy");
  assert.throws(() => A.readiness(null, null, null, NOW, { schemaVersion: -1 }), TypeError);
  const two = [conn, { ...conn, name: "b" }];
  assert.throws(() => b.resolve("https://api.openai.com/", two, "GET", NOW), (e) => e instanceof A.AuthError && e.code === "ambiguous_default");
  assert.equal(b.resolve("https://api.openai.com/", A.setDefault(two, "openai", "b"), "GET", NOW).connection, "b");
  assert.deepEqual(b.revoke("openai", two, { client: null }), {
    requests: [],
    delete: [{ provider: "openai", name: "b" }, { provider: "openai", name: "default" }],
  });
  assert.deepEqual(A.revocationOutcome({ status: 503, headers: { "Retry-After": "5" }, body: "" }), { type: "retry", retry_after: 5 });
  assert.deepEqual(A.introspectionOutcome({ status: 200, headers: {}, body: '{"active":false}' }, NOW), { type: "inactive" });
  assert.throws(() => b.introspect("openai", "t"), (e) => e.code === "invalid_provider");
  const local = { name: "local", display_name: "Local", auth_type: "oauth2", hosts: ["localhost"], authorization_endpoint: "https://idp.example/authorize", token_endpoint: "https://idp.example/token", inject: { header: "Authorization", format: "Bearer {token}" } };
  const lb = new A.Broker({ custom: [local], allowLoopbackHttp: true });
  const oauthConn = {
    provider: "local",
    name: "default",
    credential: { type: "oauth", tokens: { access_token: "old", refresh_token: "r", token_type: "Bearer", expires_at: NOW - 1 } },
    is_default: true,
    created_at: NOW,
  };
  const need = lb.resolve("http://localhost:8080/", [oauthConn], "GET", NOW);
  assert.equal(need.type, "refresh");
  const refreshed = lb.applyRefresh(oauthConn, { status: 200, headers: {}, body: '{"access_token":"new","token_type":"Bearer","expires_in":60}' }, NOW);
  assert.equal(refreshed.credential.tokens.access_token, "new");
});

test("errors: catalog, errorBody, fromJSON, constructor", () => {
  const cat = A.catalog();
  assert.ok(cat.some((e) => e.code === "token_expired" && e.status === 401 && e.family === "token"));
  assert.equal(A.errorBody("token_expired"), JSON.stringify({ detail: cat.find((e) => e.code === "token_expired").detail, code: "token_expired" }));
  assert.equal(A.errorBody("invalid_token", "Nope."), '{"detail":"Nope.","code":"invalid_token"}');
  assert.throws(() => A.errorBody("no_such_code"), TypeError);
  const e = A.AuthError.fromJSON({ detail: "Gone.", code: "session_expired", field: "token" });
  assert.ok(e instanceof A.AuthError && e instanceof Error);
  assert.deepEqual([e.code, e.status, e.detail, e.field, e.family, e.name], ["session_expired", 401, "Gone.", "token", cat.find((c) => c.code === "session_expired").family, "AuthError"]);
  assert.deepEqual(e.toJSON(), { detail: "Gone.", code: "session_expired" });
  assert.equal(new A.AuthError("internal").status, 500);
  assert.throws(() => A.AuthError.fromJSON({ code: "nope" }), TypeError);
  assert.throws(() => A.AuthError.fromJSON("x"), TypeError);
  assert.equal(typeof A.version, "string");
});

test("a panic in the native layer is AuthError internal, and the module keeps working", () => {
  assert.throws(() => A._panicForTests(), (e) => e instanceof A.AuthError && e.code === "internal" && e.status === 500);
  assert.equal(A.normalizeUsername("Bob"), "bob");
});

test("wrong argument types are TypeError", () => {
  const v = new A.Verifier({ algorithms: ["HS256"], keys: [KEY] });
  const cases = [
    () => v.verify(42),
    () => v.verify("t", "now"),
    () => v.verify("t", 1.5),
    () => new A.Verifier("HS256"),
    () => new A.Verifier({ algorithms: ["HS256"], keys: [KEY], leeway: "60" }),
    () => new A.Issuer(KEY).issue(undefined),
    () => new A.Issuer(KEY).issue({ sub: "a" }, NOW, "entropy"),
    () => new A.Issuer(KEY).issue({ big: 10n }),
    () => new A.Issuer(KEY).issue({ when: new Date() }),
    () => A.freshness({}, NOW),
    () => A.loadTokens({}),
    () => A.pkce(null, "S256", "no"),
    () => new A.RequestDriver({ tokenEndpoint: "https://a.example/t" }).handleResponse(-1, { status: 200 }),
    () => new A.RequestDriver({ tokenEndpoint: "https://a.example/t" }).send({ method: "GET" }),
    () => new A.SessionManager().create(5),
    () => A.verifySignature(KEY, 5, new Uint8Array(1)),
    () => A.verifySignature(KEY, "x", "sig"),
    () => A.Verifier.prototype.verify.call({}, "t"),
  ];
  for (const [i, f] of cases.entries()) assert.throws(f, TypeError, `case ${i}`);
});
