"""An authsome-shaped local credential broker daemon on the authcore Python package.

``python -m authcore_daemon serve --home DIR`` runs it on 127.0.0.1; ``python -m
authcore_daemon call GET /connections`` is a tiny client that finds it through
``AUTHCORE_DAEMON_URL`` and the home's ``local-token``.
"""

__all__ = ["app", "client", "store"]
