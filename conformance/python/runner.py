"""The Python conformance runner: executes conformance/vectors/**.json against the `authcore`
package, exactly as the Rust runner does against the core.

It is an interpreter of the op table, ``conformance/ops.json`` (format: "Op table" in
``conformance/README.md``): each operation is a list of calls on the package's public API
(``authcore.jwt.Verifier(...)``, ``driver.send(...)``), never a side door. Every case runs on
both crypto backends. Outputs are compared as JSON values with strict types (``True`` is not
``1``). An unknown operation fails the case: nothing is skipped.

    python conformance/python/runner.py [--json out.json] [vectors-dir]

The summary line counts each backend on its own (``python-native N/N; python-portable N/N``);
``--json`` writes the same per-backend counts for the Rust runner's pass matrix.
"""

import base64
import importlib
import json
import os
import sys
from typing import Any, Dict, List, Tuple

from authcore import errors

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(os.path.dirname(HERE), "vectors")
OPS_FILE = os.path.join(os.path.dirname(HERE), "ops.json")
BACKENDS = ("native", "portable")


class CaseFailure(Exception):
    pass


def load(vectors: str = VECTORS) -> List[Tuple[str, str, dict]]:
    """Every case as ``(area, file name, case)``."""
    out = []
    for area in sorted(os.listdir(vectors)):
        d = os.path.join(vectors, area)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(".json"):
                with open(os.path.join(d, name), encoding="utf-8") as f:
                    for case in json.load(f)["cases"]:
                        out.append((area, name, case))
    return out


def same(a: Any, b: Any) -> bool:
    """JSON equality with strict types."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


class Absent:
    """An input member the step does not give: the parameter is not passed."""


ABSENT = Absent()


def b64url(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


CONVERT = {
    "hex_bytes": lambda v: bytes.fromhex(v or ""),
    "utf8_bytes": lambda v: v.encode("utf-8"),
    "b64url_bytes": b64url,
}
# An absent member with one of these conversions is still passed, converted from None.
CONVERT_ABSENT = {"hex_bytes"}


class Ctx:
    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.bound: Dict[str, Any] = {}
        self.objects: Dict[str, Any] = {}


def resolve(ctx: Ctx, v: Any) -> Any:
    if isinstance(v, dict):
        if len(v) == 1 and "$ref" in v:
            path = v["$ref"].split(".")
            if path[0] not in ctx.bound:
                raise CaseFailure("unbound `%s`" % path[0])
            cur = ctx.bound[path[0]]
            for p in path[1:]:
                cur = cur[int(p)] if isinstance(cur, list) else cur[p]
            return cur
        return {k: resolve(ctx, x) for k, x in v.items()}
    if isinstance(v, list):
        return [resolve(ctx, x) for x in v]
    return v


def lookup(scope: Dict[str, Any], path: str) -> Any:
    """The value at a dotted source path in the op's scope (its locals over its input)."""
    cur: Any = scope
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return ABSENT
        cur = cur[part]
    return cur


def param(scope: Dict[str, Any], spec: Any) -> Tuple[str, Any]:
    """``(python name, value)`` of one parameter spec (``"name"`` or ``{"name", "from"?,
    "convert"?, "nullable"?}``)."""
    if isinstance(spec, str):
        spec = {"name": spec}
    value = lookup(scope, spec.get("from", spec["name"]))
    if value is ABSENT and spec.get("nullable"):
        value = None
    conv = spec.get("convert")
    if conv is not None and (value is not ABSENT or conv in CONVERT_ABSENT):
        value = CONVERT[conv](None if value is ABSENT else value)
    return spec["name"], value


def call(ctx: Ctx, scope: Dict[str, Any], c: dict) -> Any:
    """One call of an op: the callable, then every parameter given by the input, by name."""
    kwargs: Dict[str, Any] = {}
    for spec in ([c["config"]] if "config" in c else []) + c.get("args", []) + c.get("keywords", []):
        name, value = param(scope, spec)
        if value is not ABSENT:
            kwargs[name] = value
    if c.get("backend"):
        kwargs["backend"] = ctx.backend
    if "object" in c:
        if c["object"] not in ctx.objects:
            raise CaseFailure("no %s: create it first" % c["object"])
        target = ctx.objects[c["object"]]
    elif "on" in c:
        target = scope[c["on"]]
    else:
        module = importlib.import_module("authcore." + c["module"])
        name = c.get("python", c.get("new") or c.get("function") or c["class"])
        target = getattr(module, name)
    if "new" in c or "function" in c:
        return target(**kwargs)
    if "static" in c:
        return getattr(target, c["static"])(**kwargs)
    if "attribute" in c:
        return getattr(target, c["attribute"])
    return getattr(target, c["method"])(**kwargs)


def run_op(ctx: Ctx, entry: dict, i: dict) -> Any:
    scope: Dict[str, Any] = dict(i)
    got: Any = None
    for c in entry["calls"]:
        got = call(ctx, scope, c)
        if "find" in c:
            want = lookup(scope, c["find"]["equals"])
            got = next((x for x in got if x.get(c["find"]["member"]) == want), None)
            if got is None:
                raise CaseFailure("nothing in `%s` has %s %r" % (c.get("function"), c["find"]["member"], want))
        if "keep" in c:
            ctx.objects[c["keep"]] = got
        names = c.get("as")
        if isinstance(names, list):
            scope.update(zip(names, got))
        elif names is not None:
            scope[names] = got
    if "output" not in entry:
        return got
    out = entry["output"]
    if isinstance(out, str):
        return lookup(scope, out)
    return {k: v for k, v in ((k, lookup(scope, p)) for k, p in out.items()) if v is not ABSENT}


def load_ops(path: str = OPS_FILE) -> Dict[str, dict]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)["ops"]


OPS = load_ops()


def run_case(case: dict, backend: str) -> None:
    """Runs one case; raises ``CaseFailure`` describing the first failing step."""
    ctx = Ctx(backend)
    for n, step in enumerate(case["steps"]):
        name = step.get("op", "?")
        try:
            run_step(ctx, step)
        except CaseFailure as e:
            raise CaseFailure("step %d (%s): %s" % (n, name, e)) from None


def run_step(ctx: Ctx, step: dict) -> None:
    name = step["op"]
    entry = OPS.get(name)
    if entry is None:
        raise CaseFailure("unknown operation `%s`" % name)
    i = resolve(ctx, step.get("input", {}))
    try:
        got = run_op(ctx, entry, i)
        err = None
    except errors.AuthError as e:
        got, err = None, e
    want, want_err = step.get("expect"), step.get("expect_error")
    if err is None:
        if want_err is not None:
            raise CaseFailure("expected an error %s, got output %s" % (want_err, json.dumps(got)))
        if want is not None and not same(got, want):
            raise CaseFailure("output mismatch\n  want: %s\n  got:  %s" % (json.dumps(want, sort_keys=True), json.dumps(got, sort_keys=True)))
        if "bind" in step:
            ctx.bound[step["bind"]] = got
        return
    if want_err is None:
        raise CaseFailure("unexpected error %r" % err)
    if type(err) is not errors.error_class(err.code):
        raise CaseFailure("error class %s does not match code %s" % (type(err).__name__, err.code))
    if err.code != want_err["code"]:
        raise CaseFailure("error mismatch: want %s, got %s (%s)" % (want_err, err.code, err.detail))
    if "field" in want_err and err.field != want_err["field"]:
        raise CaseFailure("error field mismatch: want %r, got %r" % (want_err["field"], err.field))
    if "status" in want_err and err.status != want_err["status"]:
        raise CaseFailure("error status mismatch: want %r, got %r" % (want_err["status"], err.status))
    if "detail" in want_err and err.detail != want_err["detail"]:
        raise CaseFailure("error detail mismatch: want %r, got %r" % (want_err["detail"], err.detail))


def run_all(vectors: str = VECTORS) -> Tuple[Dict[str, Dict[str, List[int]]], List[str]]:
    """``({backend: {area: [passed, total]}}, failures)``: every case runs on every backend and
    is counted per backend, so a case failing on one backend only fails that backend's column."""
    tally: Dict[str, Dict[str, List[int]]] = {b: {} for b in BACKENDS}
    failures: List[str] = []
    for area, fname, case in load(vectors):
        for backend in BACKENDS:
            t = tally[backend].setdefault(area, [0, 0])
            t[1] += 1
            try:
                run_case(case, backend)
                t[0] += 1
            except CaseFailure as e:
                failures.append("[python-%s] %s / %s: %s" % (backend, fname, case.get("name", "?"), e))
            except Exception as e:  # a crash in the binding is a failure, not a runner error
                failures.append("[python-%s] %s / %s: %s: %s" % (backend, fname, case.get("name", "?"), type(e).__name__, e))
    return tally, failures


def results(tally: Dict[str, Dict[str, List[int]]]) -> Dict[str, Any]:
    """The results file read by ``authcore-conformance --extra python=FILE``:
    ``{"runner": "python", "backends": {backend: {area: [passed, total]}}}``; the matrix shows
    one column per backend, ``python-<backend>``."""
    return {"runner": "python", "backends": tally}


def main(argv: List[str]) -> int:
    out = None
    args = list(argv)
    if "--json" in args:
        k = args.index("--json")
        out = args[k + 1]
        del args[k:k + 2]
    vectors = args[0] if args else VECTORS
    tally, failures = run_all(vectors)
    for f in failures:
        print("FAIL " + f, file=sys.stderr)
    if out:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w") as f:
            json.dump(results(tally), f, indent=1, sort_keys=True)
    ok, line = True, []
    for backend in BACKENDS:
        passed = sum(p for p, _ in tally[backend].values())
        total = sum(n for _, n in tally[backend].values())
        ok = ok and passed == total and total > 0
        line.append("python-%s %d/%d" % (backend, passed, total))
    print("; ".join(line))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
