"""The device-login example in README.md runs against a test double of the server (built on
authcore's own DeviceAuthority) with a simulated clock."""

import os
import re

import httpx
import pytest

import authcore
from authcore.device import DeviceAuthority, device_code_hash, parse_authorization_request, parse_token_request
from authcore.tokens import load_tokens

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def example() -> str:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- example: device-login -->\n```python\n(.*?)```\n<!-- /example -->", text, re.S)
    assert m, "README.md lost its device-login example"
    return m.group(1)


class FakeServer:
    """The authorization server's side, as a test double: approves after `approve_after` polls."""

    def __init__(self, clock, approve_after=2, deny=False):
        self.clock, self.approve_after, self.deny = clock, approve_after, deny
        self.authority = DeviceAuthority(verification_uri="https://auth.example.com/device")
        self.grants = {}
        self.polls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        now = int(self.clock.now)
        body = request.content.decode()
        if request.url.path == "/api/auth/device/":
            req = parse_authorization_request(body)
            assert req == {"client_id": "my-cli", "scope": "read"}
            issued = self.authority.issue(req["client_id"], req.get("scope"), now=now)
            self.grants[issued["record"]["device_code_hash"]] = issued["record"]
            return httpx.Response(200, json=issued["response"])
        req = parse_token_request(body)
        key = device_code_hash(req["device_code"])
        self.polls += 1
        if self.polls == self.approve_after:
            g = self.grants[key]
            self.grants[key] = self.authority.deny(g, now=now) if self.deny else self.authority.approve(g, "user-1", now=now)
        out = self.authority.poll(self.grants.get(key), req, now=now)
        if out.get("record"):
            self.grants[key] = out["record"]
        if out["result"] == "approved":
            return httpx.Response(200, json={"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer", "expires_in": 3600})
        resp = out["response"]
        return httpx.Response(resp["status"], headers=resp["headers"], content=resp["body"])


class Clock:
    def __init__(self):
        self.now = 1_700_000_000.0

    def time(self):
        return self.now

    def sleep(self, s):
        self.now += s


def run(monkeypatch, tmp_path, **server):
    clock = Clock()
    fake = FakeServer(clock, **server)
    real_client = httpx.Client
    monkeypatch.setattr(httpx, "Client", lambda **kw: real_client(transport=httpx.MockTransport(fake), **kw))
    monkeypatch.setattr("time.time", clock.time)
    monkeypatch.setattr("time.sleep", clock.sleep)
    monkeypatch.chdir(tmp_path)
    exec(compile(example(), "README.md", "exec"), {"__name__": "example"})
    return fake, clock


def test_device_login_example_saves_tokens(monkeypatch, tmp_path, capsys):
    fake, clock = run(monkeypatch, tmp_path)
    stored = load_tokens((tmp_path / "auth.json").read_text())
    assert stored["generation"] == 1 and stored["tokens"]["access_token"] == "at-1"
    assert fake.polls == 2 and clock.now == 1_700_000_010
    assert "Open https://auth.example.com/device and enter " in capsys.readouterr().out


def test_device_login_example_raises_on_denial(monkeypatch, tmp_path):
    with pytest.raises(authcore.AccessDenied):
        run(monkeypatch, tmp_path, deny=True)
    assert not (tmp_path / "auth.json").exists()
