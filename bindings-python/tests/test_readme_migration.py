"""The migration examples in README.md (password re-hash, legacy HS256 secrets), run as written
with the names they leave to the host (`accounts`, `row`, `password`, `db`, `old_secret`,
`new_secret`) bound to real values: a Django-style hash, an old token signed by PyJWT."""

import base64
import hashlib
import os
import re
import warnings
from typing import Any, Dict

import jwt as pyjwt
import pytest

from authcore import AuthError
from authcore.jwt import Issuer, Verifier
from authcore.password import Accounts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def example(name: str) -> str:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- example: %s -->\n```python\n(.*?)```\n<!-- /example -->" % re.escape(name), text, re.S)
    assert m, "README.md lost its %s example" % name
    return m.group(1)


def django_hash(password: str, salt: str = "seasalt", iterations: int = 1000) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return "pbkdf2_sha256$%d$%s$%s" % (iterations, salt, base64.b64encode(digest).decode())


class Db:
    def __init__(self) -> None:
        self.hashes: Dict[str, str] = {}

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.hashes[user_id] = password_hash


def test_a_django_hash_is_replaced_by_argon2id_after_one_login() -> None:
    accounts = Accounts(memory_kib=64, iterations=1)
    password = "correct horse battery staple"
    row = {"user_id": "u-1", "password_hash": django_hash(password)}
    db = Db()
    ns: Dict[str, Any] = {"accounts": accounts, "row": row, "password": password, "db": db}
    exec(example("password-rehash"), ns)
    assert ns["login"] == {"user_id": "u-1", "needs_rehash": True}
    new_hash = db.hashes["u-1"]
    assert new_hash.startswith("$argon2id$")
    # the next login with the stored argon2id hash needs nothing more
    again = accounts.login({"user_id": "u-1", "password_hash": new_hash}, password)
    assert again["needs_rehash"] is False
    db2 = Db()
    exec(example("password-rehash"), {**ns, "row": {"user_id": "u-1", "password_hash": new_hash}, "db": db2})
    assert db2.hashes == {}
    # a wrong password fails the legacy hash without touching the store
    with pytest.raises(AuthError):
        exec(example("password-rehash"), {**ns, "password": "wrong", "db": db2})
    assert db2.hashes == {}


def test_old_short_secret_tokens_verify_and_new_tokens_use_the_new_key() -> None:
    old_secret = "0123456789abcdefghij"  # 20 bytes, as RAG Modulo's example secret
    new_secret = "k" * 43
    ns: Dict[str, Any] = {"Verifier": Verifier, "Issuer": Issuer, "old_secret": old_secret, "new_secret": new_secret}
    exec(example("legacy-hs256"), ns)
    verifier, issuer = ns["verifier"], ns["issuer"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns about the short key, as it should
        old_token = pyjwt.encode({"sub": "old-user", "exp": 4102444800}, old_secret, algorithm="HS256")
    assert verifier.verify(old_token)["claims"]["sub"] == "old-user"
    new_token = issuer.issue({"sub": "new-user"})
    assert verifier.verify(new_token)["claims"]["sub"] == "new-user"
    # the legacy key never signs, and a token naming the new kid cannot be forged with the old secret
    with pytest.raises(AuthError) as e:
        Issuer({"alg": "HS256", "secret": old_secret, "legacy_short_secret": True})
    assert e.value.code == "invalid_key"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forged = pyjwt.encode({"sub": "x", "exp": 4102444800}, old_secret, algorithm="HS256", headers={"kid": "2026-11"})
    with pytest.raises(AuthError) as e2:
        verifier.verify(forged)
    assert e2.value.code == "invalid_signature"
