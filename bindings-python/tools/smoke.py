"""Smoke test of an installed wheel, for each Python version the wheel claims (make python-versions).

Standard library only: run with the interpreter under test, from outside the source tree.
"""

import importlib
import pickle
import sys

import authcore

NOW = 1_700_000_000
MODULES = ["errors", "jwt", "tokens", "device", "session", "gate", "oauth", "broker", "password", "refresh", "stores", "asgi"]

for name in MODULES:  # every submodule without a third-party dependency (authcore.httpx needs httpx)
    importlib.import_module("authcore." + name)

from authcore import device, jwt, tokens  # noqa: E402

# JWT issue / verify, with a str and a bytes secret, and audience as one string.
key = {"alg": "HS256", "secret": b"an HS256 secret of at least 32 bytes!!"}
token = jwt.Issuer(key, audience="api").issue({"sub": "user-1"}, now=NOW)
verifier = jwt.Verifier(algorithms=["HS256"], keys=[key], audience="api")
assert verifier.verify(token, now=NOW + 1)["claims"]["sub"] == "user-1"

# An exception's code, status and family class.
try:
    verifier.verify(token, now=NOW + 7200)
    raise SystemExit("an expired token verified")
except authcore.TokenExpired as e:
    assert (e.code, e.status) == ("token_expired", 401) and isinstance(e, authcore.TokenError)

# RequestDriver round trip: a 401, one refresh, the retry completes.
body = '{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600}'
stored = {"version": 1, "generation": 1, "clock_offset": 0, "tokens": tokens.token_set_from_response(body, now=NOW)}
d = tokens.RequestDriver(token_endpoint="https://auth.example/token", api_origins=["https://api.example"], stored=stored)
rid = d.send({"method": "GET", "url": "https://api.example/me"}, now=NOW)
done = None
for _ in range(10):
    for a in d.actions():
        if a["type"] == "send" and a["request"]["url"].endswith("/token"):
            new = '{"access_token":"at-2","refresh_token":"rt-2","token_type":"Bearer","expires_in":3600}'
            d.handle_response(a["transmit"], {"status": 200, "body": new}, now=NOW)
        elif a["type"] == "send":
            status = 401 if a["request"]["headers"]["Authorization"] == "Bearer at-1" else 200
            d.handle_response(a["transmit"], {"status": status, "body": "{}"}, now=NOW)
        elif a["type"] == "complete":
            done = a
assert done is not None and done["request_id"] == rid and done["response"]["status"] == 200, done
back = pickle.loads(pickle.dumps(d))
assert back.status(now=NOW)["generation"] == 2 and "RequestDriver(" in repr(back)

# DeviceClient round trip: start, device code, approved token.
c = device.DeviceClient(base_url="https://auth.example", client_id="cli")
c.start(now=NOW)
[send] = c.actions()
code = '{"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"https://auth.example/device","expires_in":600}'
c.handle_response(send["transmit"], {"status": 200, "body": code}, now=NOW)
assert [a["type"] for a in c.actions()] == ["prompt", "wait"]
c = pickle.loads(pickle.dumps(c))
assert [a["type"] for a in c.actions()] == ["wait"]  # a restored client says when to wake
c.handle_timeout(now=NOW + 5)
[poll] = c.actions()
c.handle_response(poll["transmit"], {"status": 200, "body": body}, now=NOW + 5)
assert c.actions()[-1]["type"] == "done" and c.status(now=NOW)["finished"]

print(f"smoke: Python {sys.version.split()[0]}: authcore {authcore.__version__} ok")
