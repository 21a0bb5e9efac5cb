// The frontend entry, `@authcore/wasm/client`: exactly its listed names, each the same kind of
// value as in the full entry; it passes every conformance vector whose operations it has (the
// rest need server-side names it does not export); its types are a subset of the full
// entry's and compile under `tsc --strict`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { camel, loadVectors, runAll, summary } from "../../conformance/js/runner.mjs";

const PKG = fileURLToPath(new URL("../pkg/", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NAMES = JSON.parse(readFileSync(join(PKG, "client-names.json"), "utf8"));

test("the client entry exports its names, each like the full entry's", async () => {
  const client = await import(join(PKG, "client-node.mjs"));
  const full = await import(join(PKG, "node.mjs"));
  assert.deepEqual(Object.keys(client).sort(), [...NAMES].sort());
  for (const n of NAMES) {
    assert.equal(typeof client[n], typeof full[n], n);
    assert.notEqual(client[n], undefined, n);
  }
  for (const n of ["Gate", "Broker", "DeviceAuthority", "SessionManager", "Accounts", "RefreshTokens", "Issuer"]) {
    assert.equal(client[n], undefined, `${n} is server-side`);
  }
  // errors are the entry's AuthError, with the catalog's shape
  assert.throws(() => new client.Verifier({ algorithms: ["HS256"], keys: [{ alg: "HS256", secret: "k".repeat(32) }] }).verify("x.y.z"),
    (e) => e instanceof client.AuthError && e.code === "invalid_token" && e.status === 401);
});

test("the browser form of the client entry loads with no bundler (fetch of its .wasm)", () => {
  const script = `
    import { readFileSync } from "node:fs";
    globalThis.fetch = async (url) => new Response(readFileSync(new URL(url)), { headers: { "content-type": "application/wasm" } });
    const A = await import(${JSON.stringify(join(PKG, "client.mjs"))});
    const { verifier } = { verifier: new A.Verifier({ algorithms: ["HS256"], keys: [{ alg: "HS256", secret: "k".repeat(32) }] }) };
    console.log(JSON.stringify({ pkce: typeof A.pkce().challenge, gate: A.Gate === undefined, ok: verifier instanceof A.Verifier }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), { pkce: "string", gate: true, ok: true });
});

/** The API names an op table entry calls (classes as they are, functions camelCased). */
function namesOf(entry) {
  const out = [];
  for (const c of entry.calls) {
    if (c.new !== undefined) out.push(c.new);
    if (c.class !== undefined) out.push(c.class);
    if (c.function !== undefined) out.push(camel(c.function));
  }
  return out;
}

test("the client entry passes every vector whose operations it exports", async () => {
  const api = await import(join(PKG, "client-node.mjs"));
  const ops = JSON.parse(readFileSync(join(ROOT, "conformance", "ops.json"), "utf8")).ops;
  const has = (op) => Object.hasOwn(ops, op) && namesOf(ops[op]).every((n) => api[n] !== undefined);
  const vectors = [];
  let all = 0;
  for (const v of await loadVectors(join(ROOT, "conformance", "vectors"))) {
    all += v.suite.cases.length;
    const cases = v.suite.cases.filter((k) => k.steps.every((s) => has(s.op)));
    if (cases.length > 0) vectors.push({ ...v, suite: { ...v.suite, cases } });
  }
  const { tally, failures } = runAll(api, vectors, { ops, backends: ["portable"], name: "wasm-client" });
  const { line, ok } = summary(tally, "wasm-client");
  console.log(`${line} (the cases whose operations the client entry has, of ${all})`);
  assert.deepEqual(failures, []);
  assert.ok(ok);
  const ran = Object.values(tally.portable).reduce((s, [, n]) => s + n, 0);
  assert.ok(ran >= 400, `only ${ran} cases ran`);
});

test("the client entry's types are the full entry's declarations of its names, and compile", () => {
  const dts = readFileSync(join(PKG, "client.d.ts"), "utf8");
  assert.match(dts, /from "\.\/index"/);
  const tsc = join(ROOT, "bindings-node", "node_modules", "typescript", "bin", "tsc");
  assert.ok(existsSync(tsc), "typescript: `make wasm-test` installs bindings-node's dev dependencies");
  const dir = mkdtempSync(join(tmpdir(), "authcore-wasm-client-types-"));
  try {
    // A value of the client module's type is usable as the full module's names: each client
    // export is assignable to the full export of the same name (and no other names exist).
    writeFileSync(join(dir, "check.ts"), `
      import * as client from ${JSON.stringify(join(PKG, "client.js"))};
      import * as full from ${JSON.stringify(join(PKG, "index.js"))};
      type Names = ${NAMES.map((n) => JSON.stringify(n)).join(" | ")};
      const asFull: Pick<typeof full, Names> = client;
      const back: typeof client = asFull;
      const v: full.Verifier = new client.Verifier({ algorithms: ["HS256"], keys: [] });
      void asFull; void back; void v;
    `);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: "esnext", moduleResolution: "bundler", target: "es2022", lib: ["es2022", "dom"], types: [], skipLibCheck: false },
      files: ["check.ts"],
    }));
    try {
      execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { stdio: "pipe", encoding: "utf8" });
    } catch (e) {
      assert.fail(`tsc: ${e.stdout}${e.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
