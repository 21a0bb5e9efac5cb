"""authcore.authflow: the README example, every flow through the Python API, errors as
exceptions, pickling, and dynamic client registration."""

import os
import pickle
import re
from typing import Any, Dict

import pytest

from authcore import InvalidInput, InvalidRequest, SessionExpired, StateExpired, StateMismatch
from authcore.authflow import AuthSession, registration_request, registration_response

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOW = 1_700_000_000
KEYED = {"name": "keyed", "display_name": "Keyed", "auth_type": "api_key", "hosts": ["api.keyed.example"],
         "inject": {"header": "X-Api-Key", "format": "{key}"}}
ACME = {"name": "acme", "display_name": "Acme", "auth_type": "oauth2", "client_id": "cfg-1",
        "authorization_endpoint": "https://auth.acme.example/authorize",
        "token_endpoint": "https://auth.acme.example/token", "hosts": ["api.acme.example"],
        "inject": {"header": "Authorization", "format": "Bearer {token}"}}
REDIRECT = "http://127.0.0.1:7998/auth/callback/oauth"


def example(name: str) -> str:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- example: %s -->\n```python\n(.*?)```\n<!-- /example -->" % re.escape(name), text, re.S)
    assert m, "README.md lost its %s example" % name
    return m.group(1)


def test_readme_example() -> None:
    ns: Dict[str, Any] = {}
    exec(compile(example("auth-session"), "README.md", "exec"), ns)
    assert ns["registration"]["request"]["url"] == "https://auth.acme.example/register"
    assert ns["again"]["request"] == ns["registration"]["request"]
    assert ns["connection"]["credential"]["tokens"]["access_token"] == "at-1"
    assert ns["client"]["client_id"] == "dyn-1"
    assert ns["session"].status()["status"] == "completed"
    assert ns["session"].provider()["client_id"] == "dyn-1"


def test_api_key_form() -> None:
    s = AuthSession.start(KEYED, "api_key", NOW, connection_name="work")
    (form,) = s.actions()
    assert form == {"type": "render_form", "fields": [{"name": "api_key", "label": "Keyed API key", "secret": True,
                                                      "required": True}]}
    assert s.status(NOW)["status"] == "waiting_for_user"
    with pytest.raises(InvalidInput) as e:
        s.submit_input({"api_key": "a\nb"}, NOW)
    assert e.value.field == "api_key" and "a\nb" not in str(e.value)
    s.submit_input({"api_key": "k-1"}, NOW)
    (done,) = s.actions()
    assert done["connection"]["credential"] == {"type": "api_key", "key": "k-1"}
    assert done["connection"]["name"] == "work"


def test_callback_state_single_use_and_pickle() -> None:
    s = AuthSession.start(ACME, "pkce", NOW, redirect_uri=REDIRECT, ttl=120)
    url = s.poll_action()["url"]
    state = url.split("state=")[1].split("&")[0]
    with pytest.raises(StateMismatch):
        s.handle_callback("?code=c&state=forged", NOW)
    restored = pickle.loads(pickle.dumps(s))
    assert restored.session_id == s.session_id
    assert restored.status(NOW)["status"] == "waiting_for_user"
    restored.handle_callback("?code=c&state=" + state, NOW)
    with pytest.raises(StateExpired):
        restored.handle_callback("?code=c&state=" + state, NOW)
    with pytest.raises(SessionExpired):
        s.handle_callback("?code=c&state=" + state, NOW + 120)
    assert s.status(NOW + 120)["status"] == "expired"
    assert "AuthSession(provider='acme', flow='pkce'" in repr(s)


def test_registration_functions() -> None:
    req = registration_request("https://a.example/register", {"redirect_uris": [REDIRECT], "client_name": "x"})
    assert req["method"] == "POST" and '"application_type":"native"' in req["body"]
    client = registration_response({"status": 201, "body": '{"client_id": "c", "client_secret": "s"}'}, NOW)
    assert client == {"client_id": "c", "client_secret": "s", "client_secret_expires_at": 0}
    with pytest.raises(InvalidRequest) as e:
        registration_response({"status": 400, "body": '{"error": "invalid_redirect_uri"}'}, NOW)
    assert e.value.field == "redirect_uris"
    with pytest.raises(ValueError):
        AuthSession.start(KEYED, "telepathy", NOW)
