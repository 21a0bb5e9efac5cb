// The MCP resource-server middleware on a node:http server (the `(req, res, next)` shape Express
// calls), and the core functions it is built on.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import {
  AuthError,
  Gate,
  Issuer,
  checkResourceMetadata,
  audienceNamesResource,
  resourceMetadataPath,
  resourceMetadataUrl,
  serveResourceMetadata,
} from "../js/index.mjs";
import { mcpServerMiddleware } from "../js/express.mjs";
import { serve } from "./loopback.mjs";

const KEY = { alg: "HS256", secret: "an HS256 secret of at least 32 bytes!!" };
const AS = "https://auth.example.com";

let server;
let resource;
let seenAuthorization;
before(async () => {
  let middleware = null;
  server = await serve(
    (req, res) =>
      new Promise((resolve) => {
        middleware(req, res, (error) => {
          if (error) {
            res.writeHead(500).end(String(error));
          } else {
            seenAuthorization = req.headers.authorization;
            res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ auth: req.auth }));
          }
          resolve();
        });
        res.on("finish", resolve);
      }),
  );
  resource = `${server.base}/mcp`;
  const gate = new Gate({
    jwt: { config: { algorithms: ["HS256"] }, keys: [KEY] },
    credentials: ["jwt"],
    routes: [
      { method: "POST", path: "/mcp", scopes: ["tools:call"] },
      { method: "GET", path: "/mcp" },
    ],
    protectedResource: { resource, issuers: [AS] },
  });
  middleware = mcpServerMiddleware(gate, { resource, authorization_servers: [AS], scopes_supported: ["tools:call"] });
});
after(async () => {
  await server.close();
});

function token(aud, scope = "tools:call", iss = AS) {
  return new Issuer(KEY).issue({ sub: "agent-7", iss, aud, scope });
}

function call(method, authorization) {
  const headers = authorization ? { Authorization: authorization } : {};
  return fetch(`${server.base}/mcp`, { method, headers });
}

test("the metadata route", async () => {
  const r = await fetch(`${server.base}/.well-known/oauth-protected-resource/mcp`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "application/json");
  assert.equal(r.headers.get("cache-control"), "public, max-age=3600");
  assert.deepEqual(await r.json(), { resource, authorization_servers: [AS], scopes_supported: ["tools:call"] });
  const post = await fetch(`${server.base}/.well-known/oauth-protected-resource/mcp`, { method: "POST" });
  assert.equal(post.status, 405);
});

test("401 points at the metadata with the route's scopes", async () => {
  const r = await call("POST");
  assert.equal(r.status, 401);
  const prm = `${server.base}/.well-known/oauth-protected-resource/mcp`;
  assert.equal(r.headers.get("www-authenticate"), `Bearer realm="api", scope="tools:call", resource_metadata="${prm}"`);
});

test("a token for the resource passes: claims on req.auth, the token hidden", async () => {
  const t = token(resource);
  const r = await call("POST", `Bearer ${t}`);
  assert.equal(r.status, 200);
  const text = await r.text();
  assert.equal(JSON.parse(text).auth.user_id, "agent-7");
  assert.ok(!text.includes(t));
  assert.equal(seenAuthorization, undefined);
  const arr = await call("GET", `Bearer ${token(["x", resource])}`);
  assert.equal(arr.status, 200);
});

test("refusals: audience, issuer, scope, malformed header", async () => {
  let r = await call("POST", `Bearer ${token("https://other.example/mcp")}`);
  assert.equal(r.status, 401);
  assert.equal((await r.json()).code, "invalid_claims");
  assert.match(r.headers.get("www-authenticate"), /error="invalid_token"/);
  r = await call("POST", `Bearer ${token(`${resource}/`)}`);
  assert.equal(r.status, 401);
  r = await call("POST", `Bearer ${token(resource, "tools:call", "https://evil.example")}`);
  assert.equal(r.status, 401);
  r = await call("POST", `Bearer ${token(resource, "tools:list")}`);
  assert.equal(r.status, 403);
  assert.match(r.headers.get("www-authenticate"), /error="insufficient_scope", error_description="[^"]*", scope="tools:call"/);
  r = await call("POST", "Basic abc");
  assert.equal(r.status, 400);
  assert.equal((await r.json()).code, "invalid_request");
});

test("the core functions", () => {
  assert.equal(resourceMetadataUrl("https://h.example/mcp"), "https://h.example/.well-known/oauth-protected-resource/mcp");
  assert.equal(resourceMetadataPath("https://h.example"), "/.well-known/oauth-protected-resource");
  assert.equal(audienceNamesResource("HTTPS://H.EXAMPLE/mcp", "https://h.example/mcp"), true);
  assert.equal(audienceNamesResource("https://h.example/mcp/", "https://h.example/mcp"), false);
  const doc = { resource: "https://h.example/mcp", authorization_servers: [AS] };
  assert.deepEqual(checkResourceMetadata(doc), doc);
  assert.equal(serveResourceMetadata(doc, { method: "GET", url: "/x", headers: {} }), null);
  assert.throws(
    () => checkResourceMetadata({ resource: "https://h.example/mcp#x", authorization_servers: [AS] }),
    (e) => e instanceof AuthError && e.code === "invalid_config" && e.field === "resource",
  );
  assert.throws(() => mcpServerMiddleware(new Gate({}), { resource: "https://h.example", authorization_servers: [] }), AuthError);
});
