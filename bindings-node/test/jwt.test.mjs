import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { api, BACKENDS, NOW, bytes } from "./module.mjs";

const { Verifier, Issuer, AuthError, fromEnv, verifySignature, parseJwks, parseJwksAsync, decodeUnverified } = api;

function pemPair(type, opts) {
  const { privateKey, publicKey } = generateKeyPairSync(type, opts);
  return [privateKey.export({ type: "pkcs8", format: "pem" }), publicKey.export({ type: "spki", format: "pem" })];
}

const ASYM = [
  ["EdDSA", ...pemPair("ed25519", {})],
  ["ES256", ...pemPair("ec", { namedCurve: "P-256" })],
  ["RS256", ...pemPair("rsa", { modulusLength: 2048 })],
  ["PS256", ...pemPair("rsa", { modulusLength: 2048 })],
];

for (const backend of BACKENDS) {
  test(`HMAC round trip with string and Uint8Array secrets (${backend})`, () => {
    for (const alg of ["HS256", "HS384", "HS512"]) {
      for (const secret of ["k".repeat(64), bytes(64, 9)]) {
        const issuer = new Issuer({ alg, secret }, { lifetime: 600, issuer: "https://iss", audience: "api", backend });
        const token = issuer.issue({ sub: "alice", n: 1 }, NOW);
        const verifier = new Verifier({ algorithms: [alg], issuer: "https://iss", audience: ["api"], keys: [{ alg, secret }], backend });
        const v = verifier.verify(token, NOW + 1);
        assert.equal(v.alg, alg);
        assert.deepEqual(v.claims, { aud: "api", exp: NOW + 600, iat: NOW, iss: "https://iss", n: 1, sub: "alice" });
      }
    }
    // the same bytes as text and as a Uint8Array are the same key
    const t = new Issuer({ alg: "HS256", secret: "k".repeat(32) }, { backend }).issue({ sub: "x" }, NOW);
    const v = new Verifier({ algorithms: ["HS256"], keys: [{ alg: "HS256", secret: new TextEncoder().encode("k".repeat(32)) }], backend });
    assert.equal(v.verify(t, NOW).claims.sub, "x");
  });

  test(`asymmetric algorithms: PEM keys and the issuer's JWKS (${backend})`, async () => {
    for (const [alg, priv, pub] of ASYM) {
      const issuer = new Issuer({ alg, pem: priv, kid: "k1" }, { backend });
      const token = issuer.issue({ sub: alg }, NOW);
      const byPem = new Verifier({ algorithms: [alg], keys: [{ alg, pem: pub, kid: "k1" }], backend });
      assert.equal(byPem.verify(token, NOW).claims.sub, alg);
      const jwks = issuer.jwks();
      assert.equal(jwks.keys[0].kid, "k1");
      assert.ok(!("d" in jwks.keys[0]), "the JWKS holds public parts only");
      const byJwks = new Verifier({ algorithms: [alg], jwks, backend });
      assert.equal(byJwks.verify(token, NOW).kid, "k1");
      assert.deepEqual(await byJwks.verifyAsync(token, NOW), byJwks.verify(token, NOW));
      const asyncToken = await issuer.issueAsync({ sub: "async" }, NOW);
      assert.equal(byPem.verify(asyncToken, NOW).claims.sub, "async");
      assert.deepEqual(parseJwks(jwks, null, { backend }), await parseJwksAsync(jwks, null, { backend }));
    }
  });

  test(`verify failures are AuthErrors with catalog fields (${backend})`, async () => {
    const key = { alg: "HS256", secret: "s".repeat(32) };
    const token = new Issuer(key, { lifetime: 60, backend }).issue({ sub: "a" }, NOW);
    const verifier = new Verifier({ algorithms: ["HS256"], keys: [key], leeway: 0, backend });
    assert.throws(() => verifier.verify(token, NOW + 61), (e) => {
      assert.ok(e instanceof AuthError && e instanceof Error);
      assert.equal(e.code, "token_expired");
      assert.equal(e.status, 401);
      assert.equal(e.field, "exp");
      assert.equal(e.family, "token");
      assert.equal(e.message, e.detail);
      assert.deepEqual(e.toJSON(), { detail: e.detail, code: "token_expired" });
      assert.deepEqual(JSON.parse(JSON.stringify(e)), { detail: e.detail, code: "token_expired" });
      return true;
    });
    await assert.rejects(verifier.verifyAsync(token, NOW + 61), (e) => e instanceof AuthError && e.code === "token_expired");
    await assert.rejects(verifier.verifyAsync(42, NOW), TypeError);
    const wrong = new Verifier({ algorithms: ["HS256"], keys: [{ alg: "HS256", secret: "t".repeat(32) }], backend });
    assert.throws(() => wrong.verify(token, NOW), (e) => e instanceof AuthError && e.code === "invalid_signature");
  });
}

test("fromEnv, verifySignature, decodeUnverified", () => {
  const [issuer, verifier] = fromEnv({ JWT_SECRET_KEY: "e".repeat(32), JWT_EXPIRATION: 120, JWT_ISSUER: "me" });
  assert.ok(issuer instanceof Issuer && verifier instanceof Verifier);
  const token = issuer.issue({ sub: "env" }, NOW);
  assert.equal(verifier.verify(token, NOW).claims.exp, NOW + 120);
  assert.throws(() => fromEnv({ JWT_SECRET_KEY: "short" }), (e) => e instanceof AuthError && e.code === "invalid_config" && !e.detail.includes("short"));
  const [header, claims] = decodeUnverified(token);
  assert.equal(header.alg, "HS256");
  assert.equal(claims.sub, "env");
  // RFC 7515 A.1
  const jwk = { kty: "oct", k: "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow" };
  const input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
  const sig = Buffer.from("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "base64url");
  assert.equal(verifySignature({ alg: "HS256", jwk }, input, sig), true);
  assert.equal(verifySignature({ alg: "HS256", jwk }, new TextEncoder().encode(input), new Uint8Array(sig)), true);
  assert.equal(verifySignature({ alg: "HS256", jwk }, input + "x", sig), false);
});

test("option names are camelCase and checked", () => {
  const keys = [{ alg: "HS256", secret: "k".repeat(32) }];
  const v = new Verifier({ algorithms: ["HS256"], keys, maxTokenBytes: 100 });
  const long = new Issuer(keys[0]).issue({ sub: "x".repeat(200) }, NOW);
  assert.throws(() => v.verify(long, NOW), (e) => e instanceof AuthError && e.code === "invalid_token" && e.detail.includes("100 bytes"));
  assert.throws(() => new Verifier({ algorithms: ["HS256"], keys, maxTokenBytez: 1 }), TypeError);
  assert.throws(() => new Verifier({ algorithms: "HS256", keys }), TypeError);
  assert.throws(() => new Issuer(keys[0], { lifetime: "60" }), TypeError);
});

test("parseJwks reports skipped entries; verifiers expose skippedKeys", () => {
  const ed = { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "sig" };
  const enc = { kty: "RSA", use: "enc", alg: "RSA-OAEP", kid: "enc", n: "AQAB", e: "AQAB" };
  for (const backend of BACKENDS) {
    const report = parseJwks({ keys: [ed, enc] }, null, { backend });
    assert.deepEqual(report.keys.map((k) => k.alg), ["EdDSA"]);
    assert.deepEqual(report.skipped, [{ index: 1, kid: "enc", reason_code: "not_for_signature", detail: "Its `use` is `enc`, not `sig`." }]);
    const v = new Verifier({ algorithms: ["EdDSA"], jwks: { keys: [ed, enc] }, backend });
    assert.deepEqual(v.skippedKeys().map((s) => s.reason_code), ["not_for_signature"]);
    assert.throws(() => parseJwks({ keys: [enc] }, null, { backend }), (e) => e instanceof AuthError && e.code === "invalid_key" && e.field === "keys");
  }
});
