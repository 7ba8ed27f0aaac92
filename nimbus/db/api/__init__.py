"""Query functions, one module per aggregate.

Import the aggregate you need (``from nimbus.db.api import service as
service_db``); functions are not re-exported here, so each has one name to
call and to mock. Every function takes a request context first and returns
plain dicts (or lists of them), never ORM rows, so no caller holds a
session. Datetimes are naive UTC.

The transaction machinery is in ``nimbus.db.session``; ``reader``,
``writer``, ``configure``, ``reset`` and ``get_engine`` are the same
objects here for convenience.
"""

from nimbus.db.session import configure  # noqa: F401
from nimbus.db.session import get_engine  # noqa: F401
from nimbus.db.session import reader  # noqa: F401
from nimbus.db.session import reset  # noqa: F401
from nimbus.db.session import writer  # noqa: F401
