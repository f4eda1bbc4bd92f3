"""Where TNTP road networks are found on this machine, and the checksums of the files stratlearn trusts.

The networks are those of the Transportation Networks for Research repository
(https://github.com/bstabler/TransportationNetworks; academic research use, cite the repository: see
``data/tntp/README.txt``). Two small ones, ``Braess-Example`` and ``SiouxFalls``, ship inside the package, so
``load_tntp("SiouxFalls")`` never touches the network. The larger ones are fetched into a cache by
``stratlearn data fetch NAME`` (:func:`fetch_tntp`), which accepts a file only when its SHA-256
checksum equals the one recorded in :data:`TNTP_SHA256`; the known networks are exactly those with recorded checksums.

A network name is looked up in ``$STRATLEARN_TNTP_DIR/<name>``, then in the packaged copies, then in the cache
(``$STRATLEARN_DATA/tntp/<name>``, default ``~/.cache/stratlearn/tntp/<name>``). Reading the files is
:func:`stratlearn.games.routing.load_tntp`, beside this module.

Fetching (:func:`fetch_tntp`, ``stratlearn data fetch NAME``) copies a network's files (``*_net.tntp``,
``*_trips.tntp`` and, where published, ``*_flow.tntp`` and ``*_node.tntp``) into ``<cache>/tntp/<name>/``. The
source is the repository on GitHub or a mirror: a local folder laid out like the repository
(``<mirror>/<name>/<prefix>_net.tntp``) or a URL prefix, given by the ``mirror`` argument, the ``--mirror`` option of
``stratlearn data fetch`` or the ``STRATLEARN_TNTP_MIRROR`` environment variable. The cache is ``cache``,
``--cache``, ``STRATLEARN_DATA`` or ``~/.cache/stratlearn``. Every file is read and checked before the first one is
written, each is written atomically, a file whose checksum differs is refused and nothing of it is left behind, and
the network must parse before the fetch reports success.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import ChecksumError, DataError, StratlearnError
from ..files import atomic_write

__all__ = ["TNTP_URL", "TNTP_NETWORKS", "TNTP_ALIASES", "TNTP_SHA256", "PACKAGED_TNTP", "default_cache",
           "canonical_tntp_name", "tntp_prefix", "packaged_tntp", "locate_tntp", "tntp_folder", "fetch_tntp",
           "find_tntp"]

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


def find_tntp(name: str, *, download: bool = True) -> Path | None:
    """The folder of TNTP network ``name``: ``$STRATLEARN_TNTP_DIR/<name>``, the copy packaged with stratlearn, the
    cache of :func:`fetch_tntp` (:func:`stratlearn.games.tntp.locate_tntp`), or, with ``download``, a fresh fetch;
    ``None`` when none has it or the fetch fails."""
    folder = locate_tntp(name)
    if folder is not None or not download:
        return folder
    try:
        return fetch_tntp(name)
    except (StratlearnError, OSError):
        return None


def _read(source: str, name: str, filename: str) -> bytes:
    """The bytes of one file of network ``name`` at a mirror folder or URL prefix."""
    local = source[len("file://"):] if source.startswith("file://") else (source if "://" not in source else None)
    if local is not None:
        path = Path(local) / name / filename
        if not path.is_file():
            raise DataError(f"name={name!r}: no {filename} at {path}")
        return path.read_bytes()
    url = f"{source.rstrip('/')}/{name}/{filename}"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise DataError(f"name={name!r}: no {filename} at {url} (HTTP 404)") from None
        raise DataError(f"fetching {url} failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DataError(f"fetching {url} failed ({getattr(exc, 'reason', exc)}); the source may be unreachable "
                        "from here: use --mirror FOLDER_OR_URL (or STRATLEARN_TNTP_MIRROR) to read a local copy "
                        "laid out like the TNTP repository") from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_tntp(name: str, *, mirror: str | os.PathLike | None = None, cache: str | os.PathLike | None = None,
               force: bool = False) -> Path:
    """Fetch a known TNTP network into the cache and return its folder.

    Every file recorded for the network in :data:`stratlearn.games.tntp.TNTP_SHA256` is read from the source and
    its SHA-256 checksum compared with the recorded one before anything is written; only when all match are they
    written, each atomically (:func:`stratlearn.files.atomic_write`). Cached files whose checksum matches are
    kept unless ``force``; a cached file that no longer matches is fetched again.

    Args:
        name: a repository folder name with recorded checksums (``"Anaheim"``, ``"Chicago-Sketch"``, ...; the
            alias ``"Braess"`` is accepted).
        mirror: a folder laid out like the repository, or a URL prefix (default ``$STRATLEARN_TNTP_MIRROR``, else
            GitHub).
        cache: the cache folder (default :func:`stratlearn.games.tntp.default_cache`).
        force: read every file from the source again.

    Raises:
        DataError: an unknown name (the message lists the known ones), a mirror that is not a folder, a file
            missing at the source, or an unreachable source (the message suggests ``--mirror``).
        ChecksumError: a file's checksum differs from the recorded one (the message names the file and both
            checksums); nothing is written, and no folder is left behind.
    """
    known = canonical_tntp_name(name)
    if known is None:
        raise DataError(f"name={name!r}: not a known TNTP network; expected one of "
                        f"{', '.join(sorted(TNTP_NETWORKS))} (the networks whose checksums stratlearn records)")
    source = str(mirror if mirror is not None else os.environ.get("STRATLEARN_TNTP_MIRROR") or TNTP_URL)
    if "://" not in source and not Path(source).is_dir():
        raise DataError(f"mirror={source!r}: not a folder (expected a folder laid out like the TNTP repository, "
                        "or a URL)")
    folder = Path(cache if cache is not None else default_cache()) / "tntp" / known
    fresh = {}
    for filename, expected in TNTP_SHA256[known].items():
        target = folder / filename
        if not force and target.is_file() and _sha256(target.read_bytes()) == expected:
            continue
        data = _read(source, known, filename)
        actual = _sha256(data)
        if actual != expected:
            raise ChecksumError(f"{known}/{filename} from {source}: SHA-256 {actual} does not match the recorded "
                                f"{expected}; the file was not saved (a corrupted or modified copy?)")
        fresh[target] = data
    created = [p for p in (folder.parent.parent, folder.parent, folder) if not p.exists()]
    try:
        for target, data in fresh.items():
            atomic_write(target, lambda tmp, data=data: tmp.write_bytes(data))
    except BaseException:
        for path in reversed(created):      # leave no empty folder behind when a write fails
            try:
                path.rmdir()
            except OSError:
                pass
        raise
    # no parse here: the checksums pin the very bytes the test suite parses (tests/experiments/test_data_fetch.py), and
    # parsing is routing's (games/routing.py imports this module; importing it back would close a circle)
    return folder
