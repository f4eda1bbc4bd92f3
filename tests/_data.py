"""Where the tests find the TNTP networks that do not ship with stratlearn (Anaheim, Chicago-Sketch, ...).

``STRATLEARN_TEST_DATA`` names the folder that holds ``tntp/<network>/`` (``make test`` sets it to ``../shared/data``
when that folder exists). Without it, or without the network asked for, the tests that need it are skipped with the
reason. Sioux Falls and Braess need none of this: tests read the copies packaged with stratlearn.
"""

import os
from pathlib import Path

import pytest

VARIABLE = "STRATLEARN_TEST_DATA"


def _root():
    value = os.environ.get(VARIABLE)
    if not value:
        return None, (f"{VARIABLE} is not set (it names the folder holding tntp/<network>/, e.g. ../shared/data; "
                      "`make test` sets it when that folder exists)")
    root = Path(value) / "tntp"
    if not root.is_dir():
        return None, f"{VARIABLE}={value!r} has no tntp/ folder"
    return root, ""


TNTP, _WHY = _root()     # the folder holding tntp/<network>/, or None


def needs_tntp(*names: str):
    """Skip unless every network in ``names`` is a folder of ``$STRATLEARN_TEST_DATA/tntp``."""
    if TNTP is None:
        return pytest.mark.skipif(True, reason=f"needs the TNTP network(s) {', '.join(names)}: {_WHY}")
    missing = [name for name in names if not (TNTP / name).is_dir()]
    return pytest.mark.skipif(bool(missing), reason=f"the TNTP network(s) {', '.join(missing)} are not in {TNTP} "
                              f"(${VARIABLE}/tntp)")
