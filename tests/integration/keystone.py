"""A real Keystone for integration tests.

``Keystone(workdir)`` writes a keystone.conf under *workdir* (SQLite
database, fernet token/receipt and credential key repositories, all under
*workdir*), prepares the database and keys, and serves the real
``keystone.wsgi.api:application`` with cheroot in a subprocess on
127.0.0.1 and a free port. The process is stopped by its PID at exit (and
also when start-up fails); it also dies with the process that started it.

    with Keystone(tmp_path) as ks:
        ks.create_project('demo')
        ks.create_user('alice', 'secret', 'demo')
        ks.register_endpoint('compute', 'nimbus', 'http://127.0.0.1:8774/v2.1')
        env = ks.env_for('alice', 'secret', 'demo')   # for `openstack ...`

Start-up is kept short: `keystone-manage db_sync`, `fernet_setup`,
`credential_setup` and `bootstrap` run once per test process (admin
password) into a template directory, in a single process through
keystone-manage's own entry point, while the server process already
imports Keystone; each Keystone copies that template and, once it
answers, points the identity endpoints of the catalog at its own port.
Password hashing uses bcrypt's minimum cost and Keystone caches in memory.
"""

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

VENV_BIN = os.path.dirname(sys.executable)
HOST = '127.0.0.1'
REGION = 'RegionOne'
DOMAIN = 'Default'
ADMIN_PASSWORD = 'keystone-admin-secret'
INTERFACES = ('public', 'internal', 'admin')
# The identity URL the template is bootstrapped with; replaced by the real
# one as soon as a Keystone answers.
_PLACEHOLDER_URL = 'http://%s:1/v3' % HOST

_CONF = """\
[DEFAULT]
debug = false
use_stderr = true
[database]
connection = sqlite:///%(dir)s/keystone.sqlite
[token]
provider = fernet
[fernet_tokens]
key_repository = %(dir)s/fernet-keys
[fernet_receipts]
key_repository = %(dir)s/fernet-receipts
[credential]
key_repository = %(dir)s/credential-keys
[cache]
enabled = true
backend = dogpile.cache.memory
[identity]
password_hash_algorithm = bcrypt
password_hash_rounds = 4
"""
_STATE = ('keystone.sqlite', 'fernet-keys', 'fernet-receipts',
          'credential-keys')


class KeystoneError(Exception):
    pass


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _write_conf(directory):
    path = os.path.join(directory, 'keystone.conf')
    with open(path, 'w') as conf:
        conf.write(_CONF % {'dir': directory})
    return path


def _keystone_env(conf):
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env['OS_KEYSTONE_CONFIG_FILES'] = conf
    return env


# keystone-manage's own entry point (keystone.cmd.cli.main), called once for
# each command in a single process: importing Keystone costs seconds, the
# commands themselves well under one. Run with `python -c`, so that this
# file, whose name is keystone.py, never shadows the keystone package.
_MANAGE = """
import json, os, sys
sys.path = [p for p in sys.path if p not in ('', os.getcwd())]
conf, commands = sys.argv[1], json.loads(sys.argv[2])
sys.argv = ['keystone-manage']
from keystone.cmd import cli
import keystone.conf
for command in commands:
    print('==== keystone-manage %s' % ' '.join(command), flush=True)
    cli.main(argv=['keystone-manage', '--config-file', conf] + command)
    keystone.conf.CONF.clear()
"""

_template_lock = threading.Lock()
_templates = {}


def _template(admin_password, timeout=300):
    """A directory with a synced, bootstrapped database and keys (built
    once per process and admin password, removed at exit)."""
    with _template_lock:
        if admin_password in _templates:
            return _templates[admin_password]
        directory = tempfile.mkdtemp(prefix='nimbus-keystone-template-')
        atexit.register(shutil.rmtree, directory, True)
        conf = _write_conf(directory)
        import grp
        import pwd
        owner = ['--keystone-user', pwd.getpwuid(os.geteuid()).pw_name,
                 '--keystone-group', grp.getgrgid(os.getegid()).gr_name]
        commands = [
            ['db_sync'],
            ['fernet_setup'] + owner,
            ['credential_setup'] + owner,
            ['bootstrap',
             '--bootstrap-username', 'admin',
             '--bootstrap-project-name', 'admin',
             '--bootstrap-role-name', 'admin',
             '--bootstrap-service-name', 'keystone',
             '--bootstrap-region-id', REGION,
             '--bootstrap-public-url', _PLACEHOLDER_URL,
             '--bootstrap-internal-url', _PLACEHOLDER_URL,
             '--bootstrap-admin-url', _PLACEHOLDER_URL],
        ]
        env = _keystone_env(conf)
        env['OS_BOOTSTRAP_PASSWORD'] = admin_password
        log_path = os.path.join(directory, 'keystone-manage.log')
        with open(log_path, 'ab') as log:
            proc = subprocess.Popen(
                [sys.executable, '-c', _MANAGE, conf, json.dumps(commands)],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=env, cwd=directory)
            try:
                rc = proc.wait(timeout)
            except BaseException:
                _stop(proc, 5)
                raise
        if rc != 0:
            with open(log_path, errors='replace') as log:
                raise KeystoneError('keystone-manage failed (%s):\n%s' % (
                    rc, log.read()[-6000:]))
        _templates[admin_password] = directory
        return directory


class Keystone:
    """A Keystone server of its own, under *workdir*."""

    def __init__(self, workdir, admin_password=ADMIN_PASSWORD,
                 start_timeout=60):
        self.workdir = os.path.abspath(str(workdir))
        self.admin_password = admin_password
        self.start_timeout = start_timeout
        self.port = None
        self.proc = None
        self.config_file = os.path.join(self.workdir, 'keystone.conf')
        self.log_file = os.path.join(self.workdir, 'keystone.log')
        self.startup_seconds = None
        self._session = None

    # --- life cycle -------------------------------------------------------

    @property
    def url(self):
        """The root URL, e.g. http://127.0.0.1:PORT."""
        return 'http://%s:%d' % (HOST, self.port)

    @property
    def auth_url(self):
        """The identity v3 URL (OS_AUTH_URL)."""
        return self.url + '/v3'

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        """Start the server and wait until it answers; returns self.

        The server process imports Keystone while the database and keys are
        prepared, then is told its port and to go on through its stdin.
        """
        if self.proc is not None:
            raise KeystoneError('Keystone already started')
        started = time.monotonic()
        os.makedirs(self.workdir, exist_ok=True)
        env = _keystone_env(self.config_file)
        env['NIMBUS_KEYSTONE_PARENT'] = str(os.getpid())
        with open(self.log_file, 'ab') as log:
            self.proc = subprocess.Popen(
                [sys.executable, '-c', _SERVER, HOST],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.PIPE,
                env=env, cwd=self.workdir)
        _running[self.proc.pid] = self.proc
        try:
            template = _template(self.admin_password)
            for name in _STATE:
                src = os.path.join(template, name)
                dst = os.path.join(self.workdir, name)
                if os.path.isdir(src):
                    shutil.rmtree(dst, ignore_errors=True)
                    shutil.copytree(src, dst)
                else:
                    shutil.copy2(src, dst)
            _write_conf(self.workdir)
            self.port = free_port()
            try:
                self.proc.stdin.write(b'go %d\n' % self.port)
                self.proc.stdin.close()
            except BrokenPipeError:
                pass  # it died; _wait_until_up says why
            self._wait_until_up()
            self._fix_identity_endpoints()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _wait_until_up(self):
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                raise KeystoneError('Keystone exited with %s:\n%s' % (
                    self.proc.returncode, self.log()[-6000:]))
            try:
                with urllib.request.urlopen(self.auth_url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise KeystoneError(
                    'Keystone did not answer GET /v3 within %ss:\n%s' % (
                        self.start_timeout, self.log()[-6000:]))
            time.sleep(0.1)

    def _fix_identity_endpoints(self):
        endpoints = self.request(
            'GET', '/v3/endpoints?region_id=%s' % REGION)['endpoints']
        for endpoint in endpoints:
            if endpoint['url'] == _PLACEHOLDER_URL:
                self.request('PATCH', '/v3/endpoints/%s' % endpoint['id'],
                             {'endpoint': {'url': self.auth_url}})

    def stop(self, timeout=10):
        """Stop the server by its PID (TERM, then KILL); idempotent."""
        proc, self.proc = self.proc, None
        if self._session is not None:
            # Idle keep-alive connections would hold cheroot's workers.
            self._session.session.close()
            self._session = None
        if proc is None:
            return
        _running.pop(proc.pid, None)
        if proc.stdin and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:
                pass
        _stop(proc, timeout)

    def log(self):
        try:
            with open(self.log_file, errors='replace') as log:
                return log.read()
        except FileNotFoundError:
            return ''

    # --- REST as admin ----------------------------------------------------

    @property
    def session(self):
        """A keystoneauth1 session scoped to the admin project."""
        if self._session is None:
            from keystoneauth1.identity import v3
            from keystoneauth1 import session
            auth = v3.Password(
                auth_url=self.auth_url, username='admin',
                password=self.admin_password, project_name='admin',
                user_domain_name=DOMAIN, project_domain_name=DOMAIN)
            # An explicit user agent spares keystoneauth1 a walk of the
            # call stack on every request.
            self._session = session.Session(auth=auth,
                                            user_agent='nimbus-tests')
        return self._session

    def request(self, method, path, body=None, token=None,
                ok=(200, 201, 204)):
        """*method* on self.url + *path* as admin (or with *token*).

        Returns the decoded JSON body (None when empty); raises
        KeystoneError, with the response, on a status not in *ok*.
        """
        kwargs = {'raise_exc': False}
        if body is not None:
            kwargs['json'] = body
        if token is not None:
            kwargs['authenticated'] = False
            kwargs['headers'] = {'X-Auth-Token': token}
        resp = self.session.request(self.url + path, method, **kwargs)
        if resp.status_code not in ok:
            raise KeystoneError('%s %s: %s %s' % (
                method, path, resp.status_code, resp.text[:2000]))
        return resp.json() if resp.content else None

    def token(self, user, password, project):
        """A project-scoped token id for *user* (names)."""
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': user, 'password': password,
                'domain': {'name': DOMAIN}}}},
            'scope': {'project': {'name': project,
                                  'domain': {'name': DOMAIN}}}}}
        resp = self.session.post(self.auth_url + '/auth/tokens', json=body,
                                 authenticated=False, raise_exc=False)
        if resp.status_code != 201:
            raise KeystoneError('token for %s: %s %s' % (
                user, resp.status_code, resp.text[:2000]))
        return resp.headers['X-Subject-Token']

    def _find(self, collection, ref):
        """The id of a project/user/role/service given a dict, name or id."""
        if isinstance(ref, dict):
            return ref['id']
        found = self.request('GET', '/v3/%s?name=%s' % (
            collection, urllib.parse.quote(ref, safe='')))
        if found[collection]:
            return found[collection][0]['id']
        return self.request('GET', '/v3/%s/%s' % (
            collection, urllib.parse.quote(ref, safe='')))[
            collection[:-1]]['id']

    def project_id(self, project):
        return self._find('projects', project)

    def user_id(self, user):
        return self._find('users', user)

    def role_id(self, role):
        return self._find('roles', role)

    # --- helpers ----------------------------------------------------------

    def create_project(self, name, description=''):
        """Create a project in the Default domain; returns its dict."""
        return self.request('POST', '/v3/projects', {'project': {
            'name': name, 'domain_id': 'default',
            'description': description, 'enabled': True}})['project']

    def create_user(self, name, password, project, roles=('member',)):
        """Create a user whose default project is *project* and give it
        *roles* there; returns the user's dict."""
        project_id = self.project_id(project)
        user = self.request('POST', '/v3/users', {'user': {
            'name': name, 'password': password, 'domain_id': 'default',
            'default_project_id': project_id, 'enabled': True}})['user']
        for role in roles:
            self.grant(user, project_id, role)
        return user

    def grant(self, user, project, role):
        """Give *user* *role* on *project* (names, ids or dicts)."""
        self.request('PUT', '/v3/projects/%s/users/%s/roles/%s' % (
            self.project_id(project), self.user_id(user),
            self.role_id(role)))

    def register_endpoint(self, service_type, name, url, interfaces=INTERFACES,
                          region=REGION):
        """Register a service and its endpoints (the same *url*, or a dict
        interface -> url) for *interfaces* in *region*; returns the service
        dict with an 'endpoints' list."""
        service = self.request('POST', '/v3/services', {'service': {
            'type': service_type, 'name': name, 'enabled': True}})['service']
        urls = url if isinstance(url, dict) else dict.fromkeys(interfaces,
                                                               url)
        service['endpoints'] = [
            self.request('POST', '/v3/endpoints', {'endpoint': {
                'service_id': service['id'], 'interface': interface,
                'url': endpoint_url, 'region_id': region,
                'enabled': True}})['endpoint']
            for interface, endpoint_url in urls.items()]
        return service

    def env_for(self, user, password, project):
        """The OS_* environment for openstackclient as *user* in
        *project* (names or dicts)."""
        def name(ref):
            return ref['name'] if isinstance(ref, dict) else ref
        return {
            'OS_AUTH_URL': self.auth_url,
            'OS_IDENTITY_API_VERSION': '3',
            'OS_AUTH_TYPE': 'password',
            'OS_USERNAME': name(user),
            'OS_PASSWORD': password,
            'OS_PROJECT_NAME': name(project),
            'OS_USER_DOMAIN_NAME': DOMAIN,
            'OS_PROJECT_DOMAIN_NAME': DOMAIN,
            'OS_REGION_NAME': REGION,
            'OS_INTERFACE': 'public',
        }

    def admin_env(self):
        return self.env_for('admin', self.admin_password, 'admin')

    def ec2_credentials(self, user, project):
        """New EC2 credentials of *user* for *project*:
        {'access', 'secret', 'user_id', 'tenant_id', ...}."""
        return self.request(
            'POST', '/v3/users/%s/credentials/OS-EC2' % self.user_id(user),
            {'tenant_id': self.project_id(project)})['credential']

    def ec2tokens(self, credentials, token=None):
        """POST /v3/ec2tokens with {'credentials': *credentials*}, as
        *token* (default: admin). Returns (status, body, subject token)."""
        kwargs = {'json': {'credentials': credentials}, 'raise_exc': False}
        if token is not None:
            kwargs.update(authenticated=False,
                          headers={'X-Auth-Token': token})
        resp = self.session.post(self.auth_url + '/ec2tokens', **kwargs)
        body = resp.json() if resp.content else None
        return resp.status_code, body, resp.headers.get('X-Subject-Token')

    def service_user(self, name='nimbus', password='nimbus-service-secret',
                     project='service'):
        """A user with the service role in the *project* project (created
        when missing), as keystonemiddleware's [keystone_authtoken]
        options; the same settings fit any service client."""
        try:
            self.project_id(project)
        except KeystoneError:
            self.create_project(project, 'Service users')
        try:
            user_id = self.user_id(name)
        except KeystoneError:
            self.create_user(name, password, project, roles=('service',))
        else:
            self.grant(user_id, project, 'service')
            try:
                self.token(name, password, project)
            except KeystoneError:
                self.request('PATCH', '/v3/users/%s' % user_id,
                             {'user': {'password': password}})
                # A password change revokes the user's tokens issued up to
                # the end of this second (revocation events have a one
                # second resolution): let the next token be valid.
                time.sleep(1.1)
        return {
            'www_authenticate_uri': self.auth_url,
            'auth_url': self.auth_url,
            'auth_type': 'password',
            'username': name,
            'password': password,
            'project_name': project,
            'user_domain_name': DOMAIN,
            'project_domain_name': DOMAIN,
            'region_name': REGION,
            'interface': 'public',
        }


def authtoken_conf(settings):
    """*settings* (from service_user()) as a [keystone_authtoken] section."""
    return '[keystone_authtoken]\n' + ''.join(
        '%s = %s\n' % item for item in settings.items())


@pytest.fixture(scope='session')
def keystone_server(tmp_path_factory):
    """One Keystone for the whole test session. To use it, import it into
    a conftest.py (or a test module): `from tests.integration.keystone
    import keystone_server  # noqa: F401`."""
    server = Keystone(tmp_path_factory.mktemp('keystone'))
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- process handling -------------------------------------------------------

_running = {}


def _stop(proc, timeout=10):
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


@atexit.register
def _stop_leftovers():
    while _running:
        _stop(_running.popitem()[1], 5)


# Run by the server subprocess (with `python -c`, so that this file, whose
# name is keystone.py, never shadows the keystone package).
_SERVER = """
import os, signal, sys, threading, time
sys.path = [p for p in sys.path if p not in ('', os.getcwd())]
# Die with the process that started us.
parent = int(os.environ['NIMBUS_KEYSTONE_PARENT'])


def watch_parent():
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


threading.Thread(target=watch_parent, daemon=True).start()


def terminate(signum, frame):
    raise SystemExit(0)


signal.signal(signal.SIGTERM, terminate)
host = sys.argv[1]
# Keystone parses sys.argv: give it nothing of ours.
sys.argv = [sys.argv[0]]
from cheroot import wsgi
# The expensive imports, done while the parent prepares the data.
import keystone.server.flask.application
line = sys.stdin.readline().split()
if line[:1] != ['go']:
    sys.exit('not told to go on')
port = int(line[1])
from keystone.wsgi import api
server = wsgi.Server((host, port), api.application, numthreads=8,
                     server_name='keystone', shutdown_timeout=1)
try:
    server.start()
finally:
    server.stop()
"""
