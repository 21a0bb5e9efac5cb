"""The comparison for the load run: the reference server's ``GET /api/me`` with the JWT checked
by PyJWT in a FastAPI dependency instead of authcore's gate.

Same framework, same server (uvicorn, one process), same storage read (the user record from
the reference server's database) and the same response body; only the token check differs:
``Authorization: Bearer <jwt>``, EdDSA with the reference server's public key (its JWKS),
signature and ``exp`` verified by PyJWT. This app is a benchmark peer, not an example: it
handles only the one route the load run measures.

``python pyjwt_app.py --db authcore.db --jwks-url http://127.0.0.1:8000/.well-known/jwks.json``
prints ``listening on <url>`` once bound, like the reference server.
"""

import argparse
import json
import os
import socket
import sys
import urllib.request
from typing import Any, Dict

import jwt
import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from authcore_server.storage import open_storage  # noqa: E402


def create_app(db: str, jwks: Dict[str, Any]) -> FastAPI:
    storage = open_storage(db)
    key = jwt.PyJWK(jwks["keys"][0]).key
    app = FastAPI()

    def claims(request: Request) -> Dict[str, Any]:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise HTTPException(401, "Not authenticated")
        try:
            return dict(jwt.decode(header[7:], key, algorithms=["EdDSA"], options={"require": ["exp", "sub"], "verify_aud": False}))
        except jwt.InvalidTokenError:
            raise HTTPException(401, "Invalid token") from None

    @app.get("/api/me")
    async def me(c: Dict[str, Any] = Depends(claims)) -> Dict[str, Any]:
        user = storage.get("user", c["sub"]) or {}
        return {"user_id": c["sub"], "username": user.get("username"), "identities": user.get("identities", []), "credential": "jwt"}

    return app


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--jwks-url", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with urllib.request.urlopen(args.jwks_url) as r:
        jwks = json.load(r)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY by asyncio
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(2048)
    print("listening on http://127.0.0.1:%d" % sock.getsockname()[1], flush=True)
    uvicorn.Server(uvicorn.Config(create_app(args.db, jwks), log_level="warning", lifespan="off")).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
