// The Node examples in README.md, run as written (in a child process, importing the package by
// its name) against servers on loopback sockets. Only the host names change
// (`https://auth.example.com` and `https://api.example.com` become the loopback server), the
// Express example listens on a free port, and HOME is a temporary directory.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, test } from "node:test";
import { fileURLToPath } from "node:url";

import { DeviceAuthority, Issuer, deviceCodeHash, parseAuthorizationRequest, parseTokenRequest } from "../js/index.mjs";
import { readBody, reply, serve, sleep } from "./loopback.mjs";

const PACKAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const README = path.join(PACKAGE, "..", "README.md");

function example(name) {
  const text = readFileSync(README, "utf8");
  const m = text.match(new RegExp(`<!-- example: ${name} -->\\n\`\`\`js\\n([\\s\\S]*?)\`\`\`\\n<!-- /example -->`));
  assert.ok(m, `README.md lost its ${name} example`);
  return m[1];
}

/** An authorization server (device grant, refresh) and an API, on one loopback port. */
async function startServer() {
  const authority = new DeviceAuthority({ verificationUri: "https://auth.example.com/device", interval: 1, pollTolerance: 0 });
  const state = { grants: new Map(), access: "at-1", calls: {} };
  const server = await serve(async (req, res) => {
    state.calls[req.url] = (state.calls[req.url] ?? 0) + 1;
    const body = (await readBody(req)).toString("utf8");
    const now = Math.floor(Date.now() / 1000);
    if (req.method === "GET") {
      if (req.headers.authorization !== `Bearer ${state.access}`) {
        return reply(res, 401, { detail: "Not authenticated.", code: "not_authenticated" });
      }
      return reply(res, 200, { user_id: "user-1" });
    }
    if (req.url === "/api/auth/device/") {
      const request = parseAuthorizationRequest(body);
      const issued = authority.issue(request.client_id, request.scope ?? null, now);
      // The person approves at once (the page is another test's business).
      state.grants.set(issued.record.device_code_hash, authority.approve(issued.record, "user-1", null, now));
      return reply(res, 200, issued.response);
    }
    if (req.url === "/api/auth/device/token/") {
      const request = parseTokenRequest(body);
      const key = deviceCodeHash(request.device_code);
      const out = authority.poll(state.grants.get(key) ?? null, request, now);
      if (out.record) state.grants.set(key, out.record);
      if (out.type !== "approved") return reply(res, out.response.status, out.response.body, out.response.headers);
      return reply(res, 200, { access_token: "at-1", refresh_token: "rt-1", token_type: "Bearer", expires_in: 3600 });
    }
    const form = new URLSearchParams(body);
    if (req.url === "/oauth/token" && form.get("refresh_token") === "rt-1") {
      state.access = "at-2";
      return reply(res, 200, { access_token: "at-2", refresh_token: "rt-2", token_type: "Bearer", expires_in: 3600 });
    }
    return reply(res, 400, { error: "invalid_grant" });
  });
  state.base = server.base;
  state.close = server.close;
  state.localise = (code) => code.replaceAll("https://auth.example.com", server.base).replaceAll("https://api.example.com", server.base);
  return state;
}

/** Runs `code` as an ES module in a child process whose cwd is the package (so `@authcore/node` resolves). */
function runModule(code, env) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
    cwd: PACKAGE,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "", child };
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  out.exit = new Promise((resolve) => child.on("exit", resolve));
  return out;
}

let cleanup = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function home() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "authcore-readme-"));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

test("README: the verify example accepts a good token and answers the catalog body for a bad one", async () => {
  const secret = "an HS256 secret of at least 32 bytes!!";
  const issuer = new Issuer({ alg: "HS256", secret }, { issuer: "https://auth.example", audience: "api" });
  const good = issuer.issue({ sub: "alice" });
  const forged = good.slice(0, -2) + (good.endsWith("AA") ? "BB" : "AA");
  const code =
    `const secret = ${JSON.stringify(secret)};\n` +
    example("node-verify") +
    `\nconsole.log(JSON.stringify([whoami(${JSON.stringify(good)}), whoami(${JSON.stringify(forged)}), whoami("not a token").code]));\n`;
  const run = runModule(code, {});
  assert.equal(await run.exit, 0, run.stderr);
  const [sub, refused, garbage] = JSON.parse(run.stdout);
  assert.equal(sub, "alice");
  assert.equal(refused.code, "invalid_signature");
  assert.deepEqual(Object.keys(refused).sort(), ["code", "detail"]);
  assert.equal(garbage, "invalid_token");
});

test("README: device login, then authenticated fetch", async () => {
  const server = await startServer();
  cleanup.push(server.close);
  const HOME = await home();
  const code = server.localise(example("node-device-login") + example("node-fetch")) + "\nconsole.log(JSON.stringify(me));\n";
  const run = runModule(code, { HOME });
  assert.equal(await run.exit, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { user_id: "user-1" });
  assert.match(run.stderr, /enter the code/);
  const saved = JSON.parse(await fs.readFile(path.join(HOME, ".my-cli", "auth.json"), "utf8"));
  assert.equal(saved.tokens.access_token, "at-1");
  assert.equal(saved.generation, 1);
});

test("README: the fetch example refreshes after a 401 and saves the new tokens", async () => {
  const server = await startServer();
  cleanup.push(server.close);
  const HOME = await home();
  const login = runModule(server.localise(example("node-device-login")), { HOME });
  assert.equal(await login.exit, 0, login.stderr);
  server.access = "at-2"; // at-1 is no longer accepted; the refresh endpoint hands out at-2
  const code =
    'import { FileTokenStore } from "@authcore/node/stores";\nconst store = new FileTokenStore("~/.my-cli/auth.json");\n' +
    server.localise(example("node-fetch")) +
    "\nconsole.log(JSON.stringify(me));\n";
  const run = runModule(code, { HOME });
  assert.equal(await run.exit, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { user_id: "user-1" });
  assert.equal(server.calls["/oauth/token"], 1);
  assert.equal(server.calls["/me"], 2);
  const saved = JSON.parse(await fs.readFile(path.join(HOME, ".my-cli", "auth.json"), "utf8"));
  assert.equal(saved.tokens.access_token, "at-2");
  assert.equal(saved.generation, 2);
});

test("README: the Express example", async () => {
  const secret = "an HS256 secret of at least 32 bytes!!";
  const port = await freePort();
  const run = runModule(example("node-express").replace("app.listen(3000)", `app.listen(${port}, "127.0.0.1")`), { JWT_SECRET: secret });
  cleanup.push(async () => {
    run.child.kill();
    await run.exit;
  });
  const base = `http://127.0.0.1:${port}`;
  let r = null;
  for (let i = 0; i < 250 && r === null; i++) {
    r = await fetch(`${base}/me`).catch(() => null);
    if (r === null) await sleep(20);
  }
  assert.ok(r, `the example did not listen: ${run.stderr}`);
  assert.equal(r.status, 401);
  assert.equal((await r.json()).code, "not_authenticated");
  assert.match(r.headers.get("www-authenticate"), /^Bearer realm=/);
  const token = new Issuer({ alg: "HS256", secret }).issue({ sub: "user-7" });
  r = await fetch(`${base}/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { user_id: "user-7" });
});

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test("README: the profile one-liners build working components", async () => {
  const env = { REEVE_SERVICES_TOKEN: "reeve-services-token-0123456789abcdefghij", JWT_SECRET_KEY: "rag-modulo-strong-secret-0123456789abcdef" };
  const now = 1_700_000_000;
  const req = (method, path, headers = {}) => ({ method, url: `https://api.example.com${path}`, headers });
  const code =
    example("profiles-js") +
    `\nconst req = ${req.toString()};\n` +
    `console.log(JSON.stringify([\n` +
    `  reeve.authenticate(req("GET", "/api/dashboard", { "X-Guest-ID": "guest_demo_123" }), null, ${now}),\n` +
    `  reeve.authenticate(req("POST", "/api/dashboard", { "X-Guest-ID": "guest_demo_123" }), null, ${now}).error.code,\n` +
    `  reeve.authenticate(req("GET", "/api/dashboard", { "X-Reeve-Services-Token": "x" }), null, ${now}).error.code,\n` +
    `  cli.snapshot().config.identity_header,\n` +
    `  accounts.register("secure_password", "User@Example.com", "user@example.com").username,\n` +
    `  rag.authenticate(req("GET", "/api/collections"), null, ${now}).response.status,\n` +
    `  rag.authenticate(req("POST", "/api/auth/login"), null, ${now}).type,\n` +
    `]));\n`;
  const run = runModule(code, env);
  assert.equal(await run.exit, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines[0], "[ 'rag-modulo', 'ravi', 'reeve' ] /api/auth/session");
  const [guest, write, wrong, header, username, status, login] = JSON.parse(lines[1]);
  assert.equal(guest.context.guest_id, "guest_demo_123");
  assert.equal(write, "guest_read_only");
  assert.equal(wrong, "invalid_service_token");
  assert.equal(header, "X-Ravi-Identity");
  assert.equal(username, "user@example.com");
  assert.equal(status, 401);
  assert.equal(login, "allow");
});
