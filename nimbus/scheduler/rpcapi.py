"""Client side of the scheduler RPC API."""

from nimbus import rpc

RPC_TOPIC = 'scheduler'


class SchedulerAPI(rpc.ClientBase):
    """Client side of the scheduler RPC API.

    API version history:

    * 1.0 - Initial version (the service and its topic; host selection
            arrives with the filter scheduler).
    * 1.1 - Add select_destinations.
    """

    TOPIC = RPC_TOPIC
    BASE_VERSION = '1.1'
    UPGRADE_LEVEL = 'scheduler'
    VERSION_ALIASES = {'grizzly': '1.0'}

    def select_destinations(self, context, request_spec, filter_properties):
        """Pick a host for each instance of a request (RPC call).

        ``request_spec`` (plain dict)::

            {'instance_uuids': [...], 'num_instances': N,
             'flavor': {'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb',
                        'swap', 'extra_specs': {}},
             'image': {'id': ..., 'properties': {...}},
             'availability_zone': str or None,
             'project_id': str,
             'scheduler_hints': {'same_host': [uuids],
                                 'different_host': [uuids]}}

        ``filter_properties`` (plain dict) may hold
        ``'retry': {'num_attempts': n, 'hosts': [[host, node], ...]}``:
        ``n`` counts this attempt (1 the first time); the hosts listed
        are not chosen again, and NoValidHost is raised when ``n``
        exceeds ``scheduler_max_attempts``.

        Returns N dicts ``{'host', 'nodename', 'limits': {'memory_mb',
        'vcpu', 'disk_gb'}}``, one per instance in order (a limit is None
        when no enabled filter checked it). Raises
        nimbus.exception.NoValidHost whose message says which filter ruled
        the hosts out.
        """
        cctxt = self.prepare('1.1')
        return cctxt.call(context, 'select_destinations',
                          request_spec=request_spec,
                          filter_properties=filter_properties)
