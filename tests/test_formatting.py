"""codegen.printing and codegen.formatting against their oracles: LibCST's ``Module.code`` and
black on the whole module, byte for byte.

``render`` prints the tree itself (``codegen/printing.py``) and formats only the statements black
would change (``codegen/formatting.py``); here every module the generator builds for the snapshot
cases, the flavoured project and random pipelines (hostile and long names, namespaces, task
settings, flavours) is also printed by LibCST and formatted whole by black, and the texts must be
equal, as must the statements the printer found and those found by parsing its text.
"""

from __future__ import annotations

import keyword
import string

import black
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.cases import FLAVOURED
from support.snapshots import IDS, SNAPSHOT_CASES, generate
from support.strategies import pipelines

from kedro_taskflow import api, codegen, config
from kedro_taskflow.codegen import BLACK_MODE, splits
from kedro_taskflow.codegen.formatting import format_code, statement_units
from kedro_taskflow.codegen.printing import print_module
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import GroupBy, PipelineSpec, ProjectSpec
from kedro_taskflow.planning import plan_dag
from kedro_taskflow.target import AirflowVersion, Deployment, Target


def rendered(module: cst.Module) -> str:
    """The module's text as ``render`` makes it, checked against LibCST and black."""
    code = module.code
    printed = print_module(module)
    assert printed is not None, "every module the generator builds is printed by codegen.printing"
    assert printed.code == code
    assert list(printed.units) == statement_units(code)
    text = format_code(printed.code, BLACK_MODE, printed.units)
    assert text == black.format_str(code, mode=BLACK_MODE)
    return text


@pytest.fixture
def oracle(monkeypatch) -> list[str]:
    """Every module render makes is checked against LibCST and black; returns the texts checked."""
    checked: list[str] = []
    build = codegen.build_module

    def checked_render(plan, target) -> str:
        checked.append(rendered(build(plan, target)))
        return checked[-1]

    monkeypatch.setattr(codegen, "render", checked_render)
    return checked


@pytest.mark.parametrize("version", AirflowVersion)
def test_every_snapshot_case_is_formatted_as_black_formats_it(case_projects, version, oracle):
    for snapshot_id in IDS:
        generate(case_projects[SNAPSHOT_CASES[snapshot_id][0]], snapshot_id, version)
    assert len(oracle) == len(IDS)


@pytest.mark.parametrize("version", AirflowVersion)
def test_flavoured_tasks_are_formatted_as_black_formats_them(tmp_path, version, oracle):
    from support.kedro_projects import write_project

    project = write_project(tmp_path, FLAVOURED)
    options = api.Options(worker_project_path="/opt/flavoured", airflow_version=version)
    api.generate(project, options=options, write=False)
    assert len(oracle) == 1


LONG = "a_rather_long_name_that_pushes_every_line_it_is_on_past_the_limit"
FLAVOURS = {
    "virtualenv": {"requirements": ["pandas>=2", "kedro~=1.0", LONG], "project_path": "/app"},
    "external_python": {"python": f"/opt/venvs/{LONG}/bin/python", "project_path": "/app"},
    "kubernetes": {"image": f"registry.example.com/{LONG}:1.0", "project_path": f"/{LONG}"},
    "docker": {"image": 'registry.example.com/"quoted":1.0', "project_path": "/app"},
}
TASK_SETTINGS = st.fixed_dictionaries(
    {},
    optional={
        "retries": st.integers(0, 10**12),
        "pool": st.sampled_from(["default_pool", LONG, 'a "quoted" pool', "naïve"]),
        "retry_delay": st.sampled_from([5, 0.5, 1e-05, 10**9]),
        "trigger_rule": st.sampled_from(config.TRIGGER_RULES),
        "flavour": st.sampled_from(sorted(FLAVOURS)).map(lambda f: {f: FLAVOURS[f]}),
    },
)


@settings(database=None, max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pipelines(max_nodes=30),
    st.sampled_from(GroupBy),
    st.sampled_from(AirflowVersion),
    st.sampled_from(["p", LONG, 'quo"ted\\name', "日本"]),
    st.sampled_from([Deployment(levels_up=1), Deployment(project_path=f"/opt/{LONG}", env="prod")]),
    st.data(),
)
def test_random_pipelines_are_formatted_as_black_formats_them(
    pipeline, group_by, version, name, deployment, data
):
    nodes, persisted = pipeline
    spec = ProjectSpec(name, f"{name}_package", (PipelineSpec(name, tuple(nodes)),), persisted)
    tasks = {f"node:{n.name}": data.draw(TASK_SETTINGS) for n in nodes[:5]}
    raw = {"default": {"owner": name, "max_active_runs": 3, "tasks": {k: v for k, v in tasks.items() if v}}}
    try:
        dag = config.apply(plan_dag(spec, name, group_by), config.parse(raw, {}, {name: nodes}))
    except UsageError:  # refused with a message: in-memory data across tasks
        return
    rendered(codegen.build_module(dag, Target(version, deployment, f"kedro-taskflow generate {LONG}")))


IDENTIFIERS = st.one_of(  # short ones, and ones so long that no split fits
    st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True), st.from_regex(r"[a-z_]{20,80}", fullmatch=True)
).filter(lambda n: not keyword.iskeyword(n))
STRINGS = st.text(alphabet=string.ascii_letters + string.digits + " ._-@:{}()[]>", max_size=90).map(
    lambda s: f'"{s}"'
)


@st.composite
def operands(draw, lists: bool = True) -> str:
    """An operand as the generator writes them: a task, a call, a task group's child, a list."""
    kind = draw(st.sampled_from(["name", "call", "child", "list"] if lists else ["name", "call", "child"]))
    if kind == "name":
        return draw(IDENTIFIERS)
    if kind == "call":
        return f"{draw(IDENTIFIERS)}({draw(st.sampled_from(['', 'DAG_RUN']))})"
    if kind == "child":
        labels = draw(st.lists(STRINGS, min_size=1, max_size=3))
        return draw(IDENTIFIERS) + "".join(f".get_child_by_label({label})" for label in labels)
    return "[" + ", ".join(draw(st.lists(operands(lists=False), max_size=5))) + "]"


STATEMENTS = st.one_of(
    st.lists(operands(), min_size=2, max_size=6).map(" >> ".join),
    st.builds(
        lambda owner, args: f"{owner}.run_nodes({', '.join(args)})",
        IDENTIFIERS,
        st.lists(STRINGS, min_size=1, max_size=6),
    ),
)


# Cheap examples, so ten times the profile's count: 600 in CI, 15,000 with --hypothesis-profile=deep.
@settings(database=None, max_examples=10 * settings.default.max_examples, deadline=None)
@given(STATEMENTS, st.integers(0, 9))
def test_chains_and_runner_calls_are_split_as_black_splits_them(statement, depth):
    """codegen.splits, black's splits computed without black, against black on random statements."""
    wrappers = "".join("    " * level + "if x:\n" for level in range(depth))
    line = "    " * depth + statement + "\n"
    module = wrappers + line
    expected = "".join(black.format_str(module, mode=BLACK_MODE).splitlines(keepends=True)[depth:])
    assert splits.split(line, BLACK_MODE.line_length) == expected


def test_statements_splits_does_not_model_are_left_to_black():
    """A string's method call (black's can_be_split treats it apart), keywords, a comment, what
    does not parse alone: None."""
    for line in ('"a, b".join([x, y])\n', "f(a=1)\n", "a >> b  # c\n", "x = f(a)\n", "    return a >> b\n"):
        assert splits.split(line, BLACK_MODE.line_length) is None


PRINTED = [  # nodes the generator does not build, printed as LibCST prints them
    "x = a[1]  # a comment\n",
    '\n# a comment\n\n@d(x, *y, z=1, **w)\ndef f(a: int = 1, *b):\n    """Doc."""\n    x = (a) >> [b, c,]\n',
    "from a import (b, c)\nimport d as e\nf(x, y,)[1:2] >> {1: 2}\n",
    'x = """a\nb"""\ny = 1\n',
]
BUILT = [  # trees parsing would not give
    cst.Module(
        [
            cst.FunctionDef(  # lines before the first decorator, on the decorator itself
                cst.Name("f"),
                cst.Parameters(),
                cst.IndentedBlock([cst.SimpleStatementLine([cst.Pass()])]),
                [cst.Decorator(cst.Name("d"), leading_lines=[cst.EmptyLine(comment=cst.Comment("# c"))])],
            )
        ]
    ),
]
LEFT_TO_LIBCST = [  # a statement with a body, several on a line, a node spanning lines
    "if x:\n    pass\n",
    "class A:\n    pass\n",
    "x = 1; y = 2\n",
    "f(\n    a,\n)\n",
    "def f() -> int:\n    return 1\n",
    "x = 1 + 2\n",
    "x = 1",
    "",
]


@pytest.mark.parametrize("module", [*map(cst.parse_module, PRINTED), *BUILT])
def test_the_printer_prints_other_nodes_as_libcst_does(module):
    printed = print_module(module)
    assert printed is not None
    assert printed.code == module.code
    assert list(printed.units) == statement_units(module.code)


@pytest.mark.parametrize("code", LEFT_TO_LIBCST)
def test_the_printer_leaves_to_libcst_what_it_does_not_print_in_place(code):
    assert print_module(cst.parse_module(code)) is None
