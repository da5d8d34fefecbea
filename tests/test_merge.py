"""Owning the DAG: hand edits survive regeneration, or are refused as conflicts (``ownership``).

Every merge here is the verified one (``merge_verified``): what ``generate`` would write.

The corpus (``support/ownership.py``): every hand edit times every pipeline change, pinned as .py
snapshots under tests/snapshots/test_merge/: ``test_edited[<edit>]`` is the file a person saved,
``test_new[<change>]`` what the generator writes after the change, ``test_merged[<edit>-<change>]``
the merged file, or the conflict lines as comments. Every merged file is loaded in Airflow.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.dag_source import closure, task_nodes
from support.environment import probe_airflow
from support.kedro_graph import kedro_edges
from support.ownership import (
    CHANGES,
    EDITS,
    EMPTY_IMPORT,
    EVIDENCE,
    EXTRA_EDGES,
    HAND_TASKS,
    NODES,
    PERSISTED,
    QUIET_CHANGES,
    RENAMED_TASKS,
    RUNTIME_IMPORT,
    TARGET,
    changed,
    edited,
    generated,
    quietly_changed,
    try_edit,
)

from kedro_taskflow import config
from kedro_taskflow.codegen import render
from kedro_taskflow.model import PipelineSpec, ProjectSpec
from kedro_taskflow.ownership import Base, Discarded, merge_discarding, merge_verified, own
from kedro_taskflow.planning import plan_dag
from kedro_taskflow.target import AirflowVersion, Deployment, Target

BASE = generated()
CASES = list(itertools.product(EDITS, CHANGES))


def merged_text(edit: str, change: str) -> str:
    """The merged file, or its conflicts as comment lines."""
    result = merge_verified(BASE, edited(BASE, edit), generated(*changed(change)))
    return result.text or "".join(f"# conflict: {line}\n" for line in result.conflicts)


@pytest.mark.parametrize("edit", EDITS)
def test_edited(edit, snapshot_py):
    assert edited(BASE, edit) == snapshot_py


@pytest.mark.parametrize("change", CHANGES)
def test_new(change, snapshot_py):
    assert generated(*changed(change)) == snapshot_py


@pytest.mark.parametrize(("edit", "change"), CASES, ids=[f"{e}-{c}" for e, c in CASES])
def test_merged(edit, change, snapshot_py):
    assert merged_text(edit, change) == snapshot_py


def test_the_corpus_is_at_least_15_edits_by_5_pipeline_changes():
    assert len(EDITS) >= 15 and len(CHANGES) >= 5


@pytest.mark.parametrize(("edit", "change"), CASES, ids=[f"{e}-{c}" for e, c in CASES])
def test_each_edit_survives_or_is_a_conflict_naming_what_to_do(edit, change):
    result = merge_verified(BASE, edited(BASE, edit), generated(*changed(change)))
    if result.conflicts:
        assert result.text is None
        assert all(line.endswith("undo the edit, regenerate, then redo it") for line in result.conflicts)
    else:
        assert all(evidence in result.text for evidence in EVIDENCE[edit]), result.text


def test_an_unedited_file_becomes_the_new_generation_byte_for_byte():
    new = generated(*changed("node_added"))
    assert merge_verified(BASE, BASE, new).text == new


def test_formatting_alone_is_not_an_edit():
    reformatted = BASE.replace('        "owner": "kedro",\n', "        'owner':   'kedro',\n")
    new = generated(*changed("node_renamed"))
    assert merge_verified(BASE, reformatted, new).text == new


def test_without_a_pipeline_change_the_file_stays_as_the_person_left_it():
    unformatted = edited(BASE, "sensor_before_first_task")  # a line black would wrap
    assert merge_verified(BASE, unformatted, BASE).text == unformatted


def _changed_lines(a: str, b: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


@pytest.mark.parametrize(
    "edit", ["task_retries", "default_args_key", "code_after_runner", "comment_above_task"]
)
def test_a_one_node_change_changes_that_task_and_its_dependency_lines_only(edit):
    new = generated(*changed("node_added"))
    mine = edited(BASE, edit)
    assert _changed_lines(mine, merge_verified(BASE, mine, new).text) == _changed_lines(BASE, new)


def test_an_edit_of_a_part_the_pipeline_also_changes_is_a_conflict():
    nodes, persisted = changed()
    nodes = tuple(
        n if n.name != "report" else n.__class__("report", None, ("eu.scores", "orders"), ("report",))
        for n in nodes
    )
    result = merge_verified(BASE, edited(BASE, "task_docstring"), generated(nodes, persisted))
    assert result.conflicts == (
        "task report: its docstring: edited here and changed by the pipeline; "
        "undo the edit, regenerate, then redo it",
    )


def test_removing_a_dependency_the_pipeline_still_has_is_a_conflict():
    mine = BASE.replace("    ingest() >> clean() >> eu_group\n", "    ingest()\n    clean() >> eu_group\n")
    result = merge_verified(BASE, mine, generated(*changed("node_added")))
    assert result.conflicts == (
        "the DAG function ownership: ingest >> clean: removed here but the pipeline still has it; "
        "undo the edit, regenerate, then redo it",
    )


def test_a_dependency_on_an_inline_operator_is_refused_rather_than_guessed():
    mine = BASE.replace(">> report()\n", '>> report() >> EmptyOperator(task_id="notify")\n')
    result = merge_verified(BASE, mine, generated(*changed("node_added")))
    assert result.conflicts == (
        "the DAG function ownership: the dependency statements: not read: each side of >> must be a "
        "task, a list, or a variable; undo the edit, regenerate, then redo it",
    )


def test_a_file_that_does_not_parse_is_refused():
    result = merge_verified(BASE, BASE + "def broken(:\n", generated(*changed("node_added")))
    assert result.conflicts == ("the file is not valid Python: fix it, then regenerate",)


def _expected_edges(text: str, nodes, edits) -> tuple[set, set]:
    """(task ids, the closure of the edges) that Kedro's graph and the person's extra tasks imply."""
    nodes_of = task_nodes(text, frozenset(HAND_TASKS[e] for e in edits if e in HAND_TASKS))
    for old, new in (pair for e in edits for pair in RENAMED_TASKS.get(e, {}).items()):
        nodes_of[new] = nodes_of.pop(old)
    task_of = {node: task for task, names in nodes_of.items() for node in names}
    task_of |= {f"<{dataset}": task_of[node.name] for node in nodes for dataset in node.outputs}
    edges = {(task_of[a], task_of[b]) for a, b in kedro_edges(nodes) if task_of[a] != task_of[b]}
    extra = {(task_of.get(u, u), task_of.get(v, v)) for e in edits for u, v in EXTRA_EDGES.get(e, ())}
    tasks = set(nodes_of) | {t for edge in extra for t in edge}
    return tasks, closure(edges | extra)


def _check_in_airflow(cases: list[tuple[str, tuple, tuple[str, ...]]], folder) -> None:
    """Load every (text, nodes, edits) in one Airflow 2.11 process; check the task graph of each."""
    paths = []
    for i, (text, _, _) in enumerate(cases):
        paths.append(folder / f"merged_{i}.py")
        paths[-1].write_text(text, encoding="utf-8")
    report = probe_airflow(paths, sys.executable)
    for path, (text, nodes, edits) in zip(paths, cases, strict=True):
        seen = report[str(path)]
        assert seen["errors"] == {} and seen["warnings"] == [], (edits, seen)
        (graph,) = seen["dags"].values()
        tasks, expected = _expected_edges(text, nodes, edits)
        assert set(graph) == tasks, text
        assert closure({(u, t) for t, ups in graph.items() for u in ups}) == expected, text


@pytest.mark.airflow
def test_every_merged_corpus_file_loads_in_airflow_with_the_pipeline_graph_and_the_extra_tasks(tmp_path):
    cases = []
    for edit, change in CASES:
        nodes, persisted = changed(change)
        result = merge_verified(BASE, edited(BASE, edit), generated(nodes, persisted))
        if result.text is not None:
            cases.append((result.text, nodes, (edit,)))
    assert len(cases) > len(CASES) // 2
    _check_in_airflow(cases, tmp_path)


@pytest.mark.airflow
def test_random_edits_before_random_pipeline_changes_survive_or_conflict_and_load(tmp_path):
    cases = []

    @settings(database=None)
    @given(
        st.lists(st.sampled_from(list(EDITS)), min_size=1, max_size=6, unique=True),
        st.lists(st.sampled_from(list(CHANGES)), min_size=1, max_size=3, unique=True),
    )
    def merge_random(edits, changes):
        mine, made = BASE, []
        for edit in edits:
            attempt = try_edit(mine, edit)
            if attempt is not None:
                mine, made = attempt, [*made, edit]
        nodes, persisted = changed(*changes)
        result = merge_verified(BASE, mine, generated(nodes, persisted))
        if result.conflicts:
            assert result.text is None
            return
        for edit in made:
            assert all(evidence in result.text for evidence in EVIDENCE[edit]), (edit, result.text)
        cases.append((result.text, nodes, tuple(made)))

    merge_random()
    assert cases, "every random case conflicted"
    _check_in_airflow(cases, tmp_path)


OWN_TASKS = """    @task
    def tidy():
        print("tidy")

    @task
    def slack():
        print("slack")

    tidy()
"""


def test_a_persons_own_tasks_stay_in_the_dag_alone_or_wired():
    mine = BASE.replace("    eu_group = eu()\n", OWN_TASKS + "    eu_group = eu()\n").replace(
        '    eu_group.get_child_by_label("score") >> report()\n',
        '    eu_group.get_child_by_label("score") >> report() >> slack()\n',
    )
    merged = merge_verified(BASE, mine, generated(*changed("node_added"))).text
    assert merged.endswith(
        "    report_task = report()\n"
        "    slack_task = slack()\n"
        "    tidy_task = tidy()\n"
        "    eu_group = eu()\n"
        "    ingest() >> clean() >> eu_group\n"
        '    eu_group.get_child_by_label("score") >> report_task >> publish()\n'
        "    report_task >> slack_task\n\n\nownership()\n"
    )


def test_removing_a_task_call_is_kept_unless_the_pipeline_changes_that_scope():
    mine = BASE.replace("        audit()\n", "")
    merged = merge_verified(BASE, mine, generated(*changed("node_added"))).text
    assert "def audit():" in merged and "        audit()\n" not in merged
    assert merge_verified(BASE, mine, generated(*changed("moved_into_namespace"))).conflicts == (
        "group eu: audit(): removed here but the pipeline still has it; "
        "undo the edit, regenerate, then redo it",
    )


@pytest.mark.airflow
def test_an_isolated_tasks_call_with_its_dag_run_is_a_task_call_too(tmp_path):
    """``report(DAG_RUN)`` (a flavoured task) is wired, bound and merged like ``report()``."""

    def flavoured(nodes, persisted):
        spec = ProjectSpec("Ownership", "ownership", (PipelineSpec("__default__", tuple(nodes)),), persisted)
        raw = {"default": {"tasks": {"node:report": {"flavour": {"external_python": {"python": "/py"}}}}}}
        settings = config.parse(raw, {"default": "conf/base/airflow.yml"}, {"__default__": nodes})
        return render(config.apply(plan_dag(spec, "__default__"), settings), TARGET)

    base = flavoured(NODES, PERSISTED)
    wired = '    eu_group.get_child_by_label("score") >> report(DAG_RUN)\n'
    assert wired in base
    runtime_import = RUNTIME_IMPORT.replace("import ", "import DAG_RUN, ")
    mine = base.replace(wired, f'    notify = EmptyOperator(task_id="notify")\n{wired.rstrip()} >> notify\n')
    mine = mine.replace(runtime_import, f"{EMPTY_IMPORT}{runtime_import}")

    result = merge_verified(base, mine, flavoured(*changed("node_added")))

    assert result.conflicts == ()
    assert "    report_task = report(DAG_RUN)\n" in result.text
    assert "    report_task >> notify\n" in result.text
    assert result.text.count("report(DAG_RUN)") == 1 and "report()" not in result.text
    (tmp_path / "merged.py").write_text(result.text, encoding="utf-8")
    seen = probe_airflow([tmp_path / "merged.py"], sys.executable)[str(tmp_path / "merged.py")]
    assert seen["errors"] == {} and seen["warnings"] == []
    (graph,) = seen["dags"].values()
    assert {(u, t) for t, ups in graph.items() for u in ups} == {
        ("ingest", "clean"),
        ("clean", "eu.score"),
        ("clean", "eu.audit"),
        ("eu.score", "report"),
        ("report", "publish"),
        ("report", "notify"),
    }


# -- the causes of lost edits (issue 20), each with a change that leaves the graph alone -----------

QUIET_CASES = list(itertools.product(EDITS, QUIET_CHANGES))


@pytest.mark.parametrize("change", QUIET_CHANGES)
def test_new_quietly(change, snapshot_py):
    assert quietly_changed(change) == snapshot_py


@pytest.mark.parametrize(("edit", "change"), QUIET_CASES, ids=[f"{e}-{c}" for e, c in QUIET_CASES])
def test_merged_quietly(edit, change, snapshot_py):
    result = merge_verified(BASE, edited(BASE, edit), quietly_changed(change))
    assert (result.text or "".join(f"# conflict: {line}\n" for line in result.conflicts)) == snapshot_py


@pytest.mark.parametrize(("edit", "change"), QUIET_CASES, ids=[f"{e}-{c}" for e, c in QUIET_CASES])
def test_each_edit_survives_a_change_that_leaves_the_graph_alone_or_is_a_conflict(edit, change):
    result = merge_verified(BASE, edited(BASE, edit), quietly_changed(change))
    if result.conflicts:
        assert result.text is None
        assert all(line.endswith("undo the edit, regenerate, then redo it") for line in result.conflicts)
    else:
        assert all(evidence in result.text for evidence in EVIDENCE[edit]), result.text


def test_a_signature_is_the_persons_when_the_pipeline_changes_that_task():
    new = quietly_changed("airflow_yml")
    assert "    @task(retries=5)\n    def report():\n" in new
    merged = merge_verified(BASE, edited(BASE, "task_signature"), new).text
    assert "    @task(retries=5)\n    def report(**context) -> None:\n" in merged


def test_a_statement_stays_before_its_first_use():
    merged = merge_verified(
        BASE, edited(BASE, "sensor_after_group_binding"), quietly_changed("airflow_yml")
    ).text
    assert merged.index("    wait_for_raw = ExternalTaskSensor(") < merged.index(
        "    wait_for_raw >> ingest()"
    )


def test_a_chain_is_read_whole_so_a_new_nodes_call_is_kept():
    merged = merge_verified(BASE, edited(BASE, "chain_wiring"), generated(*changed("node_added"))).text
    assert "publish()" in merged.split("def ownership():")[1].split("def publish():")[1]


SCORE, AUDIT = 'eu_group.get_child_by_label("score")', 'eu_group.get_child_by_label("audit")'


@pytest.mark.parametrize(
    ("edit", "written"),
    [
        ("chain_through_group_child", f"chain({SCORE}, check_scores, report_task)"),
        ("cross_downstream", f"cross_downstream(\n        [{AUDIT}, report_task], [archive, notify_board]\n"),
        ("branch_in_chain", f"{SCORE} >> on_weekdays_task >> report_task"),
    ],
    ids=["chain", "cross_downstream", "branch"],
)
def test_a_statement_wiring_only_edges_the_person_added_stays_as_written(edit, written):
    """Both sides rewired the DAG: the person's own statement stays (its task calls by variable,
    as the pipeline's statements bind them), so their ``chain``/``cross_downstream`` import is used."""
    merged = merge_verified(BASE, edited(BASE, edit), generated(*changed("node_added")))
    assert merged.conflicts == ()
    body = merged.text.split("def ownership():")[1]
    assert body.count(written) == 1
    assert " >> check_scores" not in body and " >> archive" not in body  # no edge written twice
    assert "publish()" in body.split("def publish():")[1]  # the pipeline's change is there too


def test_a_statement_naming_a_task_by_the_persons_variable_is_rewired_when_the_pipeline_binds_it():
    """The person bound ``clean`` as ``cleaned``; the pipeline now binds it as ``clean_task``: their
    statement cannot stay as written (``cleaned`` is gone), so its edge is written anew."""
    wiring = "    ingest() >> clean() >> eu_group\n"
    mine = BASE.replace(RUNTIME_IMPORT, RUNTIME_IMPORT + EMPTY_IMPORT).replace(
        wiring,
        "    cleaned = clean()\n    ingest() >> cleaned >> eu_group\n"
        '    check = EmptyOperator(task_id="check")\n    cleaned >> check\n',
    )
    new = generated(*changed("audit_reads_orders"))
    assert "    clean_task = clean()\n" in new
    merged = merge_verified(BASE, mine, new)
    assert merged.conflicts == ()
    assert "clean_task >> check" in merged.text and "cleaned" not in merged.text


def test_an_edge_both_kept_as_written_and_gating_a_group_is_written_once():
    line = '    clean_task >> eu_group.get_child_by_label("check_orders")\n'
    mine = edited(BASE, "task_first_in_group").replace(
        "    ingest() >> clean() >> eu_group\n",
        "    clean_task = clean()\n    ingest() >> clean_task >> eu_group\n" + line,
    )
    merged = merge_verified(BASE, mine, generated(*changed("audit_reads_orders")))
    assert merged.conflicts == ()
    assert merged.text.count(line) == 1


def test_an_import_the_persons_code_uses_stays_when_the_pipeline_drops_it():
    relative = Target(AirflowVersion.AIRFLOW_2, Deployment(levels_up=1))
    base = generated(target=relative)
    assert "from pathlib import Path\n" in base
    mine = base.replace(
        '        project.run_nodes("clean")', '        print(Path.cwd())\n        project.run_nodes("clean")'
    )
    new = generated()  # --worker-project-path: the generated code no longer uses Path
    assert "from pathlib import Path\n" not in new
    merged = merge_verified(base, mine, new)
    assert merged.conflicts == () and "from pathlib import Path\n" in merged.text


def test_a_literal_changed_on_both_sides_differently_is_one_conflict():
    result = merge_verified(BASE, edited(BASE, "start_date_edited"), quietly_changed("airflow_yml"))
    assert result.conflicts == (
        "the DAG function ownership: @dag argument start_date: its positional arguments: edited here and "
        "changed by the pipeline; undo the edit, regenerate, then redo it",
    )


def test_comments_in_the_dependency_statements_and_the_order_of_tasks_are_kept():
    new = generated(*changed("node_added"))
    merged = merge_verified(BASE, edited(BASE, "comment_in_wiring"), new).text
    assert "    # The EU group waits for the cleaned orders.\n    ingest() >> clean() >> eu_group\n" in merged
    reordered = merge_verified(BASE, edited(BASE, "task_order"), new).text
    names = [line.strip() for line in reordered.splitlines() if line.startswith("    def ")]
    assert names == ["def report():", "def ingest():", "def clean():", "def eu():", "def publish():"]


def test_a_persons_task_first_in_a_group_still_waits_for_what_the_group_waited_for():
    """``clean() >> eu_group`` made ``check_orders`` wait for clean; the pipeline now wires clean to
    one child of the group only: the merge keeps check_orders waiting for clean."""
    merged = merge_verified(
        BASE, edited(BASE, "task_first_in_group"), generated(*changed("audit_reads_orders"))
    )
    assert merged.conflicts == ()
    assert merged.text.endswith(
        "    ingest() >> [clean_task, eu_group]\n"
        '    clean_task >> eu_group.get_child_by_label("score") >> report()\n'
        '    clean_task >> eu_group.get_child_by_label("check_orders")\n\n\nownership()\n'
    )


BOTH_REPORTED = tuple(
    dataclasses.replace(n, inputs=("eu.scores", "eu.audit_log")) if n.name == "report" else n for n in NODES
)
LAST_IN_GROUP = (
    "        audit()\n        score()\n",
    '        @task\n        def validate_scores():\n            print("validating")\n\n'
    "        audit()\n        score() >> validate_scores()\n",
)


def test_a_persons_task_last_in_a_group_still_gates_what_waited_for_the_group():
    """``eu() >> report()`` made report wait for ``validate_scores``, the group's last task; the
    pipeline now wires report to the group's score only: the merge keeps report waiting for it."""
    base = generated(BOTH_REPORTED, PERSISTED)
    assert "    ingest() >> clean() >> eu() >> report()\n" in base
    mine = base.replace(*LAST_IN_GROUP)
    merged = merge_verified(base, mine, generated(NODES, PERSISTED))
    assert merged.conflicts == ()
    assert merged.text.endswith(
        "    report_task = report()\n"
        "    eu_group = eu()\n"
        "    ingest() >> clean() >> eu_group\n"
        '    eu_group.get_child_by_label("score") >> report_task\n'
        '    eu_group.get_child_by_label("validate_scores") >> report_task\n\n\nownership()\n'
    )


# -- a file as its editor saved it: a byte order mark, Windows line endings -----------------------


def _saved(tmp_path, text: str, bom: str, newline: str):
    path = tmp_path / "ownership.py"
    path.write_bytes((bom + text.replace("\n", newline)).encode("utf-8"))
    return path


@pytest.mark.parametrize(("bom", "newline"), [("\ufeff", "\n"), ("", "\r\n"), ("\ufeff", "\r\n")])
def test_a_file_with_a_byte_order_mark_or_windows_line_endings_merges_and_keeps_them(tmp_path, bom, newline):
    mine = edited(BASE, "task_retries")
    new = generated(*changed("node_added"))
    path = _saved(tmp_path, mine, bom, newline)

    owned = own(path, new, Base(BASE, None))

    assert owned.conflicts == ()
    assert owned.text == bom + merge_verified(BASE, mine, new).text.replace("\n", newline)


@pytest.mark.parametrize(("bom", "newline"), [("\ufeff", "\n"), ("", "\r\n")])
def test_an_unedited_file_saved_with_a_byte_order_mark_or_windows_line_endings_keeps_them(
    tmp_path, bom, newline
):
    new = generated(*changed("node_added"))
    assert own(_saved(tmp_path, BASE, bom, newline), new, Base(BASE, None)).text == bom + new.replace(
        "\n", newline
    )
    assert own(_saved(tmp_path, BASE, bom, newline), BASE, Base(BASE, None)).text == bom + BASE.replace(
        "\n", newline
    )


# -- --discard-edits: only the edits that conflict go, each shown as the code the person wrote -----

SNAPSHOTS = Path(__file__).parent / "snapshots" / "test_merge"
WITH_RETRIES = [  # the corpus's conflicts, as pinned, where a second edit fits
    (edit, change)
    for edit, change in CASES
    if (SNAPSHOTS / f"test_merged[{edit}-{change}].py").read_text().startswith("# conflict")
    and try_edit(edited(BASE, edit), "task_retries") is not None
]


@pytest.mark.parametrize(("edit", "change"), WITH_RETRIES, ids=[f"{e}-{c}" for e, c in WITH_RETRIES])
def test_discarding_drops_the_conflicting_edit_and_keeps_every_other_verified(edit, change):
    mine = edited(edited(BASE, edit), "task_retries")
    assert merge_verified(BASE, mine, generated(*changed(change))).conflicts
    result = merge_discarding(BASE, mine, generated(*changed(change)))
    assert result.conflicts == ()
    assert "    @task(retries=3)\n    def clean():" in result.text or change == "node_renamed"
    assert result.discarded and all(d.code.strip() for d in result.discarded)


def test_the_discarded_edit_of_a_changed_part_is_its_code_and_the_rest_is_the_merge_without_it():
    new = generated(*changed("node_added")).replace('"""eu.scores -> report"""', '"""The report."""')
    mine = edited(edited(BASE, "task_docstring"), "task_retries")
    result = merge_discarding(BASE, mine, new)
    assert result.discarded == (
        Discarded(
            "task report: its docstring",
            "edited here and changed by the pipeline",
            '"""Write the weekly report for the board."""',
        ),
    )
    assert result.text == merge_verified(BASE, edited(BASE, "task_retries"), new).text


def test_the_discarded_edit_of_a_task_the_pipeline_removed_is_the_line_the_person_changed():
    new = generated(*changed("node_removed"))
    result = merge_discarding(BASE, edited(edited(BASE, "audit_pool"), "dag_schedule"), new)
    assert result.discarded == (
        Discarded("task eu.audit", "edited here, but the pipeline no longer has it", '@task(pool="audit")'),
    )
    assert result.text == merge_verified(BASE, edited(BASE, "dag_schedule"), new).text


def test_a_discarded_dependency_edit_is_the_scopes_dependency_statements_as_the_person_wrote_them():
    mine = BASE.replace("    ingest() >> clean() >> eu_group\n", "    ingest()\n    clean() >> eu_group\n")
    new = generated(*changed("node_added"))
    result = merge_discarding(BASE, edited(mine, "task_retries"), new)
    assert result.discarded == (
        Discarded(
            "the DAG function ownership: the dependency statements",
            "ingest >> clean: removed here but the pipeline still has it",
            "ingest()\nclean() >> eu_group",
        ),
    )
    assert result.text == merge_verified(BASE, edited(BASE, "task_retries"), new).text


def test_when_a_check_fails_the_edit_whose_undoing_passes_is_dropped_and_shown_by_its_line():
    new = generated(*changed("node_removed"))
    mine = edited(edited(BASE, "comment_in_wiring"), "task_retries")
    (conflict,) = merge_verified(BASE, mine, new).conflicts  # a check refuses it, not a part
    result = merge_discarding(BASE, mine, new)
    assert result.discarded == (
        Discarded(
            "the file, line 70",
            conflict.removesuffix("; undo the edit, regenerate, then redo it"),
            "# The EU group waits for the cleaned orders.",
        ),
    )
    assert mine.splitlines()[69] == "    # The EU group waits for the cleaned orders."
    assert result.text == merge_verified(BASE, edited(BASE, "task_retries"), new).text


def test_a_file_that_does_not_parse_loses_the_broken_lines_only():
    mine = edited(BASE, "task_retries").replace("    def report():", "    def report(:")
    new = generated(*changed("node_added"))
    result = merge_discarding(BASE, mine, new)
    assert [(d.why, d.code) for d in result.discarded] == [
        ("the file is not valid Python: fix it, then regenerate", "def report(:")
    ]
    assert result.text == merge_verified(BASE, edited(BASE, "task_retries"), new).text


def test_when_no_one_edit_can_go_alone_every_edit_goes_each_shown_as_code():
    new = generated(*changed("node_removed"))
    score = '    eu_group.get_child_by_label("score")'
    mine = edited(BASE, "comment_in_wiring").replace(score, f"    # Then the report.\n{score}")
    result = merge_discarding(BASE, mine, new)
    assert result.text == new
    assert [d.code for d in result.discarded] == [
        "# The EU group waits for the cleaned orders.",
        "# Then the report.",
    ]


def test_a_persons_task_first_in_a_group_whose_upstream_the_pipeline_renamed_away_from_the_group_conflicts():
    """check_orders waited for clean through the EU group; the pipeline renames clean to scrub and
    wires scrub to the group's score only: the merge cannot tell scrub is clean, so it refuses."""
    merged = merge_verified(
        BASE, edited(BASE, "task_first_in_group"), generated(*changed("node_renamed", "audit_reads_orders"))
    )
    assert merged.conflicts == (
        "the DAG function ownership: clean >> eu.check_orders: your task waited for clean through its "
        "group, but the pipeline no longer has clean; undo the edit, regenerate, then redo it",
    )
