// Node-side helpers shared by the JavaScript benchmarks (bindings-node/bench,
// bindings-wasm/bench): command-line arguments, the PEM keys from conformance/keys, a
// package's version, the machine description and the JSON results file (target/bench/).

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";

import { KEY_FILES } from "./harness.mjs";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * `--smoke`, `--rounds N`, `--seconds S`, `--json PATH`, `--only alg,alg` plus the flags in
 * `extra` (`{"--flag": default}`, each taking a value). `defaultJson` is used unless --smoke.
 */
export function parseArgs(argv, { usage, defaultJson, extra = {} }) {
  const args = { smoke: false, rounds: 5, seconds: 0.2, json: null, only: null, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k.slice(2), v])) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a}: missing value`);
      return argv[++i];
    };
    if (a === "--smoke") args.smoke = true;
    else if (a === "--rounds") args.rounds = Number.parseInt(value(), 10);
    else if (a === "--seconds") args.seconds = Number.parseFloat(value());
    else if (a === "--json") args.json = value();
    else if (a === "--only") args.only = value().split(",");
    else if (Object.hasOwn(extra, a)) args[a.slice(2)] = value();
    else if (a === "--help" || a === "-h") {
      console.log(usage);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${usage}`);
  }
  if (!(args.rounds >= 1) || !(args.seconds > 0)) throw new Error("--rounds must be ≥ 1 and --seconds > 0");
  if (args.json === null && !args.smoke && defaultJson) args.json = join(ROOT, "target", "bench", defaultJson);
  return args;
}

/** `{alg: {sign, verify}}`: the PEMs of every asymmetric algorithm, from conformance/keys. */
export function loadPems() {
  const pem = (name) => readFileSync(join(ROOT, "conformance", "keys", name), "utf8");
  return Object.fromEntries(Object.entries(KEY_FILES).map(([alg, [priv, pub]]) => [alg, { sign: pem(priv), verify: pem(pub) }]));
}

/** The version of `pkg` installed in `nodeModules` (read directly: not every package exports it). */
export function versionOf(nodeModules, pkg) {
  return JSON.parse(readFileSync(join(nodeModules, pkg, "package.json"), "utf8")).version;
}

/** The operating system: `PRETTY_NAME` of /etc/os-release (when there is one), platform. */
export function osName() {
  let pretty = "unknown";
  try {
    const line = readFileSync("/etc/os-release", "utf8").split("\n").find((l) => l.startsWith("PRETTY_NAME="));
    if (line) pretty = line.slice("PRETTY_NAME=".length).replace(/^"|"$/g, "");
  } catch {
    // not Linux: the platform alone
  }
  return `${pretty} (${os.platform()}-${os.arch()})`;
}

/**
 * The results document every harness writes (schema `authcore-bench/1`, read by
 * bench/report.py): `meta` (date, cores, cpu, os, versions, rounds, ...) and one row per case,
 * `{group, op, alg, lib, backend, ops_per_s, rounds, median_ns}`; `extra` is merged in.
 * JWT cases are group `jwt`; the per-call cases group `call` (lib `js` for the runtime's own
 * no-op function, `authcore` otherwise).
 */
export function benchDoc({ name, harness, smoke, meta, cases, extra = {} }) {
  const rows = cases.map((c) => {
    const jwt = c.kind === "jwt";
    return {
      group: jwt ? "jwt" : "call",
      op: jwt ? c.op : c.name,
      alg: jwt ? c.alg : null,
      lib: jwt ? c.lib : /no-op/i.test(c.name) ? "js" : "authcore",
      backend: c.backend ?? null,
      ops_per_s: c.opsPerS,
      rounds: c.rounds,
      median_ns: 1e9 / c.opsPerS,
    };
  });
  return { schema: "authcore-bench/1", name, harness, smoke, meta: { os: osName(), ...meta }, rows, ...extra };
}

/** The machine: Node, V8, platform, CPU model, cores, load average now. */
export function machine() {
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()}-${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
  };
}

export const loadavg = () => os.loadavg();

/** Writes `doc` as JSON to `file` (directories created). */
export function writeJson(file, doc) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(doc, null, 1)}\n`);
}
