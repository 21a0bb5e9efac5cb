// The browser client end to end (make example-browser-app-test): the reference server
// (examples/server-python, its own process on a free loopback port) serves app/index.html at
// /app/ and the built @authcore/wasm package under it; headless Chromium runs the page. The page
// starts a device login; a second page, as a person, opens /device, signs in, types the user
// code, reads the consent and approves; the first page gets tokens and shows /api/me. A call
// after the refresh point makes exactly one refresh (counted in the server's database); a 401
// forced on the network makes one refresh and one retry; a family revoked on the server makes
// the next refresh fail cleanly and empties the page's store; a denied login shows
// `access_denied`, a device code expired before approval `expired_token`.

import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { launch, newPage } from "../../conformance/js/chromium.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const python = process.env.AUTHCORE_PYTHON ?? join(root, ".venv", "bin", "python");
const pkg = process.env.AUTHCORE_WASM_PKG ?? join(root, "bindings-wasm", "pkg");
const serverDir = join(root, "examples", "server-python");
const PASSWORD = "correct horse battery staple";
const ACCESS_TTL = 600; // the ravi profile refreshes 300 s before expiry

let server;
let browser;
let tmp;
let base;

/** Starts `python -m authcore_server serve` and resolves to its base URL. */
function startServer(db) {
  const env = { ...process.env, PYTHONPATH: serverDir, AUTHCORE_SERVICES_TOKEN: "browser-e2e-services-token-0123456789" };
  const args = ["-m", "authcore_server", "serve", "--port", "0", "--db", db, "--access-ttl", String(ACCESS_TTL), "--interval", "2", "--wasm-pkg", pkg];
  server = spawn(python, args, { cwd: serverDir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  server.stderr.on("data", (d) => (stderr += d));
  return new Promise((ok, fail) => {
    const lines = createInterface({ input: server.stdout });
    lines.once("line", (line) => (line.startsWith("listening on ") ? ok(line.split(" ").pop()) : fail(new Error(`server: ${line}`))));
    server.once("exit", (code) => fail(new Error(`the server exited (${code}): ${stderr}`)));
  });
}

/** Refresh-token records of `userId` in the server's database (one family: 1 + refreshes). */
function refreshRecords(db, userId) {
  const code = "import json, sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\n" +
    "print(sum(1 for (b,) in c.execute(\"SELECT body FROM records WHERE kind = 'refresh'\") if json.loads(b)['user_id'] == sys.argv[2]))";
  return Number(execFileSync(python, ["-c", code, db, userId]).toString().trim());
}

async function register(username) {
  const r = await fetch(`${base}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return JSON.parse(text).user_id;
}

/** The app page, signed out, with a device login started: its user code. */
async function startLogin(page) {
  await page.goto(`${base}/app/`);
  await page.locator("#login-status").filter({ hasText: "Ready." }).waitFor({ timeout: 30_000 });
  await page.click("#login");
  await page.locator("#user-code").waitFor({ timeout: 30_000 });
  assert.match(await page.textContent("#prompt"), new RegExp(`^Open ${base}/device\\S* and enter the code [A-Z-]+$`));
  return page.textContent("#user-code");
}

/** What a person does in a second page: /device, sign in, type the code, read the consent, decide. */
async function person(username, userCode, decision) {
  const page = await newPage(browser);
  await page.goto(`${base}/device`);
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button:has-text(\"Sign in\")");
  await page.locator("h1", { hasText: "Connect a device" }).waitFor();
  await page.fill("input[name=user_code]", "");
  await page.type("input[name=user_code]", userCode);
  await page.click("button:has-text(\"Continue\")");
  await page.locator("h1", { hasText: "Approve this device?" }).waitFor();
  assert.match(await page.textContent("body"), /authcore-browser/);
  assert.match(await page.textContent("code"), new RegExp(userCode));
  await page.click(decision === "approve" ? "button[value=approve]" : "button[value=deny]");
  await page.locator("h1", { hasText: decision === "approve" ? "Device connected" : "Request denied" }).waitFor();
  await page.close();
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "authcore-browser-app-"));
  base = await startServer(join(tmp, "authcore.db"));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("device login in the page, approval by a person in a second page, calls, one refresh", async () => {
  const userId = await register("ada");
  const page = await newPage(browser);
  const refreshes = [];
  page.on("request", (r) => r.url().endsWith("/api/auth/token/refresh/") && refreshes.push(r.url()));
  const userCode = await startLogin(page);
  await person("ada", userCode, "approve");
  try {
    await page.locator("#login-status").filter({ hasText: /^(Signed in|Sign-in failed)/ }).waitFor({ timeout: 30_000 });
  } catch (e) {
    throw new Error(`no sign-in (${await page.textContent("#login-status")}): ${e.message}\n${page.problems.join("\n")}`);
  }
  assert.equal(await page.textContent("#login-status"), "Signed in (a Bearer token).");
  assert.equal(refreshRecords(join(tmp, "authcore.db"), userId), 1);
  const firstRefresh = await page.evaluate(() => window.authcoreDemo.store.load().tokens.refresh_token);

  await page.click("#call");
  await page.locator("#call-status").filter({ hasText: /^(200|Call failed)/ }).waitFor();
  assert.equal(await page.textContent("#call-status"), "200 as ada");
  const me = JSON.parse(await page.textContent("#result"));
  assert.equal(me.user_id, userId);
  assert.equal(me.credential, "jwt");
  assert.deepEqual(refreshes, []);

  // Past the refresh point (300 s before the 600 s expiry): one refresh, then the call.
  await page.fill("#offset", String(ACCESS_TTL - 300 + 5));
  await page.click("#call");
  await page.locator("#call-status").filter({ hasText: /^(200|Call failed)/ }).waitFor();
  assert.equal(await page.textContent("#call-status"), "200 as ada");
  assert.equal(refreshes.length, 1);
  assert.equal(refreshRecords(join(tmp, "authcore.db"), userId), 2);
  // The refreshed tokens stay fresh: another call makes no refresh.
  await page.click("#call");
  await page.locator("#call-status").filter({ hasText: /^(200|Call failed)/ }).waitFor();
  assert.equal(refreshes.length, 1);
  assert.equal(refreshRecords(join(tmp, "authcore.db"), userId), 2);

  // A forced 401: the network hands the server a broken access token once; the page refreshes
  // once and retries once, then succeeds.
  let tampered = 0;
  await page.route(`${base}/api/me`, (route) => {
    if (tampered++ > 0) return route.continue();
    return route.continue({ headers: { ...route.request().headers(), authorization: "Bearer not-a-jwt" } });
  });
  await page.click("#call");
  await page.locator("#call-status").filter({ hasText: /^(200|Call failed)/ }).waitFor();
  assert.equal(await page.textContent("#call-status"), "200 as ada");
  assert.equal(tampered, 2); // the refused request and its one retry
  assert.equal(refreshes.length, 2);
  assert.equal(refreshRecords(join(tmp, "authcore.db"), userId), 3);
  await page.unroute(`${base}/api/me`);

  // A replayed refresh token revokes the family on the server: the page's next refresh is
  // refused, the call fails cleanly and the core's clear_tokens empties the page's store.
  const replay = await fetch(`${base}/api/auth/token/refresh/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: firstRefresh, client_id: "authcore-browser" }),
  });
  assert.equal(replay.status, 400);
  assert.equal((await replay.json()).error, "invalid_grant");
  assert.notEqual(await page.evaluate(() => window.authcoreDemo.store.load()), null);
  await page.fill("#offset", String(2 * (ACCESS_TTL - 300) + 20)); // past the refresh point again
  await page.click("#call");
  await page.locator("#call-status").filter({ hasText: /^(200|Call failed)/ }).waitFor();
  assert.equal(await page.textContent("#call-status"), "Call failed: refresh_failed");
  assert.equal(refreshes.length, 3);
  assert.equal(await page.evaluate(() => window.authcoreDemo.store.load()), null);

  // A pending poll is answered 400 `authorization_pending` (RFC 8628), the forced 401 and the
  // refused refresh are logged by Chromium too; nothing else is.
  assert.deepEqual(page.problems.filter((p) => !/status of 40[01] \((Bad Request|Unauthorized)\)/.test(p)), []);
});

/** Ends the server's device grant of `userCode` now (its lifetime run out). */
function expireGrant(db, userCode) {
  const code = "import json, sqlite3, sys, time\nc = sqlite3.connect(sys.argv[1])\n" +
    "for key, body in c.execute(\"SELECT key, body FROM records WHERE kind = 'grant'\").fetchall():\n" +
    "    g = json.loads(body)\n" +
    "    if g['user_code'] == sys.argv[2]:\n" +
    "        g['expires_at'] = int(time.time()) - 1\n" +
    "        c.execute(\"UPDATE records SET body = ? WHERE kind = 'grant' AND key = ?\", (json.dumps(g), key))\n" +
    "c.commit()";
  execFileSync(python, ["-c", code, db, userCode.replace(/-/g, "")]);
}

test("a device code that expires before approval shows expired_token", async () => {
  const page = await newPage(browser);
  const userCode = await startLogin(page);
  expireGrant(join(tmp, "authcore.db"), userCode);
  await page.locator("#login-status").filter({ hasText: /^(Signed in|Sign-in failed)/ }).waitFor({ timeout: 30_000 });
  assert.equal(await page.textContent("#login-status"), "Sign-in failed: expired_token");
  assert.equal(await page.evaluate(() => window.authcoreDemo.store.load()), null);
});

test("a denied device login shows its error code", async () => {
  await register("bob");
  const page = await newPage(browser);
  const userCode = await startLogin(page);
  await person("bob", userCode, "deny");
  await page.locator("#login-status").filter({ hasText: /^(Signed in|Sign-in failed)/ }).waitFor({ timeout: 30_000 });
  assert.equal(await page.textContent("#login-status"), "Sign-in failed: access_denied");
  assert.equal(await page.isDisabled("#call"), true);
});
