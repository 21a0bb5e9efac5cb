"""The credential broker: providers, connections, host-to-credential resolution, the default
connection, revocation (RFC 7009), introspection (RFC 7662), readiness."""

from ._authcore import (
    Broker,
    check_connection,
    export_env,
    export_json,
    introspection_outcome,
    readiness,
    redact,
    revocation_outcome,
    set_default,
)

__all__ = [
    "Broker",
    "check_connection",
    "export_env",
    "export_json",
    "introspection_outcome",
    "readiness",
    "redact",
    "revocation_outcome",
    "set_default",
]
