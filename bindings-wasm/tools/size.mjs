// Prints one JSON line per entry of the built package (bindings-wasm/pkg): raw / gzip (level 9)
// / brotli (quality 11) bytes of what a browser loads for it: the .wasm, the JS (wasm-bindgen
// glue, native.mjs, the shared façade and host adapters, the entry), and their sum.
//   full:   `@authcore/wasm` (browser.mjs and the full module)
//   client: `@authcore/wasm/client` (client.mjs and the frontend module)
// Usage: node bindings-wasm/tools/size.mjs [pkg dir] [label] [--json FILE]
// With --json, also writes the results for bench/report.py (schema `authcore-size/1`), which
// puts them in BENCHMARKS.md with the size target.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const argv = process.argv.slice(2);
const jsonAt = argv.indexOf("--json");
const jsonPath = jsonAt >= 0 ? argv[jsonAt + 1] : null;
if (jsonAt >= 0 && !jsonPath) throw new Error("--json FILE");
const positional = argv.filter((_, i) => jsonAt < 0 || (i !== jsonAt && i !== jsonAt + 1));
const pkg = positional[0] ?? fileURLToPath(new URL("../pkg/", import.meta.url));
const label = positional[1] ?? "default";

function measure(files) {
  const out = { raw: 0, gzip: 0, brotli: 0 };
  for (const f of files) {
    const b = readFileSync(join(pkg, f));
    out.raw += b.length;
    out.gzip += gzipSync(b, { level: 9 }).length;
    out.brotli += brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  return out;
}

const shared = ["native.mjs", "facade/facade.mjs", "facade/adapters.mjs"];
const entries = [
  ["full", "wasm/authcore_bg.wasm", ["wasm/authcore.js", ...shared, "browser.mjs"]],
  ["client", "wasm/authcore_client_bg.wasm", ["wasm/authcore_client.js", ...shared, "client.mjs"]],
];
const results = [];
for (const [entry, wasmFile, jsFiles] of entries) {
  if (!existsSync(join(pkg, wasmFile))) continue;
  const wasm = measure([wasmFile]);
  const js = measure(jsFiles);
  const total = { raw: wasm.raw + js.raw, gzip: wasm.gzip + js.gzip, brotli: wasm.brotli + js.brotli };
  console.log(JSON.stringify({ variant: label, entry, wasm, js, total }));
  results.push({ entry, wasm, js, total });
}
if (jsonPath) {
  if (results.length === 0) throw new Error(`no built entries in ${pkg}`);
  const version = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version;
  const doc = {
    schema: "authcore-size/1",
    name: "wasm-size",
    harness: "bindings-wasm/tools/size.mjs",
    meta: { date: new Date().toISOString(), variant: label, versions: { "@authcore/wasm": version, node: process.version } },
    entries: results,
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(doc, null, 1) + "\n");
}
