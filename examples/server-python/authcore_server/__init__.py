"""authcore's reference server: FastAPI + uvicorn around the authcore Python package.

``python -m authcore_server serve`` (see ``examples/server-python/README.md``)."""

from .app import Settings, create_app
from .storage import SqliteStorage, Storage

__all__ = ["Settings", "SqliteStorage", "Storage", "create_app"]
