// RemoteJwks and JwksCache: a loopback JWKS server that rotates keys; tokens from the package's
// own Issuer (EdDSA); fetch counts asserted. Every rule is the core's; this checks the glue.

import assert from "node:assert/strict";
import test from "node:test";

import { AuthError, Issuer, JwksCache, RemoteJwks, wellKnownUrl, parseProviderMetadata } from "../js/index.mjs";
import { reply, serve } from "./loopback.mjs";

const T0 = 1_700_000_000;

function issuer(kid, byte) {
  const raw = Buffer.alloc(32, byte).toString("base64url");
  return new Issuer({ alg: "EdDSA", kid, raw_b64: raw }, { lifetime: 1_000_000 });
}

test("RemoteJwks fetches once, refuses a sprayed kid inside the cooldown, picks a rotated key up with one fetch", async () => {
  const a = issuer("a", 1);
  const b = issuer("b", 2);
  let served = a.jwks();
  let fetches = 0;
  const srv = await serve((req, res) => {
    fetches += 1;
    reply(res, 200, served, { "Cache-Control": "max-age=600" });
  });
  try {
    let now = T0;
    const jwks = new RemoteJwks(
      { jwksUri: `${srv.base}/jwks`, verifier: { algorithms: ["EdDSA"] }, cooldown: 300 },
      { clock: () => now },
    );
    const ta = a.issue({ sub: "u" }, T0);
    const tb = b.issue({ sub: "u" }, T0);
    assert.equal((await jwks.verify(ta)).claims.sub, "u");
    assert.equal((await jwks.verify(ta)).kid, "a");
    assert.equal(fetches, 1);
    served = b.jwks();
    now += 10;
    await assert.rejects(jwks.verify(tb), (e) => e instanceof AuthError && e.code === "invalid_token" && e.field === "kid");
    assert.equal(fetches, 1);
    now = T0 + 310;
    const [x, y] = await Promise.all([jwks.verify(tb), jwks.verify(tb)]);
    assert.equal(x.kid, "b");
    assert.equal(y.kid, "b");
    assert.equal(fetches, 2);
    assert.deepEqual(jwks.cache.status(now).kids, ["b"]);
    const restored = JwksCache.restore(jwks.cache.snapshot());
    assert.equal(restored.verify(tb, now).type, "verified");
  } finally {
    await srv.close();
  }
});

test("discovery: well-known URLs and exact issuer equality", () => {
  assert.equal(wellKnownUrl("https://kc.example/realms/main"), "https://kc.example/realms/main/.well-known/openid-configuration");
  assert.equal(wellKnownUrl("https://as.example/t", "oauth"), "https://as.example/.well-known/oauth-authorization-server/t");
  const body = JSON.stringify({ issuer: "https://a.example/", jwks_uri: "https://a.example/k" });
  const meta = parseProviderMetadata({ status: 200, headers: {}, body }, "https://a.example/");
  assert.equal(meta.jwks_uri, "https://a.example/k");
  assert.throws(
    () => parseProviderMetadata({ status: 200, headers: {}, body }, "https://a.example"),
    (e) => e instanceof AuthError && e.code === "invalid_response" && e.field === "issuer",
  );
  assert.throws(() => wellKnownUrl("http://a.example", null, { allowInsecureHttp: 1 }), TypeError);
});
