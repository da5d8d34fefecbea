"""Unit and property tests for naming: Kedro names -> task ids, Python names and DAG ids."""

from __future__ import annotations

import keyword

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kedro_taskflow import naming
from kedro_taskflow.codegen.dag_module import BOUND_NAMES as RESERVED
from kedro_taskflow.naming import DAG_ID_RE, TASK_ID_RE, dag_id, task_ids

# Short names over a small alphabet meet each other often after folding; long ones hit the limits.
_colliding = st.text(alphabet="ab-_. éé日🚀0", max_size=6)
_long = st.text(alphabet="ab-_é", min_size=240, max_size=300)
names_lists = st.lists(st.one_of(_colliding, _long, st.text()), unique=True, max_size=20)


def python_names(names):
    """Function names in a generated module, which binds ``RESERVED`` itself."""
    return naming.python_names(names, RESERVED)


def test_reserved_names_are_what_the_generated_module_binds():
    datasets = {"Dataset", "Asset"}  # Airflow 2's and 3's, imported when a DAG uses datasets
    isolated = {"DAG_RUN"}  # the DAG run's template, imported when a DAG has isolated tasks
    always = {"dag", "task", "task_group", "pendulum", "Path", "project", "KedroProject"}
    assert always | datasets | isolated == RESERVED


def assert_valid_python_name(name: str) -> None:
    assert name.isidentifier() and name.isascii(), name
    assert not keyword.iskeyword(name) and name not in RESERVED, name
    compile(f"def {name}():\n    pass\n", "<generated>", "exec")


# --- task ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["clean", "eu.clean_orders", "1st-step", "class", "lambda", "X9", "_"])
def test_valid_task_ids_are_kept(name):
    assert task_ids([name, "other name"])[name] == name


def test_non_ascii_task_id_is_folded_to_ascii():
    assert task_ids(["données_é"]) == {"données_é": "donnees_e"}


@pytest.mark.parametrize(
    "names",
    [
        ["日本語", "中文", "한국어"],  # all fold to nothing
        ["🚀", "🎉", "🚀launch", "launch"],
        ["a b", "a/b", "a_b", "a:b"],
        ["a-b", "a_b", "a.b"],
    ],
)
def test_task_ids_of_names_that_meet_after_folding_are_distinct_and_valid(names):
    ids = task_ids(names)
    assert len(set(ids.values())) == len(names)
    assert all(TASK_ID_RE.match(i) for i in ids.values())


def test_valid_ids_are_kept_up_to_250_and_ids_we_make_are_short_and_distinct():
    shared = "n" * 250
    names = [shared + "a" * 50, shared + "b" * 50, shared]
    ids = task_ids(names)
    assert ids[shared] == shared
    assert all(len(ids[n]) <= naming.MADE_LEN and TASK_ID_RE.match(ids[n]) for n in names[:2])
    assert len(set(ids.values())) == 3


@pytest.mark.parametrize(
    ("name", "function", "expected"),
    [
        ("split_data__3c1a939c", "split_data", "split_data"),  # Kedro's name for an unnamed node
        ("<lambda>__2de1c226", "<lambda>", "lambda_to_cleaned"),
        ("partial(scale)__0123abcd", "<partial>", "scale"),
        ("split_data__3c1a939c", "other_function", "split_data__3c1a939c"),  # a name someone chose
        ("split_data__3c1a939c", None, "split_data__3c1a939c"),
        ("split_data", "split_data", "split_data"),
    ],
)
def test_readable_drops_only_the_hash_kedro_gives_unnamed_nodes(name, function, expected):
    assert naming.readable(name, function, outputs=("eu.cleaned@pandas",), inputs=("raw",)) == expected


def test_readable_lambda_without_outputs_is_named_after_its_input():
    assert naming.readable("<lambda>__2de1c226", "<lambda>", inputs=("raw",)) == "lambda_from_raw"
    assert naming.readable("<lambda>__2de1c226", "<lambda>") == "lambda"


def test_joined_names_are_cut_between_words():
    name = naming.joined("add_index_to_dataset", "reset_values_in_boolean_columns")
    assert name == "add_index_to_dataset__to__reset_values_in_boolean"
    assert naming.joined("preprocess_companies_node", "create_model_input_table_node") == (
        "preprocess_companies_to_create_model_input_table"
    )


def test_joined_names_are_unambiguous_when_node_names_say_to():
    # a_to_b + c and a + b_to_c would both be a_to_b_to_c
    assert naming.joined("a_to_b", "c") == "a_to_b__to__c"
    assert naming.joined("a", "b_to_c") == "a__to__b_to_c"
    assert naming.joined("a__to__b", "c") == "a__to__b___to___c"
    assert naming.joined("split", "evaluate") == "split_to_evaluate"


def test_joined_names_are_at_most_made_len():
    assert naming.joined("split", "evaluate") == "split_to_evaluate"
    long = naming.joined("a" * 40, "b" * 40)
    assert len(long) == naming.MADE_LEN and long.startswith("a" * 23 + "_to_b")
    assert naming.joined("short", "b" * 60) == "short_to_" + "b" * 41


def test_the_changed_name_gets_the_hash_and_the_hash_does_not_depend_on_the_other_name():
    alone = task_ids(["données_é"])["données_é"]
    ids = task_ids(["données_é", "donnees_e"])
    assert ids["donnees_e"] == "donnees_e"
    assert ids["données_é"] != alone and ids["données_é"].startswith("donnees_e_")
    assert task_ids(["données_é", "donnees_e", "unrelated"])["données_é"] == ids["données_é"]
    assert task_ids(["a b", "a_b"])["a b"] == task_ids(["a b", "a?b"])["a b"]


@pytest.mark.parametrize("convert", [task_ids, python_names])
def test_hash_suffixed_name_cannot_meet_another_name(convert):
    names = ["a b", "a_b", "a?b_" + naming.short_hash("a b")]
    assert len(set(convert(names).values())) == 3


def test_name_whose_folded_form_is_cut_short_gets_a_hash():
    (task_id,) = task_ids(["ﬀ" * 200]).values()  # 200 characters that fold to 400
    assert task_id != "f" * 250


# --- Python names -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["clean", "make_orders", "_private", "match", "case", "type", "_"])
def test_valid_python_names_are_kept(name):
    assert python_names([name, "other-name"])[name] == name


@pytest.mark.parametrize(
    "name",
    ["1st-step", "class", "lambda", "None", "async", "données_é", "日本語", "🚀", "a.b", *sorted(RESERVED)],
)
def test_python_names_of_invalid_names_are_valid(name):
    assert_valid_python_name(python_names([name])[name])


def test_python_names_of_reserved_and_their_fixes_are_distinct():
    names = ["project", "project_", "dag", "dag_", "class", "class_", "1x", "_1x"]
    result = python_names(names)
    assert len(set(result.values())) == len(names)
    assert all(result[n] == n for n in ["project_", "dag_", "class_", "_1x"])


def test_python_names_of_hyphen_underscore_and_dot_variants_are_distinct():
    result = python_names(["a-b", "a_b", "a.b"])
    assert result["a_b"] == "a_b"
    assert len(set(result.values())) == 3


# --- properties -------------------------------------------------------------------------------


@settings(deadline=None)
@given(names_lists, st.randoms(use_true_random=False))
def test_task_ids_are_valid_unique_and_independent_of_order(names, rnd):
    ids = task_ids(names)
    assert set(ids) == set(names)
    assert len(set(ids.values())) == len(names)
    assert all(TASK_ID_RE.match(i) for i in ids.values())
    assert all(ids[n] == n for n in names if TASK_ID_RE.match(n))
    shuffled = list(names)
    rnd.shuffle(shuffled)
    assert task_ids(shuffled) == ids


@settings(deadline=None)
@given(names_lists, st.randoms(use_true_random=False))
def test_python_names_are_valid_unique_and_independent_of_order(names, rnd):
    result = python_names(names)
    assert len(set(result.values())) == len(names)
    for name in result.values():
        assert_valid_python_name(name)
    shuffled = list(names)
    rnd.shuffle(shuffled)
    assert python_names(shuffled) == result


@settings(deadline=None)
@given(names_lists, st.one_of(_colliding, st.text(max_size=250)))
@pytest.mark.parametrize("convert", [task_ids, python_names])
def test_adding_a_name_renames_only_names_it_meets(convert, names, extra):
    """Only documented collisions rename: a name whose unsuffixed form equals the new name's."""
    before = convert(names)
    after = convert([*names, extra])
    for name in names:
        if name != extra and after[name] != before[name]:
            assert convert([name])[name] == convert([extra])[extra], (name, extra)


# --- DAG ids ----------------------------------------------------------------------------------


def test_default_pipeline_dag_id_is_the_package_name():
    assert dag_id("fleet", "__default__") == "fleet"


def test_valid_pipeline_dag_id_joins_package_and_pipeline():
    assert dag_id("fleet", "data_processing") == "fleet_data_processing"


HOSTILE_PIPELINES = [
    "__default__",
    "data_processing",
    "a b",
    "a_b",
    "a-b",
    "a.b",
    'say "hi"',
    "it's",
    "two\nlines",
    "",
    "données",
    "日本語",
    "中文",
    "x" * 300,
    "x" * 300 + "y",
]


def test_dag_ids_of_hostile_pipeline_names_are_valid_and_distinct():
    ids = [dag_id("fleet", p) for p in HOSTILE_PIPELINES]
    assert len(set(ids)) == len(ids)
    for i in ids:
        assert DAG_ID_RE.match(i) and i.isidentifier(), i


@settings(deadline=None)
@given(st.lists(st.one_of(_colliding, _long, st.text()), unique=True, max_size=10))
def test_dag_ids_are_valid_and_distinct_for_distinct_pipelines(pipelines):
    ids = {dag_id("fleet", p) for p in pipelines}
    assert len(ids) == len(pipelines)
    assert all(DAG_ID_RE.match(i) and not i[0].isdigit() for i in ids)
    assert {dag_id("fleet", p) for p in reversed(pipelines)} == ids


def test_free_name_counts_up_past_taken_names_and_takes_its_own():
    taken = {"eu_group", "eu_group_2"}
    assert naming.free_name("eu_group", taken) == "eu_group_3"
    assert naming.free_name("us_group", taken) == "us_group"
    assert taken == {"eu_group", "eu_group_2", "eu_group_3", "us_group"}
