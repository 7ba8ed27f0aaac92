"""The host side of nimbus-network never touches the database: drivers get
plain dicts from the manager."""

import pathlib

import pytest

from tests.unit import test_boundaries

NETWORK = pathlib.Path(test_boundaries.ROOT) / 'network'


# linux_net.py is checked by tests/unit/test_boundaries.py.
@pytest.mark.parametrize('name', ['driver.py', 'fake_driver.py',
                                  'addresses.py', 'model.py'])
def test_drivers_and_pure_modules_never_import_the_database(name):
    imported = list(test_boundaries._imports(NETWORK / name))
    assert not [n for n in imported
                if n == 'nimbus.db' or n.startswith('nimbus.db.')]
