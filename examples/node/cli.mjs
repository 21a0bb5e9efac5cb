#!/usr/bin/env node
// A command-line agent that signs in with the device grant and calls an authcore API.
//
//   node cli.mjs --server http://127.0.0.1:8000 login
//   node cli.mjs --server http://127.0.0.1:8000 call /api/me
//   node cli.mjs whoami
//   node cli.mjs logout
//
// The server is `--server` or `AUTHCORE_SERVER` (default http://127.0.0.1:8000). Tokens live in
// a 0600 file (`--tokens`, default ~/.authcore-agent/auth.json) written by the package's file
// store. Every rule (refresh 5 minutes early, refresh and retry once on a 401, a refused refresh
// token clears the file, the bearer only to the server's origin) is authcore's, through
// `deviceLogin` and `authFetch`; this file only parses arguments and prints.

import { parseArgs } from "node:util";

import { AuthError, authFetch, deviceLogin } from "@authcore/node";
import { FileTokenStore } from "@authcore/node/stores";

const CLIENT_ID = "authcore-agent";
const REFRESH_PATH = "/api/auth/token/refresh/";
const USAGE = "usage: cli.mjs [--server URL] [--tokens FILE] [--profile NAME] [--identity ID] login | call <path> [-X METHOD] | whoami | logout";

export async function main(argv = process.argv.slice(2), env = process.env) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: "string", default: env.AUTHCORE_SERVER ?? "http://127.0.0.1:8000" },
      tokens: { type: "string", default: "~/.authcore-agent/auth.json" },
      profile: { type: "string", default: "ravi" },
      identity: { type: "string" },
      method: { type: "string", short: "X", default: "GET" },
    },
  });
  const [command, path] = positionals;
  const server = values.server.replace(/\/+$/, "");
  const store = new FileTokenStore(values.tokens);
  const allowInsecureHttp = server.startsWith("http://"); // loopback demos; the core still checks

  try {
    switch (command) {
      case "login":
        await deviceLogin({ baseUrl: server, clientId: CLIENT_ID, profile: values.profile, store, allowInsecureHttp });
        console.log("Signed in.");
        return 0;
      case "logout": {
        const current = await store.load();
        await store.clear(current ? current.generation : 0);
        console.log("Signed out.");
        return 0;
      }
      case "call":
      case "whoami": {
        if (command === "call" && !path) break;
        const fetchWithAuth = authFetch(
          { tokenEndpoint: server + REFRESH_PATH, profile: values.profile, clientId: CLIENT_ID, apiOrigins: [server], allowInsecureHttp },
          store,
        );
        if (values.identity) await fetchWithAuth.setIdentity(values.identity);
        const method = command === "whoami" ? "GET" : values.method.toUpperCase();
        const response = await fetchWithAuth(server + (command === "whoami" ? "/api/me" : path), { method });
        console.log(await response.text());
        return response.ok ? 0 : 1;
      }
      default:
        break;
    }
  } catch (e) {
    if (!(e instanceof AuthError)) {
      console.error(`${e.message}${e.cause ? ` (${e.cause.message ?? e.cause})` : ""}`); // e.g. the server is down
      return 2;
    }
    // A refused refresh token has already cleared the token file (the core's rule).
    const hint = e.code === "refresh_failed" || e.code === "not_authenticated" ? " Sign in again: login" : "";
    console.error(`${e.detail} (${e.code})${hint}`);
    return 2;
  }
  console.error(USAGE);
  return 64;
}

process.exitCode = await main();
