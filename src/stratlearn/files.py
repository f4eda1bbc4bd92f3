"""Atomic file writes: write to a temporary file in the target folder, then rename over the target.

Every file written here gets the permissions an ordinary ``open(path, "w")`` would give it (``0o666`` less the
process's umask), not the private ``0o600`` of the temporary file it is written through, so a collaborator who can
read the output folder can read the results.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
from pathlib import Path
from typing import Callable

__all__ = ["prepare_output", "atomic_write", "write_json", "write_parquet", "save_figure", "current_umask", "VECTOR_FORMAT"]

VECTOR_FORMAT = "pdf"
"""The vector copy :func:`save_figure` writes beside every raster figure (for papers and slides)."""

_RASTER = {"png", "jpg", "jpeg", "tif", "tiff", "webp"}
_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows.

    Linux reports it in ``/proc/self/status``; elsewhere it is read by setting it and restoring it at once (under a
    lock, so that two threads of this module never see the temporary value)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def prepare_output(folder: str | Path) -> Path:
    """Make sure ``folder`` can receive outputs *before* anything is computed: create it (and its parents) and write
    and remove a probe file in it. Raises :class:`~stratlearn.errors.ConfigError` naming the folder and the reason
    (it is a file, it cannot be created, it is not writable), so that a finished run is never lost to its folder."""
    from .errors import ConfigError

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"output {folder}: exists and is a file, not a folder; choose another output")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"output {folder}: cannot write there ({exc.strerror or exc}); choose another "
                          f"output") from None
    return folder


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` with ``os.replace`` (atomic on POSIX).

    The temporary file lies in the target's folder (so the rename never crosses file systems) and is given the mode
    ``0o666 & ~umask`` before the rename, as a file created directly would have. On any error it is removed and the
    target is left as it was.

    Args:
        path: The file to write; its folder is created if missing.
        write: Writes the content to the path it is given.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the writer's host and process id are in the name, so a reader can tell an abandoned temporary file (its
    # process is gone) from one being written (see ResultStore.clean_abandoned)
    host = socket.gethostname().replace(".", "_")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{host}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def write_json(path, obj) -> Path:
    """Write ``obj`` as indented JSON (NumPy scalars and arrays and paths converted), atomically."""
    return atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=_json_default) + "\n"))


def write_parquet(path, frame) -> Path:
    """Write a pandas DataFrame as Parquet (without its index), atomically."""
    return atomic_write(path, lambda p: frame.to_parquet(p, index=False))


def save_figure(path, fig, dpi: int = 120, *, vector: str | None = VECTOR_FORMAT) -> Path:
    """Save a matplotlib figure to ``path`` (format from its suffix, PNG when it has none), atomically.

    A raster figure (PNG, JPEG, ...) is also saved as a vector file beside it, ``path`` with the suffix ``vector``
    (PDF by default; ``None`` for none), for a paper or slides: text stays text (TrueType fonts) and curves stay
    curves. The PDF carries no creation date, so the same figure gives the same bytes.

    Args:
        path: The raster (or vector) file to write.
        fig: The ``matplotlib.figure.Figure``.
        dpi: Resolution of the raster file.
        vector: Suffix of the vector copy (``"pdf"`` or ``"svg"``), or ``None``.

    Returns:
        ``path``.

    Raises:
        InvalidParameterError: ``vector`` is not ``"pdf"``, ``"svg"`` or ``None``.
    """
    from .errors import InvalidParameterError

    if vector not in (None, "pdf", "svg"):
        raise InvalidParameterError(f"vector={vector!r}: expected 'pdf', 'svg' or None")
    path = Path(path)
    suffix = path.suffix.lstrip(".").lower() or "png"
    _save(path, fig, suffix, dpi)
    if vector is not None and suffix in _RASTER:
        _save(path.with_suffix(f".{vector}"), fig, vector, dpi)
    return path


def _save(path: Path, fig, fmt: str, dpi: int) -> Path:
    import matplotlib

    metadata = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}.get(fmt)
    with matplotlib.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42, "svg.hashsalt": "stratlearn"}):
        return atomic_write(path, lambda p: fig.savefig(p, dpi=dpi, format=fmt, bbox_inches="tight",
                                                        metadata=metadata))


def _json_default(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON-serializable: {type(obj).__name__}")
