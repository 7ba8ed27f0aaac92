"""How many SQL statements an allocation and a deallocation run (SQLite,
FlatDHCP, the fake driver, called in this thread): fixed, however many
instances the network has, and none for floating IPs or security group
members when there are none. Counts, not timings: they do not depend on
the machine's load."""

import contextlib

from nimbus.network import manager as network_manager
from tests import sql_statements
from tests.functional.network.conftest import create_network
from tests.functional.network.conftest import make_instance

# The instance with whether it has interfaces; its networks; the
# interface (INSERT); the first free addresses; the claim (UPDATE); the
# info cache (upsert); the instances whose rules follow its groups (after
# the commit: nimbus.compute.security says why).
ALLOCATE = 7
# Its floating IPs; its fixed IPs with their MACs (locking read); the
# fixed IPs back (UPDATE); the interfaces (UPDATE); the info cache; the
# instances whose rules follow its groups (after the commit).
DEALLOCATE = 6


@contextlib.contextmanager
def counted():
    """The statements this thread runs meanwhile."""
    with sql_statements.recorded() as (seen, _):
        yield seen


def test_allocate_and_deallocate_run_a_fixed_number_of_statements(
        admin, start_network):
    create_network(admin)
    manager = start_network(network_manager.FlatDHCPManager)
    # The first allocation also gives the driver every DHCP entry.
    manager.allocate_for_instance(admin, make_instance(admin), 'demo',
                                  'test-host')
    for count in range(5):
        instance = make_instance(admin)
        with counted() as allocating:
            manager.allocate_for_instance(admin, instance, 'demo',
                                          'test-host')
        assert len(allocating) == ALLOCATE, allocating
        with counted() as deallocating:
            manager.deallocate_for_instance(admin, instance, 'test-host')
        assert len(deallocating) == DEALLOCATE, deallocating
        # One instance more on the network each round: the same counts.
        manager.allocate_for_instance(admin, make_instance(admin), 'demo',
                                      'test-host')
