// DPoP (RFC 9449): keys, proofs, the server check, nonces and token binding through the JS API
// (the same tests run against @authcore/wasm with AUTHCORE_TEST_MODULE).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { api as A, BACKENDS, NOW, bytes } from "./module.mjs";

const RS = "https://rs.example.com/mcp";
const b64 = (buf) => Buffer.from(buf).toString("base64url");
const seg = (jwt, i) => JSON.parse(Buffer.from(jwt.split(".")[i], "base64url").toString());

test("dpop: proof made, checked, replay and binding", () => {
  for (const backend of BACKENDS) {
    for (const alg of ["ES256", "EdDSA"]) {
      const key = A.DpopKey.generate(alg, { backend });
      assert.equal(key.algorithm, alg);
      assert.equal(key.thumbprint, A.jwkThumbprint(key.publicJwk));
      assert.equal(A.DpopKey.fromJwk(key.toJwk(), { backend }).thumbprint, key.thumbprint);
      const proof = key.proof("POST", `${RS}?x=1`, { accessToken: "at", now: NOW, entropy: bytes(16) });
      const claims = seg(proof, 1);
      assert.equal(claims.htu, RS);
      assert.equal(claims.ath, b64(createHash("sha256").update("at").digest()));
      assert.equal(seg(proof, 0).jwk.d, undefined);
      const checker = new A.ProofChecker({ maxAge: 120, backend });
      const request = { method: "POST", url: RS, headers: { DPoP: proof } };
      const record = checker.check(request, "at", key.thumbprint, NOW);
      assert.equal(record.expires_at, NOW + 180);
      A.dpopCheckReplay(record, false);
      assert.throws(() => A.dpopCheckReplay(record, true), (e) => e instanceof A.AuthError && e.code === "invalid_dpop_proof" && e.field === "jti");
      assert.throws(() => checker.check({ ...request, method: "GET" }, "at", key.thumbprint, NOW), (e) => e.code === "invalid_dpop_proof" && e.field === "htm");
      assert.throws(() => checker.check(request, "at", key.thumbprint, NOW + 200), (e) => e.field === "iat" && e.status === 401);
    }
  }
  const bound = A.dpopConfirmation("jkt-1");
  assert.deepEqual(bound, { cnf: { jkt: "jkt-1" } });
  assert.equal(A.dpopCheckTokenBinding(bound, "DPoP"), "jkt-1");
  assert.equal(A.dpopCheckTokenBinding({ sub: "a" }, "Bearer"), null);
  assert.throws(() => A.dpopCheckTokenBinding(bound, "Bearer"), (e) => e.code === "invalid_token");
});

test("dpop: nonces from a checker, kept per origin, retried once", () => {
  const checker = new A.ProofChecker({ requireNonce: true, nonceKey: b64(new Uint8Array(32)) });
  const key = A.DpopKey.generate("EdDSA");
  const nonces = new A.DpopNonces();
  const send = (retried) => {
    const proof = key.proof("POST", RS, { accessToken: "at", nonce: nonces.nonceFor(RS) });
    try {
      return checker.check({ method: "POST", url: RS, headers: { DPoP: proof } }, "at", key.thumbprint);
    } catch (e) {
      assert.equal(e.code, "use_dpop_nonce");
      const response = { status: 401, headers: { "WWW-Authenticate": checker.challenge(e), "DPoP-Nonce": checker.issueNonce() }, body: "" };
      assert.ok(A.dpopIsNonceChallenge(response));
      return nonces.handleResponse(RS, response, retried) ? send(true) : null;
    }
  };
  assert.equal(nonces.nonceFor(RS), null);
  assert.ok(send(false).jti);
  assert.equal(typeof nonces.nonces["https://rs.example.com"], "string");
  assert.equal(A.dpopCheckTokenType("DPoP", true), "DPoP");
  assert.throws(() => A.dpopCheckTokenType("Bearer", true), (e) => e.code === "invalid_response" && e.field === "token_type");
  const r = A.dpopTokenEndpointError({ code: "use_dpop_nonce", detail: "x" }, "n");
  assert.equal(r.status, 400);
  assert.equal(r.headers["DPoP-Nonce"], "n");
});

test("dpop: argument errors are TypeErrors", () => {
  assert.throws(() => A.DpopKey.generate(42), TypeError);
  assert.throws(() => new A.DpopKey(), TypeError);
  assert.throws(() => A.DpopKey.generate("EdDSA").proof(1, RS), TypeError);
  assert.throws(() => new A.ProofChecker({ algorithms: ["HS256"] }), (e) => e.code === "invalid_config" && e.field === "algorithms");
});
