"use strict";
// @authcore/node (CommonJS entry): the shared façade over the native addon, plus the host
// adapters built on it (authFetch, deviceLogin, MemoryTokenStore).
const { createApi } = require("./facade.cjs");
const { createAdapters } = require("./adapters.cjs");

const api = createApi(require("./native.cjs"));

module.exports = Object.freeze({ ...api, ...createAdapters(api) });
