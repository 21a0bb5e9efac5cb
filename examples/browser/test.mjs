// The browser example in real headless Chromium (make example-browser-test): the page, served
// over loopback with the built @authcore/wasm package at node_modules/@authcore/wasm/, verifies
// its token and shows the verified `sub`; a screenshot of it (target/browser-example.png) is
// a non-empty PNG; its device-login button signs in against a device authority on the same
// loopback server (the authority is @authcore/wasm too, running in this process).

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { launch, newPage, serve } from "../../conformance/js/chromium.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const pkg = process.env.AUTHCORE_WASM_PKG ?? join(root, "bindings-wasm", "pkg");
const { DeviceAuthority, Issuer, deviceCodeHash, parseAuthorizationRequest, parseTokenRequest } = await import(join(pkg, "node.mjs"));

/** README.md's browser snippet as a page: `secret` and `token` are globals set before it runs. */
function readmePage() {
  const text = readFileSync(join(root, "README.md"), "utf8");
  const m = text.match(/<!-- example: browser-verify -->\n```html\n([\s\S]*?)```\n<!-- \/example -->/);
  assert.ok(m, "README.md lost its browser-verify example");
  const secret = "an HS256 secret of at least 32 bytes!!";
  const token = new Issuer({ alg: "HS256", secret }, { audience: "api" }).issue({ sub: "alice" });
  const globals = `<script>var secret = ${JSON.stringify(secret)}; var token = ${JSON.stringify(token)};</script>`;
  return { type: "text/html; charset=utf-8", body: `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><p id="user"></p>${globals}\n${m[1]}` };
}

/** The device authority behind the page's device-login button: approves at the second poll. */
function authority() {
  const core = new DeviceAuthority({ verificationUri: "https://auth.example.com/device", interval: 1, pollTolerance: 0 });
  const state = { grants: new Map(), polls: 0 };
  const reply = (res, status, body, headers = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
  const now = () => Math.floor(Date.now() / 1000);
  state.handle = async (req, res) => {
    if (req.method !== "POST") return false;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString("utf8");
    if (req.url === "/api/auth/device/") {
      const request = parseAuthorizationRequest(body);
      const issued = core.issue(request.client_id, request.scope ?? null, now());
      state.grants.set(issued.record.device_code_hash, issued.record);
      return reply(res, 200, issued.response);
    }
    if (req.url === "/api/auth/device/token/") {
      const request = parseTokenRequest(body);
      const key = deviceCodeHash(request.device_code);
      state.polls += 1;
      if (state.polls === 2) state.grants.set(key, core.approve(state.grants.get(key), "alice", null, now()));
      const out = core.poll(state.grants.get(key) ?? null, request, now());
      if (out.record) state.grants.set(key, out.record);
      if (out.type === "approved") {
        return reply(res, 200, { access_token: "at-1", refresh_token: "rt-1", token_type: "Bearer", expires_in: 3600 });
      }
      return reply(res, out.response.status, out.response.body, out.response.headers);
    }
    return false;
  };
  return state;
}

let server;
let browser;
let device;
before(async () => {
  device = authority();
  server = await serve(
    { "/node_modules/@authcore/wasm/": pkg, "/": join(root, "examples", "browser") },
    { "/readme.html": readmePage() },
    (req, res) => device.handle(req, res),
  );
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("the page verifies its token and shows the verified sub; the screenshot is a PNG", async () => {
  const page = await newPage(browser);
  await page.goto(`${server.origin}/index.html`);
  try {
    await page.locator("#sub").filter({ hasText: "alice" }).waitFor({ timeout: 30_000 });
  } catch (e) {
    throw new Error(`no verified sub on the page: ${e.message}\n${page.problems.join("\n")}`);
  }
  assert.equal(await page.textContent("#sub"), "alice");
  assert.equal(await page.textContent("#verify-status"), "Valid token.");
  const file = join(root, "target", "browser-example.png");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await page.screenshot({ fullPage: true }));
  const png = readFileSync(file);
  assert.ok(png.length > 1000, `screenshot too small: ${png.length} bytes`);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual(page.problems, []);
});

test("a tampered token is rejected on the page and no sub shows", async () => {
  const page = await newPage(browser);
  await page.goto(`${server.origin}/index.html`);
  await page.locator("#sub").filter({ hasText: "alice" }).waitFor({ timeout: 30_000 });
  await page.fill("#secret", "another-secret-of-at-least-32-bytes");
  await page.click("#verify");
  assert.equal(await page.textContent("#sub"), "");
  assert.match(await page.textContent("#verify-status"), /^Rejected: invalid_signature: /);
});

test("the device-login button signs in against the server URL field", async () => {
  const page = await newPage(browser);
  await page.goto(`${server.origin}/index.html`);
  await page.fill("#server", server.origin);
  await page.click("#login");
  try {
    await page.locator("#login-status").filter({ hasText: /^(Signed in|Device login failed)/ }).waitFor({ timeout: 30_000 });
  } catch (e) {
    const status = await page.textContent("#login-status");
    throw new Error(`not signed in (${status}): ${e.message}\n${page.problems.join("\n")}`);
  }
  assert.equal(await page.textContent("#login-status"), "Signed in: a Bearer token, generation 1.");
  assert.match(await page.textContent("#prompt"), /^Open https:\/\/auth\.example\.com\/device\S* and enter the code [A-Z-]+$/);
  assert.ok(device.polls >= 2);
  // A pending poll is answered 400 `authorization_pending` (RFC 8628), which Chromium logs.
  assert.deepEqual(page.problems.filter((p) => !/status of 400 \(Bad Request\)/.test(p)), []);
});

test("README.md's browser snippet, as written, shows the verified sub", async () => {
  const page = await newPage(browser);
  await page.goto(`${server.origin}/readme.html`);
  try {
    await page.locator("#user").filter({ hasText: "alice" }).waitFor({ timeout: 30_000 });
  } catch (e) {
    throw new Error(`the README snippet showed no sub: ${e.message}\n${page.problems.join("\n")}`);
  }
  assert.deepEqual(page.problems, []);
});
