"""The selectors of ``tasks:``: ``node:<name>``, ``namespace:<namespace>``, ``tag:<tag>``; which nodes
each matches, and its rank (node > namespace, a deeper one over its parent > tag)."""

from __future__ import annotations

from collections.abc import Sequence

from kedro_taskflow.config.where import Where, did_you_mean
from kedro_taskflow.model import NodeSpec

SELECTOR_KINDS = ("node", "namespace", "tag")  # highest precedence first


def matches(selector: str, node: NodeSpec) -> bool:
    kind, _, value = selector.partition(":")
    if kind == "node":
        return node.name == value
    if kind == "namespace":
        return node.namespace is not None and (node.namespace + ".").startswith(value + ".")
    return value in node.tags


def rank(selector: str) -> tuple[int, int]:
    """Higher wins: the kind, then (for namespaces) the depth."""
    kind, _, value = selector.partition(":")
    return (len(SELECTOR_KINDS) - SELECTOR_KINDS.index(kind), value.count(".") if kind == "namespace" else 0)


def check(selector: str, where: Where, nodes: Sequence[NodeSpec]) -> None:
    """A selector of a known kind that matches a node (else a did-you-mean among the names of its kind)."""
    kind, _, value = selector.partition(":")
    if kind not in SELECTOR_KINDS or not value:
        raise where.error(
            "is not a selector", "write `node:<node name>`, `namespace:<namespace>` or `tag:<tag>`"
        )
    if not any(matches(selector, n) for n in nodes):
        names = sorted(
            {
                "node": {n.name for n in nodes},
                "namespace": {n.namespace for n in nodes if n.namespace},
                "tag": {t for n in nodes for t in n.tags},
            }[kind]
        )
        raise where.error(
            "matches no node",
            did_you_mean(value, names, f"the {kind}s are") if names else f"no node has a {kind}",
        )
