"""How reviewable the DAG of a big project is, before and after a change (issue 25 §4).

Writes the synthetic project of ``make_league.py`` (6,000 nodes by default), generates its
``__default__`` DAG with kedro-taskflow as it is at ``--before`` (a git revision) and as it is in
this checkout, each copied as its wheel installs it, and reports for each file: lines, bytes, the
longest docstring (lines), the task functions, the runner calls over several lines, the
``get_child_by_label`` calls (references into groups) and the longest chain of them, the
variables bound to groups, and how long Airflow takes to parse it (``parse_dags.py``: forked from
a warm ``DagBag``, median of the rounds, bytecode cached; and the median of the ratios within a
round, which cancels the machine's drifts) and what the parse imported beyond Airflow. Both
files are parsed with this checkout's runtime on the path.

Usage: python big_dag.py --before REV [--nodes 6000] [--seed 0] [--parse-repeats 5]
       [--parse-seconds 0] [--out FILE.md] [--keep DIR]
Prints the numbers as JSON on the last line of stdout. Needs an environment with kedro and
Airflow (``.venv`` or ``.venv-airflow3``).
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_league  # noqa: E402
from run import installed  # noqa: E402


def measure(path: Path) -> dict:
    """What a reviewer faces in the file, counted on its syntax tree."""
    source = path.read_text()
    tree = ast.parse(source)
    docstrings, tasks, long_calls, child_calls, depth, bound = [], 0, 0, 0, 0, 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Module)) and ast.get_docstring(node, clean=False):
            first = node.body[0]
            docstrings.append(first.end_lineno - first.lineno + 1)
        if isinstance(node, ast.FunctionDef) and any(
            (d.func if isinstance(d, ast.Call) else d).__class__ is ast.Name
            and (d.func if isinstance(d, ast.Call) else d).id == "task"
            for d in node.decorator_list
        ):
            tasks += 1
            call = node.body[-1]
            long_calls += call.end_lineno > call.lineno
        if _child(node):
            child_calls += 1
            chain, inner = 1, node.func.value
            while _child(inner):
                chain, inner = chain + 1, inner.func.value
            depth = max(depth, chain)
        if isinstance(node, ast.Assign) and _child(node.value):
            bound += 1
    return {
        "lines": len(source.splitlines()),
        "bytes": len(source.encode()),
        "longest_docstring": max(docstrings),
        "tasks": tasks,
        "runner_calls_over_several_lines": long_calls,
        "get_child_by_label": child_calls,
        "longest_get_child_chain": depth,
        "groups_bound_to_variables": bound,
    }


def _child(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get_child_by_label"
    )


def checkout(revision: str, folder: Path) -> Path:
    """kedro_taskflow as it is at ``revision``, in ``folder``."""
    archive = subprocess.run(
        ["git", "-C", str(HERE.parent), "archive", "--format=tar", revision, "kedro_taskflow"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def generate(project: Path, site: Path, target: str) -> tuple[Path, float]:
    env = {**os.environ, "PYTHONPATH": str(site), "KEDRO_DISABLE_TELEMETRY": "true"}
    command = [sys.executable, "-c", "from kedro_taskflow.cli import main; main()", "generate"]
    start = time.perf_counter()
    subprocess.run(
        [*command, "--project-path", str(project), "--target-dir", str(project / target)],
        env=env,
        cwd=site,  # with -c, the current folder comes first on sys.path
        check=True,
        capture_output=True,
    )
    (written,) = (project / target).glob("*.py")
    return written, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="git revision to compare with")
    parser.add_argument("--nodes", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parse-repeats", type=int, default=5)
    parser.add_argument("--parse-seconds", type=float, default=0.0)
    parser.add_argument("--out", type=Path, help="write a markdown table here too")
    parser.add_argument("--keep", type=Path, help="keep the project and DAG files here")
    args = parser.parse_args()

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        measure_all(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="big_dag_") as folder:
            measure_all(args, Path(folder))


def measure_all(args: argparse.Namespace, folder: Path) -> None:
    project, shape = make_league.write_project(folder, args.nodes, args.seed)
    sites = {
        "before": checkout(args.before, folder / "site_before"),
        "after": installed(folder / "site_after"),
    }
    files, seconds = {}, {}
    for when, site in sites.items():
        files[when], seconds[when] = generate(project, site, f"airflow_dags_{when}")
    parse = json.loads(
        subprocess.run(
            [
                sys.executable,
                str(HERE / "parse_dags.py"),
                "--repeats",
                str(args.parse_repeats),
                "--seconds",
                str(args.parse_seconds),
                "--like",
                str(files["after"]),
                "--minimal",
                str(folder / "minimal.py"),
                str(files["before"]),
            ],
            env={**os.environ, "PYTHONPATH": str(sites["after"])},
            cwd=folder,
            capture_output=True,
            check=True,
            text=True,
        ).stdout.splitlines()[-1]
    )["files"]
    result: dict = {"nodes": args.nodes, "shape": shape, "revision": args.before}
    for when, path in files.items():
        timing = parse[str(path)]
        if timing.get("errors") or "crash" in timing:
            sys.exit(f"the {when} DAG does not load: {timing}")
        result[when] = {
            **measure(path),
            "generate_s": seconds[when],
            "parse_ms": 1000 * timing["parse"],
            "parse_compile_ms": 1000 * timing["parse_compile"],
            "parse_imports": timing["new_packages"],
        }
    result["minimal_parse_ms"] = 1000 * parse[str(folder / "minimal.py")]["parse"]
    # Rounds take turns, so the ratio within a round cancels the machine's drifts.
    pairs = zip(
        parse[str(files["after"])]["parse_runs"], parse[str(files["before"])]["parse_runs"], strict=True
    )
    result["parse_ratio"] = statistics.median(a / b for a, b in pairs)
    if args.out:
        args.out.write_text(report(result))
    print(json.dumps(result))


def report(result: dict) -> str:
    rows = [
        ("lines", "lines"),
        ("bytes", "bytes"),
        ("longest docstring (lines)", "longest_docstring"),
        ("task functions", "tasks"),
        ("runner calls over several lines", "runner_calls_over_several_lines"),
        ("`get_child_by_label` calls", "get_child_by_label"),
        ("longest chain of them", "longest_get_child_chain"),
        ("groups bound to variables", "groups_bound_to_variables"),
        ("generate (s)", "generate_s"),
        ("parse, bytecode cached (ms)", "parse_ms"),
        ("parse, compiled (ms)", "parse_compile_ms"),
        ("imported by the parse beyond Airflow", "parse_imports"),
    ]
    lines = [
        f"`__default__` DAG of the {result['nodes']:,}-node project of `make_league.py` "
        f"({json.dumps(result['shape'])}); minimal DAG parse {result['minimal_parse_ms']:,.0f} ms; "
        f"parse after / before, median of the rounds' ratios: {result['parse_ratio']:.2f}.",
        "",
        f"| | before (`{result['revision']}`) | after |",
        "|---|---|---|",
    ]
    for label, key in rows:
        lines.append(f"| {label} | {_shown(result['before'][key])} | {_shown(result['after'][key])} |")
    return "\n".join(lines) + "\n"


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return ", ".join(value) or "nothing"


if __name__ == "__main__":
    main()
