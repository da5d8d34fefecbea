"""Hypothesis strategies shared by the property tests: random DAG-shaped Kedro pipelines."""

from __future__ import annotations

from hypothesis import strategies as st

from kedro_taskflow.model import NodeSpec

# A dataset name that would create a file if any of it ever ran as code.
MARKER = 'x"""); open(\'PWNED\', \'w\'); ("""'
# Kedro's node name alphabet: letters (non-ASCII too), digits, "-", "_", ".". No 't'/'o': a node
# named '<x>_to_<y>' is covered by its own test.
NODE_NAMES = st.text(alphabet="abcé日-_.0", min_size=1, max_size=8)
# Dataset names are any text: quotes, triple quotes, backslashes, newlines, emoji.
DATASET_NAMES = st.one_of(
    st.text(max_size=8), st.sampled_from([MARKER, '"""', "\\", "a\nb", "🚀", "'", "params"])
).filter(lambda d: not (d == "parameters" or d.startswith("params:")))
FREE = ["parameters", "params:rate"]
TAGS = ["train", "report"]


def is_free(dataset: str) -> bool:
    return dataset == "parameters" or dataset.startswith("params:")


@st.composite
def pipelines(draw, max_nodes: int = 60):
    """(nodes in a random order, persisted datasets): 1 to ``max_nodes`` nodes, namespaces, tags."""
    count = draw(st.integers(1, max_nodes))
    names = draw(st.lists(NODE_NAMES, min_size=count, max_size=count, unique=True))
    namespaces = draw(st.lists(st.sampled_from([None, "eu", "eu.de", "us"]), min_size=count, max_size=count))
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
    available, fresh = datasets[:raw_count], iter(datasets[raw_count:])
    nodes = []
    for name, namespace, n_out in zip(names, namespaces, output_counts, strict=True):
        inputs = draw(st.lists(st.sampled_from(available), unique=True, max_size=4)) if available else []
        inputs += draw(st.lists(st.sampled_from(FREE), unique=True, max_size=2))
        outputs = [next(fresh) for _ in range(n_out)]
        full_name = f"{namespace}.{name}" if namespace else name
        tags = tuple(draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=2)))
        nodes.append(NodeSpec(full_name, namespace, tuple(inputs), tuple(outputs), tags))
        available = available + outputs
    persisted = {d for d in datasets if draw(st.booleans())}
    return draw(st.permutations(nodes)), frozenset(persisted)
