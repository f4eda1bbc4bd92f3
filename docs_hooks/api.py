"""The API reference, generated when the site is built: one page per public module of ``src/stratlearn`` (a
module whose name and package names do not start with ``_``), each rendered from its docstrings by mkdocstrings,
listed under "API reference" in the navigation, grouped by package. A module added to the package gets its page
without anyone editing ``mkdocs.yml`` (tests/test_docs.py checks that every public module has one)."""
from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

SRC = Path(__file__).resolve().parent.parent / "src"
SKIP = {"examples"}          # the shipped example configs, not code


def public_modules() -> list[str]:
    """Dotted names of every public module (not the packages' ``__init__``: a package's names are documented in
    the modules that define them), sorted."""
    names = []
    for path in sorted((SRC / "stratlearn").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            continue
        if any(p.startswith("_") or p in SKIP for p in parts[1:]):
            continue
        names.append(".".join(parts))
    return names


def page_of(module: str) -> str:
    return "api/" + module.removeprefix("stratlearn.").replace(".", "/") + ".md"


GROUPS = [("Core", ""), ("Games", "games."), ("Equilibria", "equilibria."), ("Learners", "learners."),
          ("Populations", "populations."), ("Experiments", "experiments."), ("Studies", "studies.")]


def _group(module: str) -> str:
    rest = module.removeprefix("stratlearn.")
    for title, prefix in reversed(GROUPS):
        if prefix and rest.startswith(prefix):
            return title
    return "Core"


def on_config(config, **kwargs):
    """Fill the navigation entry "API reference" with the module pages."""
    groups: dict[str, list] = {title: [] for title, _ in GROUPS}
    for module in public_modules():
        groups[_group(module)].append({module: page_of(module)})
    for entry in config.nav:
        if isinstance(entry, dict) and "API reference" in entry:
            entry["API reference"] = ([{"Overview": "api/index.md"}]
                                      + [{title: pages} for title, pages in groups.items() if pages])
    return config


def on_files(files, config, **kwargs):
    for module in public_modules():
        files.append(File.generated(config, page_of(module), content=f"# `{module}`\n\n::: {module}\n"))
    return files
