"""nimbus-network in one process: fake:// transport, SQLite, fake driver.

``start_network`` starts a network service (a manager class, a host) and
returns its manager, whose ``driver`` is a fake_driver.Driver to inspect.
"""

from oslo_utils import uuidutils
import pytest

from nimbus import context as nimbus_context
from nimbus.db import migration
from nimbus.db import models
from nimbus.db import session
from nimbus.network import manager as network_manager
from nimbus.network import networks
from nimbus import service


def make_instance(context, project_id='demo', host='test-host',
                  hostname=None):
    """A minimal instances row (fixed_ips.instance_uuid refers to it)."""
    instance_uuid = uuidutils.generate_uuid()
    with session.writer.using(context) as db:
        db.add(models.Instance(uuid=instance_uuid, project_id=project_id,
                               host=host, hostname=hostname,
                               vm_state='building'))
    return instance_uuid


def create_network(context, manager_class=network_manager.FlatDHCPManager,
                   label='private', fixed_range_v4='10.0.0.0/24', **kwargs):
    """Networks as nimbus-manage makes them; returns the first."""
    created, _ = networks.create_networks(context, manager_class, label,
                                          fixed_range_v4=fixed_range_v4,
                                          **kwargs)
    return created[0]


def fixed_ips(context, network_id=None):
    """Every live fixed_ips row, as dicts by address."""
    with session.reader.using(context) as db:
        stmt = db.query(models.FixedIp).filter(models.FixedIp.deleted == 0)
        if network_id is not None:
            stmt = stmt.filter(models.FixedIp.network_id == network_id)
        return {row.address: row.as_dict() for row in stmt}


def allocated(context):
    return sorted(address for address, row in fixed_ips(context).items()
                  if row['allocated'] or row['instance_uuid'])


def live_vifs(context):
    with session.reader.using(context) as db:
        return [row.as_dict() for row in db.query(models.VirtualInterface)
                .filter(models.VirtualInterface.deleted == 0)]


def info_cache(context, instance_uuid):
    import json
    with session.reader.using(context) as db:
        row = db.query(models.InstanceInfoCache).filter_by(
            instance_uuid=instance_uuid).first()
        return None if row is None else json.loads(row.network_info or
                                                   'null')


@pytest.fixture
def admin(conf, fake_rpc):
    migration.db_sync()
    return nimbus_context.get_admin_context()


@pytest.fixture
def start_network(admin):
    services = []

    def start(manager_class=network_manager.FlatDHCPManager,
              host='test-host'):
        manager = manager_class(host=host)
        svc = service.Service(host, 'nimbus-network', 'network', manager,
                              periodic_enable=False)
        svc.start()
        services.append(svc)
        return manager

    yield start
    for svc in services:
        svc.stop()
    for svc in services:
        svc.wait(10)
