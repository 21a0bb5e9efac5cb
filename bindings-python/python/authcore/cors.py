"""CORS decisions without IO: preflights, actual requests, exact origins, credentials, ``Vary``.

``Cors(allowed_origins=["https://app.example.com"], allow_credentials=True).decide(request)``
gives ``{"type": "preflight", "response"}`` (answer it, do not call the app),
``{"type": "refused", "error", "response"}`` (answer it) or ``{"type": "actual", "headers"}``
(add the headers to the app's response)."""

from ._authcore import Cors

__all__ = ["Cors"]
