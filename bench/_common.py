"""Helpers shared by the benchmarks."""

import os
import statistics
import sys

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


def rss_mb(pid):
    with open('/proc/%d/status' % pid) as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')
