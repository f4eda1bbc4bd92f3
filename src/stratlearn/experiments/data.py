"""Fetching TNTP road networks (the Transportation Networks for Research repository) into a local cache.

``fetch_tntp("SiouxFalls")`` copies the network's ``*_net.tntp``, ``*_trips.tntp`` and, where published,
``*_flow.tntp`` and ``*_node.tntp`` files into ``<cache>/tntp/<name>/`` and returns that folder, which
:func:`stratlearn.games.routing.load_tntp` reads. The source is the repository on GitHub, or a mirror: a local
folder laid out like the repository (``<mirror>/<name>/<prefix>_net.tntp``) or a URL prefix, given by the
``mirror`` argument, the ``--mirror`` option of ``stratlearn data fetch`` or the ``STRATLEARN_TNTP_MIRROR``
environment variable. The cache is ``cache``, ``--cache``, ``STRATLEARN_DATA`` or ``~/.cache/stratlearn``. Files
are written atomically and checked to parse before the fetch reports success.
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import StratlearnError
from .io import atomic_write

__all__ = ["TNTP_URL", "TNTP_NETWORKS", "fetch_tntp", "find_tntp", "default_cache"]

TNTP_URL = "https://raw.githubusercontent.com/bstabler/TransportationNetworks/master"

# folder in the repository -> file prefix (they differ for some networks)
TNTP_NETWORKS = {
    "SiouxFalls": "SiouxFalls", "Anaheim": "Anaheim", "Chicago-Sketch": "ChicagoSketch",
    "Braess-Example": "Braess", "Barcelona": "Barcelona", "Winnipeg": "Winnipeg", "Austin": "Austin",
    "Berlin-Center": "berlin-center", "Philadelphia": "Philadelphia", "Terrassa-Asymmetric": "Terrassa-Asym",
    "Eastern-Massachusetts": "EMA", "GoldCoast": "Goldcoast", "Hessen-Asymmetric": "Hessen-Asym",
}
_REQUIRED = ("net", "trips")
_OPTIONAL = ("flow", "node")


def default_cache() -> Path:
    return Path(os.environ.get("STRATLEARN_DATA") or Path.home() / ".cache" / "stratlearn")


def find_tntp(name: str, *, download: bool = True) -> Path | None:
    """The folder of TNTP network ``name``: ``$STRATLEARN_TNTP_DIR/name``, the shared data beside the repository
    (``../shared/data/tntp``), the cache of :func:`fetch_tntp`, or (``download``) a fresh download; ``None`` when
    none has it."""
    stem = TNTP_NETWORKS.get(name, name)
    roots = [Path(os.environ["STRATLEARN_TNTP_DIR"])] if os.environ.get("STRATLEARN_TNTP_DIR") else []
    roots += [Path(__file__).resolve().parents[3].parent / "shared" / "data" / "tntp",
              Path.cwd().parent / "shared" / "data" / "tntp", default_cache() / "tntp"]
    for root in roots:
        if (root / name / f"{stem}_net.tntp").is_file():
            return root / name
    if not download:
        return None
    try:
        return fetch_tntp(name)
    except Exception:
        return None


def _fetch_one(source: str, name: str, filename: str, target: Path) -> bool:
    """Copy one file from a mirror folder or URL prefix; False when it does not exist there."""
    local = source[len("file://"):] if source.startswith("file://") else (source if "://" not in source else None)
    if local is not None:
        path = Path(local) / name / filename
        if not path.is_file():
            return False
        atomic_write(target, lambda tmp: shutil.copyfile(path, tmp))
        return True
    url = f"{source.rstrip('/')}/{name}/{filename}"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return False
        raise StratlearnError(f"fetching {url} failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise StratlearnError(f"fetching {url} failed ({getattr(exc, 'reason', exc)}); use --mirror (or "
                              "STRATLEARN_TNTP_MIRROR) to read from a local copy") from None
    atomic_write(target, lambda tmp: tmp.write_bytes(data))
    return True


def fetch_tntp(name: str, *, mirror: str | os.PathLike | None = None, cache: str | os.PathLike | None = None,
               force: bool = False) -> Path:
    """Fetch the TNTP network ``name`` (a folder name of the repository, e.g. ``"SiouxFalls"``,
    ``"Chicago-Sketch"``) into the cache and return its folder. Already cached files are kept unless ``force``."""
    from ..games.routing import load_tntp

    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        raise StratlearnError(f"name={name!r}: expected a TNTP network name such as "
                              f"{', '.join(sorted(TNTP_NETWORKS)[:4])}, ...")
    source = str(mirror if mirror is not None else os.environ.get("STRATLEARN_TNTP_MIRROR") or TNTP_URL)
    if "://" not in source and not Path(source).is_dir():
        raise StratlearnError(f"mirror={source!r}: not a folder (expected a folder laid out like the TNTP "
                              "repository, or a URL)")
    prefix = TNTP_NETWORKS.get(name, name)
    folder = Path(cache if cache is not None else default_cache()) / "tntp" / name
    folder.mkdir(parents=True, exist_ok=True)
    for kind in _REQUIRED + _OPTIONAL:
        filename = f"{prefix}_{kind}.tntp"
        target = folder / filename
        if target.is_file() and not force:
            continue
        if not _fetch_one(source, name, filename, target) and kind in _REQUIRED:
            if not any(folder.iterdir()):
                folder.rmdir()            # leave no empty folder behind for a name that does not exist
            known = "" if name in TNTP_NETWORKS else f" (known names: {', '.join(sorted(TNTP_NETWORKS))})"
            raise StratlearnError(f"name={name!r}: no {filename} at {source}{known}")
    load_tntp(folder, prefix)             # the fetched files must parse
    return folder
