"use strict";
// Loads the prebuilt native addon for this platform (`authcore.<platform>-<arch>[-<abi>].node`,
// built by `napi build --platform`).
const { existsSync } = require("node:fs");
const { join } = require("node:path");

function candidates() {
  const { platform, arch } = process;
  if (platform === "linux") {
    let musl = false;
    try {
      const report = process.report && process.report.getReport();
      musl = !(report && report.header && report.header.glibcVersionRuntime);
    } catch {
      musl = false;
    }
    return [`linux-${arch}-${musl ? "musl" : "gnu"}`, `linux-${arch}-${musl ? "gnu" : "musl"}`];
  }
  if (platform === "win32") return [`win32-${arch}-msvc`, `win32-${arch}-gnu`];
  if (platform === "darwin") return [`darwin-${arch}`, "darwin-universal"];
  return [`${platform}-${arch}`];
}

function load() {
  const dir = join(__dirname, "..");
  const tried = [];
  for (const triple of candidates()) {
    const file = join(dir, `authcore.${triple}.node`);
    tried.push(file);
    if (existsSync(file)) return require(file);
  }
  throw new Error(`@authcore/node: no native addon for ${process.platform}-${process.arch} (looked for ${tried.join(", ")}); build it with \`make node\``);
}

module.exports = load();
