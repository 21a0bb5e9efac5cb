// Token requests beyond the authorization code: a private_key_jwt assertion verified with
// node:crypto the way the MCP conformance suite's server checks it (ES256 over a fresh PKCS#8
// key; aud = the issuer; iss = sub = the client id), client_secret_basic, the ID-JAG exchange,
// and refusals as AuthError codes with their fields.

import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { test } from "node:test";

import { api, BACKENDS, NOW, bytes } from "./module.mjs";

const { AuthError, chooseAuthMethod, clientAssertion, grantRequest, grantResponse, idJagRequest, tokenExchangeResponse } = api;

const ISSUER = "http://localhost:3001";
const ENDPOINT = { url: `${ISSUER}/token`, issuer: ISSUER };
const b64json = (s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));

function refusal(f) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof AuthError, String(e));
    return [e.code, e.field];
  }
  assert.fail("expected an AuthError");
}

test("private_key_jwt: an ES256 assertion verifies with the public key", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" });
  for (const backend of BACKENDS) {
    const req = grantRequest(
      ENDPOINT,
      { type: "private_key_jwt", client_id: "conformance-test-client", key: { pem } },
      { grant: { type: "client_credentials" }, scope: "mcp:read" },
      NOW,
      bytes(16),
      { backend },
    );
    const body = new URLSearchParams(req.body);
    assert.equal(body.get("grant_type"), "client_credentials");
    assert.equal(body.get("client_assertion_type"), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    const [h, c, s] = body.get("client_assertion").split(".");
    assert.deepEqual(b64json(h), { alg: "ES256", typ: "JWT" });
    const claims = b64json(c);
    assert.equal(claims.iss, "conformance-test-client");
    assert.equal(claims.sub, "conformance-test-client");
    assert.equal(claims.aud, ISSUER);
    assert.equal(claims.exp, NOW + 60);
    assert.equal(claims.jti, Buffer.from(bytes(16)).toString("base64url"));
    const ok = verify("sha256", Buffer.from(`${h}.${c}`), { key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
    assert.ok(ok, `signature (${backend})`);
  }
});

test("clientAssertion: lifetime and kid; refusals name the field", () => {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const a = clientAssertion(ENDPOINT, "c", { jwk, kid: "k1" }, NOW, bytes(16), { lifetime: 30 });
  const [h, c] = a.split(".");
  assert.deepEqual(b64json(h), { alg: "EdDSA", kid: "k1", typ: "JWT" });
  assert.equal(b64json(c).exp, NOW + 30);
  assert.ok(createPublicKey(privateKey));
  assert.deepEqual(refusal(() => clientAssertion({ url: ENDPOINT.url }, "c", { jwk }, NOW, bytes(16))), ["invalid_config", "issuer"]);
  assert.deepEqual(refusal(() => clientAssertion(ENDPOINT, "c", { jwk }, NOW, bytes(16), { lifetime: 601 })), ["invalid_config", "lifetime"]);
});

test("client_secret_basic, the ID-JAG exchange, answers", () => {
  const req = grantRequest(ENDPOINT, { type: "client_secret_basic", client_id: "a b", client_secret: "s:1" }, { grant: { type: "client_credentials" } }, NOW);
  assert.equal(req.headers.Authorization, `Basic ${Buffer.from("a+b:s%3A1").toString("base64")}`);
  assert.deepEqual(refusal(() => grantRequest(ENDPOINT, { type: "none" }, { grant: { type: "client_credentials" } }, NOW)), ["invalid_input", "auth"]);

  const x = idJagRequest("a.b.c", ISSUER, "http://localhost:3000/mcp", { scope: "mcp:read" });
  assert.deepEqual(x.resource, ["http://localhost:3000/mcp"]);
  const sent = new URLSearchParams(grantRequest({ url: "http://localhost:3002/token" }, { type: "none", client_id: "idp" }, x, NOW).body);
  assert.equal(sent.get("requested_token_type"), "urn:ietf:params:oauth:token-type:id-jag");
  assert.equal(sent.get("audience"), ISSUER);
  const answer = (status, body) => ({ status, headers: {}, body: JSON.stringify(body) });
  const jag = tokenExchangeResponse(x, answer(200, { access_token: "j.w.t", issued_token_type: "urn:ietf:params:oauth:token-type:id-jag", token_type: "N_A" }), NOW);
  assert.equal(jag.access_token, "j.w.t");
  const bearer = { grant: { type: "jwt_bearer", assertion: "j.w.t" } };
  assert.deepEqual(refusal(() => grantResponse(bearer, answer(400, { error: "invalid_grant" }), NOW)), ["invalid_grant", "assertion"]);
  assert.equal(grantResponse(bearer, answer(200, { access_token: "at", token_type: "Bearer", expires_in: 10 }), NOW).expires_at, NOW + 10);
  assert.equal(chooseAuthMethod(null, ["client_secret_post"], true, false), "client_secret_post");
});
