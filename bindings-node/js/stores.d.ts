// `@authcore/node/stores`: token stores for Node.

import type { KeyFile, StoredTokens } from "./types";
import type { TokenStore } from "./adapters";

export { MemoryTokenStore, TokenStore } from "./adapters";

/** Options of {@link FileTokenStore}. */
export interface FileTokenStoreOptions {
  /** A lock file older than this is broken as left by a crashed process (default 30). */
  staleLockSeconds?: number;
  /** How long a save waits for the lock before it rejects (default 10000). */
  lockTimeoutMs?: number;
}

/**
 * A JSON token file: mode 0600, replaced atomically (temporary file, fsync, rename), saved
 * with compare-and-swap on the generation under an exclusive lock file (`<path>.lock`,
 * created with `O_EXCL`) that works across processes.
 */
export declare class FileTokenStore implements TokenStore {
  /** `path` may start with `~`; its directory is created (mode 0700) when missing. */
  constructor(path: string, options?: FileTokenStoreOptions);
  /** The absolute path of the token file. */
  readonly path: string;
  /** The lock file (`<path>.lock`). */
  readonly lockPath: string;
  readonly staleLockSeconds: number;
  readonly lockTimeoutMs: number;
  /** The stored document, or `null` without a file; a corrupt file rejects with `state_corrupt`. */
  load(): Promise<StoredTokens | null>;
  save(stored: StoredTokens, expectedGeneration: number): Promise<boolean>;
  /** Deletes the file if its generation equals `expectedGeneration` (under the lock). */
  clear(expectedGeneration: number): Promise<boolean>;
}

/**
 * A vault master key file (`master.key`): mode 0600, replaced atomically, its content checked
 * with `parseMasterKey` on every read and write.
 */
export declare class FileKeyStore {
  /** `path` may start with `~`; its directory is created (mode 0700) when missing. */
  constructor(path: string);
  /** The absolute path of the key file. */
  readonly path: string;
  /** The content, or `null` without a file; a malformed file rejects with `invalid_key`. */
  load(): Promise<string | null>;
  save(text: string): Promise<void>;
  /** The content, generating and saving a new key when there is none. */
  loadOrCreate(kid?: string | null): Promise<string>;
  /** The permission bits, or `null` without a file. */
  mode(): Promise<number | null>;
  /** The file as `readiness` takes it in `keyFiles`. */
  report(): Promise<KeyFile>;
}
