// Host adapters shared by @authcore/node and @authcore/wasm (exported from the package's main
// entry): authFetch, deviceLogin, MemoryTokenStore and the TokenStore interface.

import type { ClientConfigOptions, DeviceClientConfigOptions, PromptDeviceAction, StoredTokens } from "./types";
import type { RequestDriver } from "./index";

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
}

/** A token store in memory (tests, short-lived programs, browsers). */
export declare class MemoryTokenStore implements TokenStore {
  /** `stored`: a document to start with (validated: a malformed one throws). */
  constructor(stored?: StoredTokens | null);
  load(): StoredTokens | null;
  save(stored: StoredTokens, expectedGeneration: number): boolean;
}

/** A `fetch` implementation (the global one by default). */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** Options of {@link authFetch}. */
export interface AuthFetchOptions {
  /** The `fetch` that does the IO (default: `globalThis.fetch`). */
  fetch?: FetchLike;
  /** The clock, in Unix seconds (default: `Date.now() / 1000`). */
  clock?: () => number;
}

/** The function {@link authFetch} returns: `fetch`, authorised by the request driver. */
export interface AuthenticatedFetch {
  (input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
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
  driver: RequestDriver | ClientConfigOptions,
  store: TokenStore,
  options?: AuthFetchOptions,
): AuthenticatedFetch;

/** Options of {@link deviceLogin}: the device client's options plus the IO. */
export interface DeviceLoginOptions extends DeviceClientConfigOptions {
  /** Shows the code and the URL to the person (default: one line on the console). */
  prompt?: (prompt: PromptDeviceAction) => void | Promise<void>;
  /** Where the tokens are saved (compare-and-swap on the generation it holds). */
  store?: TokenStore;
  /** Cancels the login: the Promise rejects with `AuthError` code `cancelled`. */
  signal?: AbortSignal;
  /** The `fetch` that does the IO (default: `globalThis.fetch`). */
  fetch?: FetchLike;
  /** The clock, in Unix seconds (default: `Date.now() / 1000`). */
  clock?: () => number;
  /** Waits `ms` milliseconds, or less when `signal` aborts (default: `setTimeout`). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Signs in with the device grant (RFC 8628): asks for a code, shows it through `prompt`,
 * polls until the person approves, saves the tokens to `store` and resolves to the stored
 * document. A refusal rejects with the matching `AuthError` (`access_denied`,
 * `expired_token`, …), an abort with `cancelled`.
 */
export declare function deviceLogin(options: DeviceLoginOptions): Promise<StoredTokens>;

/** The default prompt: where to go and what to type, on the console. */
export declare function printPrompt(prompt: PromptDeviceAction): void;
