"""The checks a merged DAG file passes before it is written (``ownership/verify.py``).

Each check is shown failing on a merged text that breaks it, whatever merge made it; and a merge
that fails one is a conflict: nothing written, the lines name the check.
"""

from __future__ import annotations

from support.ownership import EDITS, EMPTY_IMPORT, HELPER, RUNTIME_IMPORT, changed, edited, generated

from kedro_taskflow.ownership import merge_verified
from kedro_taskflow.ownership.verify import undefined_names, verify

BASE = generated()
NEW = generated(*changed("node_added"))
NOTIFY = edited(BASE, "notification_after_last_task")


def test_the_merge_of_the_corpus_passes_every_check():
    merged = merge_verified(BASE, NOTIFY, NEW)
    assert merged.conflicts == () and verify(BASE, NOTIFY, NEW, merged.text) == ()


def test_a_merged_file_that_does_not_compile_fails():
    (line,) = verify(BASE, NOTIFY, NEW, NEW + "def broken(:\n")
    assert line.startswith("the merged file does not compile (line ")


def test_a_name_the_merged_file_no_longer_defines_fails_naming_where_it_is_used():
    mine = edited(BASE, "on_failure_callback")
    merged = mine.replace(HELPER, "")
    assert verify(
        BASE,
        mine,
        NEW.replace("    doc_md=__doc__,\n", "    doc_md=__doc__,\n    on_failure_callback=alert,\n"),
        merged,
    )[0] == ("uses 'alert', which the merged file no longer defines (verified: every name used is defined)")


def test_a_name_the_edited_file_already_left_undefined_is_not_the_merges_fault():
    mine = BASE.replace(
        '        project.run_nodes("clean")', '        project.run_nodes("clean")\n        oops()'
    )
    assert not any(
        "oops" in line
        for line in verify(
            BASE,
            mine,
            NEW,
            NEW.replace(
                '        project.run_nodes("clean")', '        project.run_nodes("clean")\n        oops()'
            ),
        )
    )


def test_a_hand_edit_missing_from_the_merged_file_fails():
    mine = edited(BASE, "task_pool")
    assert verify(BASE, mine, NEW, NEW) == (
        "ownership report @task pool: the merge lost what you added, `'reports'` "
        "(verified: every hand edit is kept)",
    )


def test_a_removal_the_merged_file_undoes_fails():
    mine = BASE.replace('        "retries": 1,\n', "")
    merged = merge_verified(BASE, mine, NEW).text
    assert '"retries"' not in merged
    (line,) = verify(BASE, mine, NEW, NEW)
    assert "the merge lost what you removed, `1`" in line


def test_a_date_neither_side_wrote_fails():
    mine = BASE.replace("pendulum.datetime(2024, 1, 1,", "pendulum.datetime(2024, 1, 9,")
    new = NEW.replace("pendulum.datetime(2024, 1, 1,", "pendulum.datetime(2025, 6, 1,")
    mixed = NEW.replace("pendulum.datetime(2024, 1, 1,", "pendulum.datetime(2025, 6, 9,")
    assert any("`2024, 1, 9`" in line for line in verify(BASE, mine, new, mixed))


def test_a_lost_comment_fails():
    mine = BASE.replace("    eu_group = eu()\n", "    # EU first.\n    eu_group = eu()\n")
    assert verify(BASE, mine, NEW, NEW) == (
        "ownership comment: the merge lost what you added, `# EU first.` (verified: every hand edit is kept)",
    )


def test_a_missing_edge_or_task_call_fails():
    wired = '    eu_group.get_child_by_label("score") >> report() >> publish()\n'
    assert wired in NEW
    unwired = NEW.replace(wired, '    eu_group.get_child_by_label("score") >> report()\n    publish()\n')
    assert verify(BASE, BASE, NEW, unwired) == (
        "the edge report >> publish is missing (verified: the task graph is the pipeline's plus your edges)",
    )
    uncalled = NEW.replace(wired, '    eu_group.get_child_by_label("score") >> report()\n')
    assert verify(BASE, BASE, NEW, uncalled) == (
        "the edge report >> publish is missing (verified: the task graph is the pipeline's plus your edges)",
        "the task call publish is missing (verified: the task graph is the pipeline's plus your edges)",
    )


def test_the_persons_edges_count_and_chain_reads_as_its_arrows():
    chained = NOTIFY.replace(
        '    eu_group.get_child_by_label("score") >> report() >> notify\n',
        '    chain(eu_group.get_child_by_label("score"), report(), notify)\n',
    )  # ``chain`` left undefined: the edited file's own doing, not the merge's
    merged = merge_verified(BASE, NOTIFY, NEW).text
    assert verify(BASE, chained, NEW, merged) == ()
    assert verify(BASE, BASE, NEW, merged) == (
        "the edge report >> notify is unexpected "
        "(verified: the task graph is the pipeline's plus your edges)",
    )


def test_cross_downstream_reads_as_an_edge_from_each_of_the_first_to_each_of_the_second():
    mine = edited(BASE, "cross_downstream")
    by_keyword = mine.replace("        [eu_group", "        from_tasks=[eu_group").replace(
        "], [archive", "], to_tasks=[archive"
    )
    narrowed = mine.replace("[archive, notify_board]", "[archive]")
    assert verify(BASE, mine, BASE, by_keyword) == ()
    assert verify(BASE, mine, BASE, narrowed) == (
        "the edge eu.audit >> notify_board is missing "
        "(verified: the task graph is the pipeline's plus your edges)",
        "the edge report >> notify_board is missing "
        "(verified: the task graph is the pipeline's plus your edges)",
    )


def test_a_group_child_the_merged_file_does_not_define_fails():
    """After the audit node moved out of the EU group, ``get_child_by_label("audit")`` fails to load."""
    mine = edited(BASE, "cross_downstream")
    new = generated(*changed("moved_out_of_namespace"))
    person = EDITS["cross_downstream"][1][1].replace('eu_group.get_child_by_label("score")', "eu_group")
    stale = new.replace("    eu_group >> report()\n", person)
    stale = stale.replace(RUNTIME_IMPORT, EDITS["cross_downstream"][0][1])
    assert verify(BASE, mine, new, stale) == (
        "the merged file names eu.audit, but defines no such task or group (verified: it loads)",
    )
    # Named in a statement the checks do not read as dependencies, the same.
    tuned = '    eu_group.get_child_by_label("audit").retries = 3\n'

    def with_tuned(text: str, wired: str) -> str:
        return text.replace(wired, wired + tuned)

    assert verify(
        BASE,
        with_tuned(BASE, '    eu_group.get_child_by_label("score") >> report()\n'),
        new,
        with_tuned(new, "    eu_group >> report()\n"),
    ) == ("the merged file names eu.audit, but defines no such task or group (verified: it loads)",)


def test_a_cycle_the_persons_edge_closes_with_the_pipelines_fails():
    """The person's report waits for eu.audit too; the pipeline's eu.audit now reads the report:
    Airflow refuses to load a DAG with a cycle, so the merge is a conflict that names the edge."""
    wired = '    eu_group.get_child_by_label("score") >> report()\n'
    mine = BASE.replace(
        wired,
        "    report_task = report()\n"
        '    eu_group.get_child_by_label("score") >> report_task\n'
        '    eu_group.get_child_by_label("audit") >> report_task\n',
    )
    new = BASE.replace(
        wired,
        '    eu_group.get_child_by_label("score") >> report() >> eu_group.get_child_by_label("audit")\n',
    )
    result = merge_verified(BASE, mine, new)
    assert result.text is None
    assert result.conflicts == (
        "the task graph has a cycle through eu.audit, report: your edge eu.audit >> report closes it "
        "(verified: it loads); undo the edit, regenerate, then redo it",
    )


def test_a_wait_through_a_group_that_the_merged_file_lacks_fails():
    """``check_orders``, first in the EU group, waited for clean through ``clean() >> eu_group``;
    with clean wired to ``eu.score`` only, a merged file that adds nothing loses that wait."""
    mine = edited(BASE, "task_first_in_group")
    new = generated(*changed("audit_reads_orders"))
    lost = new.replace("        audit()\n        score()\n", EDITS["task_first_in_group"][0][1])
    assert verify(BASE, mine, new, lost) == (
        "task eu.check_orders no longer waits for clean, as it does in your file "
        "(verified: the task graph is the pipeline's plus your edges)",
    )
    assert verify(BASE, mine, new, merge_verified(BASE, mine, new).text) == ()


def test_a_failing_check_makes_the_merge_a_conflict_that_writes_nothing():
    mine = BASE.replace(
        "    ingest() >> clean() >> eu_group\n",
        "    # EU after cleaning.\n    ingest() >> clean() >> eu_group\n",
    )
    new = generated(*changed("node_renamed"))  # the commented statement is gone: so is its comment
    result = merge_verified(BASE, mine, new)
    assert result.text is None
    assert result.conflicts == (
        "ownership comment: the merge lost what you added, `# EU after cleaning.` "
        "(verified: every hand edit is kept); undo the edit, regenerate, then redo it",
    )


def test_undefined_names_reads_a_dag_file_as_the_check_does():
    assert undefined_names(BASE) == ()
    assert undefined_names(BASE + "def broken(:\n")[0].startswith("does not compile (line ")
    assert undefined_names(
        BASE.replace('        project.run_nodes("clean")', '        projekt.run_nodes("clean")')
    ) == ("task clean: uses 'projekt', defined nowhere",)
    assert undefined_names(EMPTY_IMPORT + BASE) == ()
