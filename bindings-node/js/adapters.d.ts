// Host adapters shared by @authcore/node and @authcore/wasm (exported from the package's main
// entry): authFetch, deviceLogin, MemoryTokenStore and the TokenStore interface.

import type { DeviceAction, StoredTokens, VerifiedToken } from "./types";
import type { DeviceClientOptions, JwksCache, JwksCacheOptions, RequestDriver, RequestDriverOptions } from "./index";

/** The device client's `prompt` action: the code to show and where to type it. */
export type DevicePrompt = Extract<DeviceAction, { type: "prompt" }>;

/** A value, or a Promise of it: stores may be synchronous or asynchronous. */
export type MaybePromise<T> = T | Promise<T>;

/** Where a client keeps its tokens: one stored-tokens document, saved with compare-and-swap. */
export interface TokenStore {
  /** The stored document, or `null` when nothing is stored. */
  load(): MaybePromise<StoredTokens | null>;
  /**
   * Stores `stored` if the stored generation (0 when empty) equals `expectedGeneration`;
   * `false` (and nothing changes) otherwise.
   */
  save(stored: StoredTokens, expectedGeneration: number): MaybePromise<boolean>;
  /**
   * Optional: deletes the document if the stored generation equals `expectedGeneration`
   * (`false`, and nothing changes, otherwise). Called when a session token was refused
   * and the user is signed out.
   */
  clear?(expectedGeneration: number): MaybePromise<boolean>;
}

/** A token store in memory (tests, short-lived programs, browsers). */
export declare class MemoryTokenStore implements TokenStore {
  /** `stored`: a document to start with (validated: a malformed one throws). */
  constructor(stored?: StoredTokens | null);
  load(): StoredTokens | null;
  save(stored: StoredTokens, expectedGeneration: number): boolean;
  clear(expectedGeneration: number): boolean;
}

// The host's fetch types when it declares them (lib "dom", or @types/node), else plain
// stand-ins, so these declarations compile in any project.
/** The host's `fetch`. */
export type HostFetch = typeof globalThis extends { fetch: infer F } ? F : (input: string, init?: object) => Promise<unknown>;
/** What the host's `fetch` takes as its first argument. */
export type FetchInput = HostFetch extends (input: infer I, ...rest: never[]) => unknown ? I : string;
/** What the host's `fetch` takes as its options. */
export type FetchInit = HostFetch extends (input: never, init?: infer O) => unknown ? O : object;
/** The host's `Response`. */
export type FetchResponse = typeof globalThis extends { Response: { prototype: infer R } } ? R : unknown;
/** The host's `AbortSignal`. */
export type HostAbortSignal = typeof globalThis extends { AbortSignal: { prototype: infer S } } ? S : { readonly aborted: boolean };

/** A `fetch` implementation (the global one by default). */
export type FetchLike = (input: FetchInput, init?: FetchInit) => Promise<FetchResponse>;

/** Options of {@link authFetch}. */
export interface AuthFetchOptions {
  /** The `fetch` that does the IO (default: `globalThis.fetch`). */
  fetch?: FetchLike;
  /** The clock, in Unix seconds (default: `Date.now() / 1000`). */
  clock?: () => number;
  /**
   * Called with the access token's `expires_at` when the tokens cannot be renewed (no
   * refresh token) and expire within the refresh margin, or have expired: ask the user to
   * sign in again.
   */
  onReauthenticate?: (expiresAt: number) => void | Promise<void>;
  /**
   * Called when the API refused a session token (no expiry, no refresh token) with 401:
   * the store has been cleared and the request rejects with `AuthError` code
   * `not_authenticated`. Show "signed out".
   */
  onSignedOut?: () => void | Promise<void>;
}

/** The function {@link authFetch} returns: `fetch`, authorised by the request driver. */
export interface AuthenticatedFetch {
  (input: FetchInput, init?: FetchInit): Promise<FetchResponse>;
  /** Sends this identity (the driver's `identityHeader`) with every later request (`null`: none). */
  setIdentity(identity: string | null): Promise<void>;
}

/**
 * A `fetch` that adds the bearer token to requests for the API origins, refreshes it 5
 * minutes before expiry, refreshes and retries exactly once on a 401, runs one refresh for
 * any number of concurrent calls and saves new tokens to `store` at once (compare-and-swap
 * on the generation). The server's response is returned as `fetch` returns it (a 402 or a
 * second 401 too); when no response can be given (no tokens, the refresh was refused or
 * failed), the call rejects with the driver's `AuthError` (e.g. `refresh_failed`).
 *
 * `driver` is a `RequestDriver`, or its options (the driver then starts from `store.load()`).
 */
export declare function authFetch(
  driver: RequestDriver | RequestDriverOptions,
  store: TokenStore,
  options?: AuthFetchOptions,
): AuthenticatedFetch;

/** Options of {@link deviceLogin}: the device client's options plus the IO. */
export interface DeviceLoginOptions extends DeviceClientOptions {
  /** Shows the code and the URL to the person (default: one line on the console). */
  prompt?: (prompt: DevicePrompt) => void | Promise<void>;
  /** Where the tokens are saved (compare-and-swap on the generation it holds). */
  store?: TokenStore;
  /** Cancels the login: the Promise rejects with `AuthError` code `cancelled`. */
  signal?: HostAbortSignal;
  /** The `fetch` that does the IO (default: `globalThis.fetch`). */
  fetch?: FetchLike;
  /** The clock, in Unix seconds (default: `Date.now() / 1000`). */
  clock?: () => number;
  /** Waits `ms` milliseconds, or less when `signal` aborts (default: `setTimeout`). */
  sleep?: (ms: number, signal?: HostAbortSignal) => Promise<void>;
}

/**
 * Signs in with the device grant (RFC 8628): asks for a code, shows it through `prompt`,
 * polls until the person approves, saves the tokens to `store` and resolves to the stored
 * document. A refusal rejects with the matching `AuthError` (`access_denied`,
 * `expired_token`, …), an abort with `cancelled`.
 */
export declare function deviceLogin(options: DeviceLoginOptions): Promise<StoredTokens>;

/** The default prompt: where to go and what to type, on the console. */
export declare function printPrompt(prompt: DevicePrompt): void;

/** The IO of a {@link RemoteJwks}. */
export interface RemoteJwksIo {
  /** The `fetch` that does the IO (default: `globalThis.fetch`). */
  fetch?: FetchLike;
  /** The clock, in Unix seconds (default: `Date.now() / 1000`). */
  clock?: () => number;
}

/** Verifies tokens against a remote key set: a {@link JwksCache} whose fetches go out through `fetch`. */
export declare class RemoteJwks {
  constructor(options: JwksCacheOptions, io?: RemoteJwksIo);
  /** The core machine. */
  readonly cache: JwksCache;
  /** Verifies `token`, fetching the key set first when the core asks for it. */
  verify(token: string): Promise<VerifiedToken>;
}
