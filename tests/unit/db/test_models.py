"""The models themselves: names, soft delete, timestamps."""

import datetime

from oslo_db import exception as db_exc
import pytest
import sqlalchemy as sa

from nimbus.db import models
from nimbus.db import session

METADATA = models.Base.metadata
# PostgreSQL truncates longer identifiers (MySQL at 64); a truncated name
# would differ between backends.
MAX_NAME_LENGTH = 63


def _named_things():
    for table in METADATA.sorted_tables:
        for constraint in table.constraints:
            yield table, constraint
        for index in table.indexes:
            yield table, index


def test_every_constraint_and_index_has_a_short_name():
    for table, thing in _named_things():
        assert thing.name, (table.name, thing)
        assert len(thing.name) <= MAX_NAME_LENGTH, thing.name


def test_index_names_are_unique_across_the_schema():
    # PostgreSQL keeps indexes (and unique constraints' indexes) in one
    # namespace per schema.
    names = [thing.name for _, thing in _named_things()
             if isinstance(thing, (sa.Index, sa.UniqueConstraint,
                                   sa.PrimaryKeyConstraint))]
    assert len(names) == len(set(names))


def test_unique_constraint_names_follow_nova():
    services = METADATA.tables['services']
    names = {c.name for c in services.constraints
             if isinstance(c, sa.UniqueConstraint)}
    assert names == {'uniq_services0host0binary0deleted',
                     'uniq_services0host0topic0deleted'}


def test_every_foreign_key_has_an_index():
    # MySQL would otherwise add an index of its own, named after the
    # foreign key, which the other backends do not have.
    for table in METADATA.sorted_tables:
        leading = {tuple(c.name for c in index.columns)[:1]
                   for index in table.indexes}
        leading |= {tuple(c.name for c in constraint.columns)[:1]
                    for constraint in table.constraints
                    if isinstance(constraint, sa.UniqueConstraint)}
        for fk in table.foreign_key_constraints:
            assert tuple(fk.column_keys)[:1] in leading, (table.name, fk.name)


def test_models_are_split_by_aggregate():
    assert len(METADATA.tables) == 41
    assert {'services', 'compute_nodes', 'instances', 'instance_types',
            'fixed_ips', 'volumes', 'images', 's3_images',
            'migrations', 'tags'} <= set(METADATA.tables)


def _add_service(db_session, topic='compute', **values):
    service = models.Service(host='host1', binary='nimbus-compute',
                             topic=topic, **values)
    service.save(db_session)
    return service


def test_soft_delete_sets_deleted_to_id(context):
    with session.writer.using(context) as db_session:
        service = _add_service(db_session)
        assert service.deleted == 0
        assert service.deleted_at is None
        service.soft_delete(db_session)
        assert service.deleted == service.id
        assert isinstance(service.deleted_at, datetime.datetime)
        assert service.deleted_at.tzinfo is None


def test_soft_delete_of_uuid_keyed_row_sets_one(context):
    with session.writer.using(context) as db_session:
        volume = models.Volume(id='0f5a1b4e-9a0c-4f34-8b51-0c4a2d7f1e11',
                               size=1)
        volume.save(db_session)
        volume.soft_delete(db_session)
        assert volume.deleted == 1


def test_unique_host_binary_allows_deleted_duplicates(context):
    with session.writer.using(context) as db_session:
        first = _add_service(db_session)
        first.soft_delete(db_session)
        second = _add_service(db_session)
        second.soft_delete(db_session)
        third = _add_service(db_session)
        assert {first.deleted, second.deleted, third.deleted} == {
            first.id, second.id, 0}


def test_unique_host_binary_refuses_two_live_rows(context):
    with pytest.raises(db_exc.DBDuplicateEntry) as caught:
        with session.writer.using(context) as db_session:
            _add_service(db_session)
            _add_service(db_session, topic='other-topic')
    assert set(caught.value.columns) >= {'host', 'binary'}


def test_timestamps(context):
    with session.writer.using(context) as db_session:
        service = _add_service(db_session)
        assert isinstance(service.created_at, datetime.datetime)
        assert service.created_at.tzinfo is None
        assert service.updated_at is None
        service.disabled = True
        service.save(db_session)
        assert service.updated_at >= service.created_at


def test_server_defaults_fill_rows_inserted_without_the_orm(context):
    with session.writer.using(context) as db_session:
        db_session.execute(sa.text(
            "INSERT INTO services (host, \"binary\") VALUES ('h', 'b')"))
        row = db_session.execute(sa.text(
            'SELECT deleted, report_count FROM services')).one()
    assert tuple(row) == (0, 0)


def test_as_dict_and_update():
    service = models.Service(host='h', binary='b')
    service.update({'topic': 't', 'disabled': True})
    values = service.as_dict()
    assert values['host'] == 'h'
    assert values['topic'] == 't'
    assert values['disabled'] is True
    assert set(values) == {c.name for c in
                           METADATA.tables['services'].columns}
    with pytest.raises(ValueError, match='no_such_column'):
        service.update({'no_such_column': 1})
