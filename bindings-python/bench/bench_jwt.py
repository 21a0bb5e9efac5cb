#!/usr/bin/env python3
"""authcore (through the Python binding) next to PyJWT and joserfc: same machine, same run.

JWT sign and verify ops/s for HS256 (32-byte key), EdDSA (Ed25519), ES256 (P-256) and RS256
(2048-bit), keys from conformance/keys, parsed once outside the timed loops by every library.
Claims: sub, email, iat, exp, iss, aud; verify = signature + exp + iss + aud. Before any
timing every library verifies every library's token; every verifier is timed on the token
authcore signed. Plus the gate's decisions per credential (JWT, session, guest, service token),
device-authority poll decisions, session validation, and the bare per-call cost of the binding.

Timing: a warm-up that sizes each case's batch to about a millisecond, then interleaved rounds
(every case once per round, same order); the median of the rounds is reported. Results go to
target/bench/python.json in the shape every harness writes (bench/report.py turns them into
BENCHMARKS.md's tables).

    make python-bench                    # installs the pinned peers into .venv, then runs this
    bench_jwt.py [--rounds N] [--seconds S] [--json PATH]
    bench_jwt.py --smoke [--json PATH]   # every case once, cross-checks included
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import time
import warnings
from importlib import metadata

import jwt as pyjwt  # PyJWT
from cryptography.hazmat.primitives import serialization
from joserfc import jwt as jrfc
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

import authcore
from authcore import _authcore
from authcore.device import DeviceAuthority
from authcore.gate import Gate
from authcore.jwt import Issuer, Verifier
from authcore.session import SessionManager

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEYS = os.path.join(ROOT, "conformance", "keys")
ISS = "https://issuer.example"
AUD = "api://bench"
SUB = "user-1"
EMAIL = "user-1@example.com"
SECRET = "bench-hs256-secret-of-32-bytes!!"
LIFETIME = 3600
ALGS = ["HS256", "EdDSA", "ES256", "RS256"]
KEY_FILES = {"EdDSA": ("ed25519.pem", "ed25519.pub.pem"), "ES256": ("p256.pem", "p256.pub.pem"), "RS256": ("rsa2048.pem", "rsa2048.pub.pem")}
assert len(SECRET.encode()) == 32
# joserfc warns on every EdDSA call (RFC 9864 deprecates the name); the benchmark keeps it.
warnings.filterwarnings("ignore", message="EdDSA is deprecated")


def pem(name: str) -> str:
    with open(os.path.join(KEYS, name)) as f:
        return f.read()


def claims_at(now: int) -> dict:
    return {"sub": SUB, "email": EMAIL, "iat": now, "exp": now + LIFETIME, "iss": ISS, "aud": AUD}


# ------------------------------------------------------------------------------- adapters
# Each adapter: {"lib", "backend"?, "sign": () -> str, "verify": (token) -> claims}.


def authcore_lib(alg: str, backend: str, now: int) -> dict:
    if alg == "HS256":
        sk = vk = {"alg": alg, "secret": SECRET}
    else:
        sk, vk = ({"alg": alg, "pem": pem(f)} for f in KEY_FILES[alg])
    issuer = Issuer(sk, lifetime=LIFETIME, issuer=ISS, audience=AUD, backend=backend)
    verifier = Verifier(algorithms=[alg], keys=[vk], issuer=ISS, audience=AUD, backend=backend)
    payload = {"sub": SUB, "email": EMAIL}
    return {
        "lib": "authcore",
        "backend": backend,
        "sign": lambda: issuer.issue(payload, now=now),
        "verify": lambda token: verifier.verify(token, now=now)["claims"],
    }


def pyjwt_lib(alg: str, now: int) -> dict:
    if alg == "HS256":
        sk = vk = SECRET
    else:
        sk = serialization.load_pem_private_key(pem(KEY_FILES[alg][0]).encode(), None)
        vk = serialization.load_pem_public_key(pem(KEY_FILES[alg][1]).encode())
    claims = claims_at(now)
    # PyJWT reads the clock itself; the tokens are made at the real time, so that agrees.
    return {
        "lib": "PyJWT",
        "sign": lambda: pyjwt.encode(claims, sk, algorithm=alg),
        "verify": lambda token: pyjwt.decode(token, vk, algorithms=[alg], issuer=ISS, audience=AUD),
    }


def joserfc_lib(alg: str, now: int) -> dict:
    if alg == "HS256":
        sk = vk = OctKey.import_key(SECRET)
    else:
        cls = {"EdDSA": OKPKey, "ES256": ECKey, "RS256": RSAKey}[alg]
        sk, vk = (cls.import_key(pem(f)) for f in KEY_FILES[alg])
    claims = claims_at(now)
    header = {"alg": alg}
    registry = jrfc.JWTClaimsRegistry(now=now, iss={"essential": True, "value": ISS}, aud={"essential": True, "value": AUD})

    def verify(token: str) -> dict:
        t = jrfc.decode(token, vk, algorithms=[alg])
        registry.validate(t.claims)  # exp, nbf, iat, iss, aud
        return t.claims

    return {"lib": "joserfc", "sign": lambda: jrfc.encode(header, claims, sk, algorithms=[alg]), "verify": verify}


def gate_cases(now: int) -> list:
    service_secret = "bench-service-secret-0123456789abcdef"
    gate = Gate(
        jwt={"config": {"algorithms": ["HS256"], "issuer": ISS, "audience": [AUD]}, "keys": [{"alg": "HS256", "secret": SECRET}]},
        services=[{"name": "billing", "header": "X-Service-Token", "secret": service_secret}],
        routes=[
            {"method": "GET", "path": "/api/**", "access": "user_or_guest"},
            {"method": "GET", "path": "/internal/**", "access": "service"},
        ],
    )
    sessions = SessionManager()
    new = sessions.create(SUB, email=EMAIL, now=now)
    record, session_token = new["record"], new["token"]
    jwt = authcore_lib("HS256", "native", now)["sign"]()
    requests = [
        ("jwt", "decision: JWT (HS256)", {"method": "GET", "url": "/api/me", "headers": {"Authorization": f"Bearer {jwt}"}}, None),
        ("session", "decision: session", {"method": "GET", "url": "/api/me", "headers": {"Authorization": f"Bearer {session_token}"}}, {"session": record}),
        ("guest", "decision: guest", {"method": "GET", "url": "/api/me", "headers": {"X-Guest-ID": "guest_bench_123"}}, None),
        ("service", "decision: service token", {"method": "GET", "url": "/internal/jobs", "headers": {"X-Service-Token": service_secret}}, None),
    ]
    cases = []
    for kind, op, request, lookup in requests:
        def decide(request=request, lookup=lookup):
            return gate.decide(gate.classify(request, now=now), lookup, now=now)

        d = decide()
        if d["type"] != "allow" or d["context"]["credential"] != kind:
            raise AssertionError(f"gate: the {kind} request is not allowed: {d!r}")
        cases.append({"group": "gate", "op": op, "alg": None, "lib": "authcore", "backend": None, "fn": decide})
    # The device authority's poll decisions: a pending grant and an approved one.
    authority = DeviceAuthority(verification_uri="https://issuer.example/device")
    issued = authority.issue("cli", now=now)
    poll_request = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": issued["response"]["device_code"], "client_id": "cli"}
    pending = issued["record"]
    approved = authority.approve(pending, SUB, now=now)
    for op, grant, want in (("poll: pending", pending, "error"), ("poll: approved", approved, "approved")):
        def poll(grant=grant):
            return authority.poll(grant, poll_request, now=now + 10)

        got = poll()
        if got["type"] != want or (want == "error" and got["error"]["code"] != "authorization_pending"):
            raise AssertionError(f"device {op}: {got!r}")
        cases.append({"group": "device", "op": op, "alg": None, "lib": "authcore", "backend": None, "fn": poll})
    sessions.validate(record, session_token, now=now)
    cases.append({"group": "session", "op": "validate", "alg": None, "lib": "authcore", "backend": None,
                  "fn": lambda: sessions.validate(record, session_token, now=now)})
    return cases


def label(lib: dict) -> str:
    return f"{lib['lib']} ({lib['backend']})" if lib.get("backend") else lib["lib"]


def check_claims(claims: dict, who: str) -> None:
    for k, v in (("sub", SUB), ("email", EMAIL), ("iss", ISS)):
        if claims.get(k) != v:
            raise AssertionError(f"{who}: claim {k} is {claims.get(k)!r}")
    if claims.get("aud") not in (AUD, [AUD]):
        raise AssertionError(f"{who}: claim aud is {claims.get('aud')!r}")
    if not isinstance(claims.get("exp"), int) or not isinstance(claims.get("iat"), int):
        raise AssertionError(f"{who}: iat/exp")


# ------------------------------------------------------------------------------- timing


def rate(fn, seconds: float, batch: int) -> float:
    """Calls/s of `fn` over about `seconds`, in batches of `batch` calls between clock reads."""
    start = time.perf_counter()
    deadline = start + seconds
    n = 0
    while True:
        for _ in range(batch):
            fn()
        n += batch
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def measure(cases: list, rounds: int, seconds: float) -> None:
    for c in cases:
        c["batch"] = max(1, round(rate(c["fn"], 0.05, 1) / 1000))
        rate(c["fn"], seconds / 2, c["batch"])
        c["rounds"] = []
    for r in range(rounds):
        for c in cases:
            c["rounds"].append(rate(c["fn"], seconds, c["batch"]))
        print(f"round {r + 1}/{rounds} done", flush=True)


def smoke(cases: list) -> None:
    for c in cases:
        start = time.perf_counter()
        c["fn"]()
        c["rounds"] = [1 / max(time.perf_counter() - start, 1e-9)]


# ------------------------------------------------------------------------------- machine


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def os_name() -> str:
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return f"{line.split('=', 1)[1].strip().strip(chr(34))} ({platform.system().lower()}-{platform.machine()})"
    except OSError:
        pass
    return platform.platform()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="every case once, no timing")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=0.2)
    ap.add_argument("--json", default=None, help="results file (default target/bench/python.json; none with --smoke)")
    args = ap.parse_args()
    if args.json is None and not args.smoke:
        args.json = os.path.join(ROOT, "target", "bench", "python.json")
    now = int(time.time())

    cases, interop = [], 0
    for alg in ALGS:
        libs = [authcore_lib(alg, b, now) for b in ("native", "portable")] + [pyjwt_lib(alg, now), joserfc_lib(alg, now)]
        tokens = [(label(lib), lib["sign"]()) for lib in libs]
        for v in libs:
            for src, token in tokens:
                who = f"{alg}: {label(v)} on the token of {src}"
                try:
                    claims = v["verify"](token)
                except Exception as e:  # noqa: BLE001  (re-raised with context)
                    raise AssertionError(f"{who}: {e!r}") from e
                check_claims(claims, who)
                interop += 1
        token = tokens[0][1]
        for lib in libs:
            for op, fn in (("verify", (lambda v=lib["verify"], t=token: v(t))), ("sign", lib["sign"])):
                cases.append({"group": "jwt", "op": op, "alg": alg, "lib": lib["lib"], "backend": lib.get("backend"), "fn": fn})

    # The gate's decisions per credential (classify + decide, the host's lookup given) and
    # session validation, each checked to allow before any timing.
    cases += gate_cases(now)

    # The per-call floor of the binding: a bare call that does no work, next to Python's own.
    for op, lib, fn in (
        ("bare call (error_body: short text)", "authcore", lambda: _authcore.error_body("forbidden")),
        ("small object (oauth_error: status + dict)", "authcore", lambda: _authcore.oauth_error("invalid_grant")),
        ("sha256 of 43 bytes (device_code_hash)", "authcore", lambda: _authcore.device_code_hash("x" * 43)),
        ("no-op function", "python", lambda: None),
    ):
        cases.append({"group": "call", "op": op, "alg": None, "lib": lib, "backend": None, "fn": fn})

    if args.smoke:
        smoke(cases)
    else:
        measure(cases, args.rounds, args.seconds)

    rows = []
    for c in cases:
        ops = statistics.median(c["rounds"])
        rows.append({"group": c["group"], "op": c["op"], "alg": c["alg"], "lib": c["lib"], "backend": c["backend"],
                     "ops_per_s": ops, "rounds": c["rounds"], "median_ns": 1e9 / ops})
        print(f"{c['group']:<5} {c['op']:<40} {c['alg'] or '':<6} {label(c):<22} {ops:>14,.0f}/s")
    doc = {
        "schema": "authcore-bench/1",
        "name": "python",
        "harness": "bindings-python/bench/bench_jwt.py",
        "smoke": args.smoke,
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "cores": os.cpu_count(),
            "cpu": cpu_model(),
            "os": os_name(),
            "rounds": 1 if args.smoke else args.rounds,
            "seconds": 0 if args.smoke else args.seconds,
            "statistic": "median of interleaved rounds, ops/s",
            "interop_checks": interop,
            "versions": {
                "authcore": authcore.__version__,
                "python": platform.python_version(),
                "PyJWT": pyjwt.__version__,
                "cryptography": metadata.version("cryptography"),
                "joserfc": metadata.version("joserfc"),
            },
        },
        "rows": rows,
    }
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        print(f"results: {args.json}")
    print(f"python bench{' smoke' if args.smoke else ''}: {len(cases)} cases, {interop} cross-library verifications passed")


if __name__ == "__main__":
    main()
