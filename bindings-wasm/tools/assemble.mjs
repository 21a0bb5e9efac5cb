// Assembles the package directory (scripts/wasm-build.sh step 4): the entry points with the
// Node package's export list, native.cjs generated from native.mjs, and the shared façade and
// typings copied from bindings-node/js/ so the tarball is self-contained.
// Usage: node bindings-wasm/tools/assemble.mjs <pkg dir>
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = process.argv[2];
if (!pkg) throw new Error("usage: assemble.mjs <pkg dir>");
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const js = here("../js/");
const nodeJs = here("../../bindings-node/js/");

// The public names: exactly those of @authcore/node's ES module entry.
const nodeIndex = readFileSync(join(nodeJs, "index.mjs"), "utf8");
const m = /export const \{([^}]*)\} = api;/.exec(nodeIndex);
if (!m) throw new Error("bindings-node/js/index.mjs: expected `export const { ... } = api;`");
const names = m[1].split(",").map((s) => s.trim()).filter(Boolean);
const list = names.join(",\n  ");
for (const f of ["browser.mjs", "node.mjs"]) {
  const text = readFileSync(join(js, f), "utf8");
  if (!text.includes("/*EXPORTS*/")) throw new Error(`${f}: no /*EXPORTS*/ marker`);
  writeFileSync(join(pkg, f), text.replace("/*EXPORTS*/", list));
}
copyFileSync(join(js, "node.cjs"), join(pkg, "node.cjs"));

// native.cjs: the CommonJS form of native.mjs (one export, no imports: a textual change).
const native = readFileSync(join(js, "native.mjs"), "utf8");
if (!native.includes("\nexport function makeNative(")) throw new Error("native.mjs: expected `export function makeNative(`");
copyFileSync(join(js, "native.mjs"), join(pkg, "native.mjs"));
writeFileSync(
  join(pkg, "native.cjs"),
  '"use strict";\n// GENERATED from native.mjs by tools/assemble.mjs.\n' +
    native.replace("\nexport function makeNative(", "\nfunction makeNative(") +
    "\nmodule.exports = { makeNative };\n",
);

// The shared façade, the host adapters on it (authFetch, deviceLogin, MemoryTokenStore) and the
// typings (the same files as @authcore/node's).
mkdirSync(join(pkg, "facade"), { recursive: true });
for (const f of ["facade.mjs", "facade.cjs", "adapters.mjs", "adapters.cjs"]) copyFileSync(join(nodeJs, f), join(pkg, "facade", f));
for (const f of ["index.d.ts", "types.d.ts", "adapters.d.ts"]) copyFileSync(join(nodeJs, f), join(pkg, f));
console.error(`wasm: assembled ${pkg} (${names.length} exports)`);
