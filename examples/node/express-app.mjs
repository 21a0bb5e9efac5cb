#!/usr/bin/env node
// An Express API protected by authcore's gate, trusting the tokens the reference server issues.
//
//   node express-app.mjs --server http://127.0.0.1:8000 --port 3000
//
// At start it reads the server's public keys from `<server>/.well-known/jwks.json`; the gate
// (`@authcore/node/express`) then decides every request: a bearer JWT for the user routes, the
// guest header for guest reads, the services token (`AUTHCORE_SERVICES_TOKEN`) for the service
// route. A refused request gets the gate's answer (status, `WWW-Authenticate`, and the body
// `{"detail", "code"}`); this file only wires routes. Prints `listening on <url>` once bound.

import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

import express from "express";

import { Gate } from "@authcore/node";
import { gateMiddleware } from "@authcore/node/express";

const ROUTES = [
  { path: "/health", access: "public" },
  { path: "/api/me", access: "user" },
  { path: "/api/dashboard", access: "user_or_guest" },
  { path: "/api/internal/stats", access: "service" },
];

/** The gate for tokens signed by one of the keys in `jwks` (a JWK set). */
export function gateFor(jwks, env = process.env) {
  return Gate.fromEnv({ ...env }, {
    jwt: { config: { algorithms: ["EdDSA"] }, keys: jwks.keys.map((jwk) => ({ jwk })) },
    routes: ROUTES,
    defaultAccess: "user",
    servicesEnv: [{ name: "internal", variable: "AUTHCORE_SERVICES_TOKEN", header: "X-Services-Token" }],
  });
}

/** The Express app: every route below runs only after the gate allowed the request. */
export function createApp(gate) {
  const app = express();
  app.use(gateMiddleware(gate));
  app.get("/health", (req, res) => res.json({ ok: true }));
  app.get("/api/me", (req, res) => res.json({ user_id: req.auth.user_id, credential: req.auth.credential }));
  app.get("/api/dashboard", (req, res) => res.json({ guest: req.auth.is_guest, widgets: ["demo"] }));
  app.post("/api/dashboard", (req, res) => res.json({ saved: true }));
  app.get("/api/internal/stats", (req, res) => res.json({ service: req.auth.service }));
  return app;
}

async function main() {
  const { values } = parseArgs({
    options: {
      server: { type: "string", default: process.env.AUTHCORE_SERVER ?? "http://127.0.0.1:8000" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "3000" },
    },
  });
  const server = values.server.replace(/\/+$/, "");
  const response = await fetch(server + "/.well-known/jwks.json");
  if (!response.ok) throw new Error(`${server}/.well-known/jwks.json answered ${response.status}`);
  const app = createApp(gateFor(await response.json()));
  const listener = app.listen(Number(values.port), values.host, () => {
    const { port } = listener.address();
    console.log(`listening on http://${values.host}:${port}`);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
