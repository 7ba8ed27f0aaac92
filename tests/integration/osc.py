"""Runs the real `openstack` CLI (python-openstackclient) as a subprocess.

    env = keystone.env_for('alice', 'secret', 'demo')
    token = run_openstack(env, 'token', 'issue')          # parsed JSON
    run_openstack(env, 'server', 'delete', 'vm1')         # no output: None

The CLI runs from the same virtualenv as the tests, with an environment of
only the given OS_* variables on top of the test process's own (minus any
OS_* it had, so a developer's cloud settings never leak in).
"""

import json as jsonlib
import os
import subprocess
import sys

VENV_BIN = os.path.dirname(sys.executable)
OPENSTACK = os.path.join(VENV_BIN, 'openstack')

# Commands whose last word is one of these print nothing and take no
# --format option; everything else (list, show, create, issue, ...) gets
# `-f json` when json is wanted.
NO_OUTPUT_VERBS = frozenset((
    'add', 'delete', 'remove', 'set', 'unset', 'revoke', 'reboot', 'start',
    'stop', 'pause', 'unpause', 'suspend', 'resume', 'lock', 'unlock',
    'shelve', 'unshelve', 'rescue', 'unrescue', 'resize', 'migrate',
    'confirm', 'revert', 'abort', 'evacuate', 'restore', 'purge', 'save',
))
# Commands that print plain text and take no --format option either.
PLAIN_COMMANDS = frozenset((
    ('console', 'log', 'show'),
))


class OpenStackCLIError(AssertionError):
    """The CLI failed; carries the command line, exit status and output."""

    def __init__(self, args, returncode, stdout, stderr, reason=None):
        self.args_ = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        super().__init__('%s %s\n--- stdout ---\n%s\n--- stderr ---\n%s' % (
            ' '.join(args), reason or 'exited with %s' % returncode,
            stdout, stderr))


def _command_words(args):
    """The leading words of *args* that name the command (before any
    option or positional value we cannot tell from a command word)."""
    words = []
    for arg in args:
        if arg.startswith('-'):
            break
        words.append(arg)
    return words


def wants_format(args):
    """Whether `-f json` applies to the command in *args*."""
    if any(a in ('-f', '--format') or a.startswith('--format=')
           for a in args):
        return False
    words = _command_words(args)
    if any(tuple(words[:len(c)]) == c for c in PLAIN_COMMANDS):
        return False
    return not (set(words[:3]) & NO_OUTPUT_VERBS)


def run_openstack(env, *args, json=True, timeout=120, check=True,
                  debug=False):
    """Run `openstack *args` with *env* (OS_* variables).

    json=True adds `-f json` where the command takes it and returns the
    parsed output (None when the command printed nothing); json=False
    returns stdout as text. With check (the default) a non-zero exit, a
    timeout or unparsable JSON raise OpenStackCLIError with stdout and
    stderr; check=False returns the CompletedProcess instead of raising
    on a non-zero exit. debug=True passes --debug (requests on stderr).
    """
    argv = [OPENSTACK]
    if debug:
        argv.append('--debug')
    argv += [str(a) for a in args]
    if json and wants_format(args):
        argv += ['-f', 'json']
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith('OS_')}
    full_env.update({k: str(v) for k, v in env.items()})
    # Never read a developer's clouds.yaml or cache.
    full_env.setdefault('OS_CLIENT_CONFIG_FILE', os.devnull)
    try:
        result = subprocess.run(argv, env=full_env, capture_output=True,
                                text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        def text(out):
            if isinstance(out, bytes):
                return out.decode(errors='replace')
            return out or ''
        raise OpenStackCLIError(argv, None, text(exc.stdout),
                                text(exc.stderr),
                                'timed out after %ss' % timeout) from None
    if result.returncode != 0:
        if check:
            raise OpenStackCLIError(argv, result.returncode, result.stdout,
                                    result.stderr)
        return result
    if not json:
        return result.stdout
    if not result.stdout.strip():
        return None
    try:
        return jsonlib.loads(result.stdout)
    except ValueError:
        raise OpenStackCLIError(argv, result.returncode, result.stdout,
                                result.stderr,
                                'printed no JSON') from None
