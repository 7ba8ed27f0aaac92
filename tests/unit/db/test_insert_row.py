"""nimbus.db.api.utils.insert_row: a Core INSERT that returns the row as
the ORM would have written it."""

import pytest

from nimbus.db.api import instance as instance_db
from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session

UUID = '8f1c3d3e-5f55-4a55-9d39-2b8f0f2f6a11'


def test_defaults_id_and_explicit_values(context):
    with session.writer.using(context):
        row = utils.insert_row(context, models.Instance, {
            'uuid': UUID, 'project_id': 'p', 'locked': True,
            'display_name': None})
    assert row['id'] > 0 and row['deleted'] == 0
    assert row['created_at'] is not None
    assert row['locked'] is True            # given: no default
    assert row['shutdown_terminate'] is False   # not given: the default
    assert list(row) == list(models.base.column_keys(models.Instance))
    assert instance_db.instance_get_by_uuid(context, UUID)['id'] == \
        row['id']


def test_unknown_column_is_refused(context):
    with pytest.raises(ValueError, match='no column'):
        with session.writer.using(context):
            utils.insert_row(context, models.Instance, {'colour': 'red'})
