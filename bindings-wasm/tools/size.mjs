// Prints one JSON line per entry of the built package (bindings-wasm/pkg): raw / gzip (level 9)
// / brotli (quality 11) bytes of what a browser loads for it: the .wasm, the JS (wasm-bindgen
// glue, native.mjs, the shared façade and host adapters, the entry), and their sum.
//   full:   `@authcore/wasm` (browser.mjs and the full module)
//   client: `@authcore/wasm/client` (client.mjs and the frontend module)
// Usage: node bindings-wasm/tools/size.mjs [pkg dir] [label]
import { existsSync, readFileSync } from "node:fs";
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

const shared = ["native.mjs", "facade/facade.mjs", "facade/adapters.mjs"];
const entries = [
  ["full", "wasm/authcore_bg.wasm", ["wasm/authcore.js", ...shared, "browser.mjs"]],
  ["client", "wasm/authcore_client_bg.wasm", ["wasm/authcore_client.js", ...shared, "client.mjs"]],
];
for (const [entry, wasmFile, jsFiles] of entries) {
  if (!existsSync(join(pkg, wasmFile))) continue;
  const wasm = measure([wasmFile]);
  const js = measure(jsFiles);
  const total = { raw: wasm.raw + js.raw, gzip: wasm.gzip + js.gzip, brotli: wasm.brotli + js.brotli };
  console.log(JSON.stringify({ variant: label, entry, wasm, js, total }));
}
