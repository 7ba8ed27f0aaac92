"""Compute API microversions: parsing, negotiation, headers.

Clients ask with ``OpenStack-API-Version: compute 2.X`` or the legacy
``X-OpenStack-Nova-API-Version: 2.X``; the answer echoes both.
"""

import re

MIN_VERSION = '2.1'
# The newest microversion whose behaviour changes nimbus implements in full.
MAX_VERSION = '2.37'

SERVICE_TYPE = 'compute'
HEADER = 'OpenStack-API-Version'
LEGACY_HEADER = 'X-OpenStack-Nova-API-Version'

_PATTERN = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class InvalidVersion(ValueError):
    """The header does not hold a version (400)."""


class VersionNotSupported(ValueError):
    """A well-formed version outside MIN..MAX (406)."""


class APIVersion:
    """A comparable microversion such as 2.37."""

    __slots__ = ('major', 'minor')

    def __init__(self, text=None, major=0, minor=0):
        if text is not None:
            match = _PATTERN.match(text.strip())
            if not match:
                raise InvalidVersion(
                    'API version %r is not of the form 2.N' % text)
            major, minor = int(match.group(1)), int(match.group(2))
        self.major = major
        self.minor = minor

    def _key(self):
        return (self.major, self.minor)

    def __eq__(self, other):
        return self._key() == other._key()

    def __lt__(self, other):
        return self._key() < other._key()

    def __le__(self, other):
        return self._key() <= other._key()

    def __gt__(self, other):
        return self._key() > other._key()

    def __ge__(self, other):
        return self._key() >= other._key()

    def __hash__(self):
        return hash(self._key())

    def matches(self, min_version=None, max_version=None):
        """True when min_version <= self <= max_version (either optional)."""
        if min_version is not None and self < APIVersion(min_version):
            return False
        if max_version is not None and self > APIVersion(max_version):
            return False
        return True

    def __str__(self):
        return '%d.%d' % (self.major, self.minor)

    __repr__ = __str__


def min_version():
    return APIVersion(MIN_VERSION)


def max_version():
    return APIVersion(MAX_VERSION)


def _requested(headers):
    value = headers.get(HEADER)
    if value:
        # "compute 2.37" (a list of "service version" pairs may be sent).
        for item in value.split(','):
            parts = item.strip().split()
            if len(parts) == 2 and parts[0].lower() == SERVICE_TYPE:
                return parts[1]
    return headers.get(LEGACY_HEADER)


def from_headers(headers):
    """The version a request asks for; MIN when it asks for none."""
    text = _requested(headers)
    if not text:
        return min_version()
    if text.strip().lower() == 'latest':
        return max_version()
    version = APIVersion(text)
    if not min_version() <= version <= max_version():
        raise VersionNotSupported(
            'Version %s is not supported by the API. Minimum is %s and '
            'maximum is %s.' % (version, MIN_VERSION, MAX_VERSION))
    return version


def add_headers(response, version):
    response.headers[HEADER] = '%s %s' % (SERVICE_TYPE, version)
    response.headers[LEGACY_HEADER] = str(version)
    response.headers['Vary'] = '%s, %s' % (HEADER, LEGACY_HEADER)
