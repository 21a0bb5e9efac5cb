// A trap (a Rust panic aborts on wasm32) is the contract's `internal` AuthError, and the module
// is usable afterwards: a fresh instance replaces the trapped one before the next call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, NOW } from "./module.mjs";

const A = api;
const KEY = { alg: "HS256", secret: "k".repeat(32) };
const isInternal = (e) => e instanceof A.AuthError && e.code === "internal" && e.status === 500;

test("a trap is AuthError internal, and later calls work (functions, new objects, async)", async () => {
  assert.throws(() => A._panicForTests(), isInternal);
  const token = new A.Issuer(KEY).issue({ sub: "after" }, NOW);
  const v = new A.Verifier({ algorithms: ["HS256"], keys: [KEY] });
  assert.equal(v.verify(token, NOW).claims.sub, "after");
  assert.equal((await v.verifyAsync(token, NOW)).claims.sub, "after");
  assert.equal(A.normalizeEmail("bob@EXAMPLE.com"), "bob@example.com");
  // core errors are still core errors
  assert.throws(() => v.verify("x.y.z", NOW), (e) => e instanceof A.AuthError && e.code !== "internal");
});

test("many traps in a row leave the module working", () => {
  for (let i = 0; i < 200; i++) assert.throws(() => A._panicForTests(), isInternal);
  const token = new A.Issuer(KEY).issue({ sub: "still" }, NOW);
  assert.equal(new A.Verifier({ algorithms: ["HS256"], keys: [KEY] }).verify(token, NOW).claims.sub, "still");
});

test("an object made before a trap is refused as internal; state machines come back from a snapshot", () => {
  const v = new A.Verifier({ algorithms: ["HS256"], keys: [KEY] });
  const driver = new A.RequestDriver({ tokenEndpoint: "https://auth.example.com/token", apiOrigins: ["https://api.example.com"] });
  const snap = driver.snapshot();
  assert.throws(() => A._panicForTests(), isInternal);
  const token = new A.Issuer(KEY).issue({ sub: "x" }, NOW);
  assert.throws(() => v.verify(token, NOW), isInternal);
  assert.throws(() => driver.status(NOW), isInternal);
  const restored = A.RequestDriver.restore(snap);
  assert.deepEqual(restored.snapshot(), snap);
  assert.equal(new A.Verifier({ algorithms: ["HS256"], keys: [KEY] }).verify(token, NOW).claims.sub, "x");
});
