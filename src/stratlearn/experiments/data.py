"""Fetching TNTP road networks (the Transportation Networks for Research repository) into a local cache.

``fetch_tntp("Anaheim")`` copies the network's files (``*_net.tntp``, ``*_trips.tntp`` and, where published,
``*_flow.tntp`` and ``*_node.tntp``) into ``<cache>/tntp/<name>/`` and returns that folder, which
:func:`stratlearn.games.routing.load_tntp` reads (also by name). The known networks, the files each has and their
SHA-256 checksums are recorded in :mod:`stratlearn.games.tntp`; a file is written to the cache only when its
checksum matches, so a corrupted or altered copy is refused and nothing of it is left behind. Sioux Falls and Braess
also ship inside the package and need no fetching.

The source is the repository on GitHub or a mirror: a local folder laid out like the repository
(``<mirror>/<name>/<prefix>_net.tntp``) or a URL prefix, given by the ``mirror`` argument, the ``--mirror`` option of
``stratlearn data fetch`` or the ``STRATLEARN_TNTP_MIRROR`` environment variable. The cache is ``cache``,
``--cache``, ``STRATLEARN_DATA`` or ``~/.cache/stratlearn``. Every file is read and checked before the first one is
written, each is written atomically, and the network must parse before the fetch reports success.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import ChecksumError, DataError, StratlearnError
from ..games.tntp import (TNTP_NETWORKS, TNTP_SHA256, TNTP_URL, canonical_tntp_name, default_cache, locate_tntp,
                          tntp_prefix)
from .io import atomic_write

__all__ = ["TNTP_URL", "TNTP_NETWORKS", "fetch_tntp", "find_tntp", "default_cache"]


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
    written, each atomically (:func:`stratlearn.experiments.io.atomic_write`). Cached files whose checksum matches are
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
    from ..games.routing import load_tntp

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
    load_tntp(folder, tntp_prefix(known))   # the fetched files must parse
    return folder
