// Compiled by `tsc --noEmit --strict` (adapter-entries.test.mjs): the adapters used the
// documented way, in a project with the DOM's fetch types.

import { AuthError, Gate, MemoryTokenStore, RequestDriver, authFetch, deviceLogin } from "@authcore/node";
import type { StoredTokens, TokenStore } from "@authcore/node";
import { authenticate, fastifyGate, gateMiddleware, mcpServerMiddleware, requestRecord } from "@authcore/node/express";
import type { GateStorage } from "@authcore/node/express";
import { FileTokenStore } from "@authcore/node/stores";

export async function cli(): Promise<string> {
  const store: TokenStore = new FileTokenStore("~/.my-cli/auth.json");
  const controller = new AbortController();
  const stored: StoredTokens = await deviceLogin({
    baseUrl: "https://auth.example.com",
    clientId: "my-cli",
    scope: "read",
    store,
    signal: controller.signal,
    prompt: (p) => console.log(p.user_code, p.verification_uri_complete ?? p.verification_uri),
  });
  const api = authFetch({ tokenEndpoint: "https://auth.example.com/oauth/token", apiOrigins: ["https://api.example.com"] }, store, {
    fetch,
    clock: () => Date.now() / 1000,
  });
  await api.setIdentity("org-1");
  const r: Response = await api("https://api.example.com/me", { method: "POST", body: new Uint8Array([1, 2]) });
  const viaDriver = authFetch(new RequestDriver({ tokenEndpoint: "https://auth.example.com/oauth/token", stored }), new MemoryTokenStore(stored));
  await viaDriver(new Request("https://api.example.com/x"));
  try {
    await api("https://api.example.com/me");
  } catch (e) {
    if (e instanceof AuthError) return e.code;
  }
  return String(r.status);
}

const storage: GateStorage = {
  session: async (tokenHash) => (tokenHash ? null : null),
  user: (userId) => ({ identities: [userId], entitlements: [] }),
  saveSession: async () => {},
};
const gate = new Gate({ jwt: { config: { algorithms: ["HS256"] }, keys: [{ alg: "HS256", secret: "x".repeat(32) }] } });
export const middleware = gateMiddleware(gate, storage, { clock: () => 0 });
export const mcpMiddleware = mcpServerMiddleware(
  gate,
  { resource: "https://mcp.example.com/mcp", authorization_servers: ["https://auth.example.com"] },
  storage,
);
export const hook = fastifyGate(gate, storage);
export const record = requestRecord({ method: "GET", url: "/", rawHeaders: ["Host", "a"] });
export const decision = authenticate(gate, record, storage).then((d) => (d.type === "allow" ? d.context.user_id : d.response.status));
