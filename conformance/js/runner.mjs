// The JavaScript conformance runner: runs conformance/vectors/**.json against a module that
// exports the one JavaScript API of authcore (`@authcore/node`, `@authcore/wasm`).
//
// It interprets the op table, `conformance/ops.json` (format: "Op table" in
// `conformance/README.md`), by the JavaScript naming rule written there: class names as they
// are, functions, methods, properties and option keys in camelCase; a constructor takes one
// options object (the `config` members and the `keywords`, camelCased, except the values at
// its `data` paths, which keep their wire shape); keyword-only parameters (and `backend`)
// become one trailing options object. Only the public API is driven, never a side door.
// Outputs are compared as JSON values with strict types (`true` is not `1`; a member holding
// `undefined` is absent). An unknown operation fails the case: nothing is skipped.
//
// The interpreter (everything above the CLI section) uses nothing but ECMAScript, so a
// browser page imports this file and calls `runAll(api, vectors, { ops, backends })` with
// the vector files and the op table it fetched. The CLI section at the end runs only under
// Node, when this file is the program:
//
//     node conformance/js/runner.mjs --module <package name | path> [--json out.json]
//         [--backends native,portable] [--name node] [--ops ops.json] [vectors-dir]
//
// `--module` is a package name (resolved from the current directory) or a path to a package
// directory (the `exports` entry Node's `import` would pick), or to a module file; the
// repository's `make conformance` passes the built package directory, `bindings-node`. The
// summary line counts each backend on its own (`node-native N/N; node-portable N/N`);
// `--json` writes the results file read by `authcore-conformance --extra node=FILE`.

/** Every crypto backend a case runs on, unless the caller names fewer (WASM: `portable`). */
export const BACKENDS = ["native", "portable"];

/** A case that did not pass: the runner's own verdict, as opposed to a crash in the binding. */
export class CaseFailure extends Error {}

/** The marker of a source path that is absent from the scope (the parameter is not passed). */
const ABSENT = Symbol("absent");

// ------------------------------------------------------------------------------- JSON values

/** The kind of a JSON value, for strict comparison. */
function kind(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** The members of an object that hold a value (`undefined` members are absent). */
function members(o) {
  return Object.keys(o).filter((k) => o[k] !== undefined);
}

/** JSON equality with strict types: numbers, booleans, strings, null, arrays and objects. */
export function same(a, b) {
  const ka = kind(a);
  if (ka !== kind(b)) return false;
  if (ka === "array") return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (ka === "object") {
    const ma = members(a);
    const mb = members(b);
    return ma.length === mb.length && ma.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return a === b;
}

/** A value for a failure message: JSON with sorted members. */
function show(v) {
  const sorted = (x) => {
    if (Array.isArray(x)) return x.map(sorted);
    if (x !== null && typeof x === "object" && !(x instanceof Uint8Array)) {
      return Object.fromEntries(members(x).sort().map((k) => [k, sorted(x[k])]));
    }
    return x;
  };
  return JSON.stringify(sorted(v)) ?? String(v);
}

// ------------------------------------------------------------------------------- conversions

function hexBytes(v) {
  const text = v ?? "";
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new CaseFailure("hex_bytes: the vector's value is not hex text");
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function utf8Bytes(v) {
  if (typeof v !== "string") throw new CaseFailure("utf8_bytes: the vector's value is not text");
  return new TextEncoder().encode(v);
}

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function b64urlBytes(v) {
  if (typeof v !== "string" || v.length % 4 === 1) throw new CaseFailure("b64url_bytes: the vector's value is not base64url");
  const out = [];
  let acc = 0;
  let bits = 0;
  for (const c of v) {
    const n = B64URL.indexOf(c);
    if (n < 0) throw new CaseFailure("b64url_bytes: the vector's value is not base64url");
    acc = ((acc << 6) | n) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

const CONVERT = { hex_bytes: hexBytes, utf8_bytes: utf8Bytes, b64url_bytes: b64urlBytes };
/** An absent member with one of these conversions is still passed, converted from null. */
const CONVERT_ABSENT = new Set(["hex_bytes"]);

// ------------------------------------------------------------------------------- names

/** A Python name in the JS API's camelCase: `handle_response` → `handleResponse`. */
export function camel(name) {
  return name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
}

/**
 * Settings in the JS API's option shape: every member name camelCased, nested settings
 * objects (and arrays of them) too, except the values at `data` paths (dotted Python names,
 * array elements sharing their array's path), which keep their wire shape.
 */
function options(v, path, data) {
  if (data.has(path)) return v;
  if (Array.isArray(v)) return v.map((x) => options(x, path, data));
  if (v === null || typeof v !== "object") return v;
  const out = {};
  for (const k of Object.keys(v)) {
    out[camel(k)] = options(v[k], path === "" ? k : `${path}.${k}`, data);
  }
  return out;
}

// ------------------------------------------------------------------------------- the interpreter

/** A case's state: its backend, the step results it bound, the objects it kept. */
class Ctx {
  constructor(api, backend) {
    this.api = api;
    this.backend = backend;
    this.bound = new Map();
    this.objects = new Map();
  }
}

/** The step's input with every `{"$ref": "name.path"}` replaced by the bound value. */
function resolve(ctx, v) {
  if (Array.isArray(v)) return v.map((x) => resolve(ctx, x));
  if (v === null || typeof v !== "object") return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === "$ref") {
    const [name, ...path] = v.$ref.split(".");
    if (!ctx.bound.has(name)) throw new CaseFailure(`unbound \`${name}\``);
    let cur = ctx.bound.get(name);
    for (const p of path) {
      if (cur === null || typeof cur !== "object") throw new CaseFailure(`\`${v.$ref}\` does not exist`);
      cur = Array.isArray(cur) ? cur[Number(p)] : cur[p];
    }
    return cur;
  }
  return Object.fromEntries(keys.map((k) => [k, resolve(ctx, v[k])]));
}

/** The value at a dotted source path in the op's scope (its names over its input), or ABSENT. */
function lookup(scope, path) {
  let cur = scope;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur) || !Object.hasOwn(cur, part) || cur[part] === undefined) {
      return ABSENT;
    }
    cur = cur[part];
  }
  return cur;
}

/** `[python name, value]` of one parameter spec (`"name"` or `{name, from?, convert?, nullable?}`). */
function param(scope, spec) {
  const s = typeof spec === "string" ? { name: spec } : spec;
  let value = lookup(scope, s.from ?? s.name);
  if (value === ABSENT && s.nullable) value = null;
  if (s.convert !== undefined) {
    const conv = CONVERT[s.convert];
    if (conv === undefined) throw new CaseFailure(`unknown conversion \`${s.convert}\``);
    if (value !== ABSENT || CONVERT_ABSENT.has(s.convert)) value = conv(value === ABSENT ? null : value);
  }
  return [s.name, value];
}

/** Positional arguments: an absent one is `undefined`, so later ones keep their places. */
function positional(scope, specs) {
  return (specs ?? []).map((spec) => {
    const value = param(scope, spec)[1];
    return value === ABSENT ? undefined : value;
  });
}

/** The trailing options object of keyword-only parameters (and `backend`), or none. */
function trailing(ctx, scope, c) {
  if (c.keywords === undefined && !c.backend) return [];
  const out = {};
  for (const spec of c.keywords ?? []) {
    const [name, value] = param(scope, spec);
    if (value !== ABSENT) out[camel(name)] = value;
  }
  if (c.backend) out.backend = ctx.backend;
  return [out];
}

/** A constructor's one options object: `config` members and `keywords`, camelCased. */
function constructorOptions(ctx, scope, c) {
  const merged = {};
  if (c.config !== undefined) {
    const value = param(scope, c.config)[1];
    if (value !== ABSENT && value !== null) {
      if (typeof value !== "object" || Array.isArray(value)) {
        throw new CaseFailure("the `config` of a constructor must be an object to merge into its options");
      }
      Object.assign(merged, value);
    }
  }
  for (const spec of c.keywords ?? []) {
    const [name, value] = param(scope, spec);
    if (value !== ABSENT) merged[name] = value;
  }
  const out = options(merged, "", new Set(c.data ?? []));
  if (c.backend) out.backend = ctx.backend;
  return out;
}

/** An export of the API under test, by its JS name; a missing one fails the case. */
function exported(api, name) {
  const v = api[name];
  if (v === undefined) throw new CaseFailure(`the module exports no \`${name}\``);
  return v;
}

/** A method of an object, by its JS name. */
function method(target, name) {
  const fn = target[name];
  if (typeof fn !== "function") throw new CaseFailure(`no method \`${name}\``);
  return fn;
}

/** One call of an op on the API under test. */
function call(ctx, scope, c) {
  if (c.new !== undefined) {
    const Class = exported(ctx.api, c.new);
    return new Class(...positional(scope, c.args), constructorOptions(ctx, scope, c));
  }
  if (c.function !== undefined) {
    const fn = exported(ctx.api, camel(c.function));
    return fn(...positional(scope, c.args), ...trailing(ctx, scope, c));
  }
  if (c.static !== undefined) {
    const Class = exported(ctx.api, c.class);
    return method(Class, camel(c.static)).call(Class, ...positional(scope, c.args), ...trailing(ctx, scope, c));
  }
  let target;
  if (c.object !== undefined) {
    if (!ctx.objects.has(c.object)) throw new CaseFailure(`no ${c.object}: create it first`);
    target = ctx.objects.get(c.object);
  } else if (c.on !== undefined) {
    target = scope[c.on];
  } else {
    throw new CaseFailure("a call with neither `object` nor `on`");
  }
  if (c.attribute !== undefined) return target[camel(c.attribute)];
  if (c.method !== undefined) {
    return method(target, camel(c.method)).call(target, ...positional(scope, c.args), ...trailing(ctx, scope, c));
  }
  throw new CaseFailure("a call of no known kind");
}

/** Runs one op's calls in the step's scope; its output. */
function runOp(ctx, entry, input) {
  const scope = { ...input };
  let got;
  for (const c of entry.calls) {
    got = call(ctx, scope, c);
    if (c.find !== undefined) {
      const want = lookup(scope, c.find.equals);
      const found = Array.isArray(got) ? got.find((x) => x !== null && typeof x === "object" && same(x[c.find.member], want)) : undefined;
      if (found === undefined) throw new CaseFailure(`nothing in \`${c.function}\` has ${c.find.member} ${show(want)}`);
      got = found;
    }
    if (c.keep !== undefined) ctx.objects.set(c.keep, got);
    if (Array.isArray(c.as)) {
      if (!Array.isArray(got)) throw new CaseFailure(`\`${c.as.join(", ")}\`: the result is not an array`);
      c.as.forEach((name, i) => {
        scope[name] = got[i];
      });
    } else if (c.as !== undefined) {
      scope[c.as] = got;
    }
  }
  if (entry.output === undefined) return got;
  if (typeof entry.output === "string") {
    const v = lookup(scope, entry.output);
    return v === ABSENT ? undefined : v;
  }
  const out = {};
  for (const [k, path] of Object.entries(entry.output)) {
    const v = lookup(scope, path);
    if (v !== ABSENT) out[k] = v;
  }
  return out;
}

/** Runs one step: its output or error against its expectation. */
function runStep(ctx, ops, step) {
  const entry = Object.hasOwn(ops, step.op) ? ops[step.op] : undefined;
  if (entry === undefined) throw new CaseFailure(`unknown operation \`${step.op}\``);
  const input = resolve(ctx, step.input ?? {});
  let got;
  let err = null;
  try {
    got = runOp(ctx, entry, input);
  } catch (e) {
    if (!(e instanceof ctx.api.AuthError)) throw e;
    err = e;
  }
  const want = step.expect;
  const wantErr = step.expect_error;
  if (err === null) {
    if (wantErr !== undefined) throw new CaseFailure(`expected an error ${show(wantErr)}, got output ${show(got)}`);
    if (want !== undefined && !same(got, want)) {
      throw new CaseFailure(`output mismatch\n  want: ${show(want)}\n  got:  ${show(got)}`);
    }
    if (step.bind !== undefined) ctx.bound.set(step.bind, got);
    return;
  }
  if (wantErr === undefined) throw new CaseFailure(`unexpected error ${err.code}: ${err.detail}`);
  if (err.code !== wantErr.code) throw new CaseFailure(`error mismatch: want ${show(wantErr)}, got ${err.code} (${err.detail})`);
  for (const member of ["field", "status", "detail"]) {
    if (Object.hasOwn(wantErr, member) && err[member] !== wantErr[member]) {
      throw new CaseFailure(`error ${member} mismatch: want ${show(wantErr[member])}, got ${show(err[member])}`);
    }
  }
}

/** Runs one case on one backend; throws `CaseFailure` naming the first failing step. */
export function runCase(api, ops, kase, backend) {
  const ctx = new Ctx(api, backend);
  kase.steps.forEach((step, n) => {
    try {
      runStep(ctx, ops, step);
    } catch (e) {
      const why = e instanceof CaseFailure ? e.message : `${e?.name ?? "Error"}: ${e?.message ?? String(e)}`;
      throw new CaseFailure(`step ${n} (${step.op ?? "?"}): ${why}`);
    }
  });
}

/**
 * Runs every case of `vectors` (`[{area, file, suite}]`: the parsed vector files, in the
 * order to run them) on every backend, counting each backend on its own.
 * @param {object} api the module under test (its exports)
 * @param {{area: string, file: string, suite: {cases: object[]}}[]} vectors
 * @param {{ops: object, backends?: string[], name?: string}} opts `ops`: the op table
 *   (`ops.json` parsed, or its `ops` member); `name`: the runner's name in failure lines
 * @returns {{tally: Object<string, Object<string, number[]>>, failures: string[]}}
 *   `tally[backend][area] = [passed, total]`
 */
export function runAll(api, vectors, { ops, backends = BACKENDS, name = "js" }) {
  const table = ops.ops ?? ops;
  const tally = Object.fromEntries(backends.map((b) => [b, {}]));
  const failures = [];
  for (const { area, file, suite } of vectors) {
    for (const kase of suite.cases) {
      for (const backend of backends) {
        const t = (tally[backend][area] ??= [0, 0]);
        t[1] += 1;
        try {
          runCase(api, table, kase, backend);
          t[0] += 1;
        } catch (e) {
          failures.push(`[${column(name, backend, backends.length)}] ${file} / ${kase.name ?? "?"}: ${e?.message ?? String(e)}`);
        }
      }
    }
  }
  return { tally, failures };
}

/**
 * The name of one backend's column: `NAME-<backend>` (`node-native`) when the runner has
 * several backends, just `NAME` (`wasm`, `browser`) when it has one, as in the pass matrix.
 */
export function column(name, backend, count) {
  return count === 1 ? name : `${name}-${backend}`;
}

/** The results file read by `authcore-conformance --extra NAME=FILE`. */
export function results(tally, name) {
  return { runner: name, backends: tally };
}

/**
 * The summary line (`node-native 1118/1118; node-portable 1118/1118`, or `wasm 1118/1118` for a
 * runner with one backend) and whether all passed.
 */
export function summary(tally, name) {
  let ok = true;
  const entries = Object.entries(tally);
  const parts = entries.map(([backend, areas]) => {
    const counts = Object.values(areas);
    const passed = counts.reduce((s, [p]) => s + p, 0);
    const total = counts.reduce((s, [, n]) => s + n, 0);
    ok = ok && passed === total && total > 0;
    return `${column(name, backend, entries.length)} ${passed}/${total}`;
  });
  return { line: parts.join("; "), ok: ok && parts.length > 0 };
}

// ------------------------------------------------------------------------------- Node CLI

/** Whether this file is the program Node runs (never true in a browser). */
async function isMain() {
  const argv1 = globalThis.process?.argv?.[1];
  if (typeof argv1 !== "string" || globalThis.process?.versions?.node === undefined) return false;
  const { pathToFileURL } = await import("node:url");
  const { realpathSync } = await import("node:fs");
  try {
    return pathToFileURL(realpathSync(argv1)).href === import.meta.url;
  } catch {
    return false;
  }
}

/** The module under test (Node only): a package directory, a module file, or a package name. */
export async function loadModule(spec) {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const { pathToFileURL } = await import("node:url");
  const { createRequire } = await import("node:module");
  let file;
  const local = path.resolve(spec);
  if (fs.existsSync(local) && fs.statSync(local).isDirectory()) {
    const pkg = JSON.parse(fs.readFileSync(path.join(local, "package.json"), "utf8"));
    const root = typeof pkg.exports === "object" && pkg.exports !== null && "." in pkg.exports ? pkg.exports["."] : pkg.exports;
    // Node's own rule: the first member, in order, whose condition Node's `import` matches.
    const conditions = new Set(["node", "import", "default"]);
    const target = (t) => {
      if (typeof t === "string") return t;
      if (t === null || typeof t !== "object") return undefined;
      for (const key of Object.keys(t)) {
        const found = conditions.has(key) ? target(t[key]) : undefined;
        if (found !== undefined) return found;
      }
      return undefined;
    };
    file = path.join(local, target(root) ?? pkg.main ?? "index.js");
  } else if (fs.existsSync(local)) {
    file = local;
  } else {
    file = createRequire(path.join(process.cwd(), "package.json")).resolve(spec);
  }
  const ns = await import(pathToFileURL(file).href);
  return ns.AuthError !== undefined ? ns : ns.default;
}

/** Every vector file under `dir` as `{area, file, suite}`, areas and files sorted by name (Node only). */
export async function loadVectors(dir) {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const out = [];
  for (const area of fs.readdirSync(dir).sort()) {
    const d = path.join(dir, area);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const file of fs.readdirSync(d).sort()) {
      if (file.endsWith(".json")) out.push({ area, file, suite: JSON.parse(fs.readFileSync(path.join(d, file), "utf8")) });
    }
  }
  return out;
}

async function main(argv) {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const here = path.dirname(fileURLToPath(import.meta.url));
  const flags = { "--module": null, "--json": null, "--backends": BACKENDS.join(","), "--name": "node", "--ops": path.join(here, "..", "ops.json") };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (Object.hasOwn(flags, argv[i]) && i + 1 < argv.length) flags[argv[i++]] = argv[i];
    else rest.push(argv[i]);
  }
  if (flags["--module"] === null || rest.length > 1) {
    console.error("usage: runner.mjs --module <package|path> [--json out.json] [--backends a,b] [--name node] [--ops ops.json] [vectors-dir]");
    return 2;
  }
  const api = await loadModule(flags["--module"]);
  const ops = JSON.parse(fs.readFileSync(flags["--ops"], "utf8"));
  const vectors = await loadVectors(rest[0] ?? path.join(here, "..", "vectors"));
  const name = flags["--name"];
  const { tally, failures } = runAll(api, vectors, { ops, backends: flags["--backends"].split(","), name });
  for (const f of failures) console.error(`FAIL ${f}`);
  if (flags["--json"] !== null) {
    const out = path.resolve(flags["--json"]);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(results(tally, name), null, 1)}\n`);
  }
  const { line, ok } = summary(tally, name);
  console.log(line);
  return ok ? 0 : 1;
}

if (await isMain()) {
  process.exitCode = await main(process.argv.slice(2));
}
