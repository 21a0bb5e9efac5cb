// The challenge parser and the MCP authorization machine through the façade, and
// `withMcpAuth` (`@authcore/node/mcp`) against a loopback MCP server with its own
// authorization server (resource metadata, AS metadata, registration, authorize, token).

import assert from "node:assert/strict";
import { test } from "node:test";

import { AuthError, McpAuth, parseChallenges, prmUrls, resourceChallenge } from "../js/index.mjs";
import { McpMemoryStore, withMcpAuth } from "../js/mcp.mjs";
import { readBody, reply, serve } from "./loopback.mjs";

test("challenge parser: several schemes, commas inside quotes, the Bearer challenge", () => {
  const cs = parseChallenges(['Basic realm="a, b", Bearer error="insufficient_scope", scope="x y"']);
  assert.deepEqual(cs.map((c) => c.scheme), ["Basic", "Bearer"]);
  assert.equal(cs[0].params.realm, "a, b");
  assert.deepEqual(resourceChallenge(cs), { scheme: "Bearer", error: "insufficient_scope", scope: "x y" });
  assert.equal(resourceChallenge(parseChallenges(["Basic realm=x"])), null);
});

test("McpAuth: first step, snapshot/restore, errors are AuthError", () => {
  assert.deepEqual(prmUrls("https://mcp.example.com/mcp"), [
    "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
    "https://mcp.example.com/.well-known/oauth-protected-resource",
  ]);
  const m = new McpAuth({ serverUrl: "https://mcp.example.com/mcp", redirectUri: "http://127.0.0.1:3000/cb" });
  assert.equal(m.status().state, "idle");
  m.handleUnauthorized({ status: 401, headers: { "www-authenticate": 'Bearer scope="files:read"' } }, 1_700_000_000, new Uint8Array(64));
  const a = m.pollAction();
  assert.equal(a.type, "send");
  assert.equal(a.request.url, "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
  const copy = McpAuth.restore(m.snapshot());
  assert.ok(["paused", "pending"].includes(copy.status().state));
  assert.throws(() => new McpAuth({ serverUrl: "ftp://x", redirectUri: "http://127.0.0.1:3000/cb" }), (e) => e instanceof AuthError && e.code === "invalid_config");
  assert.throws(() => m.handleResponse(999, { status: 200, headers: {}, body: "{}" }, 1_700_000_000), AuthError);
});

async function world() {
  const w = { registrations: 0, tokenForms: [], mcpCalls: 0 };
  const s = await serve(async (req, res) => {
    const base = w.base;
    const url = new URL(req.url, base);
    if (req.method === "GET" && url.pathname === "/.well-known/oauth-protected-resource/mcp") {
      return reply(res, 200, { resource: `${base}/mcp`, authorization_servers: [base], scopes_supported: ["files:read"] });
    }
    if (req.method === "GET" && url.pathname === "/.well-known/oauth-authorization-server") {
      return reply(res, 200, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        registration_endpoint: `${base}/register`,
        response_types_supported: ["code"],
        code_challenge_methods_supported: ["S256"],
      });
    }
    if (url.pathname === "/authorize") {
      const q = url.searchParams;
      return reply(res, 302, "", { Location: `${q.get("redirect_uri")}?code=c1&state=${q.get("state")}&iss=${encodeURIComponent(base)}` });
    }
    const body = (await readBody(req)).toString();
    if (url.pathname === "/register") {
      w.registrations++;
      return reply(res, 201, { client_id: "client-1", redirect_uris: JSON.parse(body).redirect_uris, token_endpoint_auth_method: "none" });
    }
    if (url.pathname === "/token") {
      w.tokenForms.push(new URLSearchParams(body));
      return reply(res, 200, { access_token: "at-1", token_type: "Bearer", expires_in: 3600 });
    }
    if (url.pathname === "/mcp") {
      w.mcpCalls++;
      if (req.headers.authorization === "Bearer at-1") return reply(res, 200, { jsonrpc: "2.0", id: 1, result: { echo: JSON.parse(body) } });
      const rm = `${base}/.well-known/oauth-protected-resource/mcp`;
      return reply(res, 401, {}, { "WWW-Authenticate": `Bearer resource_metadata="${rm}", scope="files:read"` });
    }
    return reply(res, 404, {});
  });
  w.base = s.base;
  w.close = s.close;
  return w;
}

async function browser(url) {
  const r = await fetch(url, { redirect: "manual" });
  await r.body?.cancel();
  return r.headers.get("location");
}

test("withMcpAuth: 401 → discovery, registration, authorization, token; retried; stored and reused", async () => {
  const w = await world();
  try {
    const seen = [];
    const store = new McpMemoryStore();
    const onAuthorize = (url) => {
      seen.push(url);
      return browser(url);
    };
    const f = withMcpAuth(fetch, { serverUrl: `${w.base}/mcp`, redirectUri: "http://127.0.0.1:3000/callback", store, onAuthorize });
    const r = await f(`${w.base}/mcp`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ method: "tools/list" }) });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).result.echo.method, "tools/list");
    assert.equal(seen.length, 1);
    assert.equal(w.registrations, 1);
    assert.equal(w.tokenForms[0].get("resource"), `${w.base}/mcp`);
    assert.ok(w.tokenForms[0].get("code_verifier"));
    const [entry] = await store.entries();
    assert.deepEqual(entry.key, { resource: `${w.base}/mcp`, issuer: w.base });
    assert.equal(entry.tokens.access_token, "at-1");

    // Another wrapper on the same store: the stored token goes out at once.
    const calls = w.mcpCalls;
    const g = withMcpAuth(fetch, { serverUrl: `${w.base}/mcp`, redirectUri: "http://127.0.0.1:3000/callback", store, onAuthorize });
    assert.equal((await g(`${w.base}/mcp`, { method: "POST", body: "{}" })).status, 200);
    assert.equal(w.mcpCalls, calls + 1);
    assert.equal(seen.length, 1);
  } finally {
    await w.close();
  }
});

test("withMcpAuth: the machine's failure rejects with its AuthError (resource mismatch)", async () => {
  const w = await world();
  try {
    const f = withMcpAuth(fetch, { serverUrl: `${w.base}/other`, redirectUri: "http://127.0.0.1:3000/callback", onAuthorize: browser });
    await assert.rejects(f(`${w.base}/mcp`, { method: "POST", body: "{}" }), (e) => e instanceof AuthError && e.code === "invalid_response");
  } finally {
    await w.close();
  }
});
