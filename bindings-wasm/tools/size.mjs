// Prints one JSON line: raw / gzip (level 9) / brotli (quality 11) bytes of what a browser
// loads from the built package (bindings-wasm/pkg): the .wasm, the JS (wasm-bindgen glue,
// native.mjs, the shared façade, the entry), and their sum.
// Usage: node bindings-wasm/tools/size.mjs [pkg dir] [label]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const pkg = process.argv[2] ?? fileURLToPath(new URL("../pkg/", import.meta.url));
const label = process.argv[3] ?? "default";

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

const wasm = measure(["wasm/authcore_bg.wasm"]);
const js = measure(["wasm/authcore.js", "native.mjs", "facade/facade.mjs", "browser.mjs"]);
const total = { raw: wasm.raw + js.raw, gzip: wasm.gzip + js.gzip, brotli: wasm.brotli + js.brotli };
console.log(JSON.stringify({ variant: label, wasm, js, total }));
