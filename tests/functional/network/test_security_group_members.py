"""Which instances nimbus-network refreshes when an instance's fixed IPs
come or go: the members of the groups whose rules have one of its
groups as source (instances_following_members, one query)."""

from nimbus.db.api import security_group as sg_db
from nimbus.db import models
from nimbus.db import session
from tests.functional.network.conftest import make_instance


def _group(admin, name):
    return sg_db.security_group_create(admin, {
        'name': name, 'description': name, 'project_id': 'demo',
        'user_id': 'u'})['id']


def _member(admin, group_id, host='h1'):
    instance = make_instance(admin, host=host)
    sg_db.security_group_add_instance(admin, group_id, instance)
    return instance


def test_members_of_groups_with_rules_from_the_instances_groups(admin):
    web, db, other = (_group(admin, name) for name in ('web', 'db', 'x'))
    # db allows 5432 from web; other has only a CIDR rule.
    from_web = sg_db.security_group_rule_create(admin, {
        'parent_group_id': db, 'group_id': web, 'protocol': 'tcp',
        'from_port': 5432, 'to_port': 5432})
    sg_db.security_group_rule_create(admin, {
        'parent_group_id': other, 'cidr': '0.0.0.0/0', 'protocol': 'tcp',
        'from_port': 22, 'to_port': 22})
    web1 = _member(admin, web)
    database = _member(admin, db, host='h2')
    _member(admin, other)
    gone = _member(admin, db)
    with session.writer.using(admin) as db_session:
        db_session.query(models.Instance).filter_by(uuid=gone).update(
            {'deleted': 1})

    assert sg_db.instances_following_members(admin, web1) == {
        database: 'h2'}
    # Nothing has a rule from db or other: nobody follows their members.
    assert sg_db.instances_following_members(admin, database) == {}
    # A group with a rule from itself: its members follow each other.
    sg_db.security_group_rule_create(admin, {'parent_group_id': web,
                                             'group_id': web})
    web2 = _member(admin, web)
    assert sg_db.instances_following_members(admin, web2) == {
        database: 'h2', web1: 'h1', web2: 'h1'}
    # A deleted rule is followed no more.
    sg_db.security_group_rule_destroy(admin, from_web['id'])
    assert sg_db.instances_following_members(admin, web2) == {
        web1: 'h1', web2: 'h1'}


class _Casts:
    """The compute API's refresh casts, as (instance uuid, host)."""

    def __init__(self):
        self.casts = []

    def refresh_instance_security_rules(self, context, instance_uuid, host):
        self.casts.append((instance_uuid, host))


def test_a_membership_change_refreshes_the_host_in_the_database(
        admin, monkeypatch):
    import types

    from nimbus.network import security_groups
    recorder = _Casts()
    monkeypatch.setattr(security_groups, '_compute_rpcapi', lambda: recorder)
    _group(admin, 'web')
    instance = make_instance(admin, host='h2')
    # The request's copy was read before the conductor chose h2.
    stale = types.SimpleNamespace(uuid=instance, project_id='demo',
                                  host=None)
    security_groups.add_to_instance(admin, stale, 'web')
    security_groups.remove_from_instance(admin, stale, 'web')
    assert recorder.casts == [(instance, 'h2')] * 2


def test_allocation_reads_the_followers_once_its_addresses_are_committed(
        admin, start_network, monkeypatch):
    import threading

    from nimbus.network import security_groups
    from tests.functional.network.conftest import create_network
    recorder = _Casts()
    monkeypatch.setattr(security_groups, '_compute_rpcapi', lambda: recorder)
    create_network(admin)
    manager = start_network()
    web, db = _group(admin, 'web'), _group(admin, 'db')
    sg_db.security_group_rule_create(admin, {
        'parent_group_id': db, 'group_id': web, 'protocol': 'tcp',
        'from_port': 5432, 'to_port': 5432})
    database = _member(admin, db, host='h2')
    web1 = _member(admin, web)
    seen = []
    real = sg_db.instances_following_members

    def following(context, instance_uuid):
        # What the conductor would read for database now, elsewhere: a
        # refresh sent from what is read here must follow that read.
        reader = threading.Thread(target=lambda: seen.append(
            sg_db.instance_ingress_rules(admin, database)))
        reader.start()
        reader.join(10)
        return real(context, instance_uuid)
    monkeypatch.setattr(sg_db, 'instances_following_members', following)
    nw_info = manager.allocate_for_instance(admin, web1, 'demo', 'h1')
    address = nw_info[0]['network']['subnets'][0]['ips'][0]['address']
    assert seen == [[{'protocol': 'tcp', 'from_port': 5432,
                      'to_port': 5432, 'cidr': '%s/32' % address}]]
    assert recorder.casts == [(database, 'h2')]
    manager.deallocate_for_instance(admin, web1, 'h1')
    assert seen[1] == []
    assert recorder.casts == [(database, 'h2')] * 2
