"""Every qemu-img command the libvirt driver runs, in one place."""

import json
import subprocess

from nimbus import exception

QEMU_IMG = 'qemu-img'
# Reading a hostile image's header must not eat the host.
_INFO_TIMEOUT = 30


class QemuImgError(exception.NimbusException):
    msg_fmt = 'qemu-img %(command)s failed: %(reason)s'


def _run(args, timeout=None):
    try:
        result = subprocess.run([QEMU_IMG] + args, capture_output=True,
                                text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise QemuImgError(command=args[0],
                           reason='no answer within %ss' % timeout)
    except OSError as exc:
        raise QemuImgError(command=args[0], reason=str(exc))
    if result.returncode != 0:
        reason = (result.stderr.strip() or result.stdout.strip() or
                  'exit status %d' % result.returncode)
        raise QemuImgError(command=args[0], reason=reason)
    return result.stdout


def info(path, fmt=None):
    """qemu-img's JSON info of ``path``: format, virtual-size,
    backing-filename... ``fmt`` forces the format to read it as."""
    args = ['info', '--output=json', '-U']
    if fmt:
        args += ['-f', fmt]
    return json.loads(_run(args + [path], timeout=_INFO_TIMEOUT))


def check(path, fmt='qcow2'):
    """Consistency check of a qcow2 image; raises QemuImgError."""
    _run(['check', '-q', '-f', fmt, path], timeout=_INFO_TIMEOUT)


def create_overlay(path, backing_file, backing_fmt, size_bytes=None):
    args = ['create', '-q', '-f', 'qcow2', '-b', backing_file, '-F',
            backing_fmt, path]
    if size_bytes:
        args.append(str(size_bytes))
    _run(args)


def convert(source, dest, out_fmt, source_fmt=None, force_share=False):
    """``force_share`` reads an image a running QEMU holds open."""
    args = ['convert', '-q', '-O', out_fmt]
    if force_share:
        args.append('-U')
    if source_fmt:
        args += ['-f', source_fmt]
    _run(args + [source, dest])


def resize(path, size_bytes, fmt=None):
    args = ['resize', '-q']
    if fmt:
        args += ['-f', fmt]
    _run(args + [path, str(size_bytes)])
