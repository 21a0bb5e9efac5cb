"""A small loopback OAuth authorization server for the example's test (not for production).

RFC 8414 metadata at ``/.well-known/oauth-authorization-server``, RFC 7591 dynamic registration
of public clients at ``/register``, an authorization endpoint that approves at once and
redirects with a code (RFC 9207 ``iss`` included), and a token endpoint that checks PKCE S256
and issues ES256 JWT access tokens with the authcore issuer: ``iss`` the server, ``aud`` the
RFC 8707 ``resource`` the client asked for, ``scope`` the requested scopes.
"""

import base64
import hashlib
import secrets
from typing import Any, Dict
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from authcore.jwt import Issuer


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def create_authorization_server(issuer_url: str, signer: Issuer) -> FastAPI:
    app = FastAPI()
    clients: Dict[str, Dict[str, Any]] = {}
    codes: Dict[str, Dict[str, Any]] = {}
    app.state.log = []

    @app.middleware("http")
    async def log(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        app.state.log.append((request.method, request.url.path, response.status_code))
        return response

    @app.get("/.well-known/oauth-authorization-server")
    async def metadata() -> Dict[str, Any]:
        return {
            "issuer": issuer_url,
            "authorization_endpoint": issuer_url + "/authorize",
            "token_endpoint": issuer_url + "/token",
            "registration_endpoint": issuer_url + "/register",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "authorization_response_iss_parameter_supported": True,
        }

    @app.post("/register")
    async def register(request: Request) -> JSONResponse:
        meta = await request.json()
        client_id = "client-" + secrets.token_hex(8)
        record = dict(meta, client_id=client_id, token_endpoint_auth_method="none")
        clients[client_id] = record
        return JSONResponse(record, status_code=201)

    @app.get("/authorize")
    async def authorize(request: Request) -> Any:
        q = request.query_params
        client = clients.get(q.get("client_id", ""))
        if client is None or q.get("redirect_uri") not in client.get("redirect_uris", []):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        codes[code] = {
            "client_id": q["client_id"],
            "redirect_uri": q["redirect_uri"],
            "challenge": q["code_challenge"],
            "scope": q.get("scope", ""),
            "resource": q.get("resource"),
        }
        params = {"code": code, "iss": issuer_url}
        if q.get("state"):
            params["state"] = q["state"]
        return RedirectResponse(q["redirect_uri"] + "?" + urlencode(params), status_code=302)

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        grant = codes.pop(str(form.get("code", "")), None)
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("client_id") != grant["client_id"]
            or form.get("redirect_uri") != grant["redirect_uri"]
            or s256(str(form.get("code_verifier", ""))) != grant["challenge"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        resource = form.get("resource") or grant["resource"]
        claims: Dict[str, Any] = {"sub": "user-1", "iss": issuer_url, "client_id": grant["client_id"]}
        if resource:
            claims["aud"] = str(resource)
        if grant["scope"]:
            claims["scope"] = grant["scope"]
        access = signer.issue(claims)
        body = {"access_token": access, "token_type": "Bearer", "expires_in": 3600}
        if grant["scope"]:
            body["scope"] = grant["scope"]
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    return app
