// @authcore/wasm for Node (ES module entry): the same instance as the CommonJS entry, so
// `AuthError` and the classes are identical whichever way the package is loaded.
import { createRequire } from "node:module";

const api = createRequire(import.meta.url)("./node.cjs");

export const {
  /*EXPORTS*/
} = api;
