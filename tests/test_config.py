"""airflow.yml in-process: what config.parse refuses (each message exactly), the precedence and
combination config.apply gives, dataset URIs, flavours and the deployment checks."""

from __future__ import annotations

import math

import pytest

from kedro_taskflow import config
from kedro_taskflow.cli import flag
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import NodeSpec, PipelineSpec, ProjectSpec, Setting
from kedro_taskflow.planning import plan_dag

PIPELINES = {"__default__": (NodeSpec("load"),)}

# Two pipelines whose sections are in two files: `regions` is conf/local's.
LOAD = NodeSpec("load", outputs=("loaded",), tags=("ingest",))
TRAIN = NodeSpec("eu.train", namespace="eu", inputs=("loaded",), outputs=("model",))
TWO = {"__default__": (LOAD, TRAIN), "regions": (TRAIN,)}
FILES = {"default": "conf/base/airflow.yml", "regions": "conf/local/airflow.yml"}
SPEC = ProjectSpec(
    "p", "p", tuple(PipelineSpec(name, nodes) for name, nodes in TWO.items()), frozenset({"loaded", "model"})
)
FILEPATHS = {"loaded": "data/loaded.json", "model": "s3://bucket/model.pkl"}
BASE = "conf/base/airflow.yml: "
LOCAL = "conf/local/airflow.yml: "
SCHEDULES = (
    "null, a cron expression of 5 fields, {datasets: [<catalog datasets>]}, {pipeline: <name>} or one of "
    "@once, @continuous, @hourly, @daily, @weekly, @monthly, @quarterly, @yearly"
)
RULES = (
    "all_success, all_failed, all_done, all_skipped, one_success, one_failed, one_done, none_failed, "
    "none_failed_min_one_success, none_skipped, always"
)


def planned(raw: dict, pipeline: str = "__default__", filepaths=FILEPATHS, execution=None, worker=None):
    """The plan of ``pipeline`` with airflow.yml ``raw`` applied and every isolated task checked."""
    settings = config.parse(raw, FILES, TWO)
    dag = config.apply(plan_dag(SPEC, pipeline), settings, filepaths, execution)
    for task in dag.tasks:
        config.isolated_project_path(dag, settings, task, worker)
    return dag


REFUSED = {
    "a section that is neither default nor a pipeline, close to one": (
        {"defalt": {}},
        BASE + "defalt is neither `default` nor a pipeline of the project: did you mean 'default'?",
    ),
    "a section close to nothing": (
        {"zzz": {}},
        BASE + "zzz is neither `default` nor a pipeline of the project: sections are `default` and "
        "pipeline names: default, __default__, regions.",
    ),
    "a section that is not a mapping": (
        {"default": 3},
        BASE + "default must be a mapping of settings, not 3: write `key: value` lines under it.",
    ),
    "a mistyped key": (
        {"default": {"retires": 1}},
        BASE + "default.retires is not a known key: did you mean 'retries'?",
    ),
    "a key close to none": (
        {"default": {"qqqqqqq": 1}},
        BASE + "default.qqqqqqq is not a known key: known keys are: schedule, start_date, catchup, "
        "max_active_runs, schedule_interval, owner, depends_on_past, email_on_failure, email_on_retry, "
        "retries, retry_delay, execution_timeout, pool, pool_slots, queue, priority_weight, trigger_rule, "
        "datasets, dataset_uris, execution, shared_filesystem, as, flavour, tasks.",
    ),
    "a day that does not exist": (
        {"default": {"start_date": [2024, 2, 30]}},
        BASE + "default.start_date must be a date as [year, month, day], not [2024, 2, 30]: "
        "write e.g. `start_date: [2024, 1, 1]`.",
    ),
    "a date as text": (
        {"default": {"start_date": "2024"}},
        BASE + "default.start_date must be a date as [year, month, day], not '2024': "
        "write e.g. `start_date: [2024, 1, 1]`.",
    ),
    "no runs at a time": (
        {"default": {"max_active_runs": 0}},
        BASE + "default.max_active_runs must be a whole number >= 1, not 0: write e.g. `max_active_runs: 1`.",
    ),
    "a flag as text": (
        {"default": {"catchup": "no"}},
        BASE + "default.catchup must be true or false, not 'no': write e.g. `catchup: false`.",
    ),
    "a blank owner": (
        {"default": {"owner": " "}},
        BASE + "default.owner must be a non-empty string, not ' ': write e.g. `owner: data-team`.",
    ),
    "a boolean for a number": (
        {"default": {"retries": True}},
        BASE + "default.retries must be a whole number >= 0, not True: write e.g. `retries: 2`.",
    ),
    "no minutes": (
        {"default": {"retry_delay": 0}},
        BASE + "default.retry_delay must be a number of minutes > 0, not 0: write e.g. `retry_delay: 5`.",
    ),
    "minutes as text": (
        {"default": {"execution_timeout": "1"}},
        BASE + "default.execution_timeout must be a number of minutes > 0, not '1': "
        "write e.g. `execution_timeout: 5`.",
    ),
    "a pool as a number": (
        {"default": {"pool": 3}},
        BASE + "default.pool must be a non-empty string, not 3: write e.g. `pool: ingest_pool`.",
    ),
    "no slots": (
        {"default": {"pool_slots": 0}},
        BASE + "default.pool_slots must be a whole number >= 1, not 0: write e.g. `pool_slots: 2`.",
    ),
    "an empty queue": (
        {"default": {"queue": ""}},
        BASE + "default.queue must be a non-empty string, not '': write e.g. `queue: reporting`.",
    ),
    "a fraction of a weight": (
        {"default": {"priority_weight": 0.5}},
        BASE
        + "default.priority_weight must be a whole number >= 1, not 0.5: write e.g. `priority_weight: 10`.",
    ),
    "an unknown trigger rule": (
        {"default": {"trigger_rule": "all"}},
        BASE
        + f"default.trigger_rule must be one of {RULES}, not 'all': write e.g. `trigger_rule: all_done`.",
    ),
    "datasets as a number": (
        {"default": {"datasets": 1}},
        BASE + "default.datasets must be true or false, not 1: write e.g. `datasets: false`.",
    ),
    "dataset URIs as a list": (
        {"default": {"dataset_uris": ["x"]}},
        BASE + "default.dataset_uris must be a mapping of catalog dataset names to URIs, not ['x']: "
        'write e.g. `dataset_uris: {companies: "s3://bucket/companies.csv"}`.',
    ),
    "an airflow:// URI": (
        {"default": {"dataset_uris": {"x": "airflow://x"}}},
        BASE + "default.dataset_uris must be a mapping of dataset names to URIs (ASCII, a scheme other than "
        "airflow, no credentials), not {'x': 'airflow://x'}: "
        'write e.g. `dataset_uris: {companies: "s3://bucket/companies.csv"}`.',
    ),
    "an unknown execution": (
        {"default": {"execution": "cosmos"}},
        BASE
        + "default.execution must be one of tasks, watcher, not 'cosmos': write e.g. `execution: watcher`.",
    ),
    "depends_on_past as a number": (
        {"default": {"depends_on_past": 1}},
        BASE + "default.depends_on_past must be true or false, not 1: write e.g. `depends_on_past: false`.",
    ),
    "a cron expression of 3 fields": (
        {"default": {"schedule": "* * *"}},
        BASE + f"default.schedule must be {SCHEDULES}, not '* * *': write e.g. `schedule: \"0 6 * * *\"`.",
    ),
    "schedule_interval, by its own name": (
        {"default": {"schedule_interval": 5}},
        BASE + f"default.schedule_interval must be {SCHEDULES}, not 5: "
        'write e.g. `schedule_interval: "0 6 * * *"`.',
    ),
    "schedule twice, in the other file": (
        {"regions": {"schedule": "@daily", "schedule_interval": "@daily"}},
        LOCAL + "regions.schedule_interval repeats `schedule`: keep one of them "
        "(`schedule_interval` is its older name).",
    ),
    "not a selector": (
        {"default": {"tasks": {"bad": {}}}},
        BASE + "default.tasks.bad is not a selector: write `node:<node name>`, `namespace:<namespace>` "
        "or `tag:<tag>`.",
    ),
    "a mistyped tag": (
        {"default": {"tasks": {"tag:ingets": {}}}},
        BASE + "default.tasks.\"tag:ingets\" matches no node: did you mean 'ingest'?",
    ),
    "a namespace close to none": (
        {"default": {"tasks": {"namespace:us": {}}}},
        BASE + 'default.tasks."namespace:us" matches no node: the namespaces are: eu.',
    ),
    "a tag in a pipeline without tags": (
        {"regions": {"tasks": {"tag:x": {}}}},
        LOCAL + 'regions.tasks."tag:x" matches no node: no node has a tag.',
    ),
    "a quoted node name": (
        {"default": {"tasks": {'node:"q"': {}}}},
        BASE + 'default.tasks."node:"q"" matches no node: the nodes are: eu.train, load.',
    ),
    "task settings that are not a mapping": (
        {"default": {"tasks": {"node:load": 3}}},
        BASE + 'default.tasks."node:load" must be a mapping of task settings, not 3: '
        "write e.g. `{pool: ingest_pool}`.",
    ),
    "a DAG key on a task": (
        {"default": {"tasks": {"node:load": {"schedule": "@daily"}}}},
        BASE + 'default.tasks."node:load".schedule is not a known key: known keys are: owner, retries, '
        "retry_delay, execution_timeout, pool, pool_slots, queue, priority_weight, trigger_rule, flavour.",
    ),
    "a flavour that is neither name nor mapping": (
        {"default": {"tasks": {"node:load": {"flavour": 3}}}},
        BASE + 'default.tasks."node:load".flavour must be a flavour name or {<flavour>: {<arguments>}}, '
        "not 3: write e.g. `flavour: {kubernetes: {image: registry.example.com/project:1.0}}`.",
    ),
    "a mistyped flavour": (
        {"default": {"tasks": {"node:load": {"flavour": "dokker"}}}},
        BASE + "default.tasks.\"node:load\".flavour 'dokker' is not a flavour: did you mean 'docker'?",
    ),
    "flavour arguments that are not a mapping": (
        {"default": {"tasks": {"node:load": {"flavour": {"docker": 3}}}}},
        BASE + 'default.tasks."node:load".flavour.docker must be a mapping of arguments, not 3: '
        "write e.g. `{project_path: /opt/project}`.",
    ),
    "a mistyped flavour argument": (
        {"default": {"tasks": {"node:load": {"flavour": {"docker": {"imag": "x"}}}}}},
        BASE + "default.tasks.\"node:load\".flavour.docker.imag is not a known key: did you mean 'image'?",
    ),
    "an empty image": (
        {"default": {"tasks": {"node:load": {"flavour": {"docker": {"image": ""}}}}}},
        BASE + "default.tasks.\"node:load\".flavour.docker.image must be a non-empty string, not '': "
        "write e.g. `image: registry.example.com/project:1.0`.",
    ),
    "a flavour without its required argument": (
        {"default": {"tasks": {"node:load": {"flavour": {"kubernetes": {"namespace": "x"}}}}}},
        BASE + 'default.tasks."node:load".flavour.kubernetes needs `image`: '
        "write e.g. `flavour: {kubernetes: {image: registry.example.com/project:1.0}}`.",
    ),
    "a relative python": (
        {"default": {"flavour": {"external_python": {"python": "python3"}}}},
        BASE + "default.flavour.external_python.python must be an absolute path, not 'python3': "
        "write e.g. `python: /opt/venvs/project/bin/python`.",
    ),
    "requirements as text": (
        {"default": {"flavour": {"virtualenv": {"requirements": "pandas"}}}},
        BASE + "default.flavour.virtualenv.requirements must be a list of pip requirements, not 'pandas': "
        'write e.g. `requirements: ["pandas>=2"]`.',
    ),
    "an unknown pull policy": (
        {"default": {"flavour": {"kubernetes": {"image": "i", "image_pull_policy": "Sometimes"}}}},
        BASE + "default.flavour.kubernetes.image_pull_policy must be one of IfNotPresent, Always, Never, "
        "not 'Sometimes': write e.g. `image_pull_policy: IfNotPresent`.",
    ),
    "a relative project path": (
        {"default": {"flavour": {"virtualenv": {"project_path": "app"}}}},
        BASE + "default.flavour.virtualenv.project_path must be an absolute path, not 'app': "
        "write e.g. `project_path: /opt/project`.",
    ),
    "a schedule on a mistyped pipeline": (
        {"regions": {"schedule": {"pipeline": "region"}}},
        LOCAL + "regions.schedule names 'region', which is not a pipeline of the project: "
        "did you mean 'regions'?",
    ),
    "a schedule on a pipeline that declares no datasets": (
        {"regions": {"schedule": {"pipeline": "__default__"}}, "default": {"datasets": False}},
        LOCAL + "regions.schedule names pipeline '__default__', whose DAG does not declare the datasets it "
        "saves: set `datasets: true` under `default`.",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_parse_refuses_with_one_exact_line(case):
    raw, message = REFUSED[case]
    with pytest.raises(UsageError) as error:
        config.parse(raw, FILES, TWO)
    assert str(error.value) == message


APPLIED_REFUSED = {
    "a schedule on the DAG's own pipeline": (
        {"regions": {"schedule": {"pipeline": "regions"}, "datasets": True}},
        "regions",
        {},
        LOCAL + "regions.schedule names the DAG's own pipeline: name another pipeline.",
    ),
    "a schedule on a pipeline that saves nothing with a filepath": (
        {"regions": {"schedule": {"pipeline": "__default__"}}, "default": {"datasets": True}},
        "regions",
        {"filepaths": {}},
        LOCAL + "regions.schedule names pipeline '__default__', which saves no dataset with a catalog "
        "filepath: name a pipeline that saves persisted datasets, or give them URIs under `dataset_uris`.",
    ),
    "a schedule on a dataset without a filepath": (
        {"default": {"schedule": {"datasets": ["loaded", "nope"]}}},
        "__default__",
        {},
        BASE + "default.schedule names datasets with no filepath in the catalog: 'nope': name persisted "
        "datasets, or give them URIs under `dataset_uris`.",
    ),
    "an isolated task by a default selector": (
        {"default": {"tasks": {"node:load": {"flavour": "virtualenv"}}}},
        "__default__",
        {},
        BASE + "default.tasks.\"node:load\".flavour runs task 'load' isolated, where the DAG file's folder "
        "is not the project: pass --worker-project-path, or write e.g. "
        "`flavour: {virtualenv: {project_path: /opt/project}}`.",
    ),
    "an isolated task by a pipeline's selector": (
        {"regions": {"tasks": {"node:eu.train": {"flavour": "virtualenv"}}}},
        "regions",
        {},
        LOCAL + "regions.tasks.\"node:eu.train\".flavour runs task 'eu.train' isolated, where the DAG "
        "file's folder is not the project: pass --worker-project-path, or write e.g. "
        "`flavour: {virtualenv: {project_path: /opt/project}}`.",
    ),
    "isolated by the pipeline's section": (
        {"regions": {"flavour": "virtualenv"}},
        "regions",
        {},
        LOCAL + "regions.flavour runs task 'eu.train' isolated, where the DAG file's folder is not the "
        "project: pass --worker-project-path, or write e.g. "
        "`flavour: {virtualenv: {project_path: /opt/project}}`.",
    ),
    "isolated by default's section": (
        {"default": {"flavour": "virtualenv"}},
        "regions",
        {},
        BASE + "default.flavour runs task 'eu.train' isolated, where the DAG file's folder is not the "
        "project: pass --worker-project-path, or write e.g. "
        "`flavour: {virtualenv: {project_path: /opt/project}}`.",
    ),
    "watcher execution from a section, with an isolated task": (
        {"regions": {"execution": "watcher", "tasks": {"node:eu.train": {"flavour": "virtualenv"}}}},
        "regions",
        {"worker": "/w"},
        LOCAL + "regions.execution runs every node in one task, where task 'eu.train' cannot run isolated "
        "(flavour): drop the flavour, or write `execution: tasks`.",
    ),
    "watcher execution from the flag, with an isolated task": (
        {"default": {"tasks": {"node:eu.train": {"flavour": "virtualenv"}}}},
        "regions",
        {"execution": "watcher", "worker": "/w"},
        "--execution watcher runs every node in one task, where task 'eu.train' cannot run isolated "
        "(flavour): drop its flavour, or generate with --execution tasks.",
    ),
}


@pytest.mark.parametrize("case", APPLIED_REFUSED)
def test_apply_refuses_with_one_exact_line(case):
    """As the command line spells it (the Python API names ``execution`` without dashes)."""
    raw, pipeline, arguments, message = APPLIED_REFUSED[case]
    with pytest.raises(UsageError) as error:
        planned(raw, pipeline, **arguments)
    assert error.value.message(flag) == message


def test_a_section_in_no_known_file_is_named_by_the_first_file():
    with pytest.raises(UsageError) as error:
        config.parse({"regions": {"retries": -1}}, {"default": "conf/base/airflow.yml"}, TWO)
    assert str(error.value).startswith(BASE + "regions.retries must be a whole number >= 0")


def test_without_files_errors_name_the_base_file():
    with pytest.raises(UsageError) as error:
        config.parse({"default": {"retries": -1}}, {}, TWO)
    assert str(error.value).startswith(BASE + "default.retries")


@pytest.mark.parametrize("minutes", [0, -1, math.inf, math.nan, True, "5"])
def test_minutes_must_be_a_finite_positive_number(minutes):
    """``.inf`` in YAML would otherwise be written as the bare name ``inf``."""
    with pytest.raises(UsageError, match=r"default\.retry_delay must be a number of minutes > 0"):
        config.parse({"default": {"retry_delay": minutes}}, {}, PIPELINES)


@pytest.mark.parametrize("minutes", [5, 0.5])
def test_finite_minutes_are_kept(minutes):
    parsed = config.parse({"default": {"retry_delay": minutes}}, {}, PIPELINES)
    assert parsed.section("default").values["retry_delay"] == minutes


def test_whole_minutes_written_as_floats_become_whole_numbers():
    assert config.parse({"default": {"retry_delay": 5.0}}, {}, PIPELINES).section("default").values == {
        "retry_delay": 5
    }


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        (None, None),
        ("@daily", "@daily"),
        ("0  6 * * *", "0 6 * * *"),
        ({"datasets": ["a", "b"]}, ("a", "b")),
    ],
)
def test_schedules_are_parsed_into_plain_values(written, parsed):
    section = config.parse({"default": {"schedule_interval": written}}, {}, PIPELINES).section("default")
    assert section.values == {"schedule": parsed}


def _execution(raw: dict, flag: str | None = None):
    return planned(raw, execution=flag).setting("execution")


@pytest.mark.parametrize(
    ("raw", "flag", "value", "source"),
    [
        ({}, None, "tasks", "built-in"),
        ({"default": {"execution": "watcher"}}, None, "watcher", "default"),
        (
            {"default": {"execution": "watcher"}, "__default__": {"execution": "tasks"}},
            None,
            "tasks",
            "pipeline",
        ),
        ({"default": {"execution": "watcher"}}, "tasks", "tasks", "command line"),
        ({}, "watcher", "watcher", "command line"),
    ],
)
def test_execution_comes_from_the_flag_then_the_pipeline_then_default(raw, flag, value, source):
    setting = _execution(raw, flag)
    assert (setting.value, setting.source) == (value, source)


def test_dag_settings_come_from_the_pipeline_then_default_then_built_in():
    dag = planned({"default": {"retries": 3, "owner": "a"}, "regions": {"owner": "b"}}, "regions")
    assert dag.settings == (
        Setting("schedule", None, "built-in"),
        Setting("start_date", (2024, 1, 1), "built-in"),
        Setting("catchup", False, "built-in"),
        Setting("max_active_runs", 1, "built-in"),
        Setting("owner", "b", "pipeline"),
        Setting("retries", 3, "default"),
        Setting("retry_delay", 5, "built-in"),
        Setting("execution", "tasks", "built-in"),
    )


# One task holding three nodes, in two namespaces, with tags.
A = NodeSpec("eu.a", namespace="eu", outputs=("m1",), tags=("x", "y"))
B = NodeSpec("eu.deep.b", namespace="eu.deep", inputs=("m1",), outputs=("m2",), tags=("y",))
C = NodeSpec("c", inputs=("m2",), outputs=("out",))
JOINED = ProjectSpec("j", "j", (PipelineSpec("__default__", (A, B, C)),), frozenset({"out"}))


def _task_settings(tasks: dict, section: dict | None = None) -> dict[str, Setting]:
    raw = {"default": {**(section or {}), "tasks": tasks}}
    dag = config.apply(plan_dag(JOINED, "__default__"), config.parse(raw, {}, {"__default__": (A, B, C)}))
    (task,) = dag.tasks
    return {s.key: s for s in task.settings}


def test_a_node_selector_wins_over_a_namespace_a_tag_and_the_section():
    settings = _task_settings(
        {"node:eu.a": {"retries": 1}, "namespace:eu": {"retries": 9}, "tag:x": {"retries": 8}},
        {"retries": 7},
    )
    assert settings["retries"] == Setting("retries", 1, "node:eu.a")


def test_a_deeper_namespace_wins_over_its_parent_and_a_tag_for_each_node():
    """Per node: b's deeper namespace; across the task's nodes, of one rank (namespace), the first's."""
    settings = _task_settings(
        {"namespace:eu": {"pool": "outer"}, "namespace:eu.deep": {"pool": "inner"}, "tag:y": {"pool": "t"}}
    )
    assert settings["pool"] == Setting("pool", "outer", "namespace:eu")
    alone = ProjectSpec("b", "b", (PipelineSpec("__default__", (B,)),), frozenset())
    raw = {"default": {"tasks": {"namespace:eu": {"pool": "outer"}, "namespace:eu.deep": {"pool": "inner"}}}}
    dag = config.apply(plan_dag(alone, "__default__"), config.parse(raw, {}, {"__default__": (B,)}))
    assert dag.tasks[0].settings == (
        Setting("owner", "kedro", "built-in"),
        Setting("retries", 1, "built-in"),
        Setting("retry_delay", 5, "built-in"),
        Setting("pool", "inner", "namespace:eu.deep"),
    )


def test_values_of_one_precedence_combine_strictest_and_most():
    settings = _task_settings(
        {
            "tag:x": {"execution_timeout": 30, "retries": 1, "queue": "first"},
            "tag:y": {"execution_timeout": 10, "retries": 4, "queue": "second"},
        }
    )
    assert settings["execution_timeout"] == Setting("execution_timeout", 10, "tag:y")
    assert settings["retries"] == Setting("retries", 4, "tag:y")
    assert settings["queue"] == Setting("queue", "first", "tag:x")  # text: the first in selector order


def test_a_task_setting_over_the_section_s_and_the_section_s_kept_as_inherited():
    settings = _task_settings({"node:c": {"pool": "p"}}, {"retries": 2})
    assert settings["pool"] == Setting("pool", "p", "node:c")
    assert settings["retries"] == Setting("retries", 2, "default")


def test_a_pipeline_section_overrides_keys_of_default_s_selector():
    raw = {
        "default": {"tasks": {"node:c": {"pool": "p", "retries": 1}}},
        "__default__": {"tasks": {"node:c": {"retries": 5}}},
    }
    dag = config.apply(plan_dag(JOINED, "__default__"), config.parse(raw, {}, {"__default__": (A, B, C)}))
    settings = {s.key: s for s in dag.tasks[0].settings}
    assert (settings["pool"].value, settings["retries"].value) == ("p", 5)


def test_outlets_are_the_catalog_uris_or_airflow_yml_s():
    dag = planned({"default": {"datasets": True, "dataset_uris": {"loaded": "s3://x/y"}}})
    assert [(t.task_id, t.outlets) for t in dag.tasks] == [
        ("load", ("s3://x/y",)),
        ("eu.train", ("s3://bucket/model.pkl",)),
    ]


def test_a_schedule_on_a_pipeline_is_on_the_uris_of_what_it_saves():
    dag = planned(
        {"regions": {"schedule": {"pipeline": "__default__"}}, "default": {"datasets": True}}, "regions"
    )
    assert dag.schedule_on == ("s3://bucket/model.pkl", "x-kedro://p/data/loaded.json")


@pytest.mark.parametrize(
    ("filepath", "uri"),
    [
        ("s3://bucket/x.csv", "s3://bucket/x.csv"),
        ("/data/x.csv", "file:///data/x.csv"),
        ("./data/x.csv", "x-kedro://pkg/data/x.csv"),
        ("data/x.csv", "x-kedro://pkg/data/x.csv"),
    ],
)
def test_a_dataset_uri_is_its_filepath_with_a_scheme(filepath, uri):
    assert config.dataset_uri("pkg", filepath) == uri


@pytest.mark.parametrize(
    ("uri", "valid"),
    [
        ("s3://bucket/x", True),
        ("x-kedro://p/x", True),
        ("airflow://x", False),
        ("s3://user@bucket/x", False),
        ("s3://bucket/a b", False),
        ("s3://bücket/x", False),
        (3, False),
    ],
)
def test_valid_uris_are_what_airflow_takes(uri, valid):
    assert config.valid_uri(uri) is valid


def test_written_gives_airflow_yml_s_spelling():
    flavour = ("kubernetes", (("image", "i"), ("namespace", "data")))
    assert config.written(Setting("flavour", flavour, "default")) == {
        "kubernetes": {"image": "i", "namespace": "data"}
    }
    assert config.written(Setting("start_date", (2024, 1, 1), "default")) == [2024, 1, 1]
    assert config.written(Setting("schedule", config.OnPipeline("x", ("a",)), "default")) == {"pipeline": "x"}


def test_a_flavour_s_arguments_are_kept_in_the_flavour_s_order():
    raw = {"default": {"flavour": {"kubernetes": {"project_path": "/p", "namespace": "n", "image": "i"}}}}
    values = config.parse(raw, {}, PIPELINES).section("default").values
    assert values["flavour"] == ("kubernetes", (("image", "i"), ("namespace", "n"), ("project_path", "/p")))


def test_an_isolated_task_runs_against_its_project_path_else_the_worker_s():
    dag = planned({"default": {"tasks": {"node:load": {"flavour": {"virtualenv": {"project_path": "/p"}}}}}})
    settings = config.parse(
        {"default": {"tasks": {"node:load": {"flavour": {"virtualenv": {"project_path": "/p"}}}}}}, FILES, TWO
    )
    load, train = dag.tasks
    assert config.isolated_project_path(dag, settings, load, "/w") == "/p"
    assert config.isolated_project_path(dag, settings, train, "/w") is None
    plain = planned({"default": {"flavour": "virtualenv"}}, worker="/w")
    assert config.isolated_project_path(plain, settings, plain.tasks[0], "/w") == "/w"


def test_the_python_api_names_the_execution_parameter_without_dashes():
    raw = {"default": {"tasks": {"node:eu.train": {"flavour": "virtualenv"}}}}
    with pytest.raises(UsageError) as error:
        planned(raw, "regions", execution="watcher", worker="/w")
    assert str(error.value).startswith("execution watcher runs every node in one task")
    assert str(error.value).endswith("drop its flavour, or generate with execution tasks.")


@pytest.mark.parametrize(
    ("raw", "form"),
    [
        ({}, "dag"),
        ({"default": {"as": "task_group"}}, "task_group"),
        ({"default": {"as": "task_group"}, "__default__": {"as": "dag"}}, "dag"),
    ],
)
def test_as_comes_from_the_pipeline_then_default_and_is_no_setting_of_the_plan(raw, form):
    from kedro_taskflow.model import PipelineSpec, ProjectSpec
    from kedro_taskflow.planning import plan_dag

    parsed = config.parse(raw, {}, PIPELINES)
    assert config.form(parsed, "__default__").value == form
    spec = ProjectSpec("p", "p", (PipelineSpec("__default__", (NodeSpec("load"),)),), frozenset())
    plan = plan_dag(spec, "__default__")
    assert config.apply(plan, parsed) == config.apply(plan, config.parse({}, {}, PIPELINES))
