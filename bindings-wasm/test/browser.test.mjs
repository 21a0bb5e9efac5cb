// The garbage and trap tests in headless Chromium: the package's ES module entry (browser.mjs,
// no bundler) loaded by a page from a loopback server, then the same garbage cases the Node
// tests run (bindings-node/test/garbage-cases.mjs: wrong types, huge inputs, malformed JSON,
// random bytes into every exported function and method) and the trap recovery of
// trap.test.mjs, inside the page. Only TypeError / AuthError may come out, never an opaque
// WebAssembly trap, and after a forced trap the module works for later calls.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { launch, newPage, serve } from "../../conformance/js/chromium.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const PKG = join(HERE, "..", "pkg");
const NODE_TESTS = join(HERE, "..", "..", "bindings-node", "test");

let server;
let browser;
let page;

before(async () => {
  server = await serve(
    { "/pkg/": PKG, "/node-test/": NODE_TESTS },
    { "/": { type: "text/html; charset=utf-8", body: "<!doctype html><title>authcore wasm garbage</title>" } },
  );
  browser = await launch();
  page = await newPage(browser);
  await page.goto(`${server.origin}/`);
  await page.evaluate(async () => {
    globalThis.A = await import("/pkg/browser.mjs");
    globalThis.G = await import("/node-test/garbage-cases.mjs");
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("the page runs the browser ES module build", async () => {
  const r = await page.evaluate(() => ({ version: A.version, agent: navigator.userAgent, wasm: typeof WebAssembly }));
  assert.match(r.version, /^\d+\.\d+\.\d+/);
  assert.match(r.agent, /Chrome\//);
});

test("garbage into every entry point in Chromium: only TypeError / AuthError, the module keeps working", async () => {
  const all = await page.evaluate(() => G.entries(A));
  assert.ok(all.length > 90, `found ${all.length} entry points`);
  const problems = [];
  for (const entry of all) {
    // One evaluation per entry point: a failure names it, and a hang is bounded per entry.
    const p = await page.evaluate((e) => G.runEntry(A, e), entry);
    problems.push(...p.slice(0, 5));
  }
  assert.deepEqual(problems, [], page.problems.join("\n"));
});

test("the garbage check itself reports an opaque trap escaping an entry point", async () => {
  const problems = await page.evaluate(() => {
    const fake = { ...A, normalizeEmail: () => { throw new WebAssembly.RuntimeError("unreachable"); } };
    return G.runEntry(fake, "normalizeEmail");
  });
  assert.ok(problems.length > 0 && problems.every((p) => /threw RuntimeError: unreachable/.test(p)), problems.join("\n"));
});

test("a trap in Chromium is AuthError internal, and later calls work (functions, new objects, async)", async () => {
  const r = await page.evaluate(async () => {
    const KEY = { alg: "HS256", secret: "k".repeat(32) };
    const NOW = 1_700_000_000;
    const caught = (f) => {
      try {
        f();
        return "no error";
      } catch (e) {
        return { authError: e instanceof A.AuthError, runtimeError: e instanceof WebAssembly.RuntimeError, code: e.code, status: e.status };
      }
    };
    const before = new A.Verifier({ algorithms: ["HS256"], keys: [KEY] });
    const snap = new A.RequestDriver({ tokenEndpoint: "https://auth.example.com/token" }).snapshot();
    const first = caught(() => A._panicForTests());
    const many = [];
    for (let i = 0; i < 200; i++) many.push(caught(() => A._panicForTests()));
    const token = new A.Issuer(KEY).issue({ sub: "after" }, NOW);
    const v = new A.Verifier({ algorithms: ["HS256"], keys: [KEY] });
    return {
      first,
      allInternal: many.every((m) => m.authError && m.code === "internal" && !m.runtimeError),
      sub: v.verify(token, NOW).claims.sub,
      asyncSub: (await v.verifyAsync(token, NOW)).claims.sub,
      email: A.normalizeEmail("bob@EXAMPLE.com"),
      coreError: caught(() => v.verify("x.y.z", NOW)),
      stale: caught(() => before.verify(token, NOW)),
      restored: JSON.stringify(A.RequestDriver.restore(snap).snapshot()) === JSON.stringify(snap),
    };
  });
  assert.deepEqual(r.first, { authError: true, runtimeError: false, code: "internal", status: 500 });
  assert.equal(r.allInternal, true);
  assert.equal(r.sub, "after");
  assert.equal(r.asyncSub, "after");
  assert.equal(r.email, "bob@example.com");
  assert.equal(r.coreError.authError, true);
  assert.notEqual(r.coreError.code, "internal");
  assert.equal(r.stale.code, "internal");
  assert.equal(r.restored, true);
});
