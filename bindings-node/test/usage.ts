// Compiled by `tsc --noEmit --strict` (make node-test): the declared API used the documented
// way. Options are camelCase; data keeps the JSON shape.
declare const console: { log(...values: unknown[]): void };

import {
  Accounts,
  AuthError,
  Broker,
  DeviceAuthority,
  DeviceClient,
  Gate,
  Issuer,
  RequestDriver,
  SessionManager,
  Verifier,
  fromEnv,
  pkce,
  verifySignature,
} from "@authcore/node";
import type { Action, Decision, TokenSet, VerifiedToken } from "@authcore/node";

const key = { alg: "HS256" as const, secret: "k".repeat(32) };
const verifier = new Verifier({ algorithms: ["HS256"], issuer: "https://issuer", audience: ["api"], leeway: 30, maxTokenBytes: 4096, keys: [key] });
const issuer = new Issuer({ alg: "HS256", secret: new Uint8Array(32) }, { lifetime: 600, issuer: "https://issuer", audience: "api" });
const token: string = issuer.issue({ sub: "alice" }, 1_700_000_000);
const verified: VerifiedToken = verifier.verify(token);
const sub: unknown = verified.claims["sub"];
void sub;
void verifier.verifyAsync(token).then((v) => v.alg);
const [envIssuer, envVerifier] = fromEnv({ JWT_SECRET_KEY: "k".repeat(32) }, { backend: "portable" });
void envIssuer;
void envVerifier;
const ok: boolean = verifySignature(key, "a.b", new Uint8Array(32));
void ok;

const driver = new RequestDriver({ tokenEndpoint: "https://auth.example/token", clientId: "cli", refreshMargin: 120 });
driver.send({ method: "GET", url: "https://auth.example/api", headers: {} });
for (const action of driver.actions()) {
  const a: Action = action;
  if (a.type === "send") console.log(a.request.url, a.transmit);
  else if (a.type === "failed") throw AuthError.fromJSON(a.error);
}
const tokens: TokenSet | undefined = driver.stored()?.tokens;
void tokens;

const client = new DeviceClient({ baseUrl: "https://auth.example", clientId: "cli", encoding: "json" });
client.start();
const next = client.pollAction();
if (next?.type === "prompt") console.log(next.user_code);
const authority = new DeviceAuthority({ verificationUri: "https://auth.example/device", userCode: { length: 8 } });
const grant = authority.issue("cli", null, 1_700_000_000);
authority.enterUserCode(null, grant.record, "BCDF-GHJK", undefined, { globalLimiter: null });

const gate = new Gate({
  realm: "api",
  jwt: { config: { algorithms: ["HS256"], maxTokenBytes: 4096 }, keys: [key] },
  routes: [{ path: "/public", access: "public" }],
  identityHeader: "X-Identity",
});
const decision: Decision = gate.authenticate({ method: "GET", url: "/public", headers: {} });
if (decision.type === "deny") console.log(decision.response.status, decision.error.code);

const sessions = new SessionManager({ idleTimeout: 3600 });
sessions.exchange(verifier, token);
const accounts = new Accounts({ memoryKib: 1024, iterations: 1 });
void accounts.loginAsync(null, "pw").catch((e: unknown) => {
  if (e instanceof AuthError) console.log(e.code, e.status, e.field, e.family, e.toJSON().detail);
});
const broker = new Broker({ allowLoopbackHttp: true });
console.log(Object.keys(broker.providers.providers).length, pkce().challenge);
