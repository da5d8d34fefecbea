"""Render airflow.yml's reference table in docs/configuration.md from the config schema, so the
docs cannot drift from what is parsed (each key's words live in kedro_taskflow/config/schema.py).

Usage: python scripts/config_reference.py [--check]
  without --check, rewrite the table between the markers; with it, exit 1 when the page differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kedro_taskflow.config.schema import KEYS, SECTION_KEYS, SELECTOR_KEYS

PAGE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
BEGIN = "<!-- airflow.yml keys: rendered by scripts/config_reference.py from config/schema.py -->\n"
END = "<!-- end of the rendered keys -->\n"


def table() -> str:
    """One row per key of a section, in the order the sections' keys are checked."""
    rows = ["| key | meaning | per task | written as | without it |\n", "|---|---|---|---|---|\n"]
    for name in SECTION_KEYS:
        key = KEYS[name]
        per_task = "yes" if name in SELECTOR_KEYS else ""
        rows.append(f"| `{name}` | {key.meaning} | {per_task} | {key.written_as} | {key.without_it} |\n")
    return "".join(rows)


def rendered(page: str) -> str:
    """``page`` with the table between the markers rendered anew."""
    head, found, rest = page.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise SystemExit(f"{PAGE}: the markers of the rendered table are missing")
    return head + BEGIN + table() + END + tail


def main(argv: list[str]) -> int:
    page = PAGE.read_text(encoding="utf-8")
    new = rendered(page)
    if "--check" in argv:
        if new != page:
            print(
                f"{PAGE} differs from the config schema: run python scripts/config_reference.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if new != page:
        PAGE.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
