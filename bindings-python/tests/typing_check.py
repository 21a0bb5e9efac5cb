"""Type-checked with `mypy --strict` in `make test`: the stubs describe real use."""

from typing import Any, Dict, List, Optional

import authcore
from authcore.device import DeviceClient
from authcore.jwt import Issuer, Verifier
from authcore.tokens import RequestDriver


def verify(token: str) -> Optional[str]:
    key = {"alg": "HS256", "secret": "x" * 32}
    v = Verifier(algorithms=["HS256"], keys=[key])
    try:
        claims: Dict[str, Any] = v.verify(token)["claims"]
    except authcore.TokenExpired as e:
        body: Dict[str, str] = e.to_dict()
        return body["code"]
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None


def issue() -> str:
    return Issuer({"alg": "HS256", "secret": "x" * 32}, lifetime=60).issue({"sub": "u"}, now=0)


def drive() -> List[Dict[str, Any]]:
    d = RequestDriver(token_endpoint="https://a.example/token")
    d.send({"method": "GET", "url": "https://api.example/"})
    c = DeviceClient(base_url="https://a.example", client_id="cli")
    c.start()
    status: Dict[str, Any] = c.status()
    assert status == {"interval": None, "finished": False}
    snapshot: Dict[str, Any] = c.snapshot()
    assert [a["type"] for a in DeviceClient.restore(snapshot).actions()] == ["wait"]
    return d.actions() + c.actions()
