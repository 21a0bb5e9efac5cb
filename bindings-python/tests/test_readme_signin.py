"""The desktop sign-in, magic-link and vault examples in README.md, run as written."""

import os
import re
from typing import Any, Dict

import pytest

from authcore import InvalidGrant, TooManyAttempts
from authcore.session import session_token_hash

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def example(name: str) -> str:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- example: %s -->\n```python\n(.*?)```\n<!-- /example -->" % re.escape(name), text, re.S)
    assert m, "README.md lost its %s example" % name
    return m.group(1)


def test_desktop_sign_in_example() -> None:
    ns: Dict[str, Any] = {}
    exec(compile(example("desktop-sign-in"), "README.md", "exec"), ns)
    saved = ns["saved"]
    assert (saved["user_id"], saved["email"]) == ("user_abc123", "user@example.com")
    assert session_token_hash(saved["session_token"]) is not None
    (record,) = ns["codes"].values()
    assert record["used"] and record["revision"] == 2
    # The same code again is refused: single use.
    assert ns["app"].status()["finished"]
    out = ns["desktop"].exchange(ns["sessions"], record, ns["request"])
    assert out["response"]["status"] == 400 and "session" not in out


def test_magic_link_example() -> None:
    ns: Dict[str, Any] = {}
    exec(compile(example("magic-link"), "README.md", "exec"), ns)
    assert ns["signed_in"] == "user@example.com"
    token = ns["outbox"][0][1].split("token=")[1]
    with pytest.raises(InvalidGrant):
        ns["open_link"](token)
    for _ in range(4):
        ns["request_link"]("user@example.com")
    with pytest.raises(TooManyAttempts):
        ns["request_link"]("USER@example.com")


def test_vault_example(tmp_path: Any) -> None:
    ns: Dict[str, Any] = {"home": str(tmp_path)}
    exec(compile(example("vault"), "README.md", "exec"), ns)
    assert ns["record"] == {"provider": "github", "key": "sk-..."}
    assert ns["sealed"]["kid"] == ns["rotated"].current_kid
    assert ns["ready"]["components"]["vault"]["status"] == "ok"
