"""RPC call round trip over the local RabbitMQ: the benchmark process calls
``ping`` on a nimbus-conductor running as its own process."""

import argparse
import tempfile
import threading
import time

import _common
from tests.integration import backends
from tests.integration import daemons

from nimbus import baserpc
from nimbus import config
from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus import objects
from nimbus import rpc


def measure(calls, concurrency, host):
    api = baserpc.BaseAPI('conductor')
    context = nimbus_context.get_admin_context()
    samples = []
    lock = threading.Lock()

    def worker(n):
        mine = []
        for _ in range(n):
            began = time.perf_counter()
            api.ping(context, 'x', host=host, timeout=10)
            mine.append((time.perf_counter() - began) * 1000)
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=worker, args=(calls // concurrency,))
               for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, time.perf_counter() - began


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--calls', type=int, default=2000)
    args = parser.parse_args()
    with backends.rabbit_vhost() as rabbit, \
            backends.mysql_database() as db, \
            tempfile.TemporaryDirectory() as work:
        cloud = daemons.Cloud(work, rabbit, db)
        try:
            cloud.manage('db', 'sync')
            cloud.start('conductor')
            cloud.wait_for_states({'nimbus-conductor': 'up'}, timeout=60)
            config.register_logging_opts()
            CONF([], project='nimbus', default_config_files=[])
            objects.register_all()
            rpc.init(CONF, url=rabbit)
            measure(50, 1, cloud.host)  # warm up connections
            conductor = cloud.processes['conductor'].pid
            rabbit_pids = [pid for pid in _common.pids_named('beam.smp')]
            for concurrency in (1, 10):
                before = (time.process_time(),
                          _common.cpu_seconds(conductor),
                          sum(map(_common.cpu_seconds, rabbit_pids)))
                samples, took = measure(args.calls, concurrency, cloud.host)
                after = (time.process_time(),
                         _common.cpu_seconds(conductor),
                         sum(map(_common.cpu_seconds, rabbit_pids)))
                per_call = [(b - a) * 1e6 / len(samples)
                            for a, b in zip(before, after)]
                print('RPC call round trip (ping, RabbitMQ, concurrency %d): '
                      '%s; %.0f calls/s' % (concurrency,
                                            _common.summary(samples),
                                            len(samples) / took))
                print('  CPU us per call: caller %.0f, conductor %.0f, '
                      'RabbitMQ %.0f' % tuple(per_call))
        finally:
            rpc.cleanup()
            cloud.stop_all()


if __name__ == '__main__':
    main()
