// Express middleware and a Fastify `onRequest` hook backed by `Gate` (`@authcore/node/express`).
//
// Every decision is the gate's: route rules, credential precedence, guests read-only,
// constant-time service tokens, identities, scopes and 402s. This module only turns the Node
// request into the gate's request record (method, the target exactly as received, headers),
// loads what the gate's `needs` names through the host's storage, stores a session "touch"
// when the gate hands one back, and either passes the caller on as `req.auth` or sends the
// gate's deny response as it is (status, headers, `{"detail","code"}` body).
//
// No dependency on express or fastify: the middleware is a plain `(req, res, next)` function
// on Node's `IncomingMessage`/`ServerResponse` (which is what Express hands it), so it also
// runs under `node:http` (`next` is then called with an error or nothing).
//
// `mcpServerMiddleware` is the same for an MCP server (an OAuth protected resource): it also
// answers the RFC 9728 metadata route, and hides the token from the application.

import { checkResourceMetadata, serveResourceMetadata } from "./index.mjs";

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/**
 * The gate's request record for a Node request: method, the request target as the client
 * sent it (`originalUrl` under Express, else `url`), headers (names lower-case, repeated
 * headers joined with ", ", repeated `Cookie` headers with "; ").
 */
export function requestRecord(req) {
  const headers = {};
  const raw = req.rawHeaders;
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = String(raw[i]).toLowerCase();
      const value = String(raw[i + 1]);
      // Repeated `Cookie` headers (HTTP/2 splits them) join with "; " (RFC 9113 section 8.2.3).
      const sep = name === "cookie" ? "; " : ", ";
      headers[name] = Object.prototype.hasOwnProperty.call(headers, name) ? `${headers[name]}${sep}${value}` : value;
    }
  } else if (req.headers && typeof req.headers === "object") {
    for (const [name, value] of Object.entries(req.headers)) {
      const sep = name.toLowerCase() === "cookie" ? "; " : ", ";
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(sep) : String(value);
    }
  }
  return { method: req.method, url: req.originalUrl ?? req.url, headers };
}

/**
 * Classify, load what `needs` names, decide, and store a touch. Resolves to the decision.
 * `storage` is `{ session(tokenHash), user(userId), saveSession?(record) }` (each may be async).
 */
export async function authenticate(gate, request, storage, now = nowSeconds()) {
  const classified = gate.classify(request, now);
  const needs = classified.needs;
  const lookup = {};
  let session = null;
  if (storage && needs.session) {
    session = (await storage.session(needs.session)) ?? null;
    if (session !== null) lookup.session = session;
  }
  if (storage && needs.user) {
    const userId = gate.userToLoad(classified, session);
    if (userId) {
      const user = (await storage.user(userId)) ?? null;
      if (user !== null) lookup.user = user;
    }
  }
  const decision = gate.decide(classified, lookup, now);
  if (decision.type === "allow" && decision.touch && storage && typeof storage.saveSession === "function") {
    await storage.saveSession(decision.touch);
  }
  return decision;
}

function sendDeny(res, response) {
  const body = Buffer.from(response.body, "utf8");
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader("Content-Length", String(body.length));
  res.end(body);
}

/**
 * Express (or `node:http`) middleware: every request passes the gate (the caller's context
 * in `req.auth`) or gets the gate's deny response.
 * @param {object} gate a `Gate`
 * @param {object} [storage] `{ session(tokenHash), user(userId), saveSession?(record) }`
 * @param {{clock?: () => number}} [options] `clock` returns Unix seconds
 */
export function gateMiddleware(gate, storage, options = {}) {
  if (gate === null || typeof gate !== "object" || typeof gate.classify !== "function") {
    throw new TypeError("gateMiddleware: gate must be a Gate");
  }
  const clock = options.clock ?? (() => Date.now() / 1000);
  return function authcoreGate(req, res, next) {
    authenticate(gate, requestRecord(req), storage, Math.floor(clock())).then(
      (decision) => {
        if (decision.type === "allow") {
          req.auth = decision.context;
          next();
        } else {
          sendDeny(res, decision.response);
        }
      },
      (error) => next(error),
    );
  };
}

/**
 * A Fastify `onRequest` hook (`app.addHook("onRequest", fastifyGate(gate, storage))`): the
 * same calls; the caller's context in `request.auth`, or the gate's deny response.
 */
export function fastifyGate(gate, storage, options = {}) {
  if (gate === null || typeof gate !== "object" || typeof gate.classify !== "function") {
    throw new TypeError("fastifyGate: gate must be a Gate");
  }
  const clock = options.clock ?? (() => Date.now() / 1000);
  return async function authcoreGate(request, reply) {
    const decision = await authenticate(gate, requestRecord(request.raw), storage, Math.floor(clock()));
    if (decision.type === "allow") {
      request.auth = decision.context;
      return;
    }
    const { status, headers, body } = decision.response;
    reply.code(status).headers(headers);
    return reply.send(body);
  };
}

/**
 * Express (or `node:http`) middleware for an MCP server: a request for the resource's
 * Protected Resource Metadata (RFC 9728) is answered with the document; every other request
 * passes the gate (configured with `protectedResource`) or gets its deny response (401, 403
 * or 400 with the `WWW-Authenticate` challenge naming `resource_metadata` and the route's
 * scopes). On success `req.auth` is the caller's context (subject, scopes; never the token),
 * and the `Authorization` header is removed from `req.headers` so the application cannot pass
 * the token on (the MCP spec forbids token passthrough).
 * @param {object} gate a `Gate` with `protectedResource`
 * @param {object} metadata the ResourceMetadata document (checked here)
 * @param {object} [storage] as for `gateMiddleware`
 * @param {{clock?: () => number}} [options] `clock` returns Unix seconds
 */
export function mcpServerMiddleware(gate, metadata, storage, options = {}) {
  if (gate === null || typeof gate !== "object" || typeof gate.classify !== "function") {
    throw new TypeError("mcpServerMiddleware: gate must be a Gate");
  }
  const document = checkResourceMetadata(metadata);
  const clock = options.clock ?? (() => Date.now() / 1000);
  return function authcoreMcpServer(req, res, next) {
    const request = requestRecord(req);
    let served;
    try {
      served = serveResourceMetadata(document, request);
    } catch (error) {
      next(error);
      return;
    }
    if (served !== null) {
      sendDeny(res, served);
      return;
    }
    authenticate(gate, request, storage, Math.floor(clock())).then(
      (decision) => {
        if (decision.type === "allow") {
          req.auth = decision.context;
          if (req.headers && typeof req.headers === "object") delete req.headers.authorization;
          next();
        } else {
          sendDeny(res, decision.response);
        }
      },
      (error) => next(error),
    );
  };
}
