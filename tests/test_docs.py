"""The documentation site and every code block of the README and the docs.

* The site builds strictly with mkdocs-material; the API reference has a page for every public module, found here
  by walking the package (not by asking the hook that makes the pages).
* A page with math, opened in headless Chromium, holds laid-out MathML: fractions stacked, no TeX left in the text.
* Every fenced block in ``README.md`` and ``docs/*.md`` whose language is python, bash, sh or toml is run (python:
  the blocks of a page in order, in one namespace, in a fresh interpreter; shell: each command; toml: read, and a
  whole config of any kind is checked by ``stratlearn run --dry-run``, or ``sweep --dry-run`` with a ``[sweep]``). A fragment that shows a call on objects built
  elsewhere gets those objects from ``SETUP`` below; a command that cannot run in a test is listed in ``NOT_RUN``
  with the reason. A block that is added to the docs runs without anyone listing it.
"""
from __future__ import annotations

import importlib.util
import os
import pkgutil
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

import stratlearn
from stratlearn.errors import ConfigError
from stratlearn.experiments.configs.kinds import config_kind

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _stratlearn_command() -> list[str]:
    exe = Path(sys.executable).with_name("stratlearn")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "stratlearn"]


def blocks(page: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(page.read_text(encoding="utf-8"))]


# --- the site -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)], cwd=ROOT,
                           capture_output=True, text=True, timeout=600,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert build.returncode == 0, build.stderr[-3000:]
    return out


def _public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(stratlearn.__path__, "stratlearn."):
        parts = info.name.split(".")
        if info.ispkg or any(p.startswith("_") for p in parts) or "examples" in parts:
            continue
        names.append(info.name)
    return names


def test_the_api_reference_has_a_page_for_every_public_module(site):
    modules = _public_modules()
    assert len(modules) > 50 and "stratlearn.games.matrix" in modules and "stratlearn.learners.base" in modules
    for module in modules:
        page = site / "api" / Path(*module.split(".")[1:]) / "index.html"
        assert page.exists(), f"no API page for {module}"
        html = page.read_text(encoding="utf-8")
        # mkdocstrings rendered the module (its objects or its docstring), not an empty stub
        assert 'class="doc doc-' in html, f"the API page of {module} renders nothing"
    matrix = (site / "api" / "games" / "matrix" / "index.html").read_text(encoding="utf-8")
    assert "MatrixGame" in matrix and "zero_sum" in matrix
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Thrust 1" in index and "API reference" in index          # navigation by thrust, reference linked


def test_the_site_loads_nothing_from_the_network(site):
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
            # links a reader may follow are fine; what the page loads by itself (scripts, styles, fonts) is not
            assert not re.search(r"\.(js|css|woff2?)(\?|$)", url) and "fonts.g" not in url, (page, url)


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


MEASURE = """<script>
window.addEventListener('load', () => {
  const article = document.querySelector('article');
  const maths = [...article.querySelectorAll('math')];
  const boxed = maths.filter(m => { const r = m.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
  const fracs = [...article.querySelectorAll('mfrac')];
  const stacked = fracs.filter(f => f.children.length === 2 &&
      f.children[0].getBoundingClientRect().bottom <= f.children[1].getBoundingClientRect().top + 1);
  const text = article.cloneNode(true);
  text.querySelectorAll('code, pre, math').forEach(e => e.remove());
  const tex = (text.textContent.match(/\\$[^$\\s][^$]*\\$|\\\\(frac|sum|alpha|lVert|mathbb|le)\\b/g) || []);
  const b = document.body.dataset;
  b.math = maths.length; b.mathBoxed = boxed.length; b.fracs = fracs.length; b.fracsStacked = stacked.length;
  b.rawTex = tex.length;
});
</script>"""


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium not installed (.ci/run installs Debian's chromium)")
@pytest.mark.parametrize("page", ["learners", "collective-action"])
def test_math_is_rendered_in_headless_chromium(site, tmp_path, page):
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    html = copy / page / "index.html"
    html.write_text(html.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--virtual-time-budget=10000",
             f"--user-data-dir={tempfile.mkdtemp()}", "--window-size=1280,1000"]
    dom = subprocess.run([_chromium(), *flags, "--dump-dom", html.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    got = {k: int(v) for k, v in re.findall(r'data-([\w-]+)="(\d+)"', body.group(1))}
    assert got.get("math", 0) >= 5, got                      # the page's formulas are MathML in the DOM
    assert got["math-boxed"] == got["math"], got             # and every one is laid out with a size
    assert got["fracs"] >= 1 and got["fracs-stacked"] == got["fracs"], got   # as math: numerator over denominator
    assert got["raw-tex"] == 0, got                          # no TeX left in the text a reader sees


# --- every code block ------------------------------------------------------------------------------------------

# Objects a fragment uses without building them (it shows a call, not a program): built here, small.
SETUP = {
    ("collective-action.md", 0): "from stratlearn.populations import collective as C\n",
    ("experiments.md", 0): ("import stratlearn as sl\ngame = sl.games.catalog.rock_paper_scissors()\n"
                            "learner = sl.learners.DoublySmoothedBestResponse(temperature=0.05)\n"),
    # the result store the page reads: the README's sweep, at a small size
    ("experiments.md", 5): ("import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'stratlearn', 'sweep', "
                            "'examples/sweep_dsbr.toml', '--set', 'run.steps=2000', '--set', 'run.seeds=2', "
                            "'--set', 'run.record_every=1000', '--no-progress'], check=True, capture_output=True)\n"),
    ("learners.md", 0): ("import jax, stratlearn as sl\ngame = sl.games.catalog.rock_paper_scissors()\n"
                         "learner = sl.learners.DoublySmoothedBestResponse(temperature=0.05)\n"
                         "key = jax.random.PRNGKey(0)\n"),
    ("markov-games.md", 0): ("import jax, numpy as np, stratlearn as sl\nrng = np.random.default_rng(0)\n"
                             "R = rng.normal(size=(3, 2, 2)); P = rng.dirichlet(np.ones(3), size=(3, 2, 2))\n"
                             "idx = np.argsort(-P, -1)[..., :2]; p = np.take_along_axis(P, idx, -1)\n"
                             "p = p / p.sum(-1, keepdims=True)\n"
                             "key, s, a, b, v = jax.random.PRNGKey(0), 0, 1, 0, np.ones(3)\n"),
    ("matrix-games.md", 0): "import numpy as _np\nA = _np.eye(3); B = -A.T; x = y = _np.ones(3) / 3\n",
    ("variational-inequalities.md", 0): ("import numpy as np\nM = np.eye(4) + np.triu(np.ones((4, 4)), 1) - "
                                         "np.tril(np.ones((4, 4)), -1)\nz = np.array([0.2, 0.3, 0.5, 0.4]); "
                                         "g = np.array([1.0, -1.0, 0.5, 2.0])\n"),
}

# Commands a test cannot run, with the reason; matched against the command line.
NOT_RUN = [
    (r"^make (demo|test|bench)\b", "the set-up commands themselves: CI runs `make test` and `make demo` from a "
                                   "fresh clone, and `make bench` is the benchmark suite"),
    (r"\bdata fetch\b", "downloads from the internet; tests/experiments/test_data_fetch.py fetches from a local mirror"),
    (r"--address HEAD:6379", "names a real cluster's head node; the Ray executor runs on a local cluster in "
                             "tests/experiments/test_executors.py"),
    (r"equilibria_crosscheck\.py", "regenerates the cross-check page itself (Nashpy, QuantEcon and Gambit on 2,000 "
                                   "games, minutes); its comparisons run as tests/equilibria/test_vertex_enumeration.py"),
]


def _cases():
    out = []
    for page in PAGES:
        for kind in ("python", "shell", "toml"):
            langs = {"python": {"python"}, "shell": {"bash", "sh"}, "toml": {"toml"}}[kind]
            if any(lang in langs for lang, _ in blocks(page)):
                out.append(pytest.param(page, kind, id=f"{page.name}:{kind}"))
    return out


@pytest.fixture(scope="module")
def reader_folder(tmp_path_factory):
    """A folder a reader works in: the shipped examples, and the CSV the collective-action commands name."""
    work = tmp_path_factory.mktemp("reader")
    shutil.copytree(ROOT / "examples", work / "examples")
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] + 0.5 * rng.normal(size=400) > 0).astype(int)
    for name, label in (("my.csv", "y"), ("my_table.csv", "outcome")):
        rows = [f"feature_a,feature_b,feature_c,{label}"] + [f"{a:.4f},{b:.4f},{c:.4f},{t}"
                                                             for (a, b, c), t in zip(x, y)]
        (work / name).write_text("\n".join(rows) + "\n")
    # getting-started.md shows a config and then runs it as my_config.toml
    (config,) = [code for lang, code in blocks(ROOT / "docs" / "getting-started.md") if lang == "toml"]
    (work / "my_config.toml").write_text(config)
    return work


@pytest.fixture
def workdir(reader_folder, tmp_path):
    """A fresh copy of the reader's folder for each page: what one page's commands write, another does not see."""
    work = tmp_path / "reader"
    shutil.copytree(reader_folder, work)
    return work


def _commands(code: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", code)
    out = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@pytest.mark.parametrize("page,kind", _cases())
def test_code_blocks_run(page, kind, workdir, tmp_path):
    found = [(i, code) for i, (lang, code) in enumerate(blocks(page))
             if lang in {"python": {"python"}, "shell": {"bash", "sh"}, "toml": {"toml"}}[kind]]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    if kind == "python":
        script = ""
        for i, code in found:
            script += SETUP.get((page.name, i), "") + code + "\n"
        run = subprocess.run([sys.executable, "-c", script], cwd=workdir, capture_output=True, text=True,
                             timeout=900, env=env)
        assert run.returncode == 0, f"{page.name}: {run.stderr[-3000:]}"
    elif kind == "toml":
        for i, code in found:
            config = tomllib.loads(code)                 # every block is valid TOML
            try:
                config_kind(config)                      # a whole config, of any kind: stratlearn checks it
            except ConfigError:
                continue                                 # a fragment (a table or two of a config)
            path = tmp_path / f"block{i}.toml"
            path.write_text(code)
            command = ["sweep", str(path), "-o", str(tmp_path / f"store{i}")] if "sweep" in config else \
                ["run", str(path)]
            run = subprocess.run([*_stratlearn_command(), *command, "--dry-run"], cwd=workdir,
                                 capture_output=True, text=True, timeout=300, env=env)
            assert run.returncode == 0, f"{page.name} block {i}: {run.stderr[-2000:]}"
    else:
        ran = 0
        for i, code in found:
            for command in _commands(code):
                if any(re.search(pattern, command) for pattern, _ in NOT_RUN):
                    continue
                if "xgboost" in command and importlib.util.find_spec("xgboost") is None:
                    continue                             # an optional third-party model the page shows
                argv = shlex.split(command)
                if argv[0] in ("stratlearn", ".venv/bin/stratlearn"):
                    argv = [*_stratlearn_command(), *argv[1:]]
                run = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=900, env=env)
                assert run.returncode == 0, f"{page.name} block {i}: {command}\n{run.stderr[-2000:]}"
                ran += 1
        assert ran > 0 or all(any(re.search(p, c) for p, _ in NOT_RUN) for _, code in found
                              for c in _commands(code))
