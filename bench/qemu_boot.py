"""Bare QEMU boot of the test guest: the baseline a nimbus boot is held to.

bare_boot_seconds() times one QEMU started by hand (no libvirt, no nimbus):
from the exec of qemu-system-x86_64 until the guest prints
``nimbus-guest: booted`` on its serial console, with a direct kernel boot
of the test image (tests/guest_image.py) and no NIC. The nimbus-vs-bare
comparison imports it; keep its signature.

    .venv/bin/python bench/qemu_boot.py [--runs 5] [--memory 128]
        [--accel tcg] [--image-dir DIR]
"""

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests import guest_image  # noqa: E402
from tests import qemu_guest  # noqa: E402

# The median to stay under on the 2-core CI machine (TCG); about 2.5 s idle.
TARGET_MEDIAN_S = 5.0


def bare_boot_seconds(image_dir, memory_mb=128, accel='tcg'):
    """Seconds from exec of QEMU to ``nimbus-guest: booted`` on the console.

    Direct kernel boot (-kernel/-initrd/-append, the manifest's cmdline) of
    the image in image_dir, memory_mb of RAM, the given accelerator, no
    NIC. The QEMU is stopped (by its PID) before this returns.
    """
    vm = qemu_guest.Qemu(image_dir, memory_mb=memory_mb, accel=accel)
    try:
        vm.command()  # reads the manifest now, not on the clock
        began = time.monotonic()
        vm.start()
        vm.wait_for(guest_image.MARKER_BOOTED, timeout=120, poll=0.005)
        return time.monotonic() - began
    finally:
        vm.stop()


def percentile(samples, pct):
    ordered = sorted(samples)
    k = (len(ordered) - 1) * pct / 100.0
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--memory', type=int, default=128, metavar='MB')
    parser.add_argument('--accel', default='tcg')
    parser.add_argument('--image-dir',
                        help='a built image (default: build or take it '
                             'from %s)' % guest_image.DEFAULT_CACHE_DIR)
    args = parser.parse_args(argv)
    image_dir = args.image_dir or guest_image.build_image().path
    samples = []
    for _ in range(args.runs):
        samples.append(bare_boot_seconds(image_dir, args.memory, args.accel))
    median = statistics.median(samples)
    print('bare QEMU boot to "%s" (%s, %d MB, direct kernel boot): '
          'median %.2f s  p95 %.2f s  min %.2f s  (n=%d)' % (
              guest_image.MARKER_BOOTED, args.accel, args.memory, median,
              percentile(samples, 95), min(samples), len(samples)))
    print('target: median under %.1f s: %s  (load average %.1f: TCG '
          'boot time grows with the load)' % (
              TARGET_MEDIAN_S,
              'met' if median < TARGET_MEDIAN_S else 'MISSED',
              os.getloadavg()[0]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
