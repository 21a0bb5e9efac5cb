"use strict";
// @authcore/node (CommonJS entry): the shared façade over the native addon.
const { createApi } = require("./facade.cjs");

module.exports = createApi(require("./native.cjs"));
