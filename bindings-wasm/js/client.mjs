// @authcore/wasm/client: what a frontend uses (verifying tokens, the token lifecycle, device
// and authorization-code login, PKCE, errors), over a smaller WebAssembly module built from the
// same crate without the server-side exports. Same names, arguments, shapes and errors as
// `@authcore/wasm` for every name it has (tools/assemble.mjs fills the list). ES module for
// browsers and bundlers: the module is fetched and instantiated once, at import (top-level
// await); works with <script type="module"> and no bundler.
import init, * as glue from "./wasm/authcore_client.js";
import { makeNative } from "./native.mjs";
import { createApi } from "./facade/facade.mjs";
import { createAdapters } from "./facade/adapters.mjs";

await init({ module_or_path: new URL("./wasm/authcore_client_bg.wasm", import.meta.url) });
const core = createApi(makeNative(glue));
const api = { ...core, ...createAdapters(core) };

export const {
  /*EXPORTS*/
} = api;
