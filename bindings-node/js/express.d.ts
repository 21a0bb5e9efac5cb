// `@authcore/node/express`: Express middleware and a Fastify hook backed by `Gate`.

import type { IncomingMessage, ServerResponse } from "node:http";

import type { AuthContext, Decision, HttpRequest, Session, UserInfo } from "./types";
import type { Gate } from "./index";

/** Where the host keeps sessions and users (any database; each method may be async). */
export interface GateStorage {
  /** The session record stored under this token hash, or `null`. */
  session(tokenHash: string): Session | null | undefined | Promise<Session | null | undefined>;
  /** The user's identities and entitlements, or `null`. */
  user(userId: string): UserInfo | null | undefined | Promise<UserInfo | null | undefined>;
  /** Stores a session the gate touched (compare-and-swap on `revision` is the store's). */
  saveSession?(record: Session): void | Promise<void>;
}

/** Options of the middleware and the hook. */
export interface GateMiddlewareOptions {
  /** The clock, in Unix seconds (default: `Date.now() / 1000`). */
  clock?: () => number;
}

/** A Node request as the middleware reads it (Express adds `originalUrl`). */
export type NodeRequest = IncomingMessage & { originalUrl?: string; auth?: AuthContext };

/** The gate's request record for a Node request (method, target as sent, headers). */
export declare function requestRecord(req: Pick<NodeRequest, "method" | "url" | "originalUrl" | "rawHeaders" | "headers">): HttpRequest;

/** Classify, load what `needs` names through `storage`, decide, store a touch. */
export declare function authenticate(gate: Gate, request: HttpRequest, storage?: GateStorage | null, now?: number): Promise<Decision>;

/** Express (or `node:http`) middleware: `req.auth` is the caller, or the gate's deny response is sent. */
export declare function gateMiddleware(
  gate: Gate,
  storage?: GateStorage | null,
  options?: GateMiddlewareOptions,
): (req: NodeRequest, res: ServerResponse, next: (error?: unknown) => void) => void;

/** The parts of a Fastify request and reply the hook uses. */
export interface FastifyRequestLike {
  raw: IncomingMessage;
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
