"""The examples of README.md's "Gate: …" sections, run as written, then used."""

import os
import re
from typing import Any, Dict

import pytest

from authcore.errors import AuthError
from authcore.jwt import Issuer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USER = "11111111-1111-4111-8111-111111111111"


def example(name: str) -> str:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- example: %s -->\n```python\n(.*?)```\n<!-- /example -->" % re.escape(name), text, re.S)
    assert m, "README.md lost its %s example" % name
    return m.group(1)


def run(name: str) -> Dict[str, Any]:
    ns: Dict[str, Any] = {}
    exec(compile(example(name), "README.md", "exec"), ns)
    return ns


def request(method: str, path: str, headers: Dict[str, str]) -> Dict[str, Any]:
    return {"method": method, "url": path, "headers": headers}


def test_credential_kinds_example() -> None:
    ns = run("gate-credential-kinds")
    gate = ns["gate"]
    token = Issuer(ns["jwt"]["keys"][0]).issue({"sub": USER})
    bearer = {"Authorization": "Bearer " + token}
    allowed = gate.authenticate(request("POST", "/api/auth/session", bearer))
    assert allowed["type"] == "allow" and allowed["context"]["credential"] == "jwt"
    refused = gate.authenticate(request("GET", "/api/dashboard", bearer))
    assert refused["type"] == "deny" and refused["error"]["code"] == "invalid_token"
    assert refused["error"]["detail"] == "This route does not take `jwt` credentials."
    guest = gate.authenticate(request("GET", "/api/dashboard", {"X-Guest-ID": "guest_0f8c2a51"}))
    assert guest["type"] == "allow" and guest["context"]["is_guest"] is True


def test_services_env_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REEVE_SERVICES_TOKEN", "svc-secret-value")
    gate = run("gate-services-env")["gate"]
    ok = gate.authenticate(request("POST", "/internal/credits", {"X-Reeve-Services-Token": "svc-secret-value"}))
    assert ok["type"] == "allow" and ok["context"]["service"] == "reeve"
    bad = gate.authenticate(request("POST", "/internal/credits", {"X-Reeve-Services-Token": "other"}))
    assert bad["error"]["code"] == "invalid_service_token"
    monkeypatch.delenv("REEVE_SERVICES_TOKEN")
    with pytest.raises(AuthError) as e:
        run("gate-services-env")
    assert e.value.code == "invalid_config" and e.value.field == "REEVE_SERVICES_TOKEN"
