"""``python -m authcore_server serve [--profile ravi] [--port 8000] [--db authcore.db | postgresql://…]``.

Also ``--idp-jwks FILE`` (the identity provider whose JWTs the session exchange takes, reeve
profile), ``--outbox FILE`` (magic-link mails), ``--desktop-redirect URI`` (the desktop app's
redirect URIs) and ``--wasm-pkg DIR`` (serves the browser client at ``/app/``).

Binds first (``--port 0`` picks a free port), then prints ``listening on <url>`` on standard
output (one line, flushed) and serves until interrupted. The services token comes from
``AUTHCORE_SERVICES_TOKEN`` (Reeve: ``REEVE_SERVICES_TOKEN``); when it is unset a random one is
generated and printed on standard error.
"""

import argparse
import json
import os
import socket
import sys

import uvicorn

from authcore.gate import generate_gateway_token
from authcore.profiles import profile, profile_names

from .app import Settings, create_app
from .storage import open_storage


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="authcore_server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--profile", default="ravi", choices=profile_names())
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--db", default="authcore.db", help="SQLite file, or a postgresql:// URL (schema created on start either way)")
    serve.add_argument("--access-ttl", type=int, default=None, help="access-token lifetime in seconds (default: the profile's, 3600)")
    serve.add_argument("--interval", type=int, default=5, help="device-grant polling interval in seconds")
    serve.add_argument("--idp-jwks", default=os.environ.get("AUTHCORE_IDP_JWKS"),
                       help="JWKS file of the identity provider whose JWTs POST /api/auth/session takes (reeve; env AUTHCORE_IDP_JWKS; default: the server's own JWTs)")
    serve.add_argument("--idp-issuer", default=os.environ.get("AUTHCORE_IDP_ISSUER"), help="the provider's `iss` (env AUTHCORE_IDP_ISSUER)")
    serve.add_argument("--idp-audience", default=os.environ.get("AUTHCORE_IDP_AUDIENCE"), help="the `aud` its JWTs must carry (env AUTHCORE_IDP_AUDIENCE)")
    serve.add_argument("--idp-algorithms", default="RS256,ES256,EdDSA", help="the algorithms its JWTs may use (comma-separated)")
    serve.add_argument("--outbox", default=None, help="file the magic-link mails are appended to, one JSON object a line")
    serve.add_argument("--desktop-redirect", action="append", default=None,
                       help="a desktop app redirect URI (repeatable; default http://127.0.0.1/callback, any port)")
    serve.add_argument("--wasm-pkg", default=None, help="the built @authcore/wasm package (bindings-wasm/pkg): serves the browser client at /app/")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    variable = "REEVE_SERVICES_TOKEN" if args.profile == "reeve" else "AUTHCORE_SERVICES_TOKEN"
    if not env.get(variable):
        env[variable] = generate_gateway_token()
        sys.stderr.write("%s was not set; this run's services token is %s\n" % (variable, env[variable]))
    ttl = args.access_ttl or profile(args.profile).get("lifetimes", {}).get("access_token", 3600)

    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it a keep-alive response sent in two writes waits for a delayed ACK (~40 ms)
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)  # connections made right after the line below queue until uvicorn serves
    port = sock.getsockname()[1]
    base_url = "http://%s:%d" % (args.host if ":" not in args.host else "[%s]" % args.host, port)
    storage = open_storage(args.db)
    idp = None
    if args.idp_jwks:
        with open(args.idp_jwks, encoding="utf-8") as f:
            idp = {"jwks": json.load(f), "algorithms": args.idp_algorithms.split(","), "issuer": args.idp_issuer, "audience": args.idp_audience}
    settings = Settings(
        base_url, args.profile, access_ttl=ttl, interval=args.interval, env=env, idp=idp, outbox=args.outbox,
        desktop_redirect_uris=args.desktop_redirect or ["http://127.0.0.1/callback"], wasm_pkg=args.wasm_pkg,
    )
    app = create_app(storage, settings)
    print("listening on %s" % base_url, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
