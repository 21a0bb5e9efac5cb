// @authcore/wasm/client for Node (the `node` condition): the same frontend subset as
// client.mjs, its module read from the package directory (Node's fetch has no file: URLs).
import { readFileSync } from "node:fs";
import * as glue from "./wasm/authcore_client.js";
import { makeNative } from "./native.mjs";
import { createApi } from "./facade/facade.mjs";
import { createAdapters } from "./facade/adapters.mjs";

glue.initSync({ module: readFileSync(new URL("./wasm/authcore_client_bg.wasm", import.meta.url)) });
const core = createApi(makeNative(glue));
const api = { ...core, ...createAdapters(core) };

export const {
  /*EXPORTS*/
} = api;
