"""Who may do what on the server: read from the clinic's one table, ``medspa_desk.rules``.

Routes check a :class:`ServerAction`; each pushed mutation is checked by its
kind, whose roles the table derives from the desk's use cases.
"""

from __future__ import annotations

from medspa_desk.rules import ServerAction as Action
from medspa_desk.rules import may_call as may
from medspa_desk.rules import may_push

__all__ = ["Action", "may", "may_push"]
