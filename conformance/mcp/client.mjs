// An MCP client authorized by `@authcore/node/mcp` (`withMcpAuth`, the Node binding of the
// core's MCP authorization machine), for the official MCP conformance suite.
//
// Usage: `node client.mjs <server-url>` (the suite appends the URL). It reads
// MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_PROTOCOL_VERSION and, when set,
// MCP_CONFORMANCE_CONTEXT (a pre-registered client_id/client_secret). It speaks just enough
// MCP over loopback http with `fetch`: for the 2026-07-28 stateless lifecycle every request
// carries `MCP-Protocol-Version` and `_meta`; for the 2025 revisions it runs the `initialize`
// handshake first. Then `tools/list` and `tools/call` on the first tool.
//
// The browser step is done the way the suite's reference client does it: GET the
// authorization URL without following the redirect and hand back the `Location`. Exit status
// 0 when the tool call succeeded, 1 otherwise (the reason on stderr). No authorization rule
// lives here: every decision is the machine's.

import { withMcpAuth } from "../../bindings-node/js/mcp.mjs";

const REDIRECT_URI = "http://localhost:3000/callback";
const CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json";
const STATEFUL = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
const CLIENT_INFO = { name: "authcore-mcp-client-node", version: "0.1.0" };

async function followAuthorization(url) {
  const r = await fetch(url, { redirect: "manual" });
  const location = r.headers.get("location");
  await r.body?.cancel();
  if (location === null) throw new Error(`authorization endpoint answered ${r.status} without Location`);
  return location;
}

/** The JSON-RPC message of a JSON or SSE (`text/event-stream`) response. */
function readMessage(text) {
  const body = text.trim();
  try {
    return JSON.parse(body);
  } catch {}
  for (const line of body.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    try {
      const v = JSON.parse(line.slice(5).trim());
      if (v && (v.result !== undefined || v.error !== undefined)) return v;
    } catch {}
  }
  return null;
}

async function run(url) {
  let version = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION ?? "2026-07-28";
  let context = {};
  try {
    context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? "null") ?? {};
  } catch {}
  const config = { clientName: "authcore-mcp-client-node", clientMetadataUrl: CLIENT_METADATA_URL };
  if (typeof context.client_id === "string") {
    config.client = { clientId: context.client_id };
    if (typeof context.client_secret === "string") config.client.clientSecret = context.client_secret;
  }
  const mcpFetch = withMcpAuth(fetch, { serverUrl: url, redirectUri: REDIRECT_URI, config, onAuthorize: followAuthorization });
  const stateless = !STATEFUL.includes(version);
  let session = null;
  let nextId = 1;

  const post = (body) => {
    const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": version };
    if (session) headers["Mcp-Session-Id"] = session;
    return mcpFetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  };
  const request = async (method, params) => {
    if (stateless) {
      params._meta = {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
        "io.modelcontextprotocol/clientCapabilities": {},
      };
    }
    const r = await post({ jsonrpc: "2.0", id: nextId++, method, params });
    session = r.headers.get("mcp-session-id") ?? session;
    const text = await r.text();
    if (!r.ok) throw new Error(`${method}: HTTP ${r.status} ${text}`);
    const message = readMessage(text);
    if (message === null) throw new Error(`${method}: unreadable response`);
    if (message.error !== undefined) throw new Error(`${method}: ${JSON.stringify(message.error)}`);
    return message.result;
  };

  if (!stateless) {
    const result = await request("initialize", { protocolVersion: version, capabilities: {}, clientInfo: CLIENT_INFO });
    if (typeof result?.protocolVersion === "string") version = result.protocolVersion;
    const r = await post({ jsonrpc: "2.0", method: "notifications/initialized" });
    await r.body?.cancel();
  }
  const tools = await request("tools/list", {});
  const first = tools?.tools?.[0];
  if (first) await request("tools/call", { name: first.name, arguments: {} });
}

const url = process.argv.slice(2).reverse().find((a) => a.startsWith("http"));
if (url === undefined) {
  console.error("usage: client.mjs <server-url>");
  process.exit(2);
}
try {
  await run(url);
} catch (e) {
  console.error(`authcore-mcp-client-node: ${e?.name}: ${e?.message}`);
  process.exit(1);
}
