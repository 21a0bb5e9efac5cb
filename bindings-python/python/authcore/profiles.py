"""Named profiles: the settings of known systems (Ravi, Reeve, RAG Modulo), shipped as data.

Every constructor that has settings takes ``profile=``: the profile's section for that
component is the base, and the caller's settings are merged over it (the caller wins;
dicts merge member by member, lists are replaced)::

    Gate(profile="reeve")
    RequestDriver(profile="ravi", token_endpoint="https://ravi.example/api/auth/token/refresh/")
    Accounts(profile="rag-modulo")

``profile(name)`` returns the whole document (sections, reference ``paths``/``headers``/
``lifetimes``, and the ``source`` of every value); ``profile_names()`` the known names. An
unknown name raises ``InvalidConfig``."""

from ._authcore import profile, profile_names

__all__ = ["profile", "profile_names"]
