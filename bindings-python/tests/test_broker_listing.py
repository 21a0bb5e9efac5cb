"""Provider listing and shown definitions (no client secret in clear unless revealed), the
registered client's authentication on revocation, form fields from the provider, and
`sealed_at` in vault records, through the Python API."""

from typing import Any, Dict

import pytest

from authcore.authflow import AuthSession
from authcore.broker import Broker
from authcore.errors import AuthError
from authcore.vault import Vault, generate_master_key

NOW = 1_700_000_000
GIT: Dict[str, Any] = {
    "name": "git", "display_name": "Git", "auth_type": "oauth2",
    "authorization_endpoint": "https://git.example/authorize", "token_endpoint": "https://git.example/token",
    "revocation_endpoint": "https://git.example/revoke", "client_id": "dyn-1", "client_secret": "s3cr3t",
    "token_endpoint_auth_method": "client_secret_post", "hosts": ["git.example"],
}


def test_listing_and_show_redact_the_client_secret() -> None:
    broker = Broker(custom=[GIT])
    listing = broker.provider_listing()
    assert "s3cr3t" not in repr(listing)
    row = next(p for p in listing if p["name"] == "git")
    assert (row["flow"], row["source"], row["has_client"]) == ("pkce", "custom", True)
    assert broker.show_provider("git")["client_secret"] == "[redacted]"
    assert broker.show_provider("git", reveal=True)["client_secret"] == "s3cr3t"
    with pytest.raises(TypeError):
        broker.show_provider("git", True)  # type: ignore[misc]  # reveal is keyword-only
    with pytest.raises(AuthError) as e:
        broker.show_provider("nobody")
    assert e.value.field == "provider"


def test_revocation_uses_the_registered_client() -> None:
    conn = {"provider": "git", "credential": {"type": "oauth", "tokens": {"access_token": "at", "token_type": "Bearer"}}}
    plan = Broker(custom=[GIT]).revoke("git", [conn])
    body = plan["requests"][0]["request"]["body"]
    assert "client_id=dyn-1" in body and "client_secret=s3cr3t" in body


def test_form_fields_from_the_provider() -> None:
    keyed = {"name": "keyed", "display_name": "Keyed", "auth_type": "api_key", "hosts": ["api.keyed.example"],
             "inject": {"header": "X-Key", "format": "{key}"},
             "input_fields": [{"name": "api_key", "label": "Keyed token"}]}
    session = AuthSession.start(keyed, "api_key")
    form = session.poll_action()
    assert form["fields"] == [{"name": "api_key", "label": "Keyed token", "secret": True, "required": True}]
    with pytest.raises(AuthError) as e:
        session.submit_input({"token": "x"})
    assert (e.value.code, e.value.field) == ("invalid_input", "token")
    session.submit_input({"api_key": "kt-1"})
    assert session.poll_action()["connection"]["credential"] == {"type": "api_key", "key": "kt-1"}


def test_sealed_at() -> None:
    vault = Vault([generate_master_key("k1")])
    sealed = vault.seal({"a": 1}, "c", NOW)
    assert sealed["sealed_at"] == NOW
    assert vault.inspect(sealed) == {"kid": "k1", "sealed_at": NOW, "needs_reseal": False}
    with pytest.raises(AuthError) as e:
        vault.open(dict(sealed, sealed_at=NOW + 1), "c")
    assert e.value.code == "state_corrupt"
    assert "sealed_at" in vault.seal({"a": 1}, "c")  # now defaults to the clock
