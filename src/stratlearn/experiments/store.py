"""The result store: a folder of Parquet files, one per point, named by the point's content hash, plus an index.

```
DIR/
  store.json              marks the folder as a store: format, version, every config that filled it
  points/<key>.parquet    one point: the tidy trace (seed, step, metric, value); the point's config, the run's
                          info, stratlearn's version and the file's SHA-256 are in the file's key-value metadata
                          under "stratlearn"
  index.parquet           one row per stored point: key, file, checksum, kind, game, learner, config (JSON), every
                          parameter as a column of its own (game.seed, learner.temperature, run.steps, ...), the
                          final metrics' means and stds; derived state, rebuilt from the point files whenever it
                          disagrees with them
  .lock                   the lock writers hold while they update the index and store.json
```

Integrity. Each point file carries the SHA-256 of its whole content: the digest is computed over the finished file
with the digest's own 64 characters set to ``0`` and then written into that place, so one file holds both and any
change to any byte (data, schema, metadata, or the digest itself) is detected when the file is read. Every read
verifies it (reading a point, checking whether it is stored, listing results, building a report); a file that fails
is reported by name, never read, and recomputed by the next sweep. The digest is also in the index.

Concurrency. Files are written atomically (a uniquely named temporary file in the same folder, then a rename), so a
crash leaves either the old file or the new one. Several processes may write one store at once: temporary files
carry their writer's host and process id, and are deleted only when that process no longer exists on this host; the
index and ``store.json`` are read, merged and rewritten under an exclusive lock (``fcntl.flock`` on ``.lock``), so no
writer's point or config is lost. Two writers of the same point write the same key; the last rename wins and the
store holds it once. Only Parquet and JSON are read back: nothing is unpickled. The files open with pandas or polars
without stratlearn.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import time
from pathlib import Path

from ..errors import StratlearnError
from ..files import atomic_write, write_json
from .points import Point

__all__ = ["ResultStore", "StoreError", "CorruptPointError", "file_digest", "seal"]

FORMAT = "stratlearn-store"
FORMAT_VERSION = 2
META_KEY = b"stratlearn"
DIGEST_FIELD = b'"sha256": "'
PLACEHOLDER = b"0" * 64
_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<host>[^.]*)\.(?P<pid>\d+)\.[^.]+\.tmp$")


class StoreError(StratlearnError):
    """A folder is not a result store, or a store cannot be used."""


class CorruptPointError(StoreError):
    """A point file exists but cannot be read back intact."""


def seal(data: bytes) -> bytes:
    """Write into ``data`` (a Parquet file whose metadata holds ``"sha256": "000…0"``) the SHA-256 of the file with
    that placeholder in place: the file then carries the checksum of its whole content."""
    at = data.rfind(DIGEST_FIELD + PLACEHOLDER)
    if at < 0:
        raise ValueError("no checksum placeholder in the file's metadata")
    at += len(DIGEST_FIELD)
    digest = hashlib.sha256(data).hexdigest().encode()
    return data[:at] + digest + data[at + 64:]


def file_digest(data: bytes) -> str:
    """The SHA-256 that a sealed file's bytes carry, after checking it against the bytes; raises ``ValueError``
    saying what is wrong when the file carries none or a different one."""
    at = data.rfind(DIGEST_FIELD)
    if at < 0:
        raise ValueError("no checksum in the file's metadata (damaged metadata, or a file from a store format "
                         "without checksums)")
    at += len(DIGEST_FIELD)
    carried = data[at:at + 64]
    actual = hashlib.sha256(data[:at] + PLACEHOLDER + data[at + 64:]).hexdigest().encode()
    if carried != actual:
        raise ValueError(f"checksum mismatch: the file carries {carried[:12].decode(errors='replace')}…, its content "
                         f"hashes to {actual[:12].decode()}…")
    return actual.decode()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True        # exists, owned by another user
    except OSError:
        return True        # cannot tell: keep the file
    return True


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path`` for the duration of the block (a no-op where ``fcntl`` is unavailable)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class ResultStore:
    """A result store rooted at ``path`` (see the module docstring for the layout)."""

    def __init__(self, path: str | Path, manifest: dict):
        self.path = Path(path)
        self.manifest = manifest
        self.damaged: dict[str, str] = {}   # key -> reason, for the point files the last scan could not verify

    # ------------------------------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | Path, *, create: bool = False, config: dict | None = None) -> "ResultStore":
        """Open the store at ``path``; with ``create=True`` make it if the folder is missing or empty.

        ``config`` (a sweep's configuration) is added to the manifest's list of configs that filled the store."""
        path = Path(path)
        marker = path / "store.json"
        if marker.exists():
            manifest = cls._read_manifest(marker)
            store = cls(path, manifest)
            if config is not None:
                store._add_config(config)
            store.clean_abandoned()
            return store
        if not create:
            raise StoreError(f"{path}: not a stratlearn result store (no store.json); expected a folder written by "
                             f"`stratlearn sweep` or `stratlearn reproduce`")
        if path.exists() and (not path.is_dir() or any(p.name != ".lock" for p in path.iterdir())):
            raise StoreError(f"{path}: exists and is not an empty folder nor a result store; choose another output")
        from .._version import __version__

        try:
            (path / "points").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the store folder ({exc.strerror or exc}); choose another "
                             f"output") from None
        with _locked(path / ".lock"):
            if marker.exists():          # another process created it meanwhile
                store = cls(path, cls._read_manifest(marker))
                if config is not None:
                    store._add_config(config, locked=True)
                return store
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "stratlearn": __version__,
                        "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "config": config,
                        "configs": [] if config is None else [config]}
            write_json(marker, manifest)
        return cls(path, manifest)

    @staticmethod
    def _read_manifest(marker: Path) -> dict:
        try:
            manifest = json.loads(marker.read_text())
        except (OSError, ValueError) as exc:
            raise StoreError(f"{marker}: unreadable store manifest ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
            raise StoreError(f"{marker.parent}: not a stratlearn result store (store.json has format {found!r}, "
                             f"expected {FORMAT!r})")
        return manifest

    def _add_config(self, config: dict, locked: bool = False) -> None:
        """Record ``config`` in ``store.json`` (under the lock: concurrent sweeps all keep theirs)."""
        def update():
            manifest = self._read_manifest(self.path / "store.json")
            configs = manifest.get("configs")
            if configs is None:   # a manifest from before the list: its one config is the first entry
                configs = [] if manifest.get("config") is None else [manifest["config"]]
            if config not in configs:
                configs.append(config)
            manifest["configs"], manifest["config"] = configs, config
            write_json(self.path / "store.json", manifest)
            self.manifest = manifest

        if locked:
            update()
        else:
            with _locked(self.path / ".lock"):
                update()

    def configs(self) -> list[dict]:
        """Every configuration that filled the store, oldest first."""
        configs = self.manifest.get("configs")
        if configs is None:
            return [] if self.manifest.get("config") is None else [self.manifest["config"]]
        return list(configs)

    def clean_abandoned(self) -> list[Path]:
        """Delete the temporary files of writers that no longer exist on this host (killed mid-write); a temporary
        file of a live process, or of another host, is never touched. Returns the deleted paths."""
        host, removed = socket.gethostname().replace(".", "_"), []
        for folder in (self.path, self.path / "points"):
            for tmp in folder.glob(".*.tmp"):
                match = _TMP.match(tmp.name)
                if match is None or match["host"] != host or _process_alive(int(match["pid"])):
                    continue
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                    removed.append(tmp)
        return removed

    # ------------------------------------------------------------------------------------------ points
    def file(self, point: Point | str) -> Path:
        key = point if isinstance(point, str) else point.key()
        return self.path / "points" / f"{key}.parquet"

    def _read(self, path: Path):
        """Read and verify one point file: its carried SHA-256, then Parquet's page checksums and the metadata."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CorruptPointError(f"{path}: unreadable point file ({exc.strerror or exc})") from None
        try:
            digest = file_digest(data)
        except ValueError as exc:
            raise CorruptPointError(f"{path}: {exc}") from None
        try:
            table = pq.read_table(pa.BufferReader(data), page_checksum_verification=True)
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise CorruptPointError(f"{path}: unreadable point file ({exc})") from None
        meta = (table.schema.metadata or {}).get(META_KEY)
        if meta is None:
            raise CorruptPointError(f"{path}: point file without stratlearn metadata")
        try:
            meta = json.loads(meta)
        except ValueError as exc:
            raise CorruptPointError(f"{path}: point metadata is not valid JSON ({exc})") from None
        if meta.get("key") != path.stem or meta.get("rows") != table.num_rows:
            raise CorruptPointError(f"{path}: point file does not match its metadata (key or row count)")
        meta["sha256"] = digest
        return table, meta

    def status(self, point: Point) -> tuple[str, str | None]:
        """``("ok", None)``, ``("missing", None)`` or ``("corrupt", reason)`` for ``point``'s file."""
        path = self.file(point)
        if not path.exists():
            return "missing", None
        try:
            self._read(path)
        except CorruptPointError as exc:
            return "corrupt", str(exc)
        return "ok", None

    def read(self, point: Point | str):
        """The stored tidy frame of ``point`` (raises :class:`CorruptPointError` if the file is damaged)."""
        path = self.file(point)
        if not path.exists():
            raise StoreError(f"{path}: point not in the store")
        table, _ = self._read(path)
        return table.to_pandas()

    def meta(self, point: Point | str) -> dict:
        return self._read(self.file(point))[1]

    def write(self, point: Point, frame, info: dict) -> Path:
        """Store ``frame`` (the tidy trace) for ``point`` atomically and sealed with its checksum, then merge its row
        into the index under the store's lock."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from .._version import __version__

        key = point.key()
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = {"key": key, "point": point.as_dict(), "tags": point.tags, "info": info, "stratlearn": __version__,
                "rows": table.num_rows, "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "sha256": PLACEHOLDER.decode()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               META_KEY: json.dumps(meta, default=str).encode()})
        buffer = pa.BufferOutputStream()
        # the placeholder occurs once in plain text (the Arrow schema's copy of the metadata is base64-encoded; it
        # keeps the zeros, and is covered by the checksum like every other byte)
        pq.write_table(table, buffer, write_page_checksum=True)
        sealed = seal(buffer.getvalue().to_pybytes())
        path = atomic_write(self.file(key), lambda p: p.write_bytes(sealed))
        meta["sha256"] = file_digest(sealed)
        self._merge_index({key: self._row(key, meta, frame, path.stat())})
        return path

    def read_all(self) -> list[tuple[str, dict, object]]:
        """``(key, metadata, frame)`` for every point file that verifies, in key order; the files that do not are
        left out and listed in :attr:`damaged` (key -> reason), for the caller to name."""
        entries, damaged = [], {}
        for key in self.keys():
            try:
                table, meta = self._read(self.file(key))
            except CorruptPointError as exc:
                damaged[key] = str(exc)
                continue
            entries.append((key, meta, table.to_pandas()))
        self.damaged = damaged
        return entries

    def keys(self) -> list[str]:
        return sorted(p.stem for p in (self.path / "points").glob("*.parquet"))

    # ------------------------------------------------------------------------------------------ index
    @staticmethod
    def _row(key: str, meta: dict, frame, stat) -> dict:
        point = meta["point"]
        # metrics named NAME/... are arrays stored by entry (a step is an entry's index, not a record): not summarized
        traced = frame[~frame["metric"].astype(str).str.contains("/", regex=False)]
        row = {"key": key, "file": f"points/{key}.parquet", "sha256": meta["sha256"],
               "kind": point.get("kind", "simulate"), "game": point["game"]["name"], "learner": point["learner"]["name"],
               "config": json.dumps(point, sort_keys=True),
               "seeds": int(frame["seed"].nunique()), "steps": int(traced["step"].max()) if len(traced) else 0,
               "wall_time": float(meta.get("info", {}).get("wall_time", float("nan"))),
               "file_size": int(stat.st_size), "file_mtime_ns": int(stat.st_mtime_ns)}
        for section in ("game", "learner", "run"):      # the parameters as columns: game.seed, learner.temperature
            for name, value in _flatten(point.get(section, {})):
                row[f"{section}.{name}"] = value
        for metric, group in traced.groupby("metric"):      # each metric at its own last record
            values = group.loc[group.step == group.step.max(), "value"]
            row[f"{metric}_mean"] = float(values.mean())
            row[f"{metric}_std"] = float(values.std(ddof=0))
        return row

    def _scan(self, known: dict[str, dict] | None = None) -> dict[str, dict]:
        """Index rows of every point file that verifies. A row of ``known`` is reused for a file whose size and
        modification time are those it records (the writer's fast path); every other file is read and verified.
        Files that fail go to ``self.damaged`` with the reason."""
        known = known or {}
        rows, damaged = {}, {}
        for key in self.keys():
            path = self.file(key)
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            row = known.get(key)
            if row is not None and row.get("file_size") == stat.st_size and row.get("file_mtime_ns") == stat.st_mtime_ns:
                rows[key] = row
                continue
            try:
                table, meta = self._read(path)
            except CorruptPointError as exc:
                damaged[key] = str(exc)
                continue
            rows[key] = self._row(key, meta, table.to_pandas(), stat)
        self.damaged = damaged
        return rows

    def _disk_index(self) -> dict[str, dict]:
        import pandas as pd

        path = self.path / "index.parquet"
        try:
            frame = pd.read_parquet(path)
        except Exception:  # noqa: BLE001 - missing or damaged: the index is derived state, rebuilt from the files
            return {}
        if "key" not in frame.columns or (len(frame) and not {"game.name", "kind"} <= set(frame.columns)):
            return {}      # missing, or written before the parameter or kind columns: rebuilt from the point files
        rows = {}
        for record in frame.to_dict("records"):
            rows[record["key"]] = {k: v for k, v in record.items() if not (isinstance(v, float) and v != v
                                                                           and k.endswith(("_mean", "_std")))}
        return rows

    def _merge_index(self, new_rows: dict[str, dict]) -> None:
        with _locked(self.path / ".lock"):
            rows = self._scan(self._disk_index())
            rows.update({k: v for k, v in new_rows.items() if k in rows or self.file(k).exists()})
            self._write_rows(rows)

    def _write_rows(self, rows: dict[str, dict]) -> Path:
        import pandas as pd

        frame = _one_type_per_column(pd.DataFrame([rows[k] for k in sorted(rows)]))
        return atomic_write(self.path / "index.parquet", lambda p: frame.to_parquet(p, index=False))

    def index(self, verify: bool = True):
        """One row per intact point: key, file, checksum, game, learner, config (JSON), seeds, steps, wall time, and
        each metric's final mean and std over seeds.

        With ``verify`` (the default) every point file is read and its checksum checked; files that fail are left
        out and listed in :attr:`damaged` (key -> reason), so a caller can name them."""
        import pandas as pd

        rows = self._scan() if verify else self._scan(self._disk_index())
        frame = _one_type_per_column(pd.DataFrame([rows[k] for k in sorted(rows)]))
        return frame.drop(columns=[c for c in ("file_size", "file_mtime_ns") if c in frame.columns])

    def write_index(self) -> Path:
        """Rebuild ``index.parquet`` from the point files (under the lock)."""
        with _locked(self.path / ".lock"):
            return self._write_rows(self._scan())

    def damaged_note(self) -> str:
        """One line naming the files the last scan left out, with what to do; empty when none."""
        if not self.damaged:
            return ""
        names = "; ".join(f"points/{k}.parquet ({why.split(': ', 1)[-1]})" for k, why in sorted(self.damaged.items()))
        return (f"store {self.path}: {len(self.damaged)} damaged point file(s) left out: {names}. Run the sweep "
                f"again to recompute them.")


def _flatten(table: dict, prefix: str = ""):
    """``(dotted name, value)`` for every scalar of a config table: nested tables give dotted names
    (``step_size.kind``), lists are kept as their JSON text, ``None`` is left out."""
    for key, value in sorted(table.items()):
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{name}.")
        elif isinstance(value, (list, tuple)):
            yield name, json.dumps(value, sort_keys=True, default=str)
        elif value is not None:
            yield name, value


def _one_type_per_column(frame):
    """Parquet wants one type per column: a parameter column whose points disagree (a number in one, a table's text
    in another) is written as text in every row."""
    for column in frame.columns:
        if "." in column and frame[column].dtype == object:
            kinds = {type(v) for v in frame[column] if v is not None and v == v}
            if len(kinds) > 1:
                frame[column] = [None if v is None or v != v else str(v) for v in frame[column]]
    return frame
