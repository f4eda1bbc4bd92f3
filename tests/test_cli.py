"""The command line, run as a user runs it (a subprocess on the installed entry point)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args, cwd=None):
    exe = Path(sys.executable).with_name("stratlearn")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "stratlearn.cli"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})


SMALL = """
[[games]]
name = "rock_paper_scissors"

[[games]]
name = "random_zero_sum"
rows = 6
seed = 2

[[learners]]
name = "dsbr"
temperature = 0.1

[[learners]]
name = "fictitious_play"

[run]
steps = 2000
seeds = 4
record_every = 500
metrics = ["nash_gap", "regularized_nash_gap:0.1"]
"""


def test_run_writes_trace_config_and_figure(tmp_path):
    cfg = tmp_path / "small.toml"
    cfg.write_text(SMALL)
    out = tmp_path / "out"
    result = _cli("run", str(cfg), "-o", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(out / "trace.parquet")
    assert set(frame.columns) == {"game", "learner", "seed", "step", "metric", "value"}
    assert len(frame) == 2 * 2 * 2 * 4 * 4  # games x learners x metrics x seeds x records
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["run"]["steps"] == 2000 and len(config["runs"]) == 4
    assert (out / "figure.png").read_bytes()[:4] == b"\x89PNG"
    assert "±" in result.stdout and "fictitious_play" in result.stdout
    assert not list(out.glob(".*.tmp")), "no temporary files are left behind"


def test_list_shows_games_learners_metrics():
    result = _cli("list")
    assert result.returncode == 0
    for name in ("rock_paper_scissors", "shapley_game", "dsbr", "smoothed_fictitious_play", "nash_gap", "omwu"):
        assert name in result.stdout


def test_errors_are_one_clear_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace('name = "dsbr"', 'name = "dsbrr"'))
    result = _cli("run", str(bad), "-o", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "unknown learner 'dsbrr'" in result.stderr and "fictitious_play" in result.stderr
    assert "Traceback" not in result.stderr
    bad.write_text("this is = not [toml")
    result = _cli("run", str(bad))
    assert result.returncode == 2 and "not valid TOML" in result.stderr


def test_example_configs_parse():
    # one schema: every shipped config, of any kind, reads into checked points with the loader run and sweep use
    from stratlearn.experiments.configs.kinds import load_config_points

    examples = sorted((ROOT / "examples").glob("*.toml"))
    assert len(examples) >= 3
    kinds = set()
    for path in examples:
        raw, kind, points = load_config_points(path, sweep=True)
        assert points, path
        kinds.add(kind)
    assert kinds == {"simulate", "leader", "population", "audit"}


def test_run_refuses_a_sweep_config(tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text(SMALL.replace("temperature = 0.1", "temperature = [0.1, 0.2]"))
    result = _cli("run", str(cfg), "-o", str(tmp_path / "o"))
    assert result.returncode == 2 and "stratlearn sweep" in result.stderr


def test_version_and_python_m():
    from stratlearn import __version__

    for run in (_cli("--version"), subprocess.run([sys.executable, "-m", "stratlearn", "--version"],
                                                  capture_output=True, text=True, timeout=120)):
        assert run.returncode == 0 and run.stdout.strip() == f"stratlearn {__version__}"


def test_example_copies_a_shipped_config_that_runs(tmp_path):
    """The example configs ship inside the package (the repository's examples/ is a link to them): `example` lists
    them, copies one out, refuses to overwrite it without --force, and names the examples (with the closest one)
    for an unknown name; the copy runs."""
    from importlib import resources

    shipped = sorted(p.name for p in (resources.files("stratlearn") / "examples").iterdir())
    assert "matrix_games.toml" in shipped and (ROOT / "examples").resolve() == ROOT / "src" / "stratlearn" / "examples"
    listing = _cli("example")
    assert listing.returncode == 0 and listing.stdout.split() == [n for n in shipped if n.endswith((".toml", ".py"))]
    out = _cli("example", "matrix_games", "-o", str(tmp_path / "d"))
    assert out.returncode == 0, out.stderr
    copied = tmp_path / "d" / "matrix_games.toml"
    assert copied.read_bytes() == (ROOT / "examples" / "matrix_games.toml").read_bytes()
    again = _cli("example", "matrix_games", "-o", str(tmp_path / "d"))
    assert again.returncode == 2 and "exists; pass --force" in again.stderr
    assert _cli("example", "matrix_games", "-o", str(tmp_path / "d"), "--force").returncode == 0
    bad = _cli("example", "matrix_game")
    assert bad.returncode == 2 and "expected one of" in bad.stderr and "did you mean 'matrix_games'?" in bad.stderr
    small = copied.read_text().replace("steps = ", "steps = 1000 #").replace("seeds = ", "seeds = 2 #")
    small = "\n".join(line for line in small.splitlines() if not line.startswith("record_every"))
    copied.write_text(small + "\n")
    run = _cli("run", str(copied), "-o", str(tmp_path / "run"), "--no-progress")
    assert run.returncode == 0, run.stderr


def test_a_mistyped_subcommand_gets_a_suggestion():
    out = _cli("rn", "x.toml")
    assert out.returncode == 2 and "invalid choice: 'rn'" in out.stderr and "did you mean 'run'?" in out.stderr


def test_results_and_list_speak_json(tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text(SMALL)
    assert _cli("sweep", str(cfg), "-o", str(tmp_path / "store"), "--no-progress").returncode == 0
    out = _cli("results", str(tmp_path / "store"), "--json")
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert len(records) == 4 and {r["learner"]["name"] for r in records} == {"dsbr", "fictitious_play"}
    for r in records:
        assert len(r["point"]) == 20 and r["seeds"] == 4 and r["steps"] == 2000
        assert r["final"]["nash_gap"]["mean"] >= 0 and r["final"]["nash_gap"]["std"] >= 0
    listing = json.loads(_cli("list", "--json").stdout)
    assert {"games", "learners", "metrics", "studies"} <= set(listing)
    assert "dsbr" in listing["learners"] and "matrix-games" in listing["studies"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """A wheel built from a clean checkout: a clone of the committed tree (what a user's clone holds), not this
    working tree with its build leftovers; the working tree itself where it is not a git checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = ROOT
    if (ROOT / ".git").exists():
        clone = subprocess.run(["git", "clone", "--quiet", "--no-local", str(ROOT), str(tmp / "checkout")],
                               capture_output=True, text=True, timeout=300)
        assert clone.returncode == 0, clone.stderr
        source = tmp / "checkout"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(tmp)],
                           capture_output=True, text=True, timeout=600)
    if build.returncode != 0 and ("NewConnectionError" in build.stderr or "No matching distribution" in build.stderr):
        pytest.skip(f"building a wheel needs setuptools from PyPI, unreachable here: {build.stderr.strip()[-200:]}")
    assert build.returncode == 0, build.stderr
    (built,) = tmp.glob("stratlearn-*.whl")
    return built


def test_the_wheel_ships_the_examples_the_licence_and_the_typing_marker(wheel):
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n.split("/")[-1] for n in names if n.startswith("stratlearn/examples/")}
    assert shipped == {p.name for p in (ROOT / "examples").iterdir() if p.suffix in (".toml", ".py")}
    assert "stratlearn/py.typed" in names and "stratlearn/__main__.py" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in metadata and "Classifier: Typing :: Typed" in metadata
    assert "Project-URL: Paper [1] payoff-based independent learning, https://arxiv.org/abs/2303.03100" in metadata


def test_the_wheel_installs_into_a_fresh_venv_and_runs_an_example(wheel, tmp_path):
    """The wheel in a new virtual environment: ``stratlearn example matrix_games -o d && stratlearn run
    d/matrix_games.toml --set run.steps=1000 --set run.seeds=2``. The venv gets stratlearn from the wheel only; its
    dependencies (JAX, NumPy, ...) come from this interpreter's site-packages through a path file, which adds that
    folder to ``sys.path`` without running its own path files, so this checkout's editable install stays out."""
    import site
    import venv

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "dependencies.pth").write_text("\n".join(deps) + "\n")
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                              "--target", purelib, str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    # the console script: what `pip install` writes into the venv's bin (pip --target does not, so write it here
    # the way an entry point reads)
    exe = env_dir / "bin" / "stratlearn"
    exe.write_text(f"#!{python}\nimport sys\nfrom stratlearn.cli import main\nsys.exit(main())\n")
    exe.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["JAX_PLATFORMS"] = "cpu"
    where = subprocess.run([str(python), "-c", "import stratlearn; print(stratlearn.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, env=env)
    assert where.returncode == 0 and Path(where.stdout.strip()).is_relative_to(env_dir), where
    example = subprocess.run([str(exe), "example", "matrix_games", "-o", "d"], cwd=tmp_path, capture_output=True,
                             text=True, env=env, timeout=120)
    assert example.returncode == 0, example.stderr
    run = subprocess.run([str(exe), "run", "d/matrix_games.toml", "--set", "run.steps=1000", "--set", "run.seeds=2",
                          "--no-progress"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    frame = pd.read_parquet(tmp_path / "runs" / "matrix_games" / "trace.parquet")
    assert frame["seed"].nunique() == 2 and frame["step"].max() <= 1000


def test_help_version_and_config_errors_do_not_import_jax(tmp_path):
    """What answers at once does not wait for JAX (about 2 s to import): --help, --version, a subcommand's help and
    a config that cannot be read or has unknown keys (run, sweep, population, tolls, collective audit). Checked by what is imported, not by timing."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[run]\nsteps = 10\nstepz = 3\n')
    script = (
        "import sys, contextlib, io\n"
        "from stratlearn.cli import main\n"
        "codes = []\n"
        "ex = sys.argv[2] + '/examples/'\n"
        "for argv in (['--help'], ['--version'], ['sweep', '--help'], ['run', sys.argv[1] + '.missing'],\n"
        "             ['run', sys.argv[1]], ['sweep', sys.argv[1]],\n"
        "             ['population', ex + 'distribution_shift.toml', '--set', 'run.tend=3'],\n"
        "             ['tolls', ex + 'tolls.toml', '--set', 'leader.iterationz=3'],\n"
        "             ['collective', 'audit', '--config', ex + 'collective.toml', '--set', 'collective.seedz=3']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "        try:\n"
        "            codes.append(main(argv))\n"
        "        except SystemExit as exc:\n"
        "            codes.append(exc.code)\n"
        "print(codes, 'jax' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script, str(bad), str(ROOT)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[0, 0, 0, 2, 2, 2, 2, 2, 2] False"


def test_run_with_set_and_dry_run(tmp_path):
    """The issue's line: a shipped example, made small with --set, runs; --dry-run prints its points and the work
    and runs nothing."""
    assert _cli("example", "matrix_games", "-o", str(tmp_path / "d")).returncode == 0
    cfg = str(tmp_path / "d" / "matrix_games.toml")
    dry = _cli("run", cfg, "--set", "run.steps=1000", "--set", "run.seeds=2", "--dry-run", "-o", str(tmp_path / "o"))
    assert dry.returncode == 0 and "6 point(s) (6 of kind simulate), 1.2e+04 learner steps" in dry.stdout and not (tmp_path / "o").exists()
    run = _cli("run", cfg, "--set", "run.steps=1000", "--set", "run.seeds=2", "-o", str(tmp_path / "o"),
               "--no-progress")
    assert run.returncode == 0, run.stderr
    trace = pd.read_parquet(tmp_path / "o" / "trace.parquet")
    assert trace.step.max() == 1000 and trace.seed.nunique() == 2
    bad = _cli("sweep", cfg, "--set", "run.seeds=two")
    assert bad.returncode == 2 and "--set run.seeds=two: expected an integer" in bad.stderr


def test_results_and_report_read_a_run_folder(tmp_path):
    cfg = tmp_path / "r.toml"
    cfg.write_text(SMALL)
    run = _cli("run", str(cfg), "-o", str(tmp_path / "run"), "--no-progress")
    assert run.returncode == 0, run.stderr
    out = _cli("results", str(tmp_path / "run"), "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == 8 and {r["metric"] for r in rows} == {"nash_gap", "regularized_nash_gap_0.1"}
    # the same finals the run printed
    trace = pd.read_parquet(tmp_path / "run" / "trace.parquet")
    last = trace[(trace.step == 2000) & (trace.metric == "nash_gap") & (trace.learner == "dsbr")]
    dsbr = [r for r in rows if r["learner"] == "dsbr" and r["metric"] == "nash_gap"]
    assert sorted(r["mean"] for r in dsbr) == pytest.approx(sorted(last.groupby("game").value.mean()))
    assert "final (mean ± std)" in _cli("results", str(tmp_path / "run")).stdout
    rep = _cli("report", str(tmp_path / "run"), "-o", str(tmp_path / "r.html"))
    assert rep.returncode == 0, rep.stderr
    page = (tmp_path / "r.html").read_text()
    assert "Run: r" in page or "Run: " in page
    assert page.count('class="figure"') >= 1 and "regularized_nash_gap_0.1" in page


def test_the_lazy_packages_still_give_every_submodule_by_name():
    import stratlearn as sl

    assert sl.games.matrix.MatrixGame is sl.games.MatrixGame and sl.populations.collective.datasets.digits is not None
    assert callable(sl.simulate) and callable(sl.experiments.simulate)
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        sl.games.nothing


def test_no_module_shadows_a_public_name_of_its_package():
    """Importing a sub-module sets it as an attribute of its package; a module named like one of the package's
    public names (say populations/energy.py beside the function ``energy``) would replace that name once imported.
    In a fresh interpreter, import every sub-module, then every name of ``__all__`` must still be what the package
    exports, not a module (unless the package lists it as a module)."""
    script = (
        "import importlib, pkgutil, types\n"
        "bad = []\n"
        "for pkg_name in ('stratlearn.games', 'stratlearn.equilibria', 'stratlearn.learners',\n"
        "                 'stratlearn.populations', 'stratlearn.experiments'):\n"
        "    pkg = importlib.import_module(pkg_name)\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg_name + '.'):\n"
        "        if 'examples' not in info.name:\n"
        "            importlib.import_module(info.name)\n"
        "    modules = set(pkg.__lazy_modules__)\n"
        "    for name in set(pkg.__all__) - modules:\n"
        "        if isinstance(getattr(pkg, name), types.ModuleType):\n"
        "            bad.append(pkg_name + '.' + name)\n"
        "print(bad)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_population_tolls_and_collective_take_set_and_dry_run(tmp_path):
    """--set and --dry-run on the config commands besides run and sweep: the dry run checks the config with the
    overrides applied, says what would run and writes nothing; a bad --set names the key and the expected type."""
    ex = ROOT / "examples"
    population = _cli("population", str(ex / "distribution_shift.toml"), "--set", "run.t_end=5", "--dry-run",
                      "-o", str(tmp_path / "p"), cwd=tmp_path)
    assert population.returncode == 0, population.stderr
    assert "integrate to t = 5," in population.stdout and "nothing was run" in population.stdout
    tolls = _cli("tolls", str(ex / "tolls.toml"), "--set", "leader.iterations=3", "--dry-run", cwd=tmp_path)
    assert tolls.returncode == 0, tolls.stderr
    assert "SiouxFalls (76 links" in tolls.stdout and "iterations=3" in tolls.stdout
    audit = _cli("collective", "audit", "--config", str(ex / "collective.toml"), "--set", "collective.seeds=2",
                 "--dry-run", cwd=tmp_path)
    assert audit.returncode == 0, audit.stderr
    assert "x 2 seed(s)" in audit.stdout
    assert not (tmp_path / "p").exists() and not (tmp_path / "runs").exists()
    for args, message in [
        (("tolls", str(ex / "tolls.toml"), "--set", "leader.step_size=fast"), "leader.step_size=fast: expected a number"),
        (("population", str(ex / "distribution_shift.toml"), "--set", "run.t_end"), "expected KEY=VALUE"),
        (("population", str(ex / "distribution_shift.toml"), "--set", "run.tend=3"), "run.tend"),
        (("collective", "audit", "--data", "x.csv", "--model", "m", "--set", "seeds=2"), "overrides values of a "
                                                                                           "--config file"),
        # a dry run refuses what a run refuses
        (("tolls", str(ex / "tolls.toml"), "--set", "leader.iterations=0", "--dry-run"),
         "leader.iterations=0: expected an integer >= 1"),
        (("tolls", str(ex / "tolls.toml"), "--set", "leader.step_size=-1", "--dry-run"), "expected a finite number > 0"),
        (("collective", "audit", "--config", str(ex / "collective.toml"), "--set", "collective.alphas=5",
          "--dry-run"), "alphas[0]=5.0: expected a number in (0.0, 1.0)"),
        (("collective", "audit", "--config", str(ex / "collective.toml"), "--set", "collective.seeds=-2",
          "--dry-run"), "seeds=-2: expected an integer >= 1"),
    ]:
        out = _cli(*args, cwd=tmp_path)
        assert out.returncode == 2 and message in out.stderr, (args, out.stderr)


def test_tolls_runs_with_set_overrides(tmp_path):
    out = _cli("tolls", str(ROOT / "examples" / "tolls.toml"), "--set", "leader.iterations=2", "-o",
               str(tmp_path / "t"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    trace = pd.read_parquet(tmp_path / "t" / "trace.parquet")
    assert len(trace) == 3                                   # the start and 2 leader iterations
    config = json.loads((tmp_path / "t" / "config.json").read_text())
    assert config["config"]["leader"]["iterations"] == 2     # the config as run, overrides applied
