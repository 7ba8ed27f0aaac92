"""nimbus's version, read from the installed package metadata."""

from importlib import metadata


def version_string():
    try:
        return metadata.version('nimbus')
    except metadata.PackageNotFoundError:
        return '0.0.0'
