import pytest

from tests.integration import backends
from tests.integration import daemons


@pytest.fixture
def rabbit_url():
    with backends.rabbit_vhost() as url:
        yield url


@pytest.fixture
def mysql_url():
    with backends.mysql_database() as url:
        yield url


@pytest.fixture
def postgresql_url():
    with backends.postgresql_database() as url:
        yield url


def _cloud(request, tmp_path, rabbit_url, db_url):
    cloud = daemons.Cloud(tmp_path, rabbit_url, db_url)
    try:
        yield cloud
    finally:
        cloud.stop_all()
        report = request.node.stash.get(_FAILED, False)
        if report:
            for daemon in cloud.processes:
                print('==== nimbus-%s log ====\n%s' % (
                    daemon, cloud.log(daemon)[-4000:]))


_FAILED = pytest.StashKey()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


@pytest.fixture
def mysql_cloud(request, tmp_path, rabbit_url, mysql_url):
    yield from _cloud(request, tmp_path, rabbit_url, mysql_url)


@pytest.fixture
def postgresql_cloud(request, tmp_path, rabbit_url, postgresql_url):
    yield from _cloud(request, tmp_path, rabbit_url, postgresql_url)
