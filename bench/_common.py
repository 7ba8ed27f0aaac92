"""Helpers shared by the benchmarks."""

import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def percentile(samples, pct):
    ordered = sorted(samples)
    if not ordered:
        return float('nan')
    k = (len(ordered) - 1) * pct / 100.0
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(samples_ms):
    return 'p50 %.2f ms  p95 %.2f ms  mean %.2f ms  (n=%d)' % (
        percentile(samples_ms, 50), percentile(samples_ms, 95),
        statistics.mean(samples_ms), len(samples_ms))


def machine_speed():
    """Milliseconds a fixed pure-Python loop takes here now (the best of
    three): this VM's speed moves by up to 2x from one minute to the next,
    and every figure with it, so runs print it to be compared."""
    best = float('inf')
    for _ in range(3):
        began = time.perf_counter()
        total = 0
        for i in range(1000000):
            total += i % 7
        best = min(best, time.perf_counter() - began)
    return best * 1000


def rss_mb(pid):
    with open('/proc/%d/status' % pid) as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def _stat_fields(pid):
    with open('/proc/%d/stat' % pid) as stat:
        # Fields after the command name, which may hold spaces.
        return stat.read().rsplit(')', 1)[1].split()


def pids_named(*names):
    """The pids of the processes whose command name (/proc/PID/comm) is
    one of ``names``: the local MariaDB (mariadbd) and RabbitMQ (the
    Erlang VM, beam.smp), to read their CPU time."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/comm' % entry) as f:
                name = f.read().strip()
        except OSError:
            continue
        if name in names:
            pids.append(int(entry))
    return pids


def cpu_seconds(pid):
    """User + system CPU seconds of ``pid`` and its live children (API
    workers), from /proc: count-based, so comparable under any load."""
    ticks = os.sysconf('SC_CLK_TCK')
    pids = [pid]
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                if int(_stat_fields(int(entry))[1]) == pid:
                    pids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    total = 0
    for one in pids:
        try:
            fields = _stat_fields(one)
        except OSError:
            continue
        # utime and stime are fields 14 and 15 of stat(5); index 11, 12 here.
        total += int(fields[11]) + int(fields[12])
    return total / ticks
