"""The real-Keystone and real-client harness: a Keystone of the test's own,
`openstack` as a subprocess against it, EC2 credentials and ec2tokens with
botocore's signers, keystonemiddleware with the service user's settings."""

import hashlib
import os
import urllib.parse
import uuid

import pytest
import webob
import webob.dec

from tests.integration import keystone as ks_harness
from tests.integration.osc import OpenStackCLIError
from tests.integration.osc import run_openstack

COMPUTE_URL = 'http://127.0.0.1:8774/v2.1'
EC2_URL = 'http://127.0.0.1:8773/'


def _gone(pid):
    """stop() reaps what it stops: the PID no longer exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(scope='module')
def keystone(tmp_path_factory):
    server = ks_harness.Keystone(tmp_path_factory.mktemp('keystone'))
    server.start()
    print('Keystone answered after %.1fs' % server.startup_seconds)
    pid = server.pid
    try:
        yield server
    finally:
        server.stop()
        assert _gone(pid), 'Keystone %d still running' % pid


@pytest.fixture
def demo(keystone):
    """A project of its own and a member user in it."""
    suffix = uuid.uuid4().hex[:8]
    project = keystone.create_project('demo-' + suffix)
    password = 'pw-' + suffix
    user = keystone.create_user('alice-' + suffix, password, project)
    return {'project': project, 'user': user, 'password': password,
            'env': keystone.env_for(user, password, project)}


def test_admin_token_issue_and_project_list(keystone, demo):
    admin = keystone.admin_env()
    token = run_openstack(admin, 'token', 'issue')
    assert token['id'] and token['expires']
    assert token['project_id'] == keystone.project_id('admin')

    names = {p['Name'] for p in run_openstack(admin, 'project', 'list')}
    assert {'admin', demo['project']['name']} <= names


def test_member_token_is_scoped_to_its_project(demo):
    token = run_openstack(demo['env'], 'token', 'issue')
    assert token['project_id'] == demo['project']['id']
    assert token['user_id'] == demo['user']['id']


def test_cli_failure_raises_with_output(keystone):
    with pytest.raises(OpenStackCLIError) as err:
        run_openstack(keystone.admin_env(), 'project', 'show',
                      'no-such-project-' + uuid.uuid4().hex[:6])
    assert err.value.returncode == 1
    assert 'no-such-project' in err.value.stderr
    assert 'no-such-project' in str(err.value)


def test_catalog_lists_registered_endpoint(keystone, demo):
    name = 'nimbus-' + uuid.uuid4().hex[:6]
    service = keystone.register_endpoint('compute', name, COMPUTE_URL)
    assert {e['interface'] for e in service['endpoints']} == {
        'public', 'internal', 'admin'}

    catalog = run_openstack(demo['env'], 'catalog', 'list')
    by_name = {entry['Name']: entry for entry in catalog}
    assert by_name[name]['Type'] == 'compute'
    endpoints = by_name[name]['Endpoints']
    assert sorted((e['interface'], e['region'], e['url'])
                  for e in endpoints) == [
        (interface, 'RegionOne', COMPUTE_URL)
        for interface in ('admin', 'internal', 'public')]
    # The identity endpoints point at this Keystone's own port.
    identity = by_name['keystone']['Endpoints']
    assert {e['url'] for e in identity} == {keystone.auth_url}


def test_ec2_credentials_are_listed_for_their_user(keystone, demo):
    creds = keystone.ec2_credentials(demo['user'], demo['project'])
    assert creds['access'] and creds['secret']
    assert creds['tenant_id'] == demo['project']['id']
    listed = run_openstack(demo['env'], 'ec2', 'credentials', 'list')
    assert [c['Access'] for c in listed] == [creds['access']]
    assert listed[0]['Project ID'] == demo['project']['id']


def _signed(creds, signature_version):
    """A DescribeInstances request to EC2_URL signed by botocore as
    boto3 would send it; returns the ec2tokens credentials for it."""
    from botocore import auth
    from botocore import awsrequest
    from botocore import credentials

    params = {'Action': 'DescribeInstances', 'Version': '2016-11-15'}
    body = urllib.parse.urlencode(params)
    request = awsrequest.AWSRequest(
        method='POST', url=EC2_URL,
        data=body if signature_version == 'v4' else dict(params),
        headers={'Content-Type':
                 'application/x-www-form-urlencoded; charset=utf-8'})
    keys = credentials.Credentials(creds['access'], creds['secret'])
    if signature_version == 'v4':
        auth.SigV4Auth(keys, 'ec2', 'RegionOne').add_auth(request)
        prepared = request.prepare()
        headers = dict(prepared.headers)
        headers['Host'] = urllib.parse.urlsplit(EC2_URL).netloc
        signature = headers['Authorization'].rpartition('Signature=')[2]
        return {'access': creds['access'], 'signature': signature,
                'host': headers['Host'], 'verb': 'POST', 'path': '/',
                'params': {}, 'headers': headers,
                'body_hash': hashlib.sha256(body.encode()).hexdigest()}
    auth.SigV2Auth(keys).add_auth(request)
    params = dict(request.data)
    signature = params.pop('Signature')
    return {'access': creds['access'], 'signature': signature,
            'host': urllib.parse.urlsplit(EC2_URL).netloc, 'verb': 'POST',
            'path': '/', 'params': params, 'headers': {},
            'body_hash': hashlib.sha256(
                urllib.parse.urlencode(request.data).encode()).hexdigest()}


@pytest.mark.parametrize('signature_version', ['v4', 'v2'])
def test_ec2tokens_accepts_botocore_signature(keystone, demo,
                                              signature_version):
    creds = keystone.ec2_credentials(demo['user'], demo['project'])
    settings = keystone.service_user()
    service_token = keystone.token(settings['username'],
                                   settings['password'],
                                   settings['project_name'])

    signed = _signed(creds, signature_version)
    status, body, subject = keystone.ec2tokens(signed, token=service_token)
    assert status == 200, body
    assert subject
    assert body['token']['project']['id'] == demo['project']['id']
    assert body['token']['user']['id'] == demo['user']['id']
    assert 'member' in {r['name'] for r in body['token']['roles']}

    forged = dict(_signed(dict(creds, secret='wrong'), signature_version))
    status, body, _ = keystone.ec2tokens(forged, token=service_token)
    assert status == 401, body


def test_ec2tokens_needs_service_or_admin_role(keystone, demo):
    creds = keystone.ec2_credentials(demo['user'], demo['project'])
    member_token = keystone.token(demo['user']['name'], demo['password'],
                                  demo['project']['name'])
    status, body, _ = keystone.ec2tokens(_signed(creds, 'v4'),
                                         token=member_token)
    assert status == 403, body


def test_service_user_settings_work_for_keystonemiddleware(keystone, demo):
    from keystonemiddleware import auth_token

    @webob.dec.wsgify
    def app(request):
        return webob.Response(json_body={
            'project_id': request.headers['X-Project-Id'],
            'roles': request.headers['X-Roles'].split(',')})

    settings = keystone.service_user()
    assert 'password = %s\n' % settings['password'] in (
        ks_harness.authtoken_conf(settings))
    # A ConfigOpts of its own: auth_token would otherwise register the
    # password plugin's required options on the global CONF, and every
    # later test parsing CONF would fail on them.
    from oslo_config import cfg
    local_conf = cfg.ConfigOpts()
    local_conf([], project='nimbus-harness', default_config_files=[])
    middleware = auth_token.filter_factory(
        {}, oslo_config_config=local_conf, **settings)(app)

    user_token = keystone.token(demo['user']['name'], demo['password'],
                                demo['project']['name'])
    request = webob.Request.blank('/servers')
    request.headers['X-Auth-Token'] = user_token
    response = request.get_response(middleware)
    assert response.status_int == 200, response.text
    assert response.json['project_id'] == demo['project']['id']
    assert 'member' in response.json['roles']

    response = webob.Request.blank('/servers').get_response(middleware)
    assert response.status_int == 401
    assert keystone.auth_url in response.headers['WWW-Authenticate']


def test_failed_start_leaves_no_process(keystone, tmp_path):
    # The template is built already: this only starts and stops a server.
    server = ks_harness.Keystone(tmp_path, start_timeout=0)
    with pytest.raises(ks_harness.KeystoneError):
        server.start()
    assert server.proc is None
    # Stopped by its PID and reaped: no process runs with its config.
    marker = b'OS_KEYSTONE_CONFIG_FILES=' + server.config_file.encode()
    for pid in (int(p) for p in os.listdir('/proc') if p.isdigit()):
        try:
            with open('/proc/%d/environ' % pid, 'rb') as env:
                assert marker not in env.read(), 'Keystone %d left' % pid
        except OSError:
            continue
