// The package as users load it: the same public names as @authcore/node; `require` and
// `import` give one API object graph in Node; the browser ES module entry loads with no
// bundler; the packed tarball installs offline into an empty project and works both ways.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PKG = fileURLToPath(new URL("../pkg/", import.meta.url));
const require = createRequire(import.meta.url);

const SMOKE = `
const k = { alg: "HS256", secret: "k".repeat(32) };
const v = new A.Verifier({ algorithms: ["HS256"], keys: [k] });
const sub = v.verify(new A.Issuer(k).issue({ sub: "packed" })).claims.sub;
let code = null;
try { v.verify("x.y.z"); } catch (e) { code = e instanceof A.AuthError ? e.code : "wrong class"; }
console.log(JSON.stringify({ sub, code, version: A.version }));
`;

test("the public names are exactly @authcore/node's", async () => {
  const index = readFileSync(fileURLToPath(new URL("../../bindings-node/js/index.mjs", import.meta.url)), "utf8");
  const names = /export const \{([^}]*)\} = api;/.exec(index)[1].split(",").map((s) => s.trim()).filter(Boolean);
  const esm = await import(join(PKG, "node.mjs"));
  assert.deepEqual(Object.keys(esm).sort(), [...names].sort());
  assert.deepEqual(Object.keys(require(join(PKG, "node.cjs"))).sort(), [...names].sort());
  // every name holds a value (the host adapters too: authFetch, deviceLogin, MemoryTokenStore)
  for (const api of [esm, require(join(PKG, "node.cjs"))]) {
    assert.deepEqual(names.filter((n) => api[n] === undefined), []);
  }
  assert.equal(typeof new esm.MemoryTokenStore().load, "function");
  // the typings are the Node package's, byte for byte
  for (const f of ["index.d.ts", "types.d.ts", "adapters.d.ts"]) {
    assert.equal(readFileSync(join(PKG, f), "utf8"), readFileSync(fileURLToPath(new URL(`../../bindings-node/js/${f}`, import.meta.url)), "utf8"));
  }
});

test("require and import give the same API object graph", async () => {
  const cjs = require(join(PKG, "node.cjs"));
  const esm = await import(join(PKG, "node.mjs"));
  assert.equal(esm.AuthError, cjs.AuthError);
  assert.equal(esm.Verifier, cjs.Verifier);
});

test("every export condition has types; browser and default point at the ES module build", () => {
  const meta = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  const root = meta.exports["."];
  assert.equal(Object.keys(root)[0], "types");
  assert.equal(root.browser, "./browser.mjs");
  assert.equal(root.default, "./browser.mjs");
  assert.equal(root.require, "./node.cjs");
});

test("the browser ES module entry loads with no bundler (fetch of the .wasm)", () => {
  // Node's fetch has no file: URLs; the page's fetch is stood in for by one that reads the file.
  const script = `
    import { readFileSync } from "node:fs";
    globalThis.fetch = async (url) => new Response(readFileSync(new URL(url)), { headers: { "content-type": "application/wasm" } });
    const A = await import(${JSON.stringify(join(PKG, "browser.mjs"))});
    if (typeof A.deviceLogin !== "function" || typeof A.authFetch !== "function") throw new Error("no host adapters");
    ${SMOKE}`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), { sub: "packed", code: "invalid_token", version: JSON.parse(readFileSync(join(PKG, "package.json"))).version });
});

test("npm pack: the tarball installs offline into an empty project and works from require and import", () => {
  const dir = mkdtempSync(join(tmpdir(), "authcore-wasm-pack-"));
  try {
    execFileSync("npm", ["pack", "--silent", "--pack-destination", dir, PKG], { encoding: "utf8" });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    assert.ok(tarball, "npm pack wrote a tarball");
    const app = join(dir, "app");
    execFileSync("mkdir", [app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
    execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", join(dir, tarball)], { cwd: app });
    const viaRequire = execFileSync(process.execPath, ["-e", `const A = require("@authcore/wasm");${SMOKE}`], { cwd: app, encoding: "utf8" });
    const viaImport = execFileSync(process.execPath, ["--input-type=module", "-e", `import * as A from "@authcore/wasm";${SMOKE}`], { cwd: app, encoding: "utf8" });
    for (const out of [viaRequire, viaImport]) assert.equal(JSON.parse(out).sub, "packed");
    assert.equal(JSON.parse(viaRequire).code, "invalid_token");
    assert.equal(JSON.parse(viaImport).code, "invalid_token");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
