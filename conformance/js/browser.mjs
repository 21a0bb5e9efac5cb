// The `browser` conformance column: the JavaScript runner (runner.mjs, ECMAScript only) runs
// every vector inside headless Chromium against @authcore/wasm's browser ES module entry,
// loaded by the page with no bundler.
//
//     node conformance/js/browser.mjs [--pkg bindings-wasm/pkg] [--name browser]
//         [--json conformance/out/browser.json] [--ops conformance/ops.json] [vectors-dir]
//
// A loopback HTTP server serves the package directory under /pkg/, the runner as
// /runner.mjs, the parsed vector files as /vectors.json and the op table as /ops.json; the
// page imports the package and the runner, fetches the two documents, calls `runAll` on the
// portable backend (the only one WASM has) and hands the tally back to this process, which
// prints the failures and the summary line (`browser N/N`) and writes the results
// file read by `authcore-conformance --extra browser=FILE`. Chromium is the system one
// (scripts/chromium.sh), driven by playwright-core.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadVectors, results, summary } from "./runner.mjs";
import { launch, newPage, serve } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));

async function main(argv) {
  const flags = {
    "--pkg": join(here, "..", "..", "bindings-wasm", "pkg"),
    "--name": "browser",
    "--json": null,
    "--ops": join(here, "..", "ops.json"),
  };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (Object.hasOwn(flags, argv[i]) && i + 1 < argv.length) flags[argv[i++]] = argv[i];
    else rest.push(argv[i]);
  }
  if (rest.length > 1) {
    console.error("usage: browser.mjs [--pkg dir] [--name browser] [--json out.json] [--ops ops.json] [vectors-dir]");
    return 2;
  }
  const name = flags["--name"];
  const vectors = await loadVectors(rest[0] ?? join(here, "..", "vectors"));
  const server = await serve(
    { "/pkg/": flags["--pkg"] },
    {
      "/": { type: "text/html; charset=utf-8", body: "<!doctype html><title>authcore conformance</title>" },
      "/runner.mjs": { type: "text/javascript; charset=utf-8", body: readFileSync(join(here, "runner.mjs")) },
      "/vectors.json": { type: "application/json", body: JSON.stringify(vectors) },
      "/ops.json": { type: "application/json", body: readFileSync(flags["--ops"]) },
    },
  );
  const browser = await launch();
  let out;
  try {
    const page = await newPage(browser);
    await page.goto(`${server.origin}/`);
    try {
      out = await page.evaluate(async (runner) => {
        const api = await import("/pkg/browser.mjs");
        const { runAll } = await import("/runner.mjs");
        const get = async (p) => (await fetch(p)).json();
        const [vectors, ops] = await Promise.all([get("/vectors.json"), get("/ops.json")]);
        return { agent: navigator.userAgent, ...runAll(api, vectors, { ops, backends: ["portable"], name: runner }) };
      }, name);
    } catch (e) {
      throw new Error(`the page did not run the vectors: ${e.message}\n${page.problems.join("\n")}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  for (const f of out.failures) console.error(`FAIL ${f}`);
  if (flags["--json"] !== null) {
    const file = resolve(flags["--json"]);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results(out.tally, name), null, 1)}\n`);
  }
  const { line, ok } = summary(out.tally, name);
  console.log(`${line} (${/(HeadlessChrome|Chrome)\/[\d.]+/.exec(out.agent)?.[0] ?? out.agent})`);
  return ok ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
