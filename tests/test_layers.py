"""The layers of DESIGN.md, held by import-linter's layers contract (pyproject.toml, ``[tool.importlinter]``): a
module imports only from the layers below it, function-local imports included."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(config: Path, cwd: Path, pythonpath: Path | None = None):
    env = None
    if pythonpath is not None:
        import os

        env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run([str(LINT), str(config), "--no-cache"], cwd=cwd, capture_output=True, text=True, env=env)


def test_stratlearn_keeps_the_layers_of_design_md():
    done = _lint(ROOT / "pyproject.toml", ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_the_contract_sees_a_function_local_import_against_the_layers(tmp_path):
    # the same kind of contract on a two-module package whose lower module imports the upper one inside a function,
    # the way the violations this test replaced were hidden: it must fail and name the import
    package = tmp_path / "layered"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "high.py").write_text("from . import low\n")
    (package / "low.py").write_text(textwrap.dedent("""
        def helper():
            from .high import low   # against the layers
            return low
    """))
    config = tmp_path / "contract.toml"
    config.write_text(textwrap.dedent("""
        [tool.importlinter]
        root_package = "layered"

        [[tool.importlinter.contracts]]
        name = "layers"
        type = "layers"
        layers = ["layered.high", "layered.low"]
    """))
    done = _lint(config, tmp_path, pythonpath=tmp_path)
    assert done.returncode != 0 and "layered.low -> layered.high" in done.stdout, done.stdout + done.stderr


def test_no_module_imports_itself_back():
    # no circle in the import graph, function-local imports included: for every import a -> b, no chain of imports
    # leads from b back to a (the layers contract holds between packages; this holds inside them too). The graph is
    # import-linter's own (grimp); names a lazy package resolves at run time are not imports and are not seen.
    import grimp

    graph = grimp.build_graph("stratlearn", cache_dir=None)
    circles = sorted({tuple(sorted((a, b))) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
                      if b != a and graph.find_shortest_chain(importer=b, imported=a)})
    assert circles == []
