"""The ``stratlearn`` command line: ``run``, ``sweep``, ``population``, ``tolls``, ``collective audit``, ``results``,
``report``, ``reproduce`` and ``list``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ConfigError, StratlearnError, did_you_mean

__all__ = ["main", "build_parser"]


def _cmd_run(args) -> int:
    from .experiments.configs import load_points, read_config
    from .experiments.configs.kinds import config_kind
    from .files import prepare_output

    raw = read_config(args.config, args.set)
    kind = config_kind(raw, args.config)          # one schema: a config of any kind runs here
    if kind != "simulate":
        if "sweep" in raw:
            raise ConfigError(f"config {args.config!r}: [sweep] lists values to sweep over; run it with "
                              "`stratlearn sweep`")
        if kind == "leader":
            return _cmd_tolls(args)
        if kind == "population":
            return _cmd_population(args)
        return _cmd_collective_audit(argparse.Namespace(
            config=args.config, set=args.set, dry_run=args.dry_run, output=args.output, no_progress=args.no_progress,
            **{name: None for name in ("data", "label", "model", "strategy", "target", "signal", "seeds",
                                       "test_size", "seed", "allow_module", "features", "alphas", "param")},
            no_standardize=False))
    raw, points = load_points(args.config, sweep=False, overrides=args.set)   # errors before JAX is imported
    if args.dry_run:
        return _dry_run(points)
    from .experiments.runner import format_table, mean_pm_std, run_experiment, summary_rows, write_outputs

    output = Path(args.output) if args.output else Path("runs") / Path(args.config).stem
    prepare_output(output)        # before computing: a run is never lost to an unwritable folder
    results = run_experiment(points, progress=not args.no_progress)
    write_outputs(results, raw, output)
    rows = summary_rows(results)
    for row in rows:
        row["final (mean ± std)"] = mean_pm_std(row["mean"], row["std"])
    print(format_table(rows, ["game", "learner", "metric", "final (mean ± std)", "seeds", "steps", "seconds"]))
    print(f"\nwrote {output / 'trace.parquet'}, {output / 'config.json'}, {output / 'figure.png'}")
    return 0


def _dry_run(points) -> int:
    """Print the points a config (or a study) expands to and the work they amount to, and run nothing: learner steps
    (steps × seeds) for the learner-on-game points, a count for every other kind."""
    total, kinds = 0, {}
    for point in points:
        kinds[point.kind] = kinds.get(point.kind, 0) + 1
        if point.kind != "simulate":
            print(f"{point.key()[:10]}  {point.label()}")
            continue
        run = {"seeds": 1, **point.run}
        work = int(run["steps"]) * int(run["seeds"])
        total += work
        print(f"{point.key()[:10]}  {point.label()}  steps={run['steps']} seeds={run['seeds']}  ({work:.3g} "
              f"learner steps)")
    counts = ", ".join(f"{n} of kind {kind}" for kind, n in kinds.items())
    work = f", {total:.3g} learner steps in all (steps × seeds)" if "simulate" in kinds else ""
    print(f"\n{len(points)} point(s) ({counts}){work}; nothing was run")
    return 0


def _add_config_options(parser) -> None:
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a value of the config, e.g. --set run.steps=1000 or --set "
                        "learners.0.temperature=0.05 (repeatable; VALUE is read as TOML)")
    parser.add_argument("--dry-run", action="store_true", help="print the points the config expands to and the "
                        "work they amount to, and run nothing")


def _executor(args):
    from .experiments.executors import make_executor

    return make_executor(args.executor, address=args.address, num_cpus=getattr(args, "num_cpus", None))


def _cmd_sweep(args) -> int:
    from .experiments.configs.kinds import load_config_points
    from .experiments.store import ResultStore
    from .experiments.sweep import run_sweep

    raw, kind, points = load_config_points(args.config, sweep=True, overrides=args.set)   # any kind of config
    if args.dry_run:
        return _dry_run(points)
    output = Path(args.output) if args.output else Path("runs") / Path(args.config).stem
    store = ResultStore.open(output, create=True, config=raw)
    executor = _executor(args)
    with executor:
        summary = run_sweep(points, store, executor=executor, force=args.force, progress=not args.no_progress)
    print(f"{summary.total} points: {len(summary.computed)} computed, {summary.skipped} already stored"
          + (f", {len(summary.corrupt)} damaged and recomputed" if summary.corrupt else "") + f"; store: {output}")
    return _print_results(store)


def _short(value, width: int = 40) -> str:
    """A parameter as the results table shows it: a long table or list is elided (``--json`` gives it whole)."""
    text = str(value)
    return text if len(text) <= width or not isinstance(value, (dict, list)) else text[:width - 1] + "…"


def _print_results(store, as_json: bool = False) -> int:
    import json

    from .experiments.runner import format_table

    index = store.index()
    if store.damaged:
        print(store.damaged_note(), file=sys.stderr)
    if as_json:   # one object per point: its key, its full config and the final metrics' mean and std over seeds
        records = []
        for _, row in index.iterrows():
            final = {c[: -len("_mean")]: {"mean": _plain(row[c]), "std": _plain(row[c[: -len("_mean")] + "_std"])}
                     for c in index.columns if c.endswith("_mean") and "." not in c}
            records.append({"point": row["key"], **json.loads(row["config"]), "seeds": int(row["seeds"]),
                            "steps": int(row["steps"]), "final": final})
        print(json.dumps(records, indent=2))
        return 1 if store.damaged else 0
    if index.empty:
        print("(no points stored)")
        return 1 if store.damaged else 0
    metric_cols = sorted({c[: -len("_mean")] for c in index.columns if c.endswith("_mean") and "." not in c})
    rows = []
    for _, row in index.iterrows():
        point = __import__("json").loads(row["config"])
        params = ", ".join(f"{k}={_short(v)}" for section in ("game", "learner")
                           for k, v in sorted(point[section].items()) if k != "name")
        if point.get("kind", "simulate") != "simulate" and "seed" in point["run"]:   # a kind's seed: its run's
            params += f", seed={point['run']['seed']}"
        out = {"point": row["key"][:10], "game": row["game"], "learner": row["learner"], "params": params,
               "seeds": row["seeds"], "steps": row["steps"]}
        for m in metric_cols:
            out[m] = f"{row[m + '_mean']:.4g} ± {row[m + '_std']:.2g}" if m + "_mean" in row else ""
        rows.append(out)
    print(format_table(rows, ["point", "game", "learner", "params", "seeds", "steps", *metric_cols]))
    return 1 if store.damaged else 0


def _cmd_population(args) -> int:
    from .experiments.configs.population import load_population, run_population

    output = Path(args.output) if args.output else Path("runs") / Path(args.config).stem
    if args.dry_run:
        import numpy as np

        _, problem, options = load_population(args.config, args.set)
        grid = problem.grid
        print(f"population: {problem.groups} group(s) on a {' x '.join(str(n) for n in grid.shape)} grid "
              f"({int(np.prod(grid.shape))} cells); learner with {int(np.size(problem.x0))} parameter(s); "
              f"integrate to t = {options['t_end']:g}, {options['records']} records, CFL {options['cfl']:g}, {options['precision']}; "
              f"output {output}; nothing was run")
        return 0
    trace = run_population(args.config, output, args.set, progress=not args.no_progress)
    from .experiments.runner import format_table      # imports JAX: after the config was read and checked

    rows = [{"metric": name, "start": f"{values[0, 0]:.6g}", "final": f"{values[0, -1]:.6g}"}
            for name, values in trace.metrics.items()]
    if "w2_to_reference" in trace.final_state:
        rows.append({"metric": "w2_to_reference (POT)", "start": "0", "final": f"{trace.final_state['w2_to_reference']:.6g}"})
    print(format_table(rows, ["metric", "start", "final"]))
    print(f"\n{int(trace.steps[-1])} steps to t = {trace.final_state['times'][-1]:g} in {trace.wall_time:.1f} s; wrote "
          f"{output / 'trace.parquet'}, {output / 'densities.npy'}, {output / 'config.json'}, {output / 'figure.png'}")
    return 0


def _cmd_tolls(args) -> int:
    from .experiments.configs.tolls import load_tolls, run_tolls

    output = Path(args.output) if args.output else Path("runs") / Path(args.config).stem
    if args.dry_run:
        _, net, demand, folder, rule, method, leader = load_tolls(args.config, args.set)
        shown = ", ".join(f"{k}={v}" for k, v in sorted(leader.items()) if k != "bounds")
        print(f"tolls: {net.name} ({net.num_links} links, {net.num_nodes} nodes, {demand.zones} zones), "
              f"followers.rule={rule}, leader.method={method}" + (f" ({shown})" if shown else "")
              + f"; output {output}; nothing was run")
        return 0
    s = run_tolls(args.config, output, args.set, progress=not args.no_progress)
    from .experiments.runner import format_table      # imports JAX: after the config was read and checked

    print(format_table([{"network": s["network"], "method": s["method"], "iterations": s["iterations"],
                         "start / optimum": f"{s['ratio_start']:.4f}", "final / optimum": f"{s['ratio_final']:.4f}",
                         "follower steps": s["follower_steps"], "time": f"{s['wall_time']:.1f} s"}],
                       ["network", "method", "iterations", "start / optimum", "final / optimum", "follower steps",
                        "time"]))
    print(f"\nwrote {output / 'trace.parquet'}, {output / 'links.parquet'}, {output / 'config.json'}, "
          f"{output / 'figure.png'}")
    return 0


def _parse_value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(text.lower(), text)


def _cmd_collective_audit(args) -> int:
    from .errors import InvalidParameterError
    from .experiments.configs.collective import load_audit_config, run_audit

    if args.set and not args.config:
        raise ConfigError(f"--set {args.set[0]!r}: --set overrides values of a --config file; without one, give "
                          "the value as its option (e.g. --seeds 5)")
    options = load_audit_config(args.config, args.set) if args.config else {}
    given = {"data": args.data, "label": args.label, "model": args.model, "strategy": args.strategy,
             "target": args.target, "signal": args.signal, "seeds": args.seeds, "test_size": args.test_size,
             "seed": args.seed}
    options.update({k: v for k, v in given.items() if v is not None})
    options["allow_modules"] = list(args.allow_module or [])    # only from the command line, never from --config
    if args.features:
        options["features"] = [f.strip() for f in args.features.split(",")]
    if args.alphas:
        try:
            options["alphas"] = [float(a) for a in args.alphas.split(",")]
        except ValueError:
            raise InvalidParameterError(f"--alphas={args.alphas!r}: expected numbers separated by commas") from None
    if args.param:
        params = dict(options.get("model_params") or {})
        for item in args.param:
            key, sep, value = item.partition("=")
            if not sep:
                raise InvalidParameterError(f"--param {item!r}: expected NAME=VALUE")
            params[key] = _parse_value(value)
        options["model_params"] = params
    if args.no_standardize:
        options["standardize"] = False
    for required in ("data", "model"):
        if not options.get(required):
            raise InvalidParameterError(f"--{required}: required (on the command line or in --config)")
    name = Path(str(options["data"]).replace("builtin:", "builtin-")).stem
    output = Path(args.output) if args.output else Path("runs") / f"audit-{name}"
    if args.dry_run:
        from .experiments.configs.collective import DEFAULT_ALPHAS, resolve_model_class

        from .populations.collective import check_alphas as _alphas, check_seeds as _seeds

        resolve_model_class(options["model"], options["allow_modules"])     # refused here as it would be in a run
        try:      # the checks of a run, so that what the dry run accepts, a run accepts
            alphas, seeds = _alphas(options.get("alphas", DEFAULT_ALPHAS)), len(_seeds(options.get("seeds", 3)))
        except StratlearnError as exc:
            raise ConfigError(f"collective audit: {exc}") from None
        print(f"collective audit: data {options['data']}, model {options['model']}, strategy "
              f"{options.get('strategy', 'planting')}; {len(alphas)} collective size(s) x {seeds} seed(s) = "
              f"{len(alphas) * seeds} model fits; output {output}; nothing was run")
        return 0
    out = run_audit(output=output, **options, progress=not args.no_progress)
    from .experiments.runner import format_table      # imports JAX: after the config was read and checked

    curve = out["curve"]
    print(format_table([{"alpha": f"{a:g}", "members": int(m), "success": f"{s:.3f}", "95% interval":
                         f"{lo:.3f}–{hi:.3f}", "bound": f"{b:.3f}", "implied ε": f"{e:.2g}",
                         "test accuracy": f"{acc:.3f}"}
                        for a, m, s, lo, hi, b, e, acc in zip(curve.alpha, curve.members, curve.success, curve.low,
                                                              curve.high, curve.bound, curve.implied_eps,
                                                              curve.accuracy)],
                       ["alpha", "members", "success", "95% interval", "bound", "implied ε", "test accuracy"]))
    for claim in out["claims"]:
        print(f"{'PASS' if claim.passed else 'FAIL'}  {claim.text}: {claim.measured:.4g} {claim.comparison} "
              f"{claim.threshold:.4g}")
    print(f"\n{out['rows']} training rows, target {out['target']!r}, signal {out['signal']}; "
          f"{out['wall_time']:.1f} s; report: {out['report'].resolve()}")
    return 0


def _cmd_data(args) -> int:
    from .games.tntp import fetch_tntp
    from .games.routing import load_tntp
    from .games.tntp import tntp_prefix

    folder = fetch_tntp(args.name, mirror=args.mirror, cache=args.cache, force=args.force)
    network, demand = load_tntp(folder, tntp_prefix(args.name))
    print(f"{args.name}: {network.num_nodes} nodes, {network.num_links} links, {network.zones} zones, total demand "
          f"{demand.total:g}; files in {folder}")
    return 0


def _cmd_certify(args) -> int:
    from .equilibria.certify import certify_network

    ref = certify_network(args.name, gap=args.gap, time_limit=args.time_limit, output=args.output)
    status = (f"relative gap {ref['relative_gap']:.2e} (target {ref['target_gap']:g}, reached)" if ref["reached"] else
              f"relative gap {ref['relative_gap']:.2e}: the target {ref['target_gap']:g} was NOT reached in "
              f"{args.time_limit:g} s; this is the smallest gap reached")
    print(f"{ref['network']}: {status}; total travel time {ref['total_travel_time']:.10g}; {ref['iterations']} "
          f"iterations, {ref['seconds']:.1f} s (Algorithm B)")
    best = ref.get("best_known")
    if best:
        which = {"ours": "this reference", "best-known": "the best-known flows", "equal": "neither"}[best["smaller_gap"]]
        worst = best["max_link_flow_difference_over_max_flow"]
        print(f"  best-known flows ({best['file']}): relative gap {best['relative_gap']:.2e}, total travel time "
              f"{best['total_travel_time']:.10g}; largest link-flow difference {worst:.1e} of the largest flow "
              f"(link {best['at_link']}); smaller gap: {which}")
    print(f"reference: {ref['path']}")
    return 0


def _plain(value):
    """A number for JSON: NaN (a metric a point does not record) becomes null."""
    value = float(value)
    return value if value == value else None


def _cmd_results(args) -> int:
    from .experiments.report import is_run_folder, run_folder_summary
    from .experiments.store import ResultStore

    if is_run_folder(args.dir):          # the output of `stratlearn run`
        import json

        from .experiments.runner import format_table, mean_pm_std

        rows = run_folder_summary(Path(args.dir))
        if args.json:
            print(json.dumps([{**r, "mean": _plain(r["mean"]), "std": _plain(r["std"])} for r in rows], indent=2))
            return 0
        for row in rows:
            row["final (mean ± std)"] = mean_pm_std(row["mean"], row["std"])
        print(format_table(rows, ["game", "learner", "metric", "final (mean ± std)", "seeds", "steps"]))
        return 0
    return _print_results(ResultStore.open(args.dir), as_json=args.json)


def _cmd_example(args) -> int:
    from importlib import resources

    examples = resources.files("stratlearn") / "examples"
    names = sorted(p.name for p in examples.iterdir() if p.name.endswith((".toml", ".py")))
    stems = {n.rsplit(".", 1)[0]: n for n in names}
    if args.name is None:
        for name in names:
            print(name)
        return 0
    wanted = stems.get(args.name) or (args.name if args.name in names else None)
    if wanted is None:
        raise ConfigError(f"example {args.name!r}: not one of stratlearn's examples; expected one of "
                          f"{', '.join(sorted(stems))}{did_you_mean(args.name, stems)}")
    folder = Path(args.output)
    target = folder / wanted
    if target.exists() and not args.force:
        raise ConfigError(f"-o {folder}: {target} exists; pass --force to overwrite it")
    from .files import atomic_write

    folder.mkdir(parents=True, exist_ok=True)
    data = (examples / wanted).read_bytes()
    atomic_write(target, lambda tmp: tmp.write_bytes(data))
    print(f"wrote {target}")
    return 0




def _cmd_report(args) -> int:
    from .experiments.report import write_report

    path = write_report(args.dirs, args.output)
    print(f"report: {path.resolve()}")
    return 0


def _cmd_list(args) -> int:
    import inspect

    from .games.catalog import GAMES
    from .learners import LEARNERS
    from .metrics import METRICS
    from .studies import STUDIES

    def first_line(obj):
        doc = inspect.getdoc(obj)
        return doc.splitlines()[0] if doc else ""

    if args.json:
        import json

        print(json.dumps({
            "games": {name: {"parameters": [str(p) for p in inspect.signature(maker).parameters.values()],
                             "summary": first_line(maker)} for name, maker in sorted(GAMES.items())},
            "learners": {name: {"class": cls.__name__, "summary": first_line(cls)}
                         for name, cls in sorted(LEARNERS.items())},
            "metrics": {**{name: first_line(fn) for name, fn in sorted(METRICS.items())},
                        "regularized_nash_gap:<τ>": "the entropy-regularized Nash gap at temperature τ"},
            "studies": {name: {"title": study.title, "paper": study.paper} for name, study in sorted(STUDIES.items())},
        }, indent=2, ensure_ascii=False))
        return 0
    print("games:")
    for name, maker in sorted(GAMES.items()):
        params = ", ".join(str(p) for p in inspect.signature(maker).parameters.values())
        print(f"  {name}({params})\n      {first_line(maker)}")
    print("\nlearners:")
    for name, cls in sorted(LEARNERS.items()):
        print(f"  {name:26s} {cls.__name__}: {first_line(cls)}")
    print("\nmetrics:")
    for name, fn in sorted(METRICS.items()):
        print(f"  {name:26s} {first_line(fn)}")
    print(f"  {'regularized_nash_gap:<τ>':26s} the entropy-regularized Nash gap at temperature τ")
    print("\nstudies (stratlearn reproduce NAME):")
    for name, study in sorted(STUDIES.items()):
        print(f"  {name:26s} {study.title}")
    return 0


def _int_at_least(minimum: int, wording: str):
    """An argparse type: an integer >= ``minimum``, refused in one line naming the value otherwise."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: expected {wording}")
        return value

    return parse


_positive_int = _int_at_least(1, "an integer >= 1")
_seed_offset = _int_at_least(0, "a non-negative integer")


def _cmd_reproduce(args) -> int:
    from .studies import run_studies

    size = "full" if args.full else "quick"
    if not [n for n in str(args.study).split(",") if n.strip()]:
        raise ConfigError(f"study={args.study!r}: expected a study name, names separated by commas, or 'all' "
                          f"(see `stratlearn list`)")
    if args.dry_run:
        from .studies import STUDIES, resolve

        names, sized = resolve(args.study, size, args.set)
        changed = ", ".join(f"{k}={v}" for k, v in sized.overrides)
        for name in names:
            points = STUDIES[name].points(sized)
            print(f"== {name} ({size}{', overridden: ' + changed if changed else ''})")
            _dry_run(points)               # every study lists its points
        return 0
    summary = run_studies(args.study, size=size, output=Path(args.output), executor=_executor(args),
                          progress=not args.no_progress, force=args.force, jobs=args.jobs,
                          seed_offset=args.seed_offset, overrides=args.set)
    counts = summary["counts"]
    if counts["FAIL"]:
        return 1
    if args.strict and (counts["SKIP"] or counts["XPASS"]):
        print("stratlearn: --strict: skipped or unexpectedly passing claims", file=sys.stderr)
        return 1
    return 0


def _add_executor_options(parser) -> None:
    parser.add_argument("--executor", default="local", choices=["local", "ray"],
                        help="where points run: this process (default) or Ray tasks")
    parser.add_argument("--address", help="Ray head node HOST:PORT (default: start a local runtime on 127.0.0.1)")
    parser.add_argument("--num-cpus", type=_positive_int, help="CPUs for a local Ray runtime (default: all)")
    parser.add_argument("--force", action="store_true", help="recompute points already in the store")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


class _Parser(argparse.ArgumentParser):
    """argparse, plus "did you mean" for a mistyped subcommand or choice."""

    def error(self, message):
        import re

        found = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if found:
            choices = re.findall(r"'([^']*)'", found.group(2)) or [c.strip() for c in found.group(2).split(",")]
            message += did_you_mean(found.group(1), choices)
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    from ._version import __version__

    parser = _Parser(prog="stratlearn", description="Learning in strategic environments.")
    parser.add_argument("--version", action="version", version=f"stratlearn {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one experiment from a TOML config of any kind (a learner on a game, a "
                         "leader learning tolls, a population flow, a collective-action audit)")
    run.add_argument("config", help="path to a TOML config (see `stratlearn example`)")
    run.add_argument("-o", "--output", help="output folder (default: runs/<config name>)")
    run.add_argument("--no-progress", action="store_true", help="hide progress bars")
    _add_config_options(run)
    run.set_defaults(func=_cmd_run)

    sweep = sub.add_parser("sweep", help="run every point of a config whose lists sweep, into a result store")
    sweep.add_argument("config", help="path to a TOML config of any kind; a list in place of a value sweeps over it "
                       "(learner-on-game configs), or a [sweep] table of dotted keys and lists (the other kinds)")
    sweep.add_argument("-o", "--output", help="result store folder (default: runs/<config name>)")
    _add_executor_options(sweep)
    _add_config_options(sweep)
    sweep.set_defaults(func=_cmd_sweep)

    population = sub.add_parser("population", help="run the coupled population-learner flow of [5] from a TOML config")
    population.add_argument("config", help="path to a population config (see `stratlearn example distribution_shift`)")
    population.add_argument("-o", "--output", help="output folder (default: runs/<config name>)")
    population.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_config_options(population)
    population.set_defaults(func=_cmd_population)

    tolls = sub.add_parser("tolls", help="learn road tolls without the travellers' demand ([4]) from a TOML config")
    tolls.add_argument("config", help="path to a tolls config (see `stratlearn example tolls`)")
    tolls.add_argument("-o", "--output", help="output folder (default: runs/<config name>)")
    tolls.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_config_options(tolls)
    tolls.set_defaults(func=_cmd_tolls)

    coll = sub.add_parser("collective", help="algorithmic collective action ([6]) on your own data and model")
    coll_sub = coll.add_subparsers(dest="collective_command", required=True)
    aud = coll_sub.add_parser(
        "audit", help="how large a collective must be to steer a scikit-learn classifier",
        description="How large must a collective be to steer your classifier on your data? The model (--model or "
        "model.name in --config) must name a classifier CLASS: a dotted path MODULE.Class, or sklearn:PATH for a "
        "path inside scikit-learn. It is checked before anything it names is called, and a module outside the "
        "allowed ones is never imported: its module must lie under sklearn or under a package you name with "
        "--allow-module (a config file cannot allow one), and it must be a class with fit() and predict() (for "
        "scikit-learn, a classifier). Its parameters (--param, model.params) must be plain numbers, strings, "
        "booleans and lists or tables of them. Anything else is refused with an error before it runs.")
    aud.add_argument("--data", help="CSV or Parquet file with a label column, or builtin:breast_cancer|digits|mnist1d")
    aud.add_argument("--label", help="the label column")
    aud.add_argument("--model", help="a classifier class, MODULE.Class or sklearn:PATH, e.g. "
                     "sklearn.linear_model.LogisticRegression (see the rule above)")
    aud.add_argument("--allow-module", action="append", metavar="PACKAGE",
                     help="also allow classifier classes from this package or module, e.g. xgboost (repeatable; "
                     "only scikit-learn is allowed otherwise)")
    aud.add_argument("--param", action="append", help="an estimator keyword NAME=VALUE (repeatable)")
    aud.add_argument("--features", help="feature columns, comma-separated (default: all but the label)")
    aud.add_argument("--strategy", choices=["planting", "feature-only"], help="default: planting")
    aud.add_argument("--target", help="the target label as written in the file (default: the first class)")
    aud.add_argument("--signal", help="COLUMN=VALUE[,...] (default: the last feature far outside its range)")
    aud.add_argument("--alphas", help="collective sizes, comma-separated")
    aud.add_argument("--seeds", type=int, help="seeds per size (default 3)")
    aud.add_argument("--test-size", type=float, help="held-out share (default 0.25)")
    aud.add_argument("--seed", type=int, help="seed of the train/test split (default 0)")
    aud.add_argument("--no-standardize", action="store_true", help="no StandardScaler in front of the model")
    aud.add_argument("--config", help="a TOML file with the same options (see `stratlearn example collective`)")
    aud.add_argument("-o", "--output", help="output folder (default: runs/audit-<data name>)")
    aud.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_config_options(aud)
    aud.set_defaults(func=_cmd_collective_audit)

    data = sub.add_parser("data", help="fetch data sets into the local cache")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    from .games.tntp import PACKAGED_TNTP, TNTP_NETWORKS

    fetch = data_sub.add_parser("fetch", help="download a TNTP road network (e.g. Anaheim) into the cache, checking "
                                "each file's SHA-256")
    fetch.add_argument("name", help=f"a network of the TNTP repository: {', '.join(sorted(TNTP_NETWORKS))} "
                       f"({' and '.join(PACKAGED_TNTP)} also ship with stratlearn)")
    fetch.add_argument("--mirror", help="a local folder or URL laid out like the TNTP repository (default: "
                       "$STRATLEARN_TNTP_MIRROR, else GitHub)")
    fetch.add_argument("--cache", help="cache folder (default: $STRATLEARN_DATA, else ~/.cache/stratlearn)")
    fetch.add_argument("--force", action="store_true", help="download again even when cached")
    fetch.set_defaults(func=_cmd_data)
    certify = data_sub.add_parser("certify", help="solve a TNTP network's user equilibrium to relative gap 1e-10 "
                                  "(Algorithm B) and write a reference file, compared with the best-known flows")
    certify.add_argument("name", help="a TNTP network name (packaged, fetched or under $STRATLEARN_TNTP_DIR) or a "
                         "folder of TNTP files")
    certify.add_argument("--gap", type=float, default=1e-10, help="relative gap to reach (default 1e-10)")
    certify.add_argument("--time-limit", type=float, default=600.0,
                         help="seconds; past it the reference records the smallest gap reached (default 600)")
    certify.add_argument("-o", "--output", help="the JSON file to write (default: <prefix>_reference.json here)")
    certify.set_defaults(func=_cmd_certify)

    results = sub.add_parser("results", help="print the final metrics of every point in a result store or run folder")
    results.add_argument("dir", help="a result store folder, or the output folder of `stratlearn run`")
    results.add_argument("--json", action="store_true", help="print JSON: one object per point with its key, "
                         "config and final metrics (mean and std over seeds)")
    results.set_defaults(func=_cmd_results)

    report = sub.add_parser("report", help="write a self-contained HTML report of stores or reproduce folders")
    report.add_argument("dirs", nargs="+", help="result stores, `stratlearn run` output folders and/or "
                        "`stratlearn reproduce` output folders")
    report.add_argument("-o", "--output", default="report.html", help="the HTML file (default: report.html)")
    report.set_defaults(func=_cmd_report)

    lst = sub.add_parser("list", help="show the games, learners, metrics and studies that exist")
    lst.add_argument("--json", action="store_true", help="print them as one JSON object")
    lst.set_defaults(func=_cmd_list)

    ex = sub.add_parser("example", help="copy one of the example configs (see `stratlearn example`) into a folder")
    ex.add_argument("name", nargs="?", help="the example's name, e.g. matrix_games (none: list them)")
    ex.add_argument("-o", "--output", default=".", help="the folder to copy it into (default: the current one)")
    ex.add_argument("--force", action="store_true", help="overwrite a file of the same name")
    ex.set_defaults(func=_cmd_example)

    rep = sub.add_parser("reproduce", help="run a paper study (or all), write the report, print the claims")
    rep.add_argument("study", help="a study name (see `stratlearn list`), names separated by commas, or 'all'")
    size = rep.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="the quick size (default)")
    size.add_argument("--full", action="store_true", help="the full size of the paper's experiment")
    rep.add_argument("-o", "--output", default="runs/reproduce", help="output folder (default: runs/reproduce)")
    rep.add_argument("--strict", action="store_true",
                     help="also exit with status 1 when a claim is SKIPped or XPASSes (a FAIL always does)")
    rep.add_argument("--seed-offset", type=_seed_offset, default=0, metavar="K",
                     help="shift every seed of the studies by K >= 0 (their verdicts must not change)")
    rep.add_argument("-j", "--jobs", type=int, default=None,
                     help="studies run at once, each in its own process without progress bars (default: 2 when "
                     "several studies run on the local executor and 2 or more cores, else 1)")
    rep.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override an entry of one study's size table (SIZES in its module), e.g. --set seeds=4 "
                     "(repeatable; VALUE is read as TOML). The claims are calibrated at the study's sizes: an "
                     "overridden run explores, and its claims.json records the overrides")
    rep.add_argument("--dry-run", action="store_true", help="print each study's points and the work they amount "
                     "to, and run nothing")
    _add_executor_options(rep)
    rep.set_defaults(func=_cmd_reproduce)
    return parser


INTERRUPTED = "stratlearn: interrupted; finished results are kept (a sweep or reproduce resumes where it stopped)"


def _on_interrupt(signum, frame):
    """Ctrl-C: raise KeyboardInterrupt as Python would, so the command stops its workers and returns 130; and arm a
    fallback that exits with 130 if the interrupt is swallowed (a KeyboardInterrupt raised inside a finalizer is only
    printed, and the run would go on) or the clean-up hangs. Every file is written atomically, so exiting at any
    point leaves a consistent store; a killed writer's temporary files are cleaned by the next one."""
    import os
    import threading

    def fire():
        print(INTERRUPTED, file=sys.stderr, flush=True)
        os._exit(130)

    timer = threading.Timer(20.0, fire)
    timer.daemon = True
    timer.start()
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import signal
    import threading

    parser = build_parser()
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, _on_interrupt)
    else:  # pragma: no cover - called from a thread: leave signals alone
        previous = None
    try:
        return args.func(args)
    except StratlearnError as exc:
        print(f"stratlearn: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # files are written atomically: what is on disk is whole, and a store resumes where it stopped
        print(INTERRUPTED, file=sys.stderr, flush=True)
        return 130
    except MemoryError as exc:
        print(f"stratlearn: error: out of memory{': ' + str(exc) if str(exc) else ''}; use a smaller game, fewer "
              f"seeds or a machine with more memory", file=sys.stderr)
        return 2
    except BrokenPipeError:   # the reader stopped early (`stratlearn list | head`): not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"stratlearn: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
