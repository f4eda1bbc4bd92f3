"""Shared by the benchmark scripts: the machine description and the update of one section of RESULTS.md."""

from __future__ import annotations

import os
import platform
import re
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    import jax

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, JAX {jax.__version__} "
            f"({jax.default_backend()}, {len(jax.local_devices())} devices)")


def update_section(name: str, title: str, body: str) -> None:
    """Replace (or append) the block between ``<!-- name:start -->`` and ``<!-- name:end -->`` atomically."""
    from stratlearn.files import atomic_write

    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    block = (f"<!-- {name}:start -->\n## {title}\n\nMachine: {machine()}. Date: {time.strftime('%Y-%m-%d')}.\n\n"
             f"{body}\n<!-- {name}:end -->")
    pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    atomic_write(RESULTS, lambda p: p.write_text(text))
