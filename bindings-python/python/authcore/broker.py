"""The credential broker: providers, connections, host-to-credential resolution, readiness."""

from ._authcore import Broker, export_env, export_json, readiness, redact

__all__ = ["Broker", "export_env", "export_json", "readiness", "redact"]
