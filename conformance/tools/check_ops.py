#!/usr/bin/env python3
"""Validates the op table, conformance/ops.json (format: "Op table" in conformance/README.md).

Checks that the table names exactly the operations of the README's operation table, that
every entry is well-formed (known call kinds and members, parameter specs, conversions,
locals used only after a call binds them, case objects kept by some op), and that every
class, function, method and parameter it names exists in the Python package's API
(`bindings-python/python/authcore/_authcore.pyi` and the `authcore.<module>` re-exports) with
the kind the table says: `args` positional, `keywords` keyword-only (a constructor's may be
either). Exits 1 listing every problem.

    python conformance/tools/check_ops.py [ops.json [README.md [_authcore.pyi]]]
"""
import ast
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.dirname(HERE)
PACKAGE = os.path.join(os.path.dirname(CONFORMANCE), "bindings-python", "python", "authcore")

KINDS = ("new", "static", "function", "method", "attribute")
MEMBERS = {
    "new": {"new", "module", "args", "config", "keywords", "backend", "data", "as", "keep"},
    "static": {"static", "class", "module", "args", "keywords", "backend", "as", "keep"},
    "function": {"function", "module", "python", "args", "keywords", "backend", "as", "keep", "find"},
    "method": {"method", "object", "on", "args", "keywords", "as", "keep"},
    "attribute": {"attribute", "object", "on", "as", "keep"},
}
CONVERTS = {"hex_bytes", "utf8_bytes", "b64url_bytes"}
NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


def readme_ops(text):
    """Every op named in the first cell of a table row in the README's "Operations" section. A cell may
    name several (`a.b` / `c`): a name without a dot replaces the last part of the first."""
    ops = set()
    section = text.split("\n## Operations\n", 1)[-1].split("\n## ", 1)[0]
    for line in section.splitlines():
        m = re.match(r"^\|\s*(`[^|]*)\|", line)
        if not m:
            continue
        names = re.findall(r"`([^`]+)`", m.group(1))
        first = names[0]
        for n in names:
            ops.add(n if "." in n else first.rsplit(".", 1)[0] + "." + n)
    return ops


class Signature:
    def __init__(self, fn):
        a = fn.args
        params = a.posonlyargs + a.args
        self.positional = [x.arg for x in params if x.arg not in ("self", "cls")]
        # Positional parameters without a default that accept None: the table marks them
        # `nullable` (an absent source is passed as None).
        first_default = len(params) - len(a.defaults)
        self.nullable = [x.arg for k, x in enumerate(params) if k < first_default and x.arg not in ("self", "cls")
                         and x.annotation is not None and "Optional" in ast.unparse(x.annotation)]
        self.keyword_only = [x.arg for x in a.kwonlyargs]
        self.is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list)


def api(pyi_path):
    """`({class: {method: Signature}}, {function: Signature}, {class: [properties]})` from the stub."""
    tree = ast.parse(open(pyi_path, encoding="utf-8").read())
    classes, functions, props = {}, {}, {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = classes.setdefault(node.name, {})
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    if any(isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list):
                        props.setdefault(node.name, []).append(item.name)
                    else:
                        methods[item.name] = Signature(item)
        elif isinstance(node, ast.FunctionDef):
            functions[node.name] = Signature(node)
    return classes, functions, props


def exported(module, name):
    """Whether `authcore.<module>` imports `name` (possibly `as` another name)."""
    path = os.path.join(PACKAGE, module + ".py")
    if not os.path.exists(path):
        return False
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.ImportFrom):
            if any((a.asname or a.name) == name for a in node.names):
                return True
    return False


def spec_name(spec):
    return spec if isinstance(spec, str) else spec.get("name") if isinstance(spec, dict) else None


def check_param(where, spec, scope, problems):
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, dict) or set(spec) - {"name", "from", "convert", "nullable"} or "name" not in spec:
        problems.append("%s: a parameter is a name or {name, from?, convert?, nullable?}: %r" % (where, spec))
        return
    if not NAME.match(str(spec["name"])):
        problems.append("%s: bad parameter name %r" % (where, spec["name"]))
    src = spec.get("from", spec["name"])
    if not isinstance(src, str) or not PATH.match(src):
        problems.append("%s: bad source path %r" % (where, src))
    if "nullable" in spec and spec["nullable"] is not True:
        problems.append("%s: `nullable` is true or absent" % where)
    if "convert" in spec and spec["convert"] not in CONVERTS:
        problems.append("%s: unknown conversion %r (known: %s)" % (where, spec["convert"], ", ".join(sorted(CONVERTS))))


def check_signature(where, sig, call, problems, constructor=False):
    for spec in call.get("args", []):
        n = spec_name(spec)
        if n not in sig.positional:
            problems.append("%s: `%s` is not a positional parameter (has %s)" % (where, n, sig.positional))
        marked = isinstance(spec, dict) and spec.get("nullable") is True
        if marked != (n in sig.nullable):
            problems.append("%s: `%s` must %sbe marked nullable (a positional parameter without a default that accepts None)"
                            % (where, n, "" if n in sig.nullable else "not "))
    extra = ["backend"] if call.get("backend") else []
    for n in [spec_name(s) for s in call.get("keywords", [])] + extra:
        ok = n in sig.keyword_only or (constructor and n in sig.positional)
        if not ok:
            problems.append("%s: `%s` is not a keyword-only parameter (has %s)" % (where, n, sig.keyword_only))
    if "config" in call:
        n = spec_name(call["config"])
        if n not in sig.positional:
            problems.append("%s: config `%s` is not a positional parameter" % (where, n))


def check(ops_doc, readme_text, pyi_path):
    problems = []
    if not isinstance(ops_doc, dict) or ops_doc.get("version") != 1 or not isinstance(ops_doc.get("ops"), dict):
        return ["ops.json: expected {\"version\": 1, \"ops\": {...}}"]
    ops = ops_doc["ops"]
    listed = readme_ops(readme_text)
    for op in sorted(listed - set(ops)):
        problems.append("%s: in the README's operation table, missing from ops.json" % op)
    for op in sorted(set(ops) - listed):
        problems.append("%s: in ops.json, not in the README's operation table" % op)
    classes, functions, props = api(pyi_path)
    kept = {c.get("keep") for e in ops.values() if isinstance(e, dict) for c in e.get("calls", []) if isinstance(c, dict)}
    kept_class = {}
    for e in ops.values():
        for c in e.get("calls", []) if isinstance(e, dict) else []:
            if isinstance(c, dict) and c.get("keep"):
                kept_class[c["keep"]] = c.get("new") or c.get("class")
    for op, entry in sorted(ops.items()):
        if not isinstance(entry, dict) or set(entry) - {"calls", "output"} or not entry.get("calls"):
            problems.append("%s: an entry is {calls: [...], output?}" % op)
            continue
        scope_locals = {}
        for k, c in enumerate(entry["calls"]):
            where = "%s call %d" % (op, k)
            kinds = [x for x in KINDS if isinstance(c, dict) and x in c]
            if len(kinds) != 1:
                problems.append("%s: exactly one of %s" % (where, ", ".join(KINDS)))
                continue
            kind = kinds[0]
            unknown = set(c) - MEMBERS[kind]
            if unknown:
                problems.append("%s: unknown members %s" % (where, sorted(unknown)))
            for spec in c.get("args", []) + c.get("keywords", []) + ([c["config"]] if "config" in c else []):
                check_param(where, spec, scope_locals, problems)
            if "data" in c and (not isinstance(c["data"], list) or not all(isinstance(p, str) and PATH.match(p) for p in c["data"])):
                problems.append("%s: `data` is a list of dotted option paths" % where)
            if "backend" in c and c["backend"] is not True:
                problems.append("%s: `backend` is true or absent" % where)
            cls = None
            if kind in ("new", "static", "function"):
                if not isinstance(c.get("module"), str):
                    problems.append("%s: `module` (the authcore submodule) is required" % where)
                name = c.get(kind) if kind != "static" else c.get("class")
                if not exported(c.get("module", ""), c.get("python", name)):
                    problems.append("%s: authcore.%s has no `%s`" % (where, c.get("module"), c.get("python", name)))
            if kind == "new":
                cls = c["new"]
                sig = classes.get(cls, {}).get("__new__")
                if sig is None:
                    problems.append("%s: no class %s in the stub" % (where, cls))
                else:
                    check_signature(where, sig, c, problems, constructor=True)
            elif kind == "static":
                sig = classes.get(c.get("class"), {}).get(c["static"])
                if sig is None or not sig.is_static:
                    problems.append("%s: no static method %s.%s" % (where, c.get("class"), c["static"]))
                else:
                    check_signature(where, sig, c, problems)
                cls = c.get("class")
            elif kind == "function":
                sig = functions.get(c["function"])
                if sig is None:
                    problems.append("%s: no function %s in the stub" % (where, c["function"]))
                else:
                    check_signature(where, sig, c, problems)
                if "find" in c and (not isinstance(c["find"], dict) or set(c["find"]) != {"member", "equals"}):
                    problems.append("%s: `find` is {member, equals}" % where)
            else:
                if ("object" in c) == ("on" in c):
                    problems.append("%s: exactly one of `object` (a case object) and `on` (a local)" % where)
                    continue
                if "object" in c:
                    if c["object"] not in kept:
                        problems.append("%s: no op keeps an object named %r" % (where, c["object"]))
                    owner = kept_class.get(c["object"])
                else:
                    if c["on"] not in scope_locals:
                        problems.append("%s: local %r is not bound by an earlier call" % (where, c["on"]))
                    owner = scope_locals.get(c["on"])
                if kind == "method":
                    sig = classes.get(owner, {}).get(c["method"]) if owner else None
                    if owner and sig is None:
                        problems.append("%s: %s has no method %s" % (where, owner, c["method"]))
                    elif sig is not None:
                        check_signature(where, sig, c, problems)
                elif owner and c["attribute"] not in props.get(owner, []):
                    problems.append("%s: %s has no property %s" % (where, owner, c["attribute"]))
            names = c.get("as")
            for n in names if isinstance(names, list) else [names] if names is not None else []:
                if not isinstance(n, str) or not NAME.match(n):
                    problems.append("%s: bad local name %r" % (where, n))
                else:
                    scope_locals[n] = cls if isinstance(names, str) else _tuple_class(c, names.index(n))
        out = entry.get("output")
        paths = [out] if isinstance(out, str) else list(out.values()) if isinstance(out, dict) else []
        if "output" in entry and not isinstance(out, (str, dict)):
            problems.append("%s: `output` is a source path or an object of source paths" % op)
        for p in paths:
            if not isinstance(p, str) or not PATH.match(p):
                problems.append("%s: bad output path %r" % (op, p))
    return problems


def _tuple_class(call, index):
    """The class of a destructured result, where the table relies on it (`from_env`)."""
    if call.get("function") == "from_env":
        return ("Issuer", "Verifier")[index]
    return None


def main(argv):
    ops_path = argv[0] if len(argv) > 0 else os.path.join(CONFORMANCE, "ops.json")
    readme = argv[1] if len(argv) > 1 else os.path.join(CONFORMANCE, "README.md")
    pyi = argv[2] if len(argv) > 2 else os.path.join(PACKAGE, "_authcore.pyi")
    with open(ops_path, encoding="utf-8") as f:
        doc = json.load(f)
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    problems = check(doc, text, pyi)
    for p in problems:
        print("check_ops: " + p, file=sys.stderr)
    if problems:
        return 1
    print("check_ops: %d ops, each in the README's table and in the Python API" % len(doc["ops"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
