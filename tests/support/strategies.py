"""Hypothesis strategies shared by the property tests: random DAG-shaped Kedro pipelines."""

from __future__ import annotations

from hypothesis import strategies as st

from kedro_taskflow.model import NodeSpec
from support.cases import MARKER

# Kedro's node name alphabet: letters (non-ASCII too), digits, "-", "_", ".". No 't'/'o': a node
# named '<x>_to_<y>' is covered by its own test.
NODE_NAMES = st.text(alphabet="abcé日-_.0", min_size=1, max_size=8)
# Dataset names are any text: quotes, triple quotes, backslashes, newlines, emoji. "@" is Kedro's
# transcoding separator: the strategy adds it itself (Kedro refuses a name with two).
DATASET_NAMES = st.one_of(
    st.text(max_size=8), st.sampled_from([MARKER, '"""', "\\", "a\nb", "🚀", "'", "params"])
).filter(lambda d: not (d == "parameters" or d.startswith("params:") or "@" in d))
# Transcoding: "x@json" and "x@text" are one dataset x, written through one type, read through another.
FORMATS = ["json", "text", "pandas"]
FREE = ["parameters", "params:rate"]
TAGS = ["train", "report"]


def is_free(dataset: str) -> bool:
    return dataset == "parameters" or dataset.startswith("params:")


@st.composite
def pipelines(draw, max_nodes: int = 60):
    """(nodes in a random order, persisted datasets): 1 to ``max_nodes`` nodes, namespaces, tags.

    Some datasets are transcoded: every node names them ``<base>@<format>``, each with a format of
    its own, and the catalog stores each transcoded name or not, as Kedro's catalog does.
    """
    count = draw(st.integers(1, max_nodes))
    names = draw(st.lists(NODE_NAMES, min_size=count, max_size=count, unique=True))
    # Three deep, so that statements reach into groups of groups (and bind those they name twice).
    namespaces = draw(
        st.lists(st.sampled_from([None, "eu", "eu.de", "eu.de.berlin", "us"]), min_size=count, max_size=count)
    )
    output_counts = draw(st.lists(st.integers(0, 3), min_size=count, max_size=count))
    raw_count = draw(st.integers(0, 4))
    datasets = draw(
        st.lists(
            DATASET_NAMES,
            unique=True,
            min_size=raw_count + sum(output_counts),
            max_size=raw_count + sum(output_counts),
        )
    )
    transcoded = {d for d in datasets if draw(st.integers(0, 3)) == 0}

    def referred(base: str) -> str:  # how one node names a dataset
        return f"{base}@{draw(st.sampled_from(FORMATS))}" if base in transcoded else base

    available, fresh = datasets[:raw_count], iter(datasets[raw_count:])
    nodes = []
    for name, namespace, n_out in zip(names, namespaces, output_counts, strict=True):
        read = draw(st.lists(st.sampled_from(available), unique=True, max_size=4)) if available else []
        inputs = [referred(d) for d in read]
        inputs += draw(st.lists(st.sampled_from(FREE), unique=True, max_size=2))
        outputs = [next(fresh) for _ in range(n_out)]
        full_name = f"{namespace}.{name}" if namespace else name
        tags = tuple(draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=2)))
        nodes.append(NodeSpec(full_name, namespace, tuple(inputs), tuple(map(referred, outputs)), tags))
        available = available + outputs
    used = sorted({d for n in nodes for d in (*n.inputs, *n.outputs) if not is_free(d)})
    persisted = {d for d in used if draw(st.booleans())}
    return draw(st.permutations(nodes)), frozenset(persisted)


# -- hand edits of the ownership corpus's DAG file (support/ownership.py), from a grammar ---------

TASKS = {"ingest": "    ", "clean": "    ", "report": "    ", "audit": "        ", "score": "        "}
WORDS = st.text(alphabet="abcdefghij", min_size=3, max_size=8)


@st.composite
def hand_edits(draw):
    """A list of (name, edit): each edit a function of the file's text -> (text, evidence) or None
    (what it edits is not there), as a person makes it: a decorator argument, a signature, a
    statement before the runner call, an import and its use, a comment, an operator wired after
    the EU group with ``>>``, ``<<``, ``set_upstream`` or ``set_downstream``, operators wired with
    ``chain(...)`` (through a group's child, a fan-out, a sensor before the first task), with
    ``cross_downstream(...)`` or with ``chain_linear(...)``."""
    edits = []
    kinds = ["argument", "signature", "statement", "import", "comment", "operator"]
    kinds += ["chain", "cross", "linear"]
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(kinds))
        task = draw(st.sampled_from(sorted(TASKS)))
        word = draw(WORDS)
        edits.append((f"{kind}:{task}:{word}", _EDITS[kind](task, TASKS[task], word)))
    return edits


def _replace(old: str, new: str, *evidence: str):
    def edit(text: str):
        return (text.replace(old, new), evidence or (new.strip(),)) if text.count(old) == 1 else None

    return edit


def _both(*edits):
    def edit(text: str):
        found = []
        for one in edits:
            made = one(text)
            if made is None:
                return None
            text, evidence = made
            found += evidence
        return text, tuple(found)

    return edit


def _imported(line: str):
    """The import ``line`` added below the runtime's (once: a person imports a name once)."""

    def edit(text: str):
        return (text if line in text else text.replace(_RUNTIME, _RUNTIME + line), (line,))

    return edit


def _node(task: str, indent: str) -> str:
    return f"eu.{task}" if len(indent) > 4 else task


_RUNTIME = "from kedro_taskflow.runtime import KedroProject\n"
_EMPTY = "from airflow.operators.empty import EmptyOperator\n"
_CHAIN = "from airflow.models.baseoperator import chain\n"  # Airflow 2's home of both (3: airflow.sdk)
_CROSS = "from airflow.models.baseoperator import cross_downstream\n"
_LINEAR = "from airflow.models.baseoperator import chain_linear\n"
_WIRED = '    eu_group.get_child_by_label("score") >> report()\n'
_FIRST = "    ingest() >> clean() >> eu_group\n"
_SCORE, _AUDIT = (f'eu_group.get_child_by_label("{label}")' for label in ("score", "audit"))


def _wired(imported: str, old: str, before: str, wiring: str, *operators: str):
    """Operators made and wired: ``old`` replaced by ``before``, the operators, then ``wiring``.
    The evidence: the imports and each operator (the wiring itself may become the pipeline's
    ``>>`` statements plus the person's edges)."""
    made = "".join(f'    {name} = EmptyOperator(task_id="{name}")\n' for name in operators)
    return _both(
        _imported(_EMPTY),
        _imported(imported),
        _replace(old, before + made + wiring, *(line.strip() for line in made.splitlines())),
    )


_EDITS = {
    "argument": lambda task, indent, word: _replace(
        f"{indent}@task\n{indent}def {task}():",
        f'{indent}@task(pool="{word}")\n{indent}def {task}():',
        f'pool="{word}"',
    ),
    "signature": lambda task, indent, word: _replace(
        f"{indent}def {task}():", f"{indent}def {task}(**context):", f"def {task}(**context):"
    ),
    "statement": lambda task, indent, word: _replace(
        f'{indent}    project.run_nodes("{_node(task, indent)}")',
        f'{indent}    print("{word}")\n{indent}    project.run_nodes("{_node(task, indent)}")',
        f'print("{word}")',
    ),
    "import": lambda task, indent, word: _both(
        _replace(_RUNTIME, f"{_RUNTIME}import logging\n", "import logging\n"),
        _replace(
            "\n\n@dag(",
            f'\nlog_{word} = logging.getLogger("{word}")\n\n\n@dag(',
            f'log_{word} = logging.getLogger("{word}")',  # the statement: another edit may follow it
        ),
    ),
    "comment": lambda task, indent, word: _replace(
        f"{indent}@task\n{indent}def {task}():",
        f"{indent}# {word}\n{indent}@task\n{indent}def {task}():",
        f"# {word}\n",
    ),
    "operator": lambda task, indent, word: _both(
        _replace(_RUNTIME, f"{_RUNTIME}{_EMPTY}", _EMPTY),
        _replace(
            _WIRED,
            f'    notify_{word} = EmptyOperator(task_id="notify_{word}")\n{_WIRED}'
            + {
                "ingest": f"    eu_group >> notify_{word}\n",
                "clean": f"    notify_{word}.set_upstream(eu_group)\n",
                "report": f"    eu_group.set_downstream(notify_{word})\n",
                "audit": f"    notify_{word} << eu_group\n",
                "score": f"    [eu_group] >> notify_{word}\n",
            }[task],
            f'notify_{word} = EmptyOperator(task_id="notify_{word}")',
        ),
    ),
    "chain": lambda task, indent, word: {
        # A sensor-like operator first: the first wiring statement rewritten as a chain.
        "ingest": _wired(
            _CHAIN,
            _FIRST,
            "",
            f"    chain(wait_{word}, ingest(), clean(), eu_group)\n",
            f"wait_{word}",
        ),
        "clean": _wired(_CHAIN, _WIRED, _WIRED, f"    chain(eu_group, notify_{word})\n", f"notify_{word}"),
        # Put between a group's child and the task after it.
        "report": _wired(
            _CHAIN,
            _WIRED,
            "",
            f"    chain({_SCORE}, notify_{word}, report())\n",
            f"notify_{word}",
        ),
        "audit": _wired(_CHAIN, _WIRED, _WIRED, f"    chain({_AUDIT}, notify_{word})\n", f"notify_{word}"),
        # A fan-out from a group's child: two lists of one length pair up, a list after one fans out.
        "score": _wired(
            _CHAIN,
            _WIRED,
            "",
            f"    chain({_SCORE}, [notify_{word}, report()])\n",
            f"notify_{word}",
        ),
    }[task],
    "cross": lambda task, indent, word: {
        "ingest": _wired(
            _CROSS,
            _WIRED,
            _WIRED,
            f"    cross_downstream([{_SCORE}, {_AUDIT}], [notify_{word}, archive_{word}])\n",
            f"notify_{word}",
            f"archive_{word}",
        ),
        "clean": _wired(
            _CROSS,
            _WIRED,
            _WIRED,
            f"    cross_downstream(from_tasks=[eu_group], to_tasks=[notify_{word}, archive_{word}])\n",
            f"notify_{word}",
            f"archive_{word}",
        ),
        # The report task bound, to be named twice.
        "report": _wired(
            _CROSS,
            _WIRED,
            f"    report_task = report()\n    {_SCORE} >> report_task\n",
            f"    cross_downstream([report_task, {_AUDIT}], [notify_{word}])\n",
            f"notify_{word}",
        ),
        # Before the group's tasks: an operator upstream of both children.
        "audit": _wired(
            _CROSS,
            _WIRED,
            _WIRED,
            f"    cross_downstream([wait_{word}], [{_AUDIT}, {_SCORE}])\n",
            f"wait_{word}",
        ),
        "score": _wired(
            _CROSS,
            _FIRST,
            "    clean_task = clean()\n    ingest() >> clean_task >> eu_group\n",
            f"    cross_downstream([clean_task, eu_group], [notify_{word}])\n",
            f"notify_{word}",
        ),
    }[task],
    # ``chain_linear``: every task of a step to every task of the next, lists too.
    "linear": lambda task, indent, word: {
        "ingest": _wired(
            _LINEAR,
            _FIRST,
            "",
            f"    chain_linear(wait_{word}, ingest(), clean(), eu_group)\n",
            f"wait_{word}",
        ),
        "clean": _wired(
            _LINEAR,
            _WIRED,
            _WIRED,
            f"    chain_linear(eu_group, [notify_{word}, archive_{word}])\n",
            f"notify_{word}",
            f"archive_{word}",
        ),
        # Two lists of one length: all to all, where ``chain`` would pair them.
        "report": _wired(
            _LINEAR,
            _WIRED,
            _WIRED,
            f"    chain_linear([{_SCORE}, {_AUDIT}], [notify_{word}, archive_{word}])\n",
            f"notify_{word}",
            f"archive_{word}",
        ),
        "audit": _wired(
            _LINEAR, _WIRED, _WIRED, f"    chain_linear(wait_{word}, [{_AUDIT}, {_SCORE}])\n", f"wait_{word}"
        ),
        # Put between a group's child and the task after it.
        "score": _wired(
            _LINEAR, _WIRED, "", f"    chain_linear({_SCORE}, notify_{word}, report())\n", f"notify_{word}"
        ),
    }[task],
}
