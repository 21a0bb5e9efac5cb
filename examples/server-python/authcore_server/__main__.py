"""``python -m authcore_server serve [--profile ravi] [--port 8000] [--db authcore.db | postgresql://…]``.

Binds first (``--port 0`` picks a free port), then prints ``listening on <url>`` on standard
output (one line, flushed) and serves until interrupted. The services token comes from
``AUTHCORE_SERVICES_TOKEN`` (Reeve: ``REEVE_SERVICES_TOKEN``); when it is unset a random one is
generated and printed on standard error.
"""

import argparse
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
    app = create_app(storage, Settings(base_url, args.profile, access_ttl=ttl, interval=args.interval, env=env))
    print("listening on %s" % base_url, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
