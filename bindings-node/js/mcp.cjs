// Generated from mcp.mjs by bindings-node/tools/gen-cjs-adapters.mjs: edit the .mjs, then run it.
"use strict";
// MCP authorization for Node (`@authcore/node/mcp`): a `fetch` wrapper that drives the core's
// MCP authorization machine (`McpAuth`).
//
// `withMcpAuth(fetch, options)` returns a `fetch`-compatible function for one MCP server: it
// adds the machine's `Authorization` header; on a 401 (or a 403 `insufficient_scope`) it
// feeds the response to the machine, sends the machine's discovery, registration and token
// requests with the wrapped `fetch` (redirects not followed), hands the authorization URL to
// `onAuthorize` (it resolves to the URL the browser came back to), saves clients and tokens in
// `store` keyed by `(resource, issuer)`, and retries the request. Every rule is the core's.
// It fits `@modelcontextprotocol/sdk`'s `StreamableHTTPClientTransport` (its `fetch` option).

const { AuthError, McpAuth } = require("./index.cjs");

/** Clients and tokens in memory, keyed by `(resource, issuer)`. */
class McpMemoryStore {
  constructor() {
    this.map = new Map();
  }
  /** Every stored `{key, client?, tokens?}`. */
  async entries() {
    return [...this.map.values()].map((e) => ({ ...e }));
  }
  async saveClient(key, client) {
    this.entry(key).client = client;
  }
  async saveTokens(key, tokens) {
    this.entry(key).tokens = tokens;
  }
  entry(key) {
    const id = JSON.stringify([key.resource, key.issuer]);
    if (!this.map.has(id)) this.map.set(id, { key });
    return this.map.get(id);
  }
}

function headersObject(headers) {
  const out = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

async function responseData(response, read) {
  return { status: response.status, headers: headersObject(response.headers), body: read ? await response.text() : "" };
}

/**
 * A `fetch` for one MCP server, authorized by the MCP authorization machine.
 *
 * `options`: `serverUrl` and `redirectUri` (required), `config` (more McpAuth options in
 * camelCase: `client`, `clientMetadataUrl`, `clientName`, `requestOfflineAccess`, …),
 * `store` (default: memory; `{entries(), saveClient(key, client), saveTokens(key, tokens)}`),
 * `onAuthorize(url)` (required: resolves to the callback URL), `maxRounds` (default 8).
 */
function withMcpAuth(fetchImpl, options) {
  if (typeof fetchImpl !== "function") throw new TypeError("fetch: expected a function");
  if (options === null || typeof options !== "object") throw new TypeError("options: expected an object");
  const { serverUrl, redirectUri, config = {}, store = new McpMemoryStore(), onAuthorize, maxRounds = 8 } = options;
  if (typeof onAuthorize !== "function") throw new TypeError("options.onAuthorize: expected a function");
  const machine = new McpAuth({ ...config, serverUrl, redirectUri });
  let loaded = null;
  const load = () => {
    loaded ??= (async () => {
      for (const e of await store.entries()) {
        if (e.client) machine.addClient(e.key, e.client);
        if (e.tokens) machine.addTokens(e.key, e.tokens);
      }
    })();
    return loaded;
  };

  async function authorize() {
    for (;;) {
      const action = machine.pollAction();
      if (action === null) throw new AuthError("internal", "The authorization stopped without a result.");
      switch (action.type) {
        case "send": {
          const r = action.request;
          let response;
          try {
            response = await fetchImpl(r.url, { method: r.method, headers: r.headers ?? {}, body: r.body, redirect: "manual" });
          } catch {
            machine.handleNetworkError(action.transmit);
            break;
          }
          machine.handleResponse(action.transmit, await responseData(response, true));
          break;
        }
        case "authorize":
          machine.handleCallback(String(await onAuthorize(action.url)));
          break;
        case "save_client":
          await store.saveClient(action.key, action.client);
          break;
        case "save_tokens":
          await store.saveTokens(action.key, action.tokens);
          break;
        case "authorized":
          return;
        case "needs_client":
          throw new AuthError("invalid_config", "No client for this authorization server.", "client");
        default:
          throw AuthError.fromJSON(action.error);
      }
    }
  }

  return async function mcpFetch(input, init) {
    await load();
    const base = new Request(input, init);
    const body = base.body === null ? undefined : await base.arrayBuffer();
    for (let round = 0; round < maxRounds; round++) {
      const headers = new Headers(base.headers);
      const extra = machine.authorizeRequest({ method: base.method, url: base.url, headers: headersObject(headers) });
      for (const [k, v] of Object.entries(extra)) headers.set(k, v);
      const response = await fetchImpl(base.url, { method: base.method, headers, body, signal: init?.signal });
      if (response.status !== 401 && response.status !== 403) {
        if (response.ok) machine.handleSuccess();
        return response;
      }
      machine.handleUnauthorized(await responseData(response, false));
      await response.body?.cancel().catch(() => {});
      await authorize();
    }
    throw new AuthError("not_authenticated", "Too many authorization rounds.");
  };
}

module.exports = { McpMemoryStore, withMcpAuth };
