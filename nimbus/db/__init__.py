"""The database layer: SQLAlchemy models, query functions, migrations.

- ``nimbus.db.models``: the declarative models, one module per aggregate.
- ``nimbus.db.session``: the oslo.db enginefacade (``reader``, ``writer``,
  ``configure``, ``reset``).
- ``nimbus.db.api.<aggregate>``: query functions that take a
  ``RequestContext`` and return plain dicts.
- ``nimbus.db.migration``: ``db_sync`` and ``db_version`` (alembic).

Compute nodes never import this package; they go through the conductor.
"""
