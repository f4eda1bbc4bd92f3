"""What every config front-end shares: reading a TOML file with ``--set`` overrides, the one check of unknown keys,
tables, and the number and vector readers. Errors are :class:`~stratlearn.errors.ConfigError` naming the field, the
value and what was expected."""

from __future__ import annotations

import copy
import math
import sys
from pathlib import Path

import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ...errors import ConfigError, did_you_mean

__all__ = ["read_config", "check_known_keys", "config_table", "parse_override", "apply_overrides", "read_number",
           "read_vector"]


def check_known_keys(where: str, given, allowed, *, prefix: str = "", context: str = "") -> None:
    """Refuse keys of ``given`` outside ``allowed``: the one "unknown key" check of every TOML front-end, naming the
    keys (as ``prefix.key``) and what is allowed. ``given`` must be a table (a dict)."""
    if not isinstance(given, dict):
        raise ConfigError(f"{where}: {prefix or 'the config'} must be a table, got {given!r}")
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        names = ", ".join(f"{prefix}.{u}" if prefix else str(u) for u in unknown)
        hint = did_you_mean(unknown[0], allowed) if len(unknown) == 1 else ""
        raise ConfigError(f"{where}: unknown key(s) {names}{hint}{context}; expected some of "
                          f"{', '.join(sorted(allowed))}")


def config_table(raw: dict, key: str, allowed: set, where: str) -> dict:
    """The table ``[key]`` of a config (empty when absent), checked to be a table with only ``allowed`` keys."""
    table = raw.get(key, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{key}] must be a table, got {table!r}")
    check_known_keys(where, table, allowed, prefix=key)
    return table

def read_config(path: str | Path, overrides=()) -> dict:
    """Read a TOML config file into a dict; unreadable files and invalid TOML raise :class:`ConfigError`.
    ``overrides`` are ``KEY=VALUE`` strings applied after reading (:func:`apply_overrides`; the CLI's ``--set``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"config {str(path)!r}: cannot be read ({exc.strerror or exc})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {str(path)!r}: not valid TOML ({exc})") from None
    return apply_overrides(raw, overrides)


def _toml_type(value) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "table"}.get(type(value), type(value).__name__)


def parse_override(item, example: str = "run.steps=1000") -> tuple[str, object]:
    """One ``--set KEY=VALUE``: ``(KEY, VALUE)`` with ``VALUE`` read as a TOML value (``3``, ``0.1``, ``true``,
    ``[1, 2]``, ``"x"``), a plain string where it is not one. A missing ``=`` or an empty part of the dotted key is
    refused, naming the item; ``example`` shows a valid one."""
    if not isinstance(item, str) or "=" not in item:
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. {example}")
    key, text = (part.strip() for part in item.split("=", 1))
    if not key or any(not p for p in key.split(".")):
        raise ConfigError(f"--set {item!r}: expected a dotted KEY such as {example.split('=')[0]}")
    try:
        return key, tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return key, text


def apply_overrides(raw: dict, overrides=()) -> dict:
    """Set ``KEY=VALUE`` pairs in a config dict (a copy). ``KEY`` is a dotted path (``run.steps``,
    ``learners.0.temperature``: a number picks an entry of an array of tables); ``VALUE`` is read as a TOML value
    (``3``, ``0.1``, ``true``, ``[1, 2]``, ``"x"``), and as a plain string where it is not one. A key the file
    already holds keeps its type (an integer may become a number); a new key is left for the config's own checks,
    which name the keys they accept."""
    raw = copy.deepcopy(raw)
    for item in overrides:
        key, value = parse_override(item, "run.steps=1000")
        text = item.split("=", 1)[1].strip()
        path = key.split(".")
        table = raw
        for depth, part in enumerate(path[:-1]):
            where = ".".join(path[:depth + 1])
            if isinstance(table, list):
                if not part.isdigit() or int(part) >= len(table):
                    raise ConfigError(f"--set {key}: {'.'.join(path[:depth])} has {len(table)} entries; expected "
                                      f"an index from 0 to {len(table) - 1} at {part!r}")
                table = table[int(part)]
            elif isinstance(table, dict):
                if part not in table:
                    table[part] = {}
                table = table[part]
            else:
                raise ConfigError(f"--set {key}: {where.rsplit('.', 1)[0]} is a {_toml_type(table)}, not a table")
            if not isinstance(table, (dict, list)):
                raise ConfigError(f"--set {key}: {where} is a {_toml_type(table)}, not a table")
        last = path[-1]
        if isinstance(table, list):
            raise ConfigError(f"--set {key}: {'.'.join(path[:-1])} is an array of tables; expected "
                              f"{'.'.join(path[:-1])}.<index>.{last}")
        if last in table:
            old = table[last]
            widened = isinstance(old, float) and isinstance(value, int) and not isinstance(value, bool)
            if type(old) is not type(value) and not widened and not isinstance(old, list):
                kind = _toml_type(old)
                raise ConfigError(f"--set {key}={text}: expected {'an' if kind[0] in 'aeiou' else 'a'} {kind} (the "
                                  f"config has {old!r}), got {_toml_type(value)} {value!r}")
            value = float(value) if widened else value
        table[last] = value
    return raw


def read_number(field: str, value) -> float:
    """``value`` as a float: a finite number (not a boolean), else a :class:`ConfigError` naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{field}={value!r}: expected a finite number")
    return float(value)


def read_vector(field: str, value, length: int, *, broadcast: bool = False, what: str = "") -> np.ndarray:
    """``value`` as ``length`` finite numbers: a list of that length, or one number (taken as a list of one, or, with
    ``broadcast``, repeated ``length`` times); ``what`` says what the entries are (``"one per link"``)."""
    values = value if isinstance(value, list) else [value]
    if broadcast and not isinstance(value, list):
        values = [value] * length
    if len(values) != length:
        expected = f"a finite number or {length} numbers" if broadcast else f"{length} number(s)"
        raise ConfigError(f"{field}={value!r}: expected {expected}{', ' + what if what else ''}")
    return np.array([read_number(f"{field}[{i}]", v) for i, v in enumerate(values)])
