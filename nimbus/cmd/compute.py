"""nimbus-compute: runs guests on this host through the virt driver.

It holds no database credentials: its objects go through the conductor.
"""

import sys

from nimbus.cmd import common
from nimbus.compute import manager
from nimbus.conf import CONF
from nimbus import service


def main(argv=None):
    argv = sys.argv if argv is None else argv
    common.init(argv)
    common.use_conductor_for_objects()
    common.wait_for_conductor()
    svc = service.Service(CONF.host, 'nimbus-compute', 'compute',
                          manager.ComputeManager())
    return common.launch([svc])
