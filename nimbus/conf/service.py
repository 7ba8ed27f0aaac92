"""[DEFAULT] options of the service framework: heartbeats, periodic tasks."""

from oslo_config import cfg

service_opts = [
    cfg.IntOpt(
        'report_interval',
        default=10,
        min=1,
        help='Seconds between two heartbeats a service writes to the '
             'services table. Must be less than service_down_time.'),
    cfg.IntOpt(
        'service_down_time',
        default=60,
        min=1,
        help='A service whose last heartbeat is older than this many '
             'seconds is reported as down.'),
    cfg.BoolOpt(
        'periodic_enable',
        default=True,
        help='Run the periodic tasks of the managers.'),
    cfg.IntOpt(
        'periodic_interval',
        default=60,
        min=1,
        help='Seconds between two runs of the periodic task loop when no '
             'task asks to run sooner.'),
    cfg.IntOpt(
        'periodic_fuzzy_delay',
        default=0,
        min=0,
        help='Upper bound in seconds of a random delay before the first '
             'periodic task run, so that a fleet does not run in lockstep.'),
    cfg.IntOpt(
        'graceful_shutdown_timeout',
        # Below the systemd units' TimeoutStopSec (30 s), so a drain ends
        # before systemd resorts to SIGKILL.
        default=25,
        min=0,
        help='Seconds a stopping service waits for requests in flight to '
             'finish before it exits anyway (0 waits forever).'),
]


def register_opts(conf):
    conf.register_opts(service_opts)


def list_opts():
    return {'DEFAULT': service_opts}
