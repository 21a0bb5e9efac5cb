// @authcore/wasm for browsers, bundlers and edge runtimes (ES module; works with
// <script type="module"> and no bundler). The module is fetched and instantiated once, when
// this file is first imported (top-level await).
import init, * as glue from "./wasm/authcore.js";
import { makeNative } from "./native.mjs";
import { createApi } from "./facade/facade.mjs";
import { createAdapters } from "./facade/adapters.mjs";

await init({ module_or_path: new URL("./wasm/authcore_bg.wasm", import.meta.url) });
const core = createApi(makeNative(glue));
const api = { ...core, ...createAdapters(core) };

export const {
  /*EXPORTS*/
} = api;
