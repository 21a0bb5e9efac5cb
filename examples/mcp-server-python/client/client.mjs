// The official MCP TypeScript SDK client against the authcore-protected example server:
// `node client.mjs <mcp-url>`. It connects with an OAuth client provider (the SDK discovers the
// Protected Resource Metadata from the 401 challenge, then the authorization server's metadata,
// registers dynamically, and sends the user to the authorization endpoint; the test's
// authorization server approves at once and redirects with a code), finishes the authorization,
// reconnects, lists and calls tools, and prints one JSON line: the tools, the call's result and
// every HTTP exchange it made (method, URL, status), for the test to check the order.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const REDIRECT = "http://127.0.0.1:9/callback";

class AutoApproveProvider {
  constructor() {
    this.code = undefined;
  }
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata() {
    return {
      client_name: "authcore example client",
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this._client;
  }
  saveClientInformation(info) {
    this._client = info;
  }
  tokens() {
    return this._tokens;
  }
  saveTokens(tokens) {
    this._tokens = tokens;
  }
  saveCodeVerifier(verifier) {
    this._verifier = verifier;
  }
  codeVerifier() {
    return this._verifier;
  }
  async redirectToAuthorization(url) {
    // The "user" approves: the authorization endpoint redirects back with the code.
    const response = await logged(url, { redirect: "manual" });
    const location = response.headers.get("location");
    if (!location) throw new Error(`no redirect from the authorization endpoint (${response.status})`);
    const back = new URL(location);
    this.code = back.searchParams.get("code");
    if (!this.code) throw new Error(`no code in the redirect: ${location}`);
  }
}

const exchanges = [];
async function logged(input, init) {
  const response = await fetch(input, init);
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  exchanges.push({ method: (init && init.method) || "GET", url, status: response.status });
  return response;
}

async function connect(url, provider) {
  const client = new Client({ name: "authcore-example-client", version: "1.0.0" }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: logged });
  try {
    await client.connect(transport);
    return { client, transport };
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || provider.code === undefined) throw error;
    await transport.finishAuth(provider.code);
    const again = new Client({ name: "authcore-example-client", version: "1.0.0" }, { capabilities: {} });
    const transport2 = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: logged });
    await again.connect(transport2);
    return { client: again, transport: transport2 };
  }
}

const url = new URL(process.argv[2]);
const provider = new AutoApproveProvider();
const { client, transport } = await connect(url, provider);
const tools = await client.listTools();
const result = await client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
await transport.close();
console.log(
  JSON.stringify({
    tools: tools.tools.map((t) => t.name).sort(),
    result,
    scope: provider.tokens()?.scope ?? null,
    exchanges,
  }),
);
