// Token stores for Node (`@authcore/node/stores`): where a client keeps its tokens between runs.
//
// A store holds one stored-tokens document (`{version, generation, clock_offset, tokens}`,
// see `loadTokens`) and saves it with compare-and-swap on `generation`, which is what the
// request driver's `save_tokens` action asks for: two processes refreshing at once can never
// make each other lose a rotated refresh token.
//
// `FileTokenStore` is a JSON file created with mode 0600 and replaced atomically (a temporary
// file next to it, written, fsync'd, renamed over it). The generation is compared under a
// lock that works across processes: an exclusive lock file `<path>.lock` created with
// `O_CREAT | O_EXCL` (`fs.open(…, "wx")`). Node has no `flock`, and `O_EXCL` creation is
// atomic on every local file system. The lock file names its holder (host, pid, a random
// nonce); a lock whose holder process is gone (same host) or that is older than
// `staleLockSeconds` (default 30; a save takes milliseconds) is broken: it is renamed away
// (atomic, so only one waiter breaks it) and restored if it turns out to be a live lock taken
// in the meantime.

import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { hostname, homedir } from "node:os";
import path from "node:path";

import { MemoryTokenStore, dumpTokens, generateMasterKey, loadTokens, parseMasterKey } from "./index.mjs";

export { MemoryTokenStore };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/** A JSON token file: mode 0600, atomic replace, generation compare-and-swap across processes. */
export class FileTokenStore {
  #tail = Promise.resolve(); // saves in this process run one at a time

  /**
   * @param {string} file the token file (`~` is the home directory); its directory is
   *   created with mode 0700 when missing.
   * @param {{staleLockSeconds?: number, lockTimeoutMs?: number}} [options]
   */
  constructor(file, options = {}) {
    if (typeof file !== "string" || file.length === 0) throw new TypeError("FileTokenStore: path must be a non-empty string");
    const expanded = file === "~" || file.startsWith("~/") ? path.join(homedir(), file.slice(1)) : file;
    /** The absolute path of the token file. */
    this.path = path.resolve(expanded);
    this.lockPath = this.path + ".lock";
    this.staleLockSeconds = options.staleLockSeconds ?? 30;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  }

  /** The stored document, or `null` when there is no file. A corrupt file is `state_corrupt`. */
  async load() {
    let text;
    try {
      text = await fs.readFile(this.path, "utf8");
    } catch (e) {
      if (e.code === "ENOENT") return null;
      throw e;
    }
    return loadTokens(text);
  }

  /**
   * Stores `stored` if the stored generation (0 when there is no file) equals
   * `expectedGeneration`; resolves `false` (and changes nothing) otherwise. A malformed
   * document throws before anything changes.
   */
  save(stored, expectedGeneration) {
    const text = dumpTokens(stored); // validates before anything changes
    const run = this.#tail.then(() => this.#save(text, expectedGeneration));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #save(text, expectedGeneration) {
    const dir = path.dirname(this.path);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const release = await this.#lock();
    try {
      const current = await this.load();
      const generation = current === null ? 0 : current.generation;
      if (generation !== expectedGeneration) return false;
      const tmp = path.join(dir, `.${path.basename(this.path)}.${randomBytes(8).toString("hex")}.tmp`);
      const handle = await fs.open(tmp, "wx", 0o600);
      try {
        await handle.chmod(0o600); // whatever the umask
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } catch (e) {
        await handle.close().catch(() => {});
        await fs.unlink(tmp).catch(() => {});
        throw e;
      }
      await handle.close();
      try {
        await fs.rename(tmp, this.path);
      } catch (e) {
        await fs.unlink(tmp).catch(() => {});
        throw e;
      }
      await syncDirectory(dir);
      return true;
    } finally {
      await release();
    }
  }

  /**
   * Deletes the file if its generation (0 when there is no file) equals `expectedGeneration`;
   * resolves `false` (and changes nothing) otherwise.
   */
  clear(expectedGeneration) {
    const run = this.#tail.then(() => this.#clear(expectedGeneration));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #clear(expectedGeneration) {
    const dir = path.dirname(this.path);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const release = await this.#lock();
    try {
      const current = await this.load();
      const generation = current === null ? 0 : current.generation;
      if (generation !== expectedGeneration) return false;
      await fs.unlink(this.path).catch((e) => {
        if (e.code !== "ENOENT") throw e;
      });
      await syncDirectory(dir);
      return true;
    } finally {
      await release();
    }
  }

  /** Takes the cross-process lock; resolves to its release function. */
  async #lock() {
    const nonce = randomBytes(12).toString("hex");
    const owner = JSON.stringify({ host: hostname(), pid: process.pid, nonce });
    const deadline = Date.now() + this.lockTimeoutMs;
    let delay = 2;
    for (;;) {
      try {
        const handle = await fs.open(this.lockPath, "wx", 0o600);
        try {
          await handle.writeFile(owner, "utf8");
        } finally {
          await handle.close();
        }
        return async () => {
          // Remove the lock only if it is still ours (it may have been broken as stale).
          const holder = await readLock(this.lockPath);
          if (holder !== null && holder.nonce === nonce) await fs.unlink(this.lockPath).catch(() => {});
        };
      } catch (e) {
        if (e.code !== "EEXIST") throw e;
      }
      await this.#breakIfStale();
      if (Date.now() > deadline) {
        throw new Error(`FileTokenStore: timed out waiting for the lock ${this.lockPath}`);
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 50);
    }
  }

  async #breakIfStale() {
    let info;
    try {
      info = await fs.stat(this.lockPath);
    } catch {
      return; // released meanwhile
    }
    const holder = await readLock(this.lockPath);
    const old = Date.now() - info.mtimeMs > this.staleLockSeconds * 1000;
    // A lock file still being written (no holder yet) is judged by its age only.
    const dead =
      holder !== null && holder.host === hostname() && Number.isSafeInteger(holder.pid) && holder.pid > 0 && !processAlive(holder.pid);
    if (!old && !dead) return;
    const aside = `${this.lockPath}.${randomBytes(8).toString("hex")}.stale`;
    try {
      await fs.rename(this.lockPath, aside);
    } catch {
      return; // someone else broke it first
    }
    const taken = await readLock(aside);
    const same = holder === null ? taken === null : taken !== null && taken.nonce === holder.nonce;
    if (!same) {
      // Between our look and the rename a live holder took the lock: put it back.
      await fs.link(aside, this.lockPath).catch(() => {});
    }
    await fs.unlink(aside).catch(() => {});
  }

  toString() {
    return `FileTokenStore(${JSON.stringify(this.path)})`;
  }
}

async function readLock(file) {
  try {
    const parsed = JSON.parse(await fs.readFile(file, "utf8"));
    return parsed !== null && typeof parsed === "object" && typeof parsed.nonce === "string" ? parsed : null;
  } catch {
    return null;
  }
}

async function syncDirectory(dir) {
  // Makes the rename durable; not every platform can open a directory (Windows).
  let handle;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * A vault master key file (`master.key`): read, created with mode 0600 by an atomic replace
 * (temporary file, fsync, rename), and reported (`{path, mode, error?}`) for `readiness`'s
 * `keyFiles`. The content is checked with `parseMasterKey` on every read and write.
 */
export class FileKeyStore {
  /** @param {string} file the key file (`~` is the home directory). */
  constructor(file) {
    if (typeof file !== "string" || file.length === 0) throw new TypeError("FileKeyStore: path must be a non-empty string");
    const expanded = file === "~" || file.startsWith("~/") ? path.join(homedir(), file.slice(1)) : file;
    /** The absolute path of the key file. */
    this.path = path.resolve(expanded);
  }

  /** The key file's content, or `null` when there is no file; a malformed one throws `invalid_key`. */
  async load() {
    let text;
    try {
      text = await fs.readFile(this.path, "utf8");
    } catch (e) {
      if (e.code === "ENOENT") return null;
      throw e;
    }
    parseMasterKey(text);
    return text;
  }

  /** Writes a key file's content (checked first) atomically with mode 0600. */
  async save(text) {
    parseMasterKey(text);
    const dir = path.dirname(this.path);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.${path.basename(this.path)}.${randomBytes(8).toString("hex")}.tmp`);
    const handle = await fs.open(tmp, "wx", 0o600);
    try {
      await handle.chmod(0o600); // whatever the umask
      await handle.writeFile(text, "utf8");
      await handle.sync();
      await handle.close();
      await fs.rename(tmp, this.path);
    } catch (e) {
      await handle.close().catch(() => {});
      await fs.unlink(tmp).catch(() => {});
      throw e;
    }
  }

  /** The key file's content, generating and saving a new key when there is none. */
  async loadOrCreate(kid) {
    const text = await this.load();
    if (text !== null) return text;
    const created = generateMasterKey(kid ?? null);
    await this.save(created);
    return created;
  }

  /** The file's permission bits (`0o600`), or `null` when there is no file. */
  async mode() {
    try {
      return (await fs.stat(this.path)).mode & 0o7777;
    } catch (e) {
      if (e.code === "ENOENT") return null;
      throw e;
    }
  }

  /** The file as `readiness` takes it: `{path, mode, error?}` (`missing`, `unreadable` or the refusal's code). */
  async report() {
    const out = { path: this.path, mode: (await this.mode()) ?? 0 };
    try {
      if ((await this.load()) === null) out.error = "missing";
    } catch (e) {
      out.error = typeof e?.code === "string" && !e.code.startsWith("E") ? e.code : "unreadable";
    }
    return out;
  }
}
