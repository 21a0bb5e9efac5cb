"""Shared helpers for the vector generators: encodings computed with the standard library
(independently of the core), the step/case shapes of conformance/README.md, and writing.

Every generator writes its files through `write_suite`. Run with `--check`, a generator
writes nothing: it regenerates in memory, compares with the committed file and exits
non-zero naming the file and the first differing case. ES256 and PS256 signatures made by
the `openssl` CLI are randomised, so JWS tokens whose header names one of those algorithms
are compared by their header and payload segments only (the signature segment is masked on
both sides); every other byte must match.
"""
import atexit
import base64
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = 1700000000
CHECK = "--check" in sys.argv[1:]
_FAILED = []
RANDOMISED_ALGS = ("ES256", "ES256K", "PS256")
_JWS = re.compile(r"(eyJ[A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]+)")


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
            write_suite(os.path.join(ROOT, "vectors", area, area + ".json"),
                        {"suite": area, "description": descriptions[area], "cases": cases})
            print(area, len(cases))


def render(obj, ensure_ascii=False, newline=True):
    """The exact text a suite file holds: `indent=1` JSON, and a final newline unless told."""
    return json.dumps(obj, indent=1, ensure_ascii=ensure_ascii) + ("\n" if newline else "")


def _mask_sig(m):
    """A JWS with a randomised algorithm keeps its header and payload; its signature is masked."""
    head = m.group(1)
    try:
        alg = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))).get("alg")
    except (ValueError, AttributeError):
        return m.group(0)
    if alg in RANDOMISED_ALGS:
        return head + "." + m.group(2) + ".<randomised-signature>"
    return m.group(0)


def mask_randomised(text):
    """`text` with the signature segment of every ES256/PS256 JWS replaced by a placeholder."""
    return _JWS.sub(_mask_sig, text)


def _first_difference(old, new):
    """Where two suite texts (already masked) first differ: a case name, or a description."""
    try:
        a, b = json.loads(old), json.loads(new)
    except ValueError as e:
        return "the committed file is not JSON (%s)" % e
    if not isinstance(a, dict) or not isinstance(b, dict):
        return "the top level differs"
    for k in sorted(set(a) | set(b)):
        if k != "cases" and a.get(k) != b.get(k):
            return "member %r differs" % k
    ca, cb = a.get("cases") or [], b.get("cases") or []
    for i in range(max(len(ca), len(cb))):
        x = ca[i] if i < len(ca) else None
        y = cb[i] if i < len(cb) else None
        if x != y:
            name = (y or x or {}).get("name", "?") if isinstance(y or x, dict) else "?"
            if x is None:
                return "case %d %r is missing from the committed file" % (i, name)
            if y is None:
                return "case %d %r is committed but no longer generated" % (i, name)
            return "case %d %r differs" % (i, name)
    return "the formatting differs (same JSON, different bytes)"


def write_suite(path, obj, ensure_ascii=False, newline=True):
    """Write one suite file; under `--check`, compare with the committed file instead.

    A mismatch is reported on stderr (file and first differing case) and makes the
    generator exit with status 1 once it has finished (so every file is compared)."""
    text = render(obj, ensure_ascii, newline)
    if not CHECK:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return
    rel = os.path.relpath(path, os.path.dirname(ROOT))
    try:
        with open(path) as f:
            old = f.read()
    except OSError as e:
        _fail("%s: cannot read the committed file (%s)" % (rel, e.strerror))
        return
    if old == text:
        return
    old_m, new_m = mask_randomised(old), mask_randomised(text)
    if old_m == new_m:
        return
    _fail("%s: out of date: %s" % (rel, _first_difference(old_m, new_m)))


def _fail(msg):
    _FAILED.append(msg)
    print("check failed: " + msg, file=sys.stderr)


@atexit.register
def _exit_status():
    # Registered first, so it runs after every other exit handler.
    if CHECK and _FAILED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)


def slug(text):
    """A case name: lower-case words joined by `-` (the vector schema's name pattern)."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("_", "-").replace("'", ""))
    out = []
    for w in words:
        if len("-".join(out + [w])) > 72:
            break
        out.append(w)
    return "-".join(out)


def case_collector():
    """`(cases, case)`: `case(name, *steps, source=None)` appends a case named `slug(name)`."""
    out = []

    def case(name, *steps, source=None):
        c = {"name": slug(name), "steps": list(steps)}
        if source:
            c["source"] = source
        out.append(c)

    return out, case
