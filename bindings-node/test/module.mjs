// The module under test: this package's ESM entry, or another implementation of the same
// API named by AUTHCORE_TEST_MODULE (a path or specifier), so the same tests run against
// @authcore/wasm. AUTHCORE_TEST_BACKENDS lists the crypto backends it has (default both).
import { pathToFileURL } from "node:url";
import { isAbsolute, resolve } from "node:path";

const target = process.env.AUTHCORE_TEST_MODULE;
export const MODULE_URL =
  target === undefined || target === ""
    ? new URL("../js/index.mjs", import.meta.url).href
    : isAbsolute(target) || target.startsWith(".")
      ? pathToFileURL(resolve(target)).href
      : target;

export const api = await import(MODULE_URL);
export const BACKENDS = (process.env.AUTHCORE_TEST_BACKENDS ?? "native,portable").split(",");
/** Whether `…Async` calls run off the event loop (AUTHCORE_TEST_ASYNC_OFF_THREAD=0: WASM). */
export const ASYNC_OFF_THREAD = process.env.AUTHCORE_TEST_ASYNC_OFF_THREAD !== "0";
export const NOW = 1_700_000_000;
/** `n` bytes of deterministic entropy. */
export const bytes = (n, fill = 7) => new Uint8Array(n).fill(fill);
