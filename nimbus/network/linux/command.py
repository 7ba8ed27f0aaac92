"""Running host commands: the one place nimbus-network starts a program
and waits for it."""

import subprocess

from oslo_log import log as logging

from nimbus import exception

LOG = logging.getLogger(__name__)


def run(argv, stdin=None, check=True, timeout=60, env=None):
    """Run ``argv`` (a list, never through a shell); returns its stdout
    as text. Raises HostCommandFailed when it exits non-zero and
    ``check`` is set."""
    LOG.debug('Running %s', ' '.join(argv))
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True,
                              text=True, timeout=timeout, check=False,
                              env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise exception.HostCommandFailed(command=argv[0], code='-',
                                          stderr=str(exc))
    if check and done.returncode != 0:
        raise exception.HostCommandFailed(command=' '.join(argv),
                                          code=done.returncode,
                                          stderr=done.stderr.strip())
    return done.stdout
