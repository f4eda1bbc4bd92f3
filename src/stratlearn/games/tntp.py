"""Where TNTP road networks are found on this machine, and the checksums of the files stratlearn trusts.

The networks are those of the Transportation Networks for Research repository
(https://github.com/bstabler/TransportationNetworks; academic research use, cite the repository: see
``data/tntp/README.txt``). Two small ones, ``Braess-Example`` and ``SiouxFalls``, ship inside the package, so
``load_tntp("SiouxFalls")`` never touches the network. The larger ones are fetched into a cache by
``stratlearn data fetch NAME`` (:mod:`stratlearn.experiments.data`), which accepts a file only when its SHA-256
checksum equals the one recorded in :data:`TNTP_SHA256`; the known networks are exactly those with recorded checksums.

A network name is looked up in ``$STRATLEARN_TNTP_DIR/<name>``, then in the packaged copies, then in the cache
(``$STRATLEARN_DATA/tntp/<name>``, default ``~/.cache/stratlearn/tntp/<name>``). This module reads no network and
imports nothing above ``games``; the fetching code lives in the experiments layer and imports it from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import DataError

__all__ = ["TNTP_URL", "TNTP_NETWORKS", "TNTP_ALIASES", "TNTP_SHA256", "PACKAGED_TNTP", "default_cache",
           "canonical_tntp_name", "tntp_prefix", "packaged_tntp", "locate_tntp", "tntp_folder"]

TNTP_URL = "https://raw.githubusercontent.com/bstabler/TransportationNetworks/master"

# folder in the repository -> prefix of its file names (the two differ for some networks)
TNTP_NETWORKS = {
    "Anaheim": "Anaheim", "Barcelona": "Barcelona", "Berlin-Center": "berlin-center", "Braess-Example": "Braess",
    "Chicago-Sketch": "ChicagoSketch", "SiouxFalls": "SiouxFalls", "Winnipeg": "Winnipeg",
}

# shorter names accepted for a network
TNTP_ALIASES = {"Braess": "Braess-Example"}

# SHA-256 of every file of a known network, as published in the repository (computed from copies of its files).
# A network's files are exactly the ones listed here: fetching asks for these and no others.
TNTP_SHA256 = {
    "Anaheim": {
        "Anaheim_net.tntp": "99933b415e9500b13907829c37a43cfa9141714fad5af279081e28e5f9356f9a",
        "Anaheim_trips.tntp": "906893854cd0db4479c0b5f07678ce5616fa8e42e2b997f918c378309c66a94e",
        "Anaheim_flow.tntp": "eecd21c2a908b6a1c6729045ea260e96df1de026f05281d341fc281f2552cebe",
    },
    "Barcelona": {
        "Barcelona_net.tntp": "74ea13010beca70c641417c38bc900d6d7a2a600f23f18f76e417f7090c69bbd",
        "Barcelona_trips.tntp": "de485bcc423ff66c8e6601ae718255614d19099c0d0536ffcdb62972e1fcbbe1",
        "Barcelona_flow.tntp": "cee8df9f7930e52d5779aa6d3c14b25bcede54582c827971b5b5b3fe2f6aa345",
    },
    "Berlin-Center": {
        "berlin-center_net.tntp": "324801e4d49485cfaa3641ed54250bf1764c925e7324bf2685ecef191a1badfd",
        "berlin-center_trips.tntp": "f44ea3dbf376075ced1b666c7e3ec88ca3cd3edcf9ec155384f332579d2398e1",
    },
    "Braess-Example": {
        "Braess_net.tntp": "4cec6e3cd603604347c4ed3deb0de815e62241147d40932e0e962fbd26d83d01",
        "Braess_trips.tntp": "4723c01fa0ffbef3d427ba16519cabe74ece85fca67f2aa3e70446053f625423",
    },
    "Chicago-Sketch": {
        "ChicagoSketch_net.tntp": "4396bff6101cb5ad3edaf0eb5b9aec051055cb7f0d85be907d24b43f98bf0027",
        "ChicagoSketch_trips.tntp": "efe68abffc4af09e344cf1e175cfc048c08f4cd8f1f5454f74371b40e8245edc",
        "ChicagoSketch_flow.tntp": "068ee541d0e4d06e1e829bebc629ecf18c0f1eaf3b8239aff82de7ac3631370b",
    },
    "SiouxFalls": {
        "SiouxFalls_net.tntp": "ace99b24cec69c273ff0cf3d6d074110177f0cc0ae24b0c7a9f4f4cb5e27635c",
        "SiouxFalls_trips.tntp": "56f9566857f3f66730fd5c4232258d7ee3ac2931a476526331afd062f4958de7",
        "SiouxFalls_flow.tntp": "5d0b83a22ecc3ce79dabb2b2972162b78c5eda571dcb5b3687429d8397654fee",
        "SiouxFalls_node.tntp": "91c0b954dcfc6f6f08f48de1ce9d245261f5188a33aef76acf3ce1fff0809969",
    },
    "Winnipeg": {
        "Winnipeg_net.tntp": "b7958f3a25f3d80890b2a4d5c534dc0820d1b4c8e8debb8ddbb5f9eb6f0fb593",
        "Winnipeg_trips.tntp": "b5b8b08ca486b6213227401695fd8066db98821696513d512ddc4d9220d7397b",
        "Winnipeg_flow.tntp": "6656dd38647f00879c31eeda533df8f34007e82cbbec03421457dfde2bae81a5",
    },
}

# the networks whose files ship in stratlearn/games/data/tntp/<name>/
PACKAGED_TNTP = ("Braess-Example", "SiouxFalls")

_PACKAGE_ROOT = Path(__file__).resolve().parent / "data" / "tntp"


def default_cache() -> Path:
    """The cache folder of ``stratlearn data fetch``: ``$STRATLEARN_DATA``, else ``~/.cache/stratlearn``."""
    return Path(os.environ.get("STRATLEARN_DATA") or Path.home() / ".cache" / "stratlearn")


def canonical_tntp_name(name) -> str | None:
    """The repository folder name of a known network (``"Braess"`` gives ``"Braess-Example"``), else ``None``."""
    if not isinstance(name, str):
        return None
    name = TNTP_ALIASES.get(name, name)
    return name if name in TNTP_NETWORKS else None


def tntp_prefix(name: str) -> str:
    """The prefix of the file names of network ``name`` (``"Chicago-Sketch"`` gives ``"ChicagoSketch"``); a name
    stratlearn does not know is taken to be its own prefix."""
    known = canonical_tntp_name(name)
    return TNTP_NETWORKS[known] if known else name


def _known() -> str:
    return ", ".join(sorted(TNTP_NETWORKS))


def packaged_tntp(name: str) -> Path:
    """The folder of a network shipped with stratlearn (``"SiouxFalls"``, ``"Braess-Example"`` or ``"Braess"``).

    Raises:
        DataError: ``name`` is not one of the packaged networks.
    """
    known = canonical_tntp_name(name)
    if known not in PACKAGED_TNTP:
        raise DataError(f"name={name!r}: not packaged with stratlearn; the packaged networks are "
                        f"{', '.join(PACKAGED_TNTP)}")
    return _PACKAGE_ROOT / known


def _plain_name(name) -> bool:
    return isinstance(name, str) and bool(name) and not name.startswith(".") and "/" not in name \
        and "\\" not in name and os.sep not in name


def locate_tntp(name: str) -> Path | None:
    """The folder holding network ``name``'s ``*_net.tntp``: ``$STRATLEARN_TNTP_DIR/<name>``, the packaged copy or
    the cache of ``stratlearn data fetch``, the first that has it; ``None`` when none has (nothing is downloaded)."""
    if not _plain_name(name):
        return None
    folder_name = canonical_tntp_name(name) or name
    net = f"{tntp_prefix(name)}_net.tntp"
    roots = [Path(os.environ["STRATLEARN_TNTP_DIR"])] if os.environ.get("STRATLEARN_TNTP_DIR") else []
    roots += [_PACKAGE_ROOT, default_cache() / "tntp"]
    for root in roots:
        if (root / folder_name / net).is_file():
            return root / folder_name
    return None


def tntp_folder(name: str) -> Path:
    """Like :func:`locate_tntp`, but a network that is nowhere on this machine is an error.

    Raises:
        DataError: naming ``name``, the cache searched and the command that fetches the network (or, for a name
            stratlearn does not know, the known names).
    """
    folder = locate_tntp(name)
    if folder is not None:
        return folder
    known = canonical_tntp_name(name)
    if known is None:
        raise DataError(f"{name!r}: neither a folder of TNTP files nor a known TNTP network; known networks: "
                        f"{_known()} (packaged: {', '.join(PACKAGED_TNTP)}; fetch the others with "
                        "`stratlearn data fetch NAME`)")
    raise DataError(f"{name!r}: network not packaged with stratlearn and not in the cache "
                    f"({default_cache() / 'tntp' / known}); run `stratlearn data fetch {known}` first "
                    f"(known networks: {_known()})")
