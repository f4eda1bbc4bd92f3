"""Attributes of a package imported when first used (PEP 562), so that importing a light module of stratlearn (the
command line, a config reader) does not import JAX with every sub-package."""

from __future__ import annotations

import importlib
import importlib.util


def lazy_attributes(package: str, namespace: dict, names: dict[str, str], modules=()):
    """``(__getattr__, __dir__)`` for ``package``: ``names`` maps an attribute to the module (relative to
    ``package``, e.g. ``".vi"`` or ``"..trace"``) it is read from; ``modules`` are sub-modules returned as such. A
    name read once is kept in ``namespace`` (the package's globals)."""

    namespace["__lazy_modules__"] = tuple(modules)      # the sub-modules the package exports as such
    # A name read from a module of the same name (learners.follower_agnostic, the function, from
    # learners/follower_agnostic.py) is bound now: importing that module later would set the package's attribute to
    # the module (the import system does), and a lazy name, looked up only when missing, would never be found.
    for name, module in names.items():
        if module == f".{name}":
            namespace[name] = getattr(importlib.import_module(module, package), name)

    def __getattr__(name: str):
        if name in modules:
            return importlib.import_module(f".{name}", package)
        if name in names:
            value = getattr(importlib.import_module(names[name], package), name)
            namespace[name] = value
            return value
        if not name.startswith("_"):      # any other sub-module by its name (sl.games.matrix, ...)
            try:
                found = importlib.util.find_spec(f"{package}.{name}") is not None
            except ImportError:
                found = False
            if found:
                return importlib.import_module(f".{name}", package)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(names) | set(modules))

    return __getattr__, __dir__
