"""Counting the SQL statements (and transactions) that the calling
thread runs: the tests that pin how many statements a request or an RPC
method costs. Counts, not timings, so they do not depend on the load."""

import contextlib
import threading

import sqlalchemy as sa

from nimbus.db import session as db_session


@contextlib.contextmanager
def recorded(keep=None):
    """Yield (statements, transactions): the statements this thread runs
    meanwhile (whitespace folded) that ``keep(statement)`` accepts, and
    the transactions it begins. SQLite's BEGIN IMMEDIATE starts a
    transaction; it is never counted as a statement."""
    statements, transactions = [], []
    me = threading.get_ident()

    def before(conn, cursor, statement, params, context, executemany):
        if threading.get_ident() != me:
            return
        text = ' '.join(statement.split())
        if text.upper().startswith('BEGIN'):
            return
        if keep is None or keep(text):
            statements.append(text)

    def begin(conn):
        if threading.get_ident() == me:
            transactions.append(conn)

    engine = db_session.get_engine()
    sa.event.listen(engine, 'before_cursor_execute', before)
    sa.event.listen(engine, 'begin', begin)
    try:
        yield statements, transactions
    finally:
        sa.event.remove(engine, 'before_cursor_execute', before)
        sa.event.remove(engine, 'begin', begin)
