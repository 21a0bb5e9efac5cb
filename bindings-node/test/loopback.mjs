// Loopback servers for the adapter tests: real sockets (node:http), nothing mocked below them.

import http from "node:http";

import { tokenSetFromResponse } from "../js/index.mjs";

/** Starts `handler` on 127.0.0.1 (a free port); resolves to `{ base, close }`. */
export async function serve(handler) {
  const server = http.createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((e) => {
      res.statusCode = 500;
      res.end(String(e && e.stack));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function reply(res, status, body, headers = {}) {
  const data = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": String(data.length), ...headers });
  res.end(data);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A token-protected API with a rotating refresh endpoint (`POST /token`), `GET /api/*`
 * (200 with the bearer it saw, or 401), `GET /api/pay` (402) and `POST /api/echo` (the
 * request body and content type back, byte for byte).
 */
export async function startApi() {
  const state = {
    generation: 1,
    access: "at-1",
    refresh: "rt-1",
    refreshes: 0,
    refreshDelay: 0,
    refuseRefresh: false,
    always401: false,
    seenAuth: [],
    echoed: [],
  };
  const server = await serve(async (req, res) => {
    const body = await readBody(req);
    if (req.method === "POST" && req.url === "/token") {
      const form = new URLSearchParams(body.toString("utf8"));
      if (state.refreshDelay) await sleep(state.refreshDelay);
      if (state.refuseRefresh || form.get("refresh_token") !== state.refresh) {
        return reply(res, 400, { error: "invalid_grant" });
      }
      state.generation += 1;
      state.access = `at-${state.generation}`;
      state.refresh = `rt-${state.generation}`;
      state.refreshes += 1;
      return reply(res, 200, { access_token: state.access, refresh_token: state.refresh, token_type: "Bearer", expires_in: 3600 });
    }
    const auth = req.headers.authorization ?? null;
    state.seenAuth.push(auth);
    const ok = auth === `Bearer ${state.access}` && !state.always401;
    if (req.url === "/api/pay") return reply(res, 402, { detail: "Upgrade to pro.", code: "subscription_required" });
    if (!ok) return reply(res, 401, { detail: "Not authenticated.", code: "not_authenticated" });
    if (req.url === "/api/echo") {
      state.echoed.push(body);
      res.writeHead(200, { "Content-Type": req.headers["content-type"] ?? "application/octet-stream", "X-Echo": "yes" });
      return res.end(body);
    }
    return reply(res, 200, { ok: true, token: auth });
  });
  state.base = server.base;
  state.close = server.close;
  return state;
}

/** Tokens with `expiresIn` seconds of life left now (negative: expired that long ago). */
export function stored({ access = "at-1", refresh = "rt-1", expiresIn = 3600, generation = 1 } = {}) {
  const body = JSON.stringify({ access_token: access, refresh_token: refresh, token_type: "Bearer", expires_in: 3600 });
  const issued = Math.floor(Date.now() / 1000) + expiresIn - 3600;
  return { version: 1, generation, clock_offset: 0, tokens: tokenSetFromResponse(body, issued) };
}
