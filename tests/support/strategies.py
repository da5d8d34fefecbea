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
