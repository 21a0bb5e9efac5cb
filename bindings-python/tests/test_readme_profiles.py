"""The profile one-liners in README.md ("Seed systems"), run as written with the secrets they
read from the environment set, then used: the gates, session manager, driver and accounts
they build behave as the profiles say."""

import io
import os
import re
from contextlib import redirect_stdout
from typing import Any, Dict

import pytest

from authcore import AuthError
from authcore.gate import Gate
from authcore.profiles import profile, profile_names
from authcore.session import SessionManager

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOW = 1_700_000_000
SERVICES = "reeve-services-token-0123456789abcdefghij"
JWT_SECRET = "rag-modulo-strong-secret-0123456789abcdef"


def example(name: str) -> str:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- example: %s -->\n```python\n(.*?)```\n<!-- /example -->" % re.escape(name), text, re.S)
    assert m, "README.md lost its %s example" % name
    return m.group(1)


@pytest.fixture
def ns(monkeypatch: pytest.MonkeyPatch) -> Dict[str, Any]:
    monkeypatch.setenv("REEVE_SERVICES_TOKEN", SERVICES)
    monkeypatch.setenv("JWT_SECRET_KEY", JWT_SECRET)
    out = io.StringIO()
    scope: Dict[str, Any] = {}
    with redirect_stdout(out):
        exec(example("profiles-python"), scope)
    assert out.getvalue().strip() == "['rag-modulo', 'ravi', 'reeve'] /api/auth/session"
    return scope


def request(method: str, path: str, **headers: str) -> Dict[str, Any]:
    return {"method": method, "url": "https://api.example.com" + path, "headers": headers}


def test_reeve_gate_from_the_profile(ns: Dict[str, Any]) -> None:
    gate = ns["reeve"]
    ok = gate.authenticate(request("GET", "/api/dashboard", **{"X-Guest-ID": "guest_demo_123"}), now=NOW)
    assert ok["type"] == "allow" and ok["context"]["guest_id"] == "guest_demo_123"
    write = gate.authenticate(request("POST", "/api/dashboard", **{"X-Guest-ID": "guest_demo_123"}), now=NOW)
    assert write["error"]["code"] == "guest_read_only"
    svc = gate.authenticate(request("GET", "/api/dashboard", **{"X-Reeve-Services-Token": SERVICES}), now=NOW)
    assert svc["type"] == "deny" and svc["error"]["code"] == "forbidden"  # a service is not a user
    wrong = gate.authenticate(request("GET", "/api/dashboard", **{"X-Reeve-Services-Token": "x"}), now=NOW)
    assert wrong["error"]["code"] == "invalid_service_token"


def test_reeve_sessions_last_30_days(ns: Dict[str, Any]) -> None:
    s = ns["sessions"].create("user_abc123", now=NOW)
    assert ns["sessions"].validate(s["record"], s["token"], now=NOW + 30 * 86400 - 1)["session"]["user_id"] == "user_abc123"
    with pytest.raises(AuthError) as e:
        ns["sessions"].validate(s["record"], s["token"], now=NOW + 30 * 86400)
    assert e.value.code == "session_expired"


def test_ravi_driver_and_rag_profile(ns: Dict[str, Any]) -> None:
    assert ns["cli"].snapshot()["config"]["identity_header"] == "X-Ravi-Identity"
    assert ns["cli"].snapshot()["config"]["refresh_margin"] == 300
    reg = ns["accounts"].register("secure_password", "User@Example.com", "user@example.com")
    assert reg["username"] == "user@example.com"
    denied = ns["rag"].authenticate(request("GET", "/api/collections"), now=NOW)
    assert denied["response"]["status"] == 401
    assert ns["rag"].authenticate(request("POST", "/api/auth/login"), now=NOW)["type"] == "allow"


def test_profile_errors_and_overrides() -> None:
    with pytest.raises(AuthError) as e:
        Gate(profile="acme")
    assert (e.value.code, e.value.field) == ("invalid_config", "profile")
    assert "`rag-modulo`, `ravi`, `reeve`" in str(e.value.detail)
    with pytest.raises(AuthError) as e:
        SessionManager(profile="ravi")
    assert (e.value.code, e.value.field) == ("invalid_config", "profile")
    # The caller wins over the profile; the config dict may name the profile too.
    s = SessionManager({"profile": "reeve", "idle_timeout": 120})
    t = s.create("u", now=NOW)
    with pytest.raises(AuthError):
        s.validate(t["record"], t["token"], now=NOW + 120)
    assert profile_names() == ["rag-modulo", "ravi", "reeve"]
    doc = profile("ravi")
    assert doc["client"]["identity_header"] == "X-Ravi-Identity"
    assert doc["source"]["client.refresh_margin"].endswith("§ Token lifecycle")
    with pytest.raises(AuthError):
        profile("nope")
