#!/usr/bin/env python3
"""authcore (through the Python binding) next to PyJWT, same machine, same run.

Measures sign and verify ops/s for HS256, EdDSA, ES256 and RS256 (verify = signature + exp),
plus the bare per-call overhead of the binding. Keys come from conformance/keys.

    make python-bench        # installs PyJWT + cryptography into .venv, then runs this
"""

import json
import os
import platform
import time

import jwt as pyjwt  # PyJWT

import authcore
from authcore import _authcore
from authcore.jwt import Issuer, Verifier

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEYS = os.path.join(ROOT, "conformance", "keys")
NOW = int(time.time())
SECRET = "an HS256 secret of at least 32 bytes!!"


def pem(name: str) -> str:
    with open(os.path.join(KEYS, name)) as f:
        return f.read()


CASES = {
    "HS256": ({"alg": "HS256", "secret": SECRET}, {"alg": "HS256", "secret": SECRET}, SECRET, SECRET),
    "EdDSA": ({"alg": "EdDSA", "pem": pem("ed25519.pem")}, {"alg": "EdDSA", "pem": pem("ed25519.pub.pem")}, pem("ed25519.pem"), pem("ed25519.pub.pem")),
    "ES256": ({"alg": "ES256", "pem": pem("p256.pem")}, {"alg": "ES256", "pem": pem("p256.pub.pem")}, pem("p256.pem"), pem("p256.pub.pem")),
    "RS256": ({"alg": "RS256", "pem": pem("rsa2048.pem")}, {"alg": "RS256", "pem": pem("rsa2048.pub.pem")}, pem("rsa2048.pem"), pem("rsa2048.pub.pem")),
}


def rate(fn, seconds: float = 1.0) -> float:
    """Calls per second: best of 3 rounds of `seconds` each."""
    best = 0.0
    for _ in range(3):
        n, start = 0, time.perf_counter()
        deadline = start + seconds
        while True:
            for _ in range(100):
                fn()
            n += 100
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, n / (now - start))
    return best


def main() -> None:
    claims = {"sub": "user-1", "iat": NOW, "exp": NOW + 3600}
    rows = []
    for alg, (sk, vk, py_sk, py_vk) in CASES.items():
        issuer = Issuer(sk)
        verifier = Verifier(algorithms=[alg], keys=[vk], leeway=60)
        token = issuer.issue({"sub": "user-1"}, now=NOW)
        # PyJWT: keys parsed once, as authcore does.
        from jwt.api_jwk import PyJWK  # noqa: F401  (import check: cryptography present)
        from cryptography.hazmat.primitives import serialization
        if alg == "HS256":
            py_sign_key, py_verify_key = py_sk, py_vk
        else:
            py_sign_key = serialization.load_pem_private_key(py_sk.encode(), None)
            py_verify_key = serialization.load_pem_public_key(py_vk.encode())
        py_token = pyjwt.encode(claims, py_sign_key, algorithm=alg)
        assert verifier.verify(py_token, now=NOW)["claims"]["sub"] == "user-1", "authcore verifies PyJWT's token"
        assert pyjwt.decode(token, py_verify_key, algorithms=[alg])["sub"] == "user-1", "PyJWT verifies authcore's token"
        rows.append({
            "alg": alg,
            "authcore_verify": rate(lambda: verifier.verify(token, now=NOW)),
            "pyjwt_verify": rate(lambda: pyjwt.decode(py_token, py_verify_key, algorithms=[alg])),
            "authcore_sign": rate(lambda: issuer.issue({"sub": "user-1"}, now=NOW)),
            "pyjwt_sign": rate(lambda: pyjwt.encode(claims, py_sign_key, algorithm=alg)),
        })
    overhead = {
        "device_code_hash (sha256 of 43 bytes)": rate(lambda: _authcore.device_code_hash("x" * 43)),
        "error_body (no work)": rate(lambda: _authcore.error_body("forbidden")),
        "python no-op function": rate(lambda: None),
    }
    print("authcore %s, PyJWT %s, Python %s, %s" % (authcore.__version__, pyjwt.__version__, platform.python_version(), platform.machine()))
    print()
    print("| alg | authcore verify/s | PyJWT verify/s | ratio | authcore sign/s | PyJWT sign/s | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %s | %s | %.1fx | %s | %s | %.1fx |" % (
            r["alg"], f"{r['authcore_verify']:,.0f}", f"{r['pyjwt_verify']:,.0f}", r["authcore_verify"] / r["pyjwt_verify"],
            f"{r['authcore_sign']:,.0f}", f"{r['pyjwt_sign']:,.0f}", r["authcore_sign"] / r["pyjwt_sign"]))
    print()
    print("| call | calls/s | ns/call |")
    print("|---|---:|---:|")
    for k, v in overhead.items():
        print("| %s | %s | %.0f |" % (k, f"{v:,.0f}", 1e9 / v))
    with open(os.path.join(ROOT, "target", "bench-python.json"), "w") as f:
        json.dump({"jwt": rows, "overhead": overhead}, f, indent=1)


if __name__ == "__main__":
    main()
