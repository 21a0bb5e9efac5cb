"use strict";
// @authcore/wasm for Node (CommonJS entry): the shared façade over the WebAssembly module,
// loaded synchronously from the package's .wasm file.
const { makeNative } = require("./native.cjs");
const { createApi } = require("./facade/facade.cjs");
const { createAdapters } = require("./facade/adapters.cjs");

const api = createApi(makeNative(require("./wasm/authcore.cjs")));
module.exports = Object.freeze({ ...api, ...createAdapters(api) });
