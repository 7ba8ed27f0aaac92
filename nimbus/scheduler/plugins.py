"""Finding the filter and weigher classes a package defines."""

import importlib
import pkgutil


def classes_in(package, base):
    """{class name: class} of the subclasses of ``base`` (not ``base``
    itself, nor private ones) defined in the modules of ``package`` (a
    package's ``__name__``; its modules are imported)."""
    found = {}
    path = importlib.import_module(package).__path__
    for module_info in pkgutil.iter_modules(path):
        module = importlib.import_module('%s.%s' % (package,
                                                    module_info.name))
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, base) and
                    value is not base and
                    not value.__name__.startswith('_') and
                    value.__module__ == module.__name__):
                found[value.__name__] = value
    return found
