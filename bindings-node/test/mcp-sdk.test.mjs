// `withMcpAuth` as the `fetch` of the official TypeScript SDK's StreamableHTTPClientTransport,
// against an SDK server (McpServer, stateless streamable HTTP) on a loopback socket, guarded by
// a bearer check and served with its own authorization server.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

import { withMcpAuth } from "../js/mcp.mjs";
import { readBody, reply, serve } from "./loopback.mjs";

const TOKEN = "sdk-access-token";

test("the SDK's StreamableHTTPClientTransport with withMcpAuth as its fetch", async () => {
  const w = { tokenForms: [] };
  const s = await serve(async (req, res) => {
    const base = w.base;
    const url = new URL(req.url, base);
    if (url.pathname === "/.well-known/oauth-protected-resource/mcp") {
      return reply(res, 200, { resource: `${base}/mcp`, authorization_servers: [base], scopes_supported: ["tools"] });
    }
    if (url.pathname === "/.well-known/oauth-authorization-server") {
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
    if (url.pathname === "/register") {
      const meta = JSON.parse((await readBody(req)).toString());
      return reply(res, 201, { client_id: "sdk-client", redirect_uris: meta.redirect_uris, token_endpoint_auth_method: "none" });
    }
    if (url.pathname === "/token") {
      w.tokenForms.push(new URLSearchParams((await readBody(req)).toString()));
      return reply(res, 200, { access_token: TOKEN, token_type: "Bearer", expires_in: 3600 });
    }
    if (url.pathname === "/mcp") {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        const rm = `${base}/.well-known/oauth-protected-resource/mcp`;
        return reply(res, 401, { error: "invalid_token" }, { "WWW-Authenticate": `Bearer resource_metadata="${rm}"` });
      }
      const server = new McpServer({ name: "authcore-test", version: "1.0.0" });
      server.tool("echo", { text: z.string() }, async ({ text }) => ({ content: [{ type: "text", text: `echo: ${text}` }] }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      await server.connect(transport);
      const body = req.method === "POST" ? JSON.parse((await readBody(req)).toString()) : undefined;
      return transport.handleRequest(req, res, body);
    }
    return reply(res, 404, {});
  });
  w.base = s.base;
  try {
    const seen = [];
    const mcpFetch = withMcpAuth(fetch, {
      serverUrl: `${w.base}/mcp`,
      redirectUri: "http://127.0.0.1:3000/callback",
      onAuthorize: async (url) => {
        seen.push(url);
        const r = await fetch(url, { redirect: "manual" });
        await r.body?.cancel();
        return r.headers.get("location");
      },
    });
    const client = new Client({ name: "authcore-test-client", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${w.base}/mcp`), { fetch: mcpFetch }));
    const tools = await client.listTools();
    assert.deepEqual(tools.tools.map((t) => t.name), ["echo"]);
    const result = await client.callTool({ name: "echo", arguments: { text: "hi" } });
    assert.equal(result.content[0].text, "echo: hi");
    assert.equal(seen.length, 1);
    assert.equal(w.tokenForms.length, 1);
    assert.equal(w.tokenForms[0].get("resource"), `${w.base}/mcp`);
    await client.close();
  } finally {
    await s.close();
  }
});
