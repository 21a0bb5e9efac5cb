"""The example MCP server, protected by authcore, authenticated end to end by the official MCP
TypeScript SDK client (``client/client.mjs``), with a loopback authorization server; plus the
refusals the spec asks for. Everything on real loopback sockets."""

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from typing import Any, Dict, Iterator

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from authcore.jwt import Issuer
from authorization_server import create_authorization_server
from mcp_example.server import SCOPE, create_app

CLIENT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "client")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(app: Any, port: int) -> uvicorn.Server:
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    for _ in range(500):
        if srv.started:
            return srv
        time.sleep(0.02)
    raise RuntimeError("server did not start")


@pytest.fixture(scope="module")
def setup() -> Iterator[Dict[str, Any]]:
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode("ascii")
    )
    signer = Issuer({"alg": "ES256", "pem": pem, "kid": "as-key-1"})
    as_port, mcp_port = free_port(), free_port()
    issuer = "http://127.0.0.1:%d" % as_port
    resource = "http://127.0.0.1:%d/mcp" % mcp_port
    auth_app = create_authorization_server(issuer, signer)
    keys = [{"jwk": k} for k in signer.jwks()["keys"]]
    servers = [start(auth_app, as_port), start(create_app(resource, issuer, keys, ["ES256"]), mcp_port)]
    yield {"issuer": issuer, "resource": resource, "signer": signer, "as": auth_app}
    for s in servers:
        s.should_exit = True


def test_official_sdk_client_authenticates_and_calls_a_tool(setup: Dict[str, Any]) -> None:
    node = shutil.which("node")
    assert node is not None, "node is needed for the SDK client"
    assert os.path.isdir(os.path.join(CLIENT_DIR, "node_modules", "@modelcontextprotocol", "sdk")), "make example-mcp-server-test installs it"
    run = subprocess.run(
        [node, "client.mjs", setup["resource"]], cwd=CLIENT_DIR, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr + run.stdout
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["tools"] == ["add", "echo"]
    assert out["result"]["content"][0]["text"] == "42"
    assert out["scope"] == SCOPE
    # 401 → metadata → authorization-server metadata → registration → authorization → token → MCP.
    steps = [(e["method"], e["url"], e["status"]) for e in out["exchanges"]]
    resource, issuer = setup["resource"], setup["issuer"]
    prm = resource.replace("/mcp", "/.well-known/oauth-protected-resource/mcp")
    assert steps[0] == ("POST", resource, 401)
    order = [
        ("GET", prm, 200),
        ("GET", issuer + "/.well-known/oauth-authorization-server", 200),
        ("POST", issuer + "/register", 201),
        ("POST", issuer + "/token", 200),
    ]
    positions = [next(i for i, s in enumerate(steps) if s == want) for want in order]
    assert positions == sorted(positions), steps
    authorize = [i for i, s in enumerate(steps) if s[1].startswith(issuer + "/authorize?")]
    assert authorize and positions[2] < authorize[0] < positions[3] and steps[authorize[0]][2] == 302
    assert ("POST", resource, 200) in steps[positions[3]:]


def call(setup: Dict[str, Any], token: str) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json, text/event-stream"}
    return httpx.post(setup["resource"], json=body, headers=headers)


def test_token_for_another_resource_is_401_invalid_token(setup: Dict[str, Any]) -> None:
    token = setup["signer"].issue({"sub": "user-1", "iss": setup["issuer"], "aud": "http://127.0.0.1:1/mcp", "scope": SCOPE})
    r = call(setup, token)
    assert r.status_code == 401
    challenge = r.headers["www-authenticate"]
    assert 'error="invalid_token"' in challenge
    assert 'resource_metadata="%s"' % setup["resource"].replace("/mcp", "/.well-known/oauth-protected-resource/mcp") in challenge


def test_token_without_the_scope_is_403_with_the_scope(setup: Dict[str, Any]) -> None:
    token = setup["signer"].issue({"sub": "user-1", "iss": setup["issuer"], "aud": setup["resource"], "scope": "other"})
    r = call(setup, token)
    assert r.status_code == 403
    challenge = r.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="%s"' % SCOPE in challenge


def test_token_of_another_issuer_is_401(setup: Dict[str, Any]) -> None:
    token = setup["signer"].issue({"sub": "user-1", "iss": "http://127.0.0.1:1", "aud": setup["resource"], "scope": SCOPE})
    assert call(setup, token).status_code == 401
