// `@authcore/node/express`: Express middleware and a Fastify hook backed by `Gate`.

import type { AuthContext, Decision, HttpRequest, Lookup, ResourceMetadata, Session } from "./types";

/** A user's identities and entitlements, as the gate reads them. */
export type GateUser = NonNullable<Lookup["user"]>;
import type { Gate } from "./index";

/** Where the host keeps sessions and users (any database; each method may be async). */
export interface GateStorage {
  /** The session record stored under this token hash, or `null`. */
  session(tokenHash: string): Session | null | undefined | Promise<Session | null | undefined>;
  /** The user's identities and entitlements, or `null`. */
  user(userId: string): GateUser | null | undefined | Promise<GateUser | null | undefined>;
  /** Stores a session the gate touched (compare-and-swap on `revision` is the store's). */
  saveSession?(record: Session): void | Promise<void>;
}

/** Options of the middleware and the hook. */
export interface GateMiddlewareOptions {
  /** The clock, in Unix seconds (default: `Date.now() / 1000`). */
  clock?: () => number;
}

/** What the middleware reads of a Node `IncomingMessage` (Express adds `originalUrl`). */
export interface NodeRequest {
  method?: string;
  url?: string;
  originalUrl?: string;
  rawHeaders?: string[];
  headers?: Record<string, string | string[] | undefined>;
  /** Set by the middleware: who is calling. */
  auth?: AuthContext;
}

/** What the middleware uses of a Node `ServerResponse` to send a deny. */
export interface NodeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: Uint8Array | string): unknown;
}

/** The gate's request record for a Node request (method, target as sent, headers). */
export declare function requestRecord(req: NodeRequest): HttpRequest;

/** Classify, load what `needs` names through `storage`, decide, store a touch. */
export declare function authenticate(gate: Gate, request: HttpRequest, storage?: GateStorage | null, now?: number): Promise<Decision>;

/** Express (or `node:http`) middleware: `req.auth` is the caller, or the gate's deny response is sent. */
export declare function gateMiddleware(
  gate: Gate,
  storage?: GateStorage | null,
  options?: GateMiddlewareOptions,
): (req: NodeRequest, res: NodeResponse, next: (error?: unknown) => void) => void;

/** The parts of a Fastify request and reply the hook uses. */
export interface FastifyRequestLike {
  raw: NodeRequest;
  auth?: AuthContext;
}
export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(headers: Record<string, string>): FastifyReplyLike;
  send(body: string): unknown;
}

/** A Fastify `onRequest` hook: `request.auth` is the caller, or the gate's deny response is sent. */
export declare function fastifyGate(
  gate: Gate,
  storage?: GateStorage | null,
  options?: GateMiddlewareOptions,
): (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>;

/**
 * Express (or `node:http`) middleware for an MCP server: answers the Protected Resource
 * Metadata route, then the gate (`protectedResource`); `req.auth` is the caller (never the
 * token) and the `Authorization` header is removed from `req.headers`.
 */
export declare function mcpServerMiddleware(
  gate: Gate,
  metadata: ResourceMetadata,
  storage?: GateStorage | null,
  options?: GateMiddlewareOptions,
): (req: NodeRequest, res: NodeResponse, next: (error?: unknown) => void) => void;
