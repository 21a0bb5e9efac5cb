"""The client token lifecycle: token sets, freshness, the persisted file, the request driver.

:class:`RequestDriver` is sans-IO: ``send()`` a request, then loop over ``poll_action()``
and do what each action says (``send`` an HTTP request and report the response,
``save_tokens`` to your file with compare-and-swap on ``expected_generation``,
``load_tokens``, ``reauthenticate``, ``signed_out`` and ``clear_tokens`` when a session
token was refused, ``complete`` or ``failed``). Actions are dicts tagged by ``"type"``; a
``failed`` action's ``error`` becomes the exception with
``authcore.errors.error_from_dict(action["error"])``. ``status(now)`` reports generation,
clock offset and freshness; ``snapshot()`` / ``RequestDriver.restore(snapshot)`` (also used by
pickling) persist it, checked exactly as the constructor checks.
"""

from ._authcore import RequestDriver, dump_tokens, freshness, load_tokens, token_set_from_response

__all__ = ["RequestDriver", "dump_tokens", "freshness", "load_tokens", "token_set_from_response"]
