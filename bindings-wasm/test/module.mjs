// The module under test: the built package's Node ES module entry (make wasm), or what
// AUTHCORE_TEST_MODULE names.
import { pathToFileURL } from "node:url";
import { isAbsolute, resolve } from "node:path";

const target = process.env.AUTHCORE_TEST_MODULE;
export const MODULE_URL =
  target === undefined || target === ""
    ? new URL("../pkg/node.mjs", import.meta.url).href
    : isAbsolute(target) || target.startsWith(".")
      ? pathToFileURL(resolve(target)).href
      : target;
export const api = await import(MODULE_URL);
export const NOW = 1_700_000_000;
