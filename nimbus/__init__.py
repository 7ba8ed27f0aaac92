"""nimbus: an IaaS controller in the shape of OpenStack Nova (Essex-Grizzly).

nimbus runs on native threads and never monkey-patches.  oslo.messaging
imports oslo.service, whose default backend is eventlet: choose its
threading backend here, before any other oslo import.  Some libraries
still import eventlet (when installed) only to detect whether it patched
the process; their deprecation warning is noise on every command line.
"""

import warnings

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
warnings.filterwarnings('ignore', message='eventletutils module is deprecated')

from oslo_service import backend as _oslo_service_backend  # noqa: E402
from oslo_service.backend import exceptions as _backend_exc  # noqa: E402

try:
    _oslo_service_backend.init_backend(
        _oslo_service_backend.BackendType.THREADING)
except _backend_exc.BackendAlreadySelected:
    # Imported as a library by a program that chose first (the config
    # generator): nimbus starts no service there, so leave its choice.
    pass
