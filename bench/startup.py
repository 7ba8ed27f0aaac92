"""Start-up of nimbus-all to its first heartbeats, and the RSS of each
daemon when the six run as separate processes (RabbitMQ + MariaDB)."""

import os
import sqlite3
import subprocess
import sys
import tempfile
import time

import _common  # noqa: F401  (puts the repo on sys.path)
from tests.integration import backends
from tests.integration import daemons

BINARIES = {'nimbus-' + d for d in daemons.DAEMONS}


def nimbus_all_startup(runs=3):
    """Seconds from exec to a heartbeat row of every service."""
    times, rss = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as state:
            port = daemons.free_port()
            config = os.path.join(state, 'nimbus.conf')
            with open(config, 'w') as f:
                f.write('[DEFAULT]\nstate_path = %s\n'
                        'osapi_compute_listen = 127.0.0.1\n'
                        'osapi_compute_listen_port = %d\n'
                        'report_interval = 1\n' % (state, port))
            cmd = [os.path.join(daemons.VENV_BIN, 'nimbus-all'),
                   '--config-file', config]
            began = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            db = os.path.join(state, 'nimbus.sqlite')
            try:
                while True:
                    if proc.poll() is not None:
                        sys.exit('nimbus-all exited with %s' % proc.returncode)
                    if os.path.exists(db) and _all_beating(db):
                        times.append(time.monotonic() - began)
                        break
                    if time.monotonic() - began > 60:
                        sys.exit('nimbus-all: no heartbeats within 60 s')
                    time.sleep(0.02)
                rss.append(_common.rss_mb(proc.pid))
            finally:
                proc.terminate()
                proc.wait(30)
    return times, rss


def _all_beating(path):
    try:
        db = sqlite3.connect(path, timeout=1)
        rows = db.execute('SELECT "binary" FROM services WHERE '
                          'report_count >= 1').fetchall()
        db.close()
    except sqlite3.Error:
        return False
    return {r[0] for r in rows} >= BINARIES


def separate_daemons_rss():
    with backends.rabbit_vhost() as rabbit, \
            backends.mysql_database() as db, \
            tempfile.TemporaryDirectory() as work:
        cloud = daemons.Cloud(work, rabbit, db)
        try:
            cloud.manage('db', 'sync')
            began = time.monotonic()
            cloud.start_all()
            cloud.wait_for_states({b: 'up' for b in BINARIES}, timeout=60)
            all_up = time.monotonic() - began
            time.sleep(2)  # let first periodic tasks settle
            return all_up, {d: _common.rss_mb(p.pid)
                            for d, p in cloud.processes.items()}
        finally:
            cloud.stop_all()


def main():
    times, rss = nimbus_all_startup()
    print('nimbus-all start to first heartbeat of all 6 services: '
          'median %.2f s (runs: %s); RSS %.0f MB'
          % (sorted(times)[len(times) // 2],
             ', '.join('%.2f' % t for t in times), max(rss)))
    all_up, per_daemon = separate_daemons_rss()
    print('six separate daemons (RabbitMQ + MariaDB): all up in '
          'nimbus-manage service list after %.1f s' % all_up)
    for daemon, mb in per_daemon.items():
        print('  RSS nimbus-%-10s %6.1f MB' % (daemon, mb))


if __name__ == '__main__':
    main()
