#!/usr/bin/env python3
"""Writes conformance/vectors/vault/vault.json: records sealed with a master key.

The vault keeps connection records encrypted at rest (the authsome seed `003_…`: "keeps
connections encrypted in a vault", readiness "verifies vault", "a master.key with mode 0644
instead of 0600" is a non-fatal observation). Sealing is XChaCha20-Poly1305
(draft-irtf-cfrg-xchacha-03): HChaCha20 of the key and the first 16 nonce bytes gives a subkey,
then ChaCha20-Poly1305 (RFC 8439) with the nonce `0x00000000 ‖ nonce[16:24]`.

Every expected ciphertext is computed here: HChaCha20 is written below (checked against the
draft's §2.2.1 test vector, and the whole AEAD against its Appendix A.3.1 vector), and
ChaCha20-Poly1305 comes from pyca/cryptography; never copied from the core.

Formats (the core's `vault` module documentation): a key file is the line
`authcore-master-key:v1:<kid>:<base64url of 32 bytes>`; a sealed record is
`{"v": 1, "kid", "alg": "XChaCha20-Poly1305", "nonce", "ct", "sealed_at"}`; the plaintext is the
record's compact JSON and the associated data is
`"authcore.vault.v1" ‖ u32be(len kid) ‖ kid ‖ u32be(len context) ‖ context ‖ "sealed_at" ‖
i64be(sealed_at)`. Records sealed before `sealed_at` existed have neither the member nor the
suffix, and still open.
"""
import json
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vectorlib import NOW, Suites, b64, step  # noqa: E402

SUITES = Suites()
case = SUITES.case
SEED = "003_b94a180b645fe3f2.txt, GET /ready (vault; a master.key with mode 0644 instead of 0600)"


# --- XChaCha20-Poly1305 ------------------------------------------------------------------------

def _rotl(v, c):
    return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))


def _qr(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF
    s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF
    s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF
    s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF
    s[b] = _rotl(s[b] ^ s[c], 7)


def hchacha20(key, nonce16):
    """draft-irtf-cfrg-xchacha-03 §2.2: the ChaCha20 block without the final addition; words
    0..3 and 12..15."""
    s = list(struct.unpack("<4I", b"expand 32-byte k") + struct.unpack("<8I", key) + struct.unpack("<4I", nonce16))
    for _ in range(10):
        _qr(s, 0, 4, 8, 12)
        _qr(s, 1, 5, 9, 13)
        _qr(s, 2, 6, 10, 14)
        _qr(s, 3, 7, 11, 15)
        _qr(s, 0, 5, 10, 15)
        _qr(s, 1, 6, 11, 12)
        _qr(s, 2, 7, 8, 13)
        _qr(s, 3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def xchacha_seal(key, nonce, plain, aad):
    return ChaCha20Poly1305(hchacha20(key, nonce[:16])).encrypt(b"\0" * 4 + nonce[16:], plain, aad)


assert hchacha20(bytes(range(32)), bytes.fromhex("000000090000004a0000000031415927")).hex() == \
    "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc"
_A31 = xchacha_seal(bytes(range(0x80, 0xA0)), bytes(range(0x40, 0x58)),
                    b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
                    b"sunscreen would be it.", bytes.fromhex("50515253c0c1c2c3c4c5c6c7"))
assert _A31[-16:].hex() == "c0875924c1c7987947deafd8780acf49", _A31[-16:].hex()
assert _A31[:16].hex() == "bd6d179d3e83d43b9576579493c0e939"


# --- keys, records, sealed records ------------------------------------------------------------

K1, K2 = bytes(range(32)), bytes(range(0x20, 0x40))
PREFIX = "authcore-master-key:v1:"


def key_file(kid, key):
    return PREFIX + kid + ":" + b64(key) + "\n"


F1, F2 = key_file("k1", K1), key_file("k2", K2)
N1, N2, N3 = bytes(range(0x40, 0x58)), bytes(range(0x60, 0x78)), bytes([0xA5] * 24)
RECORD = {"created_at": NOW, "credential": {"access_token": "gho_s3cret", "type": "oauth"}, "name": "default",
          "note": "café €", "provider": "github"}
CONTEXT = "connection:github/default"


def compact(record):
    """The record's compact JSON (members in the order given, which is sorted here)."""
    assert list(record) == sorted(record)
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()


def aad(kid, context, sealed_at=None):
    k, c = kid.encode(), context.encode()
    a = b"authcore.vault.v1" + struct.pack(">I", len(k)) + k + struct.pack(">I", len(c)) + c
    if sealed_at is not None:
        a += b"sealed_at" + struct.pack(">q", sealed_at)
    return a


def sealed(kid, key, nonce, record=RECORD, context=CONTEXT, sealed_at=NOW):
    ct = xchacha_seal(key, nonce, compact(record), aad(kid, context, sealed_at))
    s = {"v": 1, "kid": kid, "alg": "XChaCha20-Poly1305", "nonce": b64(nonce), "ct": b64(ct)}
    if sealed_at is not None:
        s["sealed_at"] = sealed_at
    return s


S1 = sealed("k1", K1, N1)
LEGACY = sealed("k1", K1, N1, sealed_at=None)  # sealed before `sealed_at` existed


def flip(text, i):
    """`text` (base64url) with the byte at index `i` of its decoded bytes changed."""
    import base64
    raw = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    raw[i] ^= 0x01
    return b64(bytes(raw))


def new(*files):
    return step("vault.new", {"keys": list(files)}, {})


def seal(nonce, record=RECORD, context=CONTEXT, now=NOW, **kw):
    return step("vault.seal", {"record": record, "context": context, "now": now, "entropy": nonce.hex()}, **kw)


def open_(s, context=CONTEXT, **kw):
    return step("vault.open", {"sealed": s, "context": context}, **kw)


# --- master key files ---------------------------------------------------------------------------

case("vault", "master-key-generate-with-kid",
     step("vault.generate_master_key", {"kid": "k1", "entropy": K1.hex()}, {"text": F1}),
     step("vault.parse_master_key", {"text": F1}, {"kid": "k1"}))
KID_BYTES = bytes([0xFB, 0xFF, 0x00, 0x10, 0x20, 0x30])
case("vault", "master-key-generate-random-kid",
     step("vault.generate_master_key", {"entropy": (K1 + KID_BYTES).hex()}, {"text": key_file("mk-" + b64(KID_BYTES), K1)}))
case("vault", "master-key-generate-entropy-short",
     step("vault.generate_master_key", {"entropy": K1.hex()}, error="entropy_unavailable"),
     step("vault.generate_master_key", {"kid": "k1", "entropy": K1[:31].hex()}, error="entropy_unavailable"))
case("vault", "master-key-parse-whitespace-around",
     step("vault.parse_master_key", {"text": "  " + F2.strip() + "\r\n\n"}, {"kid": "k2"}))
for name, text, field in [
        ("empty", "", "master_key"),
        ("no-prefix", "k1:" + b64(K1), "master_key"),
        ("other-version", "authcore-master-key:v2:k1:" + b64(K1), "master_key"),
        ("short-key", PREFIX + "k1:" + b64(K1[:31]), "master_key"),
        ("long-key", PREFIX + "k1:" + b64(K1 + b"\0"), "master_key"),
        ("padded-key", PREFIX + "k1:" + b64(K1) + "=", "master_key"),
        ("standard-base64", PREFIX + "k1:" + b64(bytes([0xFB] * 32)).replace("-", "+").replace("_", "/"), "master_key"),
        ("no-kid", PREFIX + ":" + b64(K1), "kid"),
        ("kid-with-space", PREFIX + "k 1:" + b64(K1), "kid"),
        ("kid-too-long", PREFIX + "k" * 65 + ":" + b64(K1), "kid")]:
    case("vault", "master-key-parse-refuses-" + name, step("vault.parse_master_key", {"text": text}, error="invalid_key", field=field))
case("vault", "master-key-from-raw-bytes",
     step("vault.master_key_from_bytes", {"kid": "keyring-1", "key": b64(K2)}, {"text": key_file("keyring-1", K2)}),
     step("vault.master_key_from_bytes", {"kid": "k1", "key": b64(K2[:31])}, error="invalid_key", field="key"),
     step("vault.master_key_from_bytes", {"kid": "k/1", "key": b64(K2)}, error="invalid_key", field="kid"))

# --- seal and open ------------------------------------------------------------------------------

case("vault", "seal-and-open",
     new(F1),
     step("vault.kids", {}, {"current_kid": "k1", "kids": ["k1"]}),
     seal(N1, expect=S1),
     open_(S1, expect=RECORD))
EMPTY_CTX = sealed("k1", K1, N3, {"a": [1, None, True]}, "")
case("vault", "seal-empty-context",
     new(F1), seal(N3, {"a": [1, None, True]}, "", expect=EMPTY_CTX), open_(EMPTY_CTX, "", expect={"a": [1, None, True]}))
case("vault", "open-a-record-sealed-elsewhere", new(F1), open_(sealed("k1", K1, N2), expect=RECORD))
case("vault", "open-wrong-context", new(F1),
     open_(S1, "connection:github/work", error="state_corrupt", field="ct"),
     open_(S1, CONTEXT + " ", error="state_corrupt", field="ct"))
case("vault", "open-tampered",
     new(F1),
     open_(dict(S1, ct=flip(S1["ct"], 0)), error="state_corrupt", field="ct"),
     open_(dict(S1, ct=flip(S1["ct"], -1)), error="state_corrupt", field="ct"),
     open_(dict(S1, nonce=flip(S1["nonce"], 23)), error="state_corrupt", field="ct"),
     open_(dict(S1, ct=S1["ct"][:-4]), error="state_corrupt", field="ct"),
     open_(dict(S1, ct=b64(b"\0" * 15)), error="state_corrupt", field="ct"))
case("vault", "open-relabelled-kid",
     new(key_file("k2", K1)),
     open_(dict(S1, kid="k2"), error="state_corrupt", field="ct"))
case("vault", "open-wrong-key-same-kid", new(key_file("k1", K2)), open_(S1, error="state_corrupt", field="ct"))
case("vault", "open-unknown-kid", new(F2), open_(S1, error="invalid_key", field="kid"))
case("vault", "open-unknown-version", new(F1),
     open_(dict(S1, v=2), error="state_version_unsupported", field="v"),
     open_({"v": 2, "kid": "k1", "sealed": "x"}, error="state_version_unsupported", field="v"))
case("vault", "open-malformed",
     new(F1),
     open_([S1], error="state_corrupt", field="sealed"),
     open_({k: v for k, v in S1.items() if k != "v"}, error="state_corrupt", field="v"),
     open_(dict(S1, v="1"), error="state_corrupt", field="v"),
     open_({k: v for k, v in S1.items() if k != "nonce"}, error="state_corrupt", field="sealed"),
     open_(dict(S1, extra=1), error="state_corrupt", field="sealed"),
     open_(dict(S1, alg="AES-256-GCM"), error="state_corrupt", field="alg"),
     open_(dict(S1, nonce=b64(N1[:12])), error="state_corrupt", field="nonce"),
     open_(dict(S1, nonce=S1["nonce"] + "="), error="state_corrupt", field="nonce"),
     open_(dict(S1, ct="***"), error="state_corrupt", field="ct"))
case("vault", "sealed-at-is-bound-to-the-record",
     new(F1),
     seal(N1, now=NOW + 1, expect=sealed("k1", K1, N1, sealed_at=NOW + 1)),
     open_(sealed("k1", K1, N1, sealed_at=0), expect=RECORD),
     open_(dict(S1, sealed_at=NOW + 1), error="state_corrupt", field="ct"),
     open_({k: v for k, v in S1.items() if k != "sealed_at"}, error="state_corrupt", field="ct"),
     open_(dict(S1, sealed_at=str(NOW)), error="state_corrupt", field="sealed"),
     source="the seal time is in the associated data: a changed, removed or added sealed_at does not authenticate")
case("vault", "sealed-at-absent-in-older-records",
     new(F1),
     open_(LEGACY, expect=RECORD),
     open_(dict(LEGACY, sealed_at=NOW), error="state_corrupt", field="ct"),
     step("vault.inspect", {"sealed": LEGACY}, {"kid": "k1", "needs_reseal": False}),
     step("vault.inspect", {"sealed": S1}, {"kid": "k1", "sealed_at": NOW, "needs_reseal": False}))
case("vault", "seal-refusals",
     new(F1),
     seal(N1, ["not", "an", "object"], error="invalid_input", field="record"),
     seal(N1, RECORD, "c" * 1025, error="invalid_input", field="context"),
     seal(N1[:23], error="entropy_unavailable"))
case("vault", "new-refusals",
     step("vault.new", {"keys": []}, error="invalid_config", field="keys"),
     step("vault.new", {"keys": [F1, key_file("k1", K2)]}, error="invalid_config", field="keys"),
     step("vault.new", {"keys": [F1, "k2:" + b64(K2)]}, error="invalid_key", field="master_key"))

# --- rotation -------------------------------------------------------------------------------------

RESEALED = sealed("k2", K2, N2, sealed_at=NOW + 86400)
case("vault", "rotation-reseal-under-the-new-key",
     new(F2, F1),
     step("vault.kids", {}, {"current_kid": "k2", "kids": ["k2", "k1"]}),
     step("vault.needs_reseal", {"sealed": S1}, {"needs_reseal": True}),
     step("vault.inspect", {"sealed": S1}, {"kid": "k1", "sealed_at": NOW, "needs_reseal": True}),
     open_(S1, expect=RECORD),
     step("vault.reseal", {"sealed": S1, "context": CONTEXT, "now": NOW + 86400, "entropy": N2.hex()}, RESEALED),
     step("vault.needs_reseal", {"sealed": RESEALED}, {"needs_reseal": False}),
     step("vault.inspect", {"sealed": RESEALED}, {"kid": "k2", "sealed_at": NOW + 86400, "needs_reseal": False}),
     new(F2),
     open_(RESEALED, expect=RECORD),
     open_(S1, error="invalid_key", field="kid"))
case("vault", "rotation-reseal-checks-the-context",
     new(F2, F1),
     step("vault.reseal", {"sealed": S1, "context": "connection:other/default", "now": NOW, "entropy": N2.hex()},
          error="state_corrupt", field="ct"),
     step("vault.needs_reseal", {"sealed": dict(S1, v=3)}, error="state_version_unsupported", field="v"),
     step("vault.inspect", {"sealed": dict(S1, v=3)}, error="state_version_unsupported", field="v"))
case("vault", "rotation-reseals-an-older-record",
     new(F2, F1),
     step("vault.inspect", {"sealed": LEGACY}, {"kid": "k1", "needs_reseal": True}),
     step("vault.reseal", {"sealed": LEGACY, "context": CONTEXT, "now": NOW + 86400, "entropy": N2.hex()}, RESEALED))

# --- readiness ------------------------------------------------------------------------------------


def ready(status, comps, warnings=(), errors=(), keys=()):
    return step("broker.readiness", {"custom": [], "connections": [], "key_files": list(keys), "now": NOW},
                {"status": status, "components": comps, "warnings": list(warnings), "errors": list(errors)})


def comp(status, detail):
    return {"status": status, "detail": detail}


BASE = {"connections": comp("ok", "0 connections"), "providers": comp("ok", "4 providers"), "schema_version": comp("ok", "no store")}
MK = "/home/u/.authsome/master.key"
case("vault", "readiness-master-key-0600",
     ready("ok", dict(BASE, vault=comp("ok", "1 key files")), keys=[{"path": MK, "mode": 0o600}]), source=SEED)
case("vault", "readiness-master-key-0644-is-a-warning",
     ready("degraded", dict(BASE, vault=comp("degraded", "1 key files")),
           ["Master key `%s` has mode 0644 instead of 0600." % MK], keys=[{"path": MK, "mode": 0o100644}]), source=SEED)
case("vault", "readiness-master-key-unusable-is-an-error",
     ready("unhealthy", dict(BASE, vault=comp("unhealthy", "1 key files")), (),
           ["Master key `%s` cannot be used: invalid_key." % MK], keys=[{"path": MK, "mode": 0o600, "error": "invalid_key"}]),
     source=SEED)
case("vault", "readiness-other-key-files-warned-in-the-vault-component",
     ready("degraded", dict(BASE, vault=comp("degraded", "2 key files")),
           ["`/k/tokens.json` has mode 0640; expected 0600 or stricter."],
           keys=[{"path": "/k/tokens.json", "mode": 0o640}, {"path": MK, "mode": 0o400}]))

SUITES.write({"vault": "The vault: records sealed with XChaCha20-Poly1305 under a master key (key files, "
                       "context binding, tamper and wrong-key refusals, rotation) and its readiness component."})
