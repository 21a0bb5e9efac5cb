// The native contract (bindings-node/js/NATIVE.md) over the wasm-bindgen glue of authcore-wasm.
//
// The glue already has the contract's names, arguments and `AUTHCORE:` errors (the Rust crate
// makes them). This layer adds only what WebAssembly needs on top:
//
// * A trap (a Rust panic aborts on wasm32; also out-of-memory or stack exhaustion) throws a
//   `WebAssembly.RuntimeError`. It becomes the contract's `internal` error, and the instance is
//   replaced at once by a fresh one from the same compiled module (wasm-bindgen's
//   `__wbg_reset_state`), so every later call works. Objects created before the reset belonged
//   to the old instance: using one throws `internal` too (create it again; state machines come
//   back with `restore(snapshot)`).
// * `…Async` methods return a rejected Promise instead of throwing.
//
// `native.cjs` is generated from this file by scripts/wasm-build.sh; edit this one.

const PREFIX = "AUTHCORE:";
const STALE = "Invalid stale object from previous Wasm instance";

export function makeNative(glue) {
  let internal;

  /** The contract's `internal` error, its status and family read from the core's catalog. */
  function internalError(detail) {
    if (internal === undefined) {
      const entry = JSON.parse(glue.catalog()).find((e) => e.code === "internal");
      internal = { type: "auth", code: "internal", status: entry.status, family: entry.family, detail: entry.detail };
    }
    return new Error(PREFIX + JSON.stringify(detail === undefined ? internal : { ...internal, detail }));
  }

  function convert(e) {
    if (e instanceof WebAssembly.RuntimeError) {
      // The instance trapped mid-call: its memory and stack are in an unknown state.
      glue.__wbg_reset_state();
      return internalError();
    }
    if (e instanceof Error && e.message === STALE) {
      return internalError(
        "This object was created before the module was reset after an internal error; create it again.",
      );
    }
    return e;
  }

  function guard(fn, isAsync) {
    return function guarded(...args) {
      try {
        return fn.apply(this, args);
      } catch (e) {
        if (isAsync) return Promise.reject(convert(e));
        throw convert(e);
      }
    };
  }

  const native = {};
  for (const [name, value] of Object.entries(glue)) {
    if (typeof value !== "function" || name === "default" || name.startsWith("__wbg") || name === "initSync") continue;
    if (/^[A-Z]/.test(name)) {
      const proto = value.prototype;
      for (const m of Object.getOwnPropertyNames(proto)) {
        if (m === "constructor" || m === "free" || m.startsWith("__")) continue;
        const d = Object.getOwnPropertyDescriptor(proto, m);
        if (typeof d.value === "function") proto[m] = guard(d.value, m.endsWith("Async"));
      }
      for (const m of Object.getOwnPropertyNames(value)) {
        const d = Object.getOwnPropertyDescriptor(value, m);
        if (d.writable && typeof d.value === "function" && !m.startsWith("__")) value[m] = guard(d.value, false);
      }
      native[name] = new Proxy(value, {
        construct(target, args, newTarget) {
          try {
            return Reflect.construct(target, args, newTarget);
          } catch (e) {
            throw convert(e);
          }
        },
      });
    } else {
      native[name] = guard(value, name.endsWith("Async"));
    }
  }
  return native;
}
