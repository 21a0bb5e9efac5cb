// The package as users load it: `require` and `import` give one and the same API; the
// packed tarball installs offline into an empty project and works both ways; the
// declarations compile under `tsc --strict` and reject misspellings; facade.cjs is current.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PKG = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

const SMOKE = `
const k = { alg: "HS256", secret: "k".repeat(32) };
const v = new A.Verifier({ algorithms: ["HS256"], keys: [k] });
const sub = v.verify(new A.Issuer(k).issue({ sub: "packed" })).claims.sub;
let code = null;
try { v.verify("x.y.z"); } catch (e) { code = e instanceof A.AuthError ? e.code : "wrong class"; }
console.log(JSON.stringify({ sub, code, version: A.version }));
`;

test("require and import give the same API object graph", async () => {
  const cjs = require("../js/index.cjs");
  const esm = await import("../js/index.mjs");
  assert.equal(esm.AuthError, cjs.AuthError);
  assert.equal(esm.Verifier, cjs.Verifier);
  const names = Object.keys(cjs).sort();
  const esmNames = Object.keys(esm).sort();
  assert.deepEqual(esmNames, names);
  // the package's own name resolves through its exports map, both ways
  const self = spawnSync(process.execPath, ["-e", `const A = require("@authcore/node"); ${SMOKE}`], { cwd: PKG, encoding: "utf8" });
  assert.equal(self.status, 0, self.stderr);
  assert.equal(JSON.parse(self.stdout).sub, "packed");
  const selfEsm = spawnSync(process.execPath, ["--input-type=module", "-e", `import * as A from "@authcore/node"; ${SMOKE}`], { cwd: PKG, encoding: "utf8" });
  assert.equal(selfEsm.status, 0, selfEsm.stderr);
});

test("facade.cjs is generated from facade.mjs", () => {
  execFileSync(process.execPath, [join(PKG, "tools", "gen-cjs.mjs"), "--check"], { stdio: "pipe" });
});

test("npm pack: the tarball installs offline into an empty project; require and import work", () => {
  const work = mkdtempSync(join(tmpdir(), "authcore-pack-"));
  try {
    execFileSync(NPM, ["pack", "--pack-destination", work, "--silent"], { cwd: PKG, stdio: "pipe" });
    const [tarball] = readdirSync(work).filter((f) => f.endsWith(".tgz"));
    assert.ok(tarball, "npm pack wrote a tarball");
    const project = join(work, "project");
    execFileSync("mkdir", ["-p", project]);
    writeFileSync(join(project, "package.json"), '{"name": "empty", "version": "1.0.0", "private": true}\n');
    execFileSync(NPM, ["install", "--offline", "--no-audit", "--no-fund", "--silent", join(work, tarball)], { cwd: project, stdio: "pipe" });
    const listing = readdirSync(join(project, "node_modules", "@authcore", "node"));
    assert.ok(listing.some((f) => f.endsWith(".node")), "the prebuilt addon is in the package");
    assert.ok(!listing.includes("src") && !listing.includes("test"), "sources and tests stay out of the package");
    for (const [args, label] of [
      [["-e", `const A = require("@authcore/node"); ${SMOKE}`], "require"],
      [["--input-type=module", "-e", `import * as A from "@authcore/node"; ${SMOKE}`], "import"],
    ]) {
      const r = spawnSync(process.execPath, args, { cwd: project, encoding: "utf8" });
      assert.equal(r.status, 0, `${label}: ${r.stderr}`);
      const out = JSON.parse(r.stdout);
      assert.deepEqual([out.sub, out.code], ["packed", "invalid_token"], label);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("types: usage.ts compiles under --strict; a misspelt option and data field fail", () => {
  const tsc = join(PKG, "node_modules", "typescript", "bin", "tsc");
  const ok = spawnSync(process.execPath, [tsc, "-p", join(PKG, "test", "tsconfig.json")], { cwd: PKG, encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const bad = spawnSync(process.execPath, [tsc, "-p", join(PKG, "test", "tsconfig.negative.json")], { cwd: PKG, encoding: "utf8" });
  assert.notEqual(bad.status, 0);
  const errors = bad.stdout.split("\n").filter((l) => l.includes("error TS"));
  assert.equal(errors.length, 2, bad.stdout);
  assert.match(errors[0], /'maxTokenBytez' does not exist in type 'VerifierOptions'/);
  assert.match(errors[1], /Property 'claimz' does not exist on type 'VerifiedToken'/);
});
