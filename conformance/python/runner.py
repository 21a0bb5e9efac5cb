"""The Python conformance runner: executes conformance/vectors/**.json against the `authcore`
package, exactly as the Rust runner does against the core.

Every case runs on both crypto backends. Outputs are compared as JSON values with strict types
(``True`` is not ``1``). An unknown operation fails the case: nothing is skipped.

    python conformance/python/runner.py [--json out.json] [vectors-dir]

The summary line counts each backend on its own (``python-native N/N; python-portable N/N``);
``--json`` writes the same per-backend counts for the Rust runner's pass matrix.
"""

import base64
import json
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

import authcore
from authcore import broker, device, errors, gate, jwt, oauth, password, refresh, session, tokens

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(os.path.dirname(HERE), "vectors")
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


def b64url(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Ctx:
    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.bound: Dict[str, Any] = {}
        self.objects: Dict[str, Any] = {}

    def obj(self, kind: str, first: str) -> Any:
        if kind not in self.objects:
            raise CaseFailure("no %s: call %s first" % (kind, first))
        return self.objects[kind]


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


def entropy(i: dict) -> Optional[bytes]:
    return bytes.fromhex(i.get("entropy") or "")


def drain(machine: Any) -> Dict[str, Any]:
    return {"actions": machine.actions()}


def op_table() -> Dict[str, Callable[[Ctx, dict], Any]]:
    t: Dict[str, Callable[[Ctx, dict], Any]] = {}

    def op(name: str) -> Callable[[Callable[[Ctx, dict], Any]], Callable[[Ctx, dict], Any]]:
        def reg(f: Callable[[Ctx, dict], Any]) -> Callable[[Ctx, dict], Any]:
            t[name] = f
            return f
        return reg

    # errors
    @op("errors.lookup")
    def _(c, i):
        row = next((r for r in authcore._authcore.catalog() if r["code"] == i["code"]), None)
        if row is None:
            raise CaseFailure("unknown code %s" % i["code"])
        return {"code": row["code"], "status": row["status"], "family": row["family"], "detail": row["detail"],
                "body": authcore._authcore.error_body(i["code"])}

    # jwt
    @op("jwt.verify")
    def _(c, i):
        v = jwt.Verifier(i["config"], keys=i.get("keys"), jwks=i.get("jwks"), default_alg=i.get("default_alg"),
                         backend=c.backend)
        return v.verify(i["token"], i["now"])

    @op("jwt.issue")
    def _(c, i):
        iss = jwt.Issuer(i["key"], i.get("config"), backend=c.backend)
        return {"token": iss.issue(i["claims"], i["now"], entropy(i))}

    @op("jwt.env_issue")
    def _(c, i):
        iss, ver = jwt.from_env(i["env"], backend=c.backend)
        token = iss.issue(i["claims"], i["now"], entropy(i))
        return {"token": token, "verified": ver.verify(token, i["now"])}

    @op("jwt.verify_signature")
    def _(c, i):
        ok = jwt.verify_signature(i["key"], i["signing_input"].encode(), b64url(i["signature"]), backend=c.backend)
        return {"valid": ok}

    @op("jwt.jwks")
    def _(c, i):
        return jwt.parse_jwks(i["jwks"], i.get("default_alg"), backend=c.backend)

    # tokens
    @op("tokens.from_response")
    def _(c, i):
        return tokens.token_set_from_response(i["body"], i["now"])

    @op("tokens.freshness")
    def _(c, i):
        return {"freshness": tokens.freshness(i["tokens"], i["now"], i.get("margin", 300))}

    @op("tokens.load")
    def _(c, i):
        return tokens.load_tokens(i["text"])

    @op("tokens.save")
    def _(c, i):
        return {"text": tokens.dump_tokens(i["stored"])}

    @op("driver.new")
    def _(c, i):
        c.objects["driver"] = tokens.RequestDriver(i["config"], stored=i.get("stored"))
        return {}

    @op("driver.restore")
    def _(c, i):
        c.objects["driver"] = tokens.RequestDriver.restore(i["snapshot"])
        return drain(c.objects["driver"])

    def driver(c: Ctx) -> Any:
        return c.obj("driver", "driver.new")

    @op("driver.snapshot")
    def _(c, i):
        return driver(c).snapshot()

    @op("driver.send")
    def _(c, i):
        rid = driver(c).send(i["request"], i.get("now", 0))
        return {"request": rid, **drain(driver(c))}

    @op("driver.handle_response")
    def _(c, i):
        driver(c).handle_response(i["transmit"], i["response"], i.get("now", 0))
        return drain(driver(c))

    @op("driver.handle_network_error")
    def _(c, i):
        driver(c).handle_network_error(i["transmit"], i.get("now", 0))
        return drain(driver(c))

    @op("driver.handle_loaded")
    def _(c, i):
        driver(c).handle_loaded(i.get("stored"), i.get("now", 0))
        return drain(driver(c))

    @op("driver.handle_save_conflict")
    def _(c, i):
        driver(c).handle_save_conflict(i["stored"])
        return drain(driver(c))

    @op("driver.set_identity")
    def _(c, i):
        driver(c).set_identity(i.get("identity"))
        return drain(driver(c))

    @op("driver.status")
    def _(c, i):
        return driver(c).status(i.get("now", 0))

    # device
    @op("device.client.new")
    def _(c, i):
        c.objects["device_client"] = device.DeviceClient(i["config"])
        return {}

    @op("device.client.restore")
    def _(c, i):
        c.objects["device_client"] = device.DeviceClient.restore(i["snapshot"])
        return drain(c.objects["device_client"])

    def dclient(c: Ctx) -> Any:
        return c.obj("device_client", "device.client.new")

    @op("device.client.snapshot")
    def _(c, i):
        return dclient(c).snapshot()

    for name, call in [
        ("start", lambda d, i: d.start(i.get("now", 0))),
        ("handle_timeout", lambda d, i: d.handle_timeout(i.get("now", 0))),
        ("handle_response", lambda d, i: d.handle_response(i["transmit"], i["response"], i.get("now", 0))),
        ("handle_network_error", lambda d, i: d.handle_network_error(i["transmit"], i.get("now", 0))),
        ("cancel", lambda d, i: d.cancel()),
    ]:
        def make(call: Callable[[Any, dict], None]) -> Callable[[Ctx, dict], Any]:
            def run(c: Ctx, i: dict) -> Any:
                call(dclient(c), i)
                return drain(dclient(c))
            return run
        t["device.client." + name] = make(call)

    @op("device.client.status")
    def _(c, i):
        return dclient(c).status(i.get("now", 0))

    @op("device.server.new")
    def _(c, i):
        c.objects["authority"] = device.DeviceAuthority(i["config"])
        return {}

    def auth(c: Ctx) -> Any:
        return c.obj("authority", "device.server.new")

    @op("device.server.issue")
    def _(c, i):
        r = i["request"]
        return auth(c).issue(r["client_id"], r.get("scope"), i.get("now", 0), entropy(i))

    @op("device.server.normalize_user_code")
    def _(c, i):
        return {"user_code": auth(c).normalize_user_code(i["typed"])}

    @op("device.server.check_user_code")
    def _(c, i):
        return auth(c).check_user_code(i["grant"], i["typed"], i.get("now", 0))

    @op("device.server.approve")
    def _(c, i):
        return auth(c).approve(i["grant"], i["user_id"], i.get("claims"), i.get("now", 0))

    @op("device.server.consent")
    def _(c, i):
        return auth(c).consent(i["grant"], i.get("now", 0))

    @op("device.server.enter_user_code")
    def _(c, i):
        return auth(c).enter_user_code(i.get("limiter"), i.get("grant"), i["typed"], i.get("now", 0),
                                       global_limiter=i.get("global_limiter"))

    @op("device.server.deny")
    def _(c, i):
        return auth(c).deny(i["grant"], i.get("now", 0))

    @op("device.server.poll")
    def _(c, i):
        return auth(c).poll(i.get("grant"), i["request"], i.get("now", 0))

    @op("device.server.parse_token_request")
    def _(c, i):
        return device.parse_token_request(i["body"], i.get("client_id"))

    @op("device.server.parse_authorization_request")
    def _(c, i):
        return device.parse_authorization_request(i["body"])

    @op("device.server.hash")
    def _(c, i):
        return {"hash": device.device_code_hash(i["device_code"])}

    @op("device.server.load")
    def _(c, i):
        return device.load_grant(i["text"])

    @op("device.oauth_error")
    def _(c, i):
        status, body = device.oauth_error(i["code"], i.get("detail"))
        return {"status": status, "body": body}

    @op("oauth.error_response")
    def _(c, i):
        return oauth.error_response(i["code"], i.get("detail"))

    # session
    @op("session.new")
    def _(c, i):
        c.objects["sessions"] = session.SessionManager(i["config"])
        return {}

    def sessions(c: Ctx) -> Any:
        return c.obj("sessions", "session.new")

    @op("session.create")
    def _(c, i):
        return sessions(c).create(i.get("user_id") or "", i.get("email"), i.get("is_guest", False), i["now"], entropy(i))

    @op("session.sign_in")
    def _(c, i):
        return sessions(c).sign_in(i.get("user_id") or "", i.get("email"), i.get("previous"), i["now"], entropy(i))

    @op("session.validate")
    def _(c, i):
        return sessions(c).validate(i.get("record"), i["token"], i["now"])

    @op("session.revoke")
    def _(c, i):
        return sessions(c).revoke(i["record"], i["now"])

    @op("session.exchange")
    def _(c, i):
        v = jwt.Verifier(i["verifier_config"], keys=i["keys"], backend=c.backend)
        return sessions(c).exchange(v, i["token"], i.get("previous"), i["now"], entropy(i))

    @op("session.hash")
    def _(c, i):
        return {"hash": session.session_token_hash(i["token"])}

    @op("session.load")
    def _(c, i):
        return session.load_session(i["text"])

    # gate
    @op("gate.new")
    def _(c, i):
        c.objects["gate"] = gate.Gate(i["config"], backend=c.backend)
        return {}

    @op("gate.classify")
    def _(c, i):
        return c.obj("gate", "gate.new").classify(i["request"], i["now"])

    @op("gate.decide")
    def _(c, i):
        return c.obj("gate", "gate.new").decide(i["classified"], i.get("lookup"), i["now"])

    @op("gate.authenticate")
    def _(c, i):
        return c.obj("gate", "gate.new").authenticate(i["request"], i.get("lookup"), i["now"])

    # password
    @op("password.new")
    def _(c, i):
        c.objects["accounts"] = password.Accounts(i.get("policy"))
        return {}

    def accounts(c: Ctx) -> Any:
        return c.obj("accounts", "password.new")

    @op("password.hash")
    def _(c, i):
        return {"hash": accounts(c).hash_password(i["password"], entropy(i))}

    @op("password.verify")
    def _(c, i):
        return {"valid": accounts(c).verify_password(i["hash"], i["password"])}

    @op("password.needs_rehash")
    def _(c, i):
        return {"needs_rehash": accounts(c).needs_rehash(i["hash"])}

    @op("password.register")
    def _(c, i):
        r = i["registration"]
        return accounts(c).register(r["password"], r.get("username"), r.get("email"), entropy(i))

    @op("password.login")
    def _(c, i):
        return accounts(c).login(i.get("account"), i["password"])

    @op("password.normalize_username")
    def _(c, i):
        return {"username": password.normalize_username(i["username"])}

    @op("password.normalize_email")
    def _(c, i):
        return {"email": password.normalize_email(i["email"])}

    # refresh
    @op("refresh.new")
    def _(c, i):
        c.objects["refresh"] = refresh.RefreshTokens(i.get("config"))
        return {}

    def rt(c: Ctx) -> Any:
        return c.obj("refresh", "refresh.new")

    @op("refresh.issue")
    def _(c, i):
        return rt(c).issue(i["user_id"], i.get("client_id"), i.get("scope"), i["now"], entropy(i))

    @op("refresh.rotate")
    def _(c, i):
        return rt(c).rotate(i.get("record"), i["token"], i.get("client_id"), i["now"], entropy(i))

    @op("refresh.revoke")
    def _(c, i):
        return rt(c).revoke(i["record"])

    @op("refresh.hash")
    def _(c, i):
        return {"hash": refresh.refresh_token_hash(i["token"])}

    @op("refresh.load")
    def _(c, i):
        return refresh.load_refresh_record(i["text"])

    # oauth
    @op("oauth.pkce")
    def _(c, i):
        return oauth.pkce(i.get("verifier"), i.get("method", "S256"), i.get("allow_plain", False), i.get("bytes", 32), entropy(i))

    @op("oauth.check_pkce")
    def _(c, i):
        oauth.check_pkce(i.get("challenge"), i.get("verifier"), i.get("allow_plain", False))
        return {}

    @op("oauth.new")
    def _(c, i):
        c.objects["auth_code"] = oauth.AuthCodeClient(i["config"])
        return {}

    @op("oauth.start")
    def _(c, i):
        return c.obj("auth_code", "oauth.new").start(i["now"], entropy(i))

    @op("oauth.callback")
    def _(c, i):
        return c.obj("auth_code", "oauth.new").callback(i["record"], i["callback"], i["now"])

    @op("oauth.token_response")
    def _(c, i):
        return c.obj("auth_code", "oauth.new").token_response(i["response"], i["now"])

    # broker
    @op("broker.load")
    def _(c, i):
        b = broker.Broker(i.get("custom"), allow_loopback_http=i.get("allow_loopback_http", False))
        c.objects["broker"] = b
        return b.providers

    @op("broker.routing_table")
    def _(c, i):
        return c.obj("broker", "broker.load").routing_table()

    @op("broker.resolve")
    def _(c, i):
        return c.obj("broker", "broker.load").resolve(i["url"], i["connections"], i.get("method") or "GET", i["now"])

    @op("broker.apply_refresh")
    def _(c, i):
        return c.obj("broker", "broker.load").apply_refresh(i["connection"], i["response"], i["now"])

    @op("broker.redact")
    def _(c, i):
        return broker.redact(i["connections"])

    @op("broker.export_env")
    def _(c, i):
        return {"text": broker.export_env(i["connections"])}

    @op("broker.check_connection")
    def _(c, i):
        broker.check_connection(i["connection"])
        return {}

    @op("broker.export_json")
    def _(c, i):
        return broker.export_json(i["connections"])

    @op("broker.readiness")
    def _(c, i):
        return broker.readiness(i.get("custom"), i.get("connections"), i.get("key_files"), i["now"])

    return t


OPS = op_table()


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
    fn = OPS.get(name)
    if fn is None:
        raise CaseFailure("unknown operation `%s`" % name)
    i = resolve(ctx, step.get("input", {}))
    try:
        got = fn(ctx, i)
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
