// Provider listing and shown definitions (the client secret redacted unless revealed), and
// `sealed_at` in vault records, through the JS API.

import assert from "node:assert/strict";
import { test } from "node:test";

import { AuthError, Broker, Vault, generateMasterKey } from "../js/index.mjs";

const NOW = 1_700_000_000;
const GIT = {
  name: "git", display_name: "Git", auth_type: "oauth2",
  authorization_endpoint: "https://git.example/authorize", token_endpoint: "https://git.example/token",
  client_id: "dyn-1", client_secret: "s3cr3t", hosts: ["git.example"],
};

test("Broker: providerListing and showProvider never show the secret unless asked", () => {
  const b = new Broker({ custom: [GIT] });
  const listing = b.providerListing();
  assert.ok(!JSON.stringify(listing).includes("s3cr3t"));
  const row = listing.find((p) => p.name === "git");
  assert.deepEqual([row.flow, row.source, row.has_client], ["pkce", "custom", true]);
  assert.equal(b.showProvider("git").client_secret, "[redacted]");
  assert.equal(b.showProvider("git", { reveal: true }).client_secret, "s3cr3t");
  assert.throws(() => b.showProvider("git", { reveal: "yes" }), TypeError);
  assert.throws(() => b.showProvider("nobody"), (e) => e instanceof AuthError && e.field === "provider");
});

test("Vault: sealed_at, inspect", () => {
  const v = new Vault([generateMasterKey("k1")]);
  const sealed = v.seal({ a: 1 }, "c", NOW);
  assert.equal(sealed.sealed_at, NOW);
  assert.deepEqual(v.inspect(sealed), { kid: "k1", sealed_at: NOW, needs_reseal: false });
  assert.throws(() => v.open({ ...sealed, sealed_at: NOW + 1 }, "c"), (e) => e.code === "state_corrupt");
  assert.equal(typeof v.seal({ a: 1 }, "c").sealed_at, "number");
});
