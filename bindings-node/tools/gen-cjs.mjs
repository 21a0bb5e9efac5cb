// Writes js/facade.cjs, the CommonJS form of js/facade.mjs (the façade has one export and no
// imports, so the transformation is textual). `--check` exits 1 when the committed file is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("../js/facade.mjs", import.meta.url));
const dst = fileURLToPath(new URL("../js/facade.cjs", import.meta.url));
const esm = readFileSync(src, "utf8");
if (!esm.includes("\nexport function createApi(")) throw new Error("facade.mjs: expected `export function createApi(`");
const cjs =
  '"use strict";\n// GENERATED from facade.mjs by tools/gen-cjs.mjs: do not edit.\n' +
  esm.replace("\nexport function createApi(", "\nfunction createApi(") +
  "\nmodule.exports = { createApi };\n";
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(dst, "utf8");
  } catch {}
  if (current !== cjs) {
    console.error("js/facade.cjs is stale: run `node bindings-node/tools/gen-cjs.mjs`");
    process.exit(1);
  }
} else {
  writeFileSync(dst, cjs);
}
