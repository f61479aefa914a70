"""One base for every refusal: a message written for the person who caused it.

Every entry point maps these once: the CLI prints the message and exits with status 2, a page shows it in
its error summary (or as a 404/409 page), the API answers with its documented JSON error. A refusal never
carries case content in its message beyond what the person typed or may already see.

- ``Refused``: the request cannot be done as asked (a bad value, a rule that forbids it, a state that does
  not allow it). The person can act on the message.
- ``Conflict``: someone else changed the thing first (a stale version, a second send back, a simultaneous
  action). Read it again and decide.
- ``NotFound``: the thing named does not exist, or the person may not know that it does.
"""

from __future__ import annotations


class Refused(Exception):
    """A refusal the person can act on; ``str(exc)`` is the message for them.

    Subclasses keep their own constructors (some carry row reports or versions): the base adds nothing a
    subclass must call, so making an existing exception a ``Refused`` changes nothing else about it.
    """


class Conflict(Refused):
    """Someone else changed it first: read it again."""


class NotFound(Refused):
    """No such thing, or not one this person may see."""
