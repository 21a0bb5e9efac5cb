// Host adapters shared by @authcore/node and @authcore/wasm: an authenticated `fetch`
// (`authFetch`), a device login in one call (`deviceLogin`) and an in-memory token store.
//
// Every rule is the core's (`RequestDriver`, `DeviceClient`): these functions only move bytes
// between the host's `fetch` and the state machines, run the timers the machines ask for and
// hand the tokens to a store. No Node-only import here: this module runs in browsers too.
// Node-only pieces live in `stores.mjs` (the file store) and `express.mjs` (middleware).

/** Seconds since the epoch from a clock returning seconds (a float is floored). */
function seconds(clock) {
  return Math.floor(clock());
}

function systemClock() {
  return Date.now() / 1000;
}

/** The response record the state machines read: status, headers, body text. */
function responseRecord(response, body) {
  const headers = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, headers, body };
}

/**
 * A plain copy of an options object (`undefined`/`null`: `{}`); anything that is not an
 * object, or whose members cannot be read (a throwing getter, a proxy), is a `TypeError`.
 */
function readOptions(value, name) {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new TypeError(`${name}: expected an object`);
  try {
    const copy = {};
    for (const key of Object.keys(value)) {
      if (key === "__proto__") continue;
      copy[key] = value[key];
    }
    return copy;
  } catch (e) {
    throw new TypeError(`${name}: could not be read`, { cause: e });
  }
}

/** Whether `store` has `load()` and `save()` (a store that cannot be inspected has not). */
function isStore(store) {
  try {
    return store !== null && typeof store === "object" && typeof store.load === "function" && typeof store.save === "function";
  } catch {
    return false;
  }
}

/** Drops a response body nobody will read (frees the connection). */
function discard(response) {
  if (response && response.body && !response.bodyUsed) {
    response.body.cancel().catch(() => {});
  }
}

/**
 * Builds the adapters on a public API object (the one `createApi(native)` returns).
 * @param {object} api the package's public API: `RequestDriver`, `DeviceClient`,
 *   `AuthError`, `loadTokens`, `dumpTokens`.
 */
export function createAdapters(api) {
  const { RequestDriver, DeviceClient, JwksCache, AuthError, loadTokens, dumpTokens } = api;

  /**
   * Verifies tokens against a remote key set: a `JwksCache` whose fetches go out through
   * `fetch`. Every rule (when to fetch, the cooldown, stale-while-error, which keys count) is
   * the core's; this class only moves bytes. Calls are served one at a time.
   */
  class RemoteJwks {
    #fetch;
    #clock;
    #queue = Promise.resolve();

    /**
     * @param {object} options the `JwksCache` options (`{jwksUri, verifier, cooldown?, …, backend?}`)
     * @param {{fetch?: Function, clock?: () => number}} [io] the `fetch` and clock to use
     */
    constructor(options, io) {
      const o = readOptions(io, "io");
      /** The core machine (its `status()` and `snapshot()` are the host's to read). */
      this.cache = new JwksCache(options);
      this.#fetch = o.fetch ?? globalThis.fetch;
      if (typeof this.#fetch !== "function") throw new TypeError("io.fetch: expected a function");
      const clock = o.clock ?? systemClock;
      if (typeof clock !== "function") throw new TypeError("io.clock: expected a function");
      this.#clock = clock;
    }

    /** Verifies `token`, fetching the key set first when the core asks: `{alg, kid?, typ?, claims}`. */
    verify(token) {
      const run = this.#queue.then(() => this.#verify(token));
      this.#queue = run.catch(() => {});
      return run;
    }

    async #verify(token) {
      const now = seconds(this.#clock);
      let result = this.cache.verify(token, now);
      if (result.type === "fetch") {
        const sends = this.cache.actions().filter((a) => a.type === "send");
        if (!sends.some((a) => a.transmit === result.transmit)) {
          // A fetch left in flight by an interrupted call: settle it so a new one can start.
          this.cache.handleNetworkError(result.transmit, now);
        }
        for (const { transmit, request } of sends) {
          let response;
          try {
            response = await this.#fetch(request.url, { method: request.method, headers: request.headers });
          } catch {
            this.cache.handleNetworkError(transmit, now);
            continue;
          }
          this.cache.handleResponse(transmit, responseRecord(response, await response.text()), now);
        }
        this.cache.actions();
        result = this.cache.verify(token, now);
      }
      return result.token;
    }
  }

  /** A token store in memory (tests, short-lived programs, browsers). */
  class MemoryTokenStore {
    #stored = null;

    /** @param {object|null} [stored] a stored-tokens document to start with (validated). */
    constructor(stored) {
      if (stored !== undefined && stored !== null) {
        this.#stored = loadTokens(dumpTokens(stored));
      }
    }

    /** The stored document (a copy), or `null` when nothing is stored. */
    load() {
      return this.#stored === null ? null : loadTokens(dumpTokens(this.#stored));
    }

    /**
     * Stores `stored` if the stored generation (0 when empty) equals `expectedGeneration`.
     * A malformed document throws before anything changes.
     */
    save(stored, expectedGeneration) {
      const document = loadTokens(dumpTokens(stored));
      const current = this.#stored === null ? 0 : this.#stored.generation;
      if (current !== expectedGeneration) return false;
      this.#stored = document;
      return true;
    }

    /** Forgets the document if the stored generation equals `expectedGeneration`. */
    clear(expectedGeneration) {
      const current = this.#stored === null ? 0 : this.#stored.generation;
      if (current !== expectedGeneration) return false;
      this.#stored = null;
      return true;
    }

    toString() {
      return `MemoryTokenStore(generation=${this.#stored === null ? "none" : this.#stored.generation})`;
    }
  }

  /**
   * A `fetch`-compatible function that authorises, refreshes and retries through the
   * request driver. See the package README ("Authenticated fetch").
   */
  function authFetch(driverOrOptions, store, options = {}) {
    if (!isStore(store)) {
      throw new TypeError("authFetch: store must have load() and save(stored, expectedGeneration)");
    }
    options = readOptions(options, "authFetch options");
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") {
      throw new TypeError("authFetch: no fetch function (pass options.fetch)");
    }
    const clock = options.clock ?? systemClock;
    if (typeof clock !== "function") throw new TypeError("authFetch: options.clock must be a function");
    const onReauthenticate = options.onReauthenticate ?? null;
    if (onReauthenticate !== null && typeof onReauthenticate !== "function") {
      throw new TypeError("authFetch: options.onReauthenticate must be a function");
    }
    const onSignedOut = options.onSignedOut ?? null;
    if (onSignedOut !== null && typeof onSignedOut !== "function") {
      throw new TypeError("authFetch: options.onSignedOut must be a function");
    }
    if (driverOrOptions === null || typeof driverOrOptions !== "object") {
      throw new TypeError("authFetch: the first argument is a RequestDriver or its options");
    }
    let driver = driverOrOptions instanceof RequestDriver ? driverOrOptions : null;
    const settings = driver ? null : readOptions(driverOrOptions, "authFetch driver options");
    // A driver built from options starts from what the store holds (load may be async).
    const ready = driver
      ? Promise.resolve(driver)
      : Promise.resolve()
          .then(() => store.load())
          .then((stored) => {
            driver = new RequestDriver({ ...settings, stored: stored ?? null });
            return driver;
          });
    ready.catch(() => {}); // reported to every call (a corrupt store), never as an unhandled rejection

    // Shared between every call: what the driver asked for, by API request.
    const outbox = new Map(); // request id -> [send action]
    const refreshes = []; // send actions with no request id (refreshes)
    const results = new Map(); // request id -> {action, own}
    let waiters = [];
    // Actions are taken from the driver synchronously right after each call into it and
    // carried out in order, batch by batch, by one worker (saves and loads may be async).
    const batches = [];
    let working = false;
    let current = null; // the batch being carried out

    function wake() {
      const ws = waiters;
      waiters = [];
      for (const w of ws) w();
    }

    function changed() {
      return new Promise((resolve) => waiters.push(resolve));
    }

    /** Takes every pending action now; `ownRid` marks a failure caused by that request's own answer. */
    function take(ownRid) {
      const batch = [];
      let signedOut = false;
      for (;;) {
        const action = driver.pollAction();
        if (action === null || action === undefined) break;
        if (action.type === "signed_out") signedOut = true;
        // The failure that follows a sign-out rejects, although the server answered it.
        const own = action.type === "failed" && action.request_id === ownRid && !signedOut;
        batch.push({ action, own });
        if (action.type === "failed") signedOut = false;
      }
      return batch;
    }

    async function carryOut({ action, own }) {
      switch (action.type) {
        case "send":
          if (action.request_id === undefined || action.request_id === null) {
            refreshes.push(action);
          } else {
            let mine = outbox.get(action.request_id);
            if (!mine) outbox.set(action.request_id, (mine = []));
            mine.push(action);
          }
          break;
        case "save_tokens":
          if (!(await store.save(action.stored, action.expected_generation))) {
            const stored = await store.load();
            if (stored !== null && stored !== undefined) {
              driver.handleSaveConflict(stored);
              current.items.push(...take(null));
            }
          }
          break;
        case "load_tokens": {
          const stored = await store.load();
          driver.handleLoaded(stored ?? null, seconds(clock));
          current.items.push(...take(null));
          break;
        }
        case "complete":
        case "failed":
          results.set(action.request_id, { action, own });
          break;
        case "reauthenticate":
          if (onReauthenticate !== null) await onReauthenticate(action.expires_at);
          break;
        case "clear_tokens":
          if (typeof store.clear === "function" && !(await store.clear(action.expected_generation))) {
            const stored = await store.load();
            if (stored !== null && stored !== undefined) {
              driver.handleSaveConflict(stored);
              current.items.push(...take(null));
            }
          }
          break;
        case "signed_out":
          if (onSignedOut !== null) await onSignedOut();
          break;
        default:
          break;
      }
    }

    /** Carries out `items` after the batches before it; rejects if the store failed. */
    function enqueue(items) {
      return new Promise((resolve, reject) => {
        batches.push({ items, resolve, reject });
        if (!working) void work();
      });
    }

    async function work() {
      working = true;
      while (batches.length > 0) {
        current = batches.shift();
        let error = null;
        for (let i = 0; i < current.items.length; i++) {
          try {
            await carryOut(current.items[i]);
          } catch (e) {
            error ??= { cause: e }; // the rest of the batch is still carried out
          }
          wake();
        }
        if (error) current.reject(error.cause);
        else current.resolve();
      }
      current = null;
      working = false;
      wake();
    }

    function next(rid) {
      const mine = outbox.get(rid);
      if (mine && mine.length > 0) return { kind: "send", action: mine.shift() };
      if (results.has(rid)) {
        const result = results.get(rid);
        results.delete(rid);
        outbox.delete(rid);
        return { kind: "done", ...result };
      }
      if (refreshes.length > 0) return { kind: "refresh", action: refreshes.shift() };
      return null;
    }

    async function report(transmit, record, ownRid) {
      driver.handleResponse(transmit, record, seconds(clock));
      await enqueue(take(ownRid));
    }

    async function reportFailure(transmit) {
      driver.handleNetworkError(transmit, seconds(clock));
      await enqueue(take(null));
    }

    async function call(input, init) {
      await ready;
      const base = new Request(input, init);
      const rid = driver.send({ method: base.method, url: base.url, headers: {} }, seconds(clock));
      let last = null; // this request's last answer from the server
      try {
        await enqueue(take(rid));
        for (;;) {
          let step = next(rid);
          while (step === null) {
            await changed();
            step = next(rid);
          }
          if (step.kind === "done") {
            const { action, own } = step;
            if (action.type === "complete") return last;
            // A failure the server answered (a 402, a second 401) is that answer.
            if (own && action.response !== undefined && action.response !== null && last !== null) return last;
            discard(last);
            throw AuthError.fromJSON(action.error);
          }
          const { transmit, request } = step.action;
          // Every exchange taken is reported exactly once (an answer or a network error), so
          // the driver never waits for one whose caller went away.
          let response;
          let body;
          if (step.kind === "send") {
            const headers = new Headers(base.headers);
            for (const [name, value] of Object.entries(request.headers)) headers.set(name, value);
            try {
              response = await fetchImpl(new Request(base.clone(), { headers }));
              // The driver reads the body of a 401 and a 402; the caller gets it untouched.
              body = response.status === 401 || response.status === 402 ? await response.clone().text() : "";
            } catch (e) {
              discard(response);
              await reportFailure(transmit);
              throw e;
            }
            discard(last);
            last = response;
            await report(transmit, responseRecord(response, body), rid);
          } else {
            try {
              response = await fetchImpl(request.url, {
                method: request.method,
                headers: request.headers,
                body: request.body ?? undefined,
              });
              body = await response.text();
            } catch {
              await reportFailure(transmit);
              continue; // the waiting requests fail with the driver's error
            }
            await report(transmit, responseRecord(response, body), null);
          }
        }
      } finally {
        outbox.delete(rid);
        results.delete(rid);
      }
    }

    /** The `fetch`-compatible function. */
    const authenticatedFetch = (input, init) => call(input, init);
    /** Sends this identity (the driver's `identityHeader`) with every later request. */
    authenticatedFetch.setIdentity = async (identity) => {
      await ready;
      driver.setIdentity(identity ?? null);
      await enqueue(take(null));
    };
    return authenticatedFetch;
  }

  /** The default prompt: where to go and what to type, on the console. */
  function printPrompt(prompt) {
    const p = readOptions(prompt, "prompt");
    const url = p.verification_uri_complete ?? p.verification_uri;
    if (typeof url !== "string" || typeof p.user_code !== "string") {
      throw new TypeError("prompt: expected the device client's prompt action");
    }
    console.error(`To sign in, open ${url} and enter the code ${p.user_code}`);
  }

  /** Resolves after `ms` milliseconds, or at once when `signal` aborts. */
  function defaultSleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal && signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        if (signal) signal.removeEventListener("abort", done);
        resolve();
      }
      if (signal) signal.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * Signs in with the device grant (RFC 8628) and resolves to the stored-tokens document,
   * saved to `store` first when one is given. See the package README ("Device login").
   */
  async function deviceLogin(options) {
    if (options === null || typeof options !== "object") throw new TypeError("deviceLogin: options must be an object");
    const {
      fetch: fetchOption,
      prompt = printPrompt,
      signal,
      store,
      clock = systemClock,
      sleep = defaultSleep,
      ...settings
    } = readOptions(options, "deviceLogin options");
    const fetchImpl = fetchOption ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") throw new TypeError("deviceLogin: no fetch function (pass options.fetch)");
    if (typeof prompt !== "function") throw new TypeError("deviceLogin: prompt must be a function");
    if (typeof clock !== "function" || typeof sleep !== "function") {
      throw new TypeError("deviceLogin: clock and sleep must be functions");
    }
    if (store !== undefined && store !== null && !isStore(store)) {
      throw new TypeError("deviceLogin: store must have load() and save(stored, expectedGeneration)");
    }
    const previous = store ? await store.load() : null;
    if (previous !== null && previous !== undefined && settings.previousGeneration === undefined) {
      settings.previousGeneration = previous.generation;
    }
    const client = new DeviceClient(settings);
    let saved = null;
    client.start(seconds(clock));
    for (;;) {
      if (signal && signal.aborted) client.cancel();
      const action = client.pollAction();
      if (action === null || action === undefined) {
        // The machine always ends with `done` or `failed`.
        throw AuthError.fromJSON({ code: "invalid_state", detail: "The device client stopped." });
      }
      switch (action.type) {
        case "send": {
          const { request } = action;
          let response;
          let body;
          try {
            response = await fetchImpl(request.url, {
              method: request.method,
              headers: request.headers,
              body: request.body ?? undefined,
              signal,
            });
            body = await response.text();
          } catch {
            if (signal && signal.aborted) client.cancel();
            else client.handleNetworkError(action.transmit, seconds(clock));
            break;
          }
          client.handleResponse(action.transmit, responseRecord(response, body), seconds(clock));
          break;
        }
        case "prompt":
          await prompt(action);
          break;
        case "wait":
          await sleep(Math.max(0, (action.until - clock()) * 1000), signal);
          if (!(signal && signal.aborted)) client.handleTimeout(seconds(clock));
          break;
        case "save_tokens":
          saved = action.stored;
          if (store && !(await store.save(saved, action.expected_generation))) {
            throw AuthError.fromJSON({
              code: "version_conflict",
              detail: "The token store changed during the login; sign in again.",
            });
          }
          break;
        case "done":
          if (saved === null) {
            throw AuthError.fromJSON({ code: "invalid_state", detail: "The login ended without tokens." });
          }
          return saved;
        case "failed":
          throw AuthError.fromJSON(action.error);
        default:
          break;
      }
    }
  }

  return { authFetch, deviceLogin, printPrompt, MemoryTokenStore, RemoteJwks };
}
