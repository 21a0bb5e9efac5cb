// Node-only helpers for the browser tests (the `browser` conformance column and the browser
// example's test): a loopback HTTP server for a few directories and generated documents, and
// the system Chromium (/usr/bin/chromium, installed by scripts/chromium.sh) driven headless by
// playwright-core. No tool ever downloads a browser here.

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { resolve, sep, extname } from "node:path";
import { chromium } from "playwright-core";

/** Where the system Chromium lives (Debian's `chromium` package). */
export const CHROMIUM = process.env.AUTHCORE_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for headless Chromium in a container, as root (shared/TOOLCHAIN.md). */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
};

/**
 * Serves `mounts` (`{"/prefix/": directory}`: files under each directory, nothing outside it)
 * and `documents` (`{"/path": {type, body}}`) on 127.0.0.1 at a free port; any other request
 * goes to `handler(req, res)` when given (it answers, or resolves to false for a 404), else is
 * a 404. Resolves to `{origin, close()}`.
 */
export async function serve(mounts, documents = {}, handler = null) {
  const roots = Object.entries(mounts).map(([prefix, dir]) => [prefix, resolve(dir)]);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    const doc = documents[path];
    if (doc !== undefined) {
      res.writeHead(200, { "content-type": doc.type, "cache-control": "no-store" });
      res.end(doc.body);
      return;
    }
    for (const [prefix, root] of roots) {
      if (!path.startsWith(prefix)) continue;
      const file = resolve(root, path.slice(prefix.length));
      if (file !== root && !file.startsWith(root + sep)) break;
      try {
        const body = await readFile(file);
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
        res.end(body);
        return;
      } catch {
        break;
      }
    }
    if (handler !== null) {
      try {
        if ((await handler(req, res)) !== false) return;
      } catch (e) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(e?.stack ?? e));
        return;
      }
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", ok);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((ok) => {
        server.close(ok);
        server.closeAllConnections();
      }),
  };
}

/** Launches the system Chromium headless; fails with a clear message when it is missing. */
export async function launch() {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  } catch (e) {
    throw new Error(`cannot start ${CHROMIUM} (install it: scripts/chromium.sh): ${e.message}`);
  }
}

/**
 * A new page that records the page's uncaught errors and console errors in `page.problems`
 * (a test reports them when the page does not do what it should).
 */
export async function newPage(browser) {
  const page = await browser.newPage();
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") page.problems.push(`console: ${m.text()}`);
  });
  return page;
}
