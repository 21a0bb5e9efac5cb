// Writes the CommonJS twins (`js/<name>.cjs`) of the adapter modules from their ESM source
// (`js/<name>.mjs`), so `require("@authcore/node/stores")` and `import` load the same code.
// `--check` fails (exit 1) when a committed `.cjs` is not what this script would write.
//
// The ESM sources keep to the forms this converter knows (and it refuses anything else):
//   import { a, b as c } from "x";   import name from "x";   import { promises as fs } from "x";
//   export function / async function / class NAME;   export { a, b };
// `./x.mjs` imports become `require("./x.cjs")`.

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const JS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "js");
const MODULES = ["adapters", "stores", "express", "mcp"];

function convert(source, name) {
  const exported = [];
  const lines = source.split("\n").map((line, i) => {
    let m;
    if ((m = line.match(/^import \{([^}]*)\} from "([^"]+)";$/))) {
      const names = m[1]
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => s.replace(/^(\w+) as (\w+)$/, "$1: $2"));
      return `const { ${names.join(", ")} } = require(${JSON.stringify(target(m[2]))});`;
    }
    if ((m = line.match(/^import (\w+) from "([^"]+)";$/))) {
      return `const ${m[1]} = require(${JSON.stringify(target(m[2]))});`;
    }
    if ((m = line.match(/^export ((?:async )?function|class) (\w+)/))) {
      exported.push(m[2]);
      return line.slice("export ".length);
    }
    if ((m = line.match(/^export \{([^}]*)\};$/))) {
      exported.push(...m[1].split(",").map((s) => s.trim()).filter(Boolean));
      return "";
    }
    if (/^\s*(import|export)\b/.test(line)) {
      throw new Error(`${name}.mjs:${i + 1}: a form gen-cjs-adapters.mjs does not convert: ${line}`);
    }
    return line;
  });
  return [
    `// Generated from ${name}.mjs by bindings-node/tools/gen-cjs-adapters.mjs: edit the .mjs, then run it.`,
    '"use strict";',
    ...lines,
    `module.exports = { ${exported.join(", ")} };`,
    "",
  ].join("\n");
}

function target(spec) {
  if (spec === "./index.mjs") return "./index.cjs";
  return spec.replace(/^(\.\/[\w-]+)\.mjs$/, "$1.cjs");
}

const check = process.argv.includes("--check");
let stale = 0;
for (const name of MODULES) {
  const source = readFileSync(path.join(JS, `${name}.mjs`), "utf8");
  const out = convert(source, name);
  const file = path.join(JS, `${name}.cjs`);
  if (check) {
    let current = null;
    try {
      current = readFileSync(file, "utf8");
    } catch {
      // missing
    }
    if (current !== out) {
      console.error(`${path.relative(process.cwd(), file)} is stale: run node bindings-node/tools/gen-cjs-adapters.mjs`);
      stale += 1;
    }
  } else {
    writeFileSync(file, out);
  }
}
process.exit(stale === 0 ? 0 : 1);
