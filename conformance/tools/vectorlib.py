"""Shared helpers for the vector generators: encodings computed with the standard library
(independently of the core), the step/case shapes of conformance/README.md, and writing."""
import base64
import hashlib
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = 1700000000


def b64(b):
    """base64url without padding."""
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def js(o):
    """Compact JSON with sorted members (the core's canonical form)."""
    return json.dumps(o, separators=(",", ":"), sort_keys=True)


def sha(s):
    """Lower-case hex SHA-256 of text."""
    return hashlib.sha256(s.encode()).hexdigest()


def enc(s, space="+"):
    """WHATWG application/x-www-form-urlencoded for one component."""
    out = []
    for b in s.encode():
        c = chr(b)
        if c.isascii() and (c.isalnum() or c in "*-._"):
            out.append(c)
        elif c == " ":
            out.append(space)
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def form(pairs):
    """A form body (spaces as `+`)."""
    return "&".join(enc(k) + "=" + enc(v) for k, v in pairs)


def query(pairs):
    """A URL query (spaces as `%20`)."""
    return "&".join(enc(k, "%20") + "=" + enc(v, "%20") for k, v in pairs)


def step(op, input=None, expect=None, error=None, field=None, bind=None):
    """One step: an expected output, or an expected error code (and field)."""
    s = {"op": op, "input": input or {}}
    if error:
        s["expect_error"] = {"code": error, **({"field": field} if field else {})}
    elif expect is not None:
        s["expect"] = expect
    if bind:
        s["bind"] = bind
    return s


def err(code, detail, field=None):
    """An Error value."""
    e = {"detail": detail, "code": code}
    if field:
        e["field"] = field
    return e


class Suites:
    """Cases grouped by area, written to conformance/vectors/<area>/<area>.json."""

    def __init__(self):
        self.areas = {}

    def case(self, area, name, *steps, source=None):
        c = {"name": name, "steps": list(steps)}
        if source:
            c["source"] = source
        self.areas.setdefault(area, []).append(c)

    def write(self, descriptions):
        for area, cases in self.areas.items():
            os.makedirs(os.path.join(ROOT, "vectors", area), exist_ok=True)
            with open(os.path.join(ROOT, "vectors", area, area + ".json"), "w") as f:
                json.dump({"suite": area, "description": descriptions[area], "cases": cases}, f, indent=1, ensure_ascii=False)
                f.write("\n")
            print(area, len(cases))
