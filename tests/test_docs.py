"""The docs site builds strictly, and the README is a landing page whose links all lead somewhere."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
import yaml
from support.environment import BIN, ROOT, run

README = ROOT / "README.md"
README_LIMIT = 12_000  # bytes: what it is, the quick start, one example, links; the rest is in docs/
# Markdown links [text](target) outside code: the README's own, not the example's Python.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def nav_pages(nav) -> list[str]:
    """Every page file named in mkdocs.yml's nav, in order."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [page for item in nav for page in nav_pages(item)]
    return [page for value in nav.values() for page in nav_pages(value)]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site as `mkdocs build --strict` writes it: any warning (a broken link or anchor) fails."""
    site_dir = tmp_path_factory.mktemp("site")
    run(
        [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env={"NO_MKDOCS_2_WARNING": "1"},
        timeout=120,
    )
    return site_dir


def readme_links() -> list[str]:
    text = re.sub(r"^```.*?^```", "", README.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


@pytest.mark.timeout(180)
def test_every_page_in_the_nav_exists_and_is_built(site):
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = nav_pages(config["nav"])
    assert "ownership.md" in pages and "bad-input.md" in pages
    missing = [p for p in pages if not (ROOT / "docs" / p).is_file()]
    assert missing == []
    for page in pages:
        built = site / ("index.html" if page == "index.md" else Path(page).with_suffix("") / "index.html")
        assert built.is_file(), page
    assert sorted(pages) == sorted(p.name for p in (ROOT / "docs").glob("*.md")), "a page outside the nav"


def test_readme_is_a_landing_page():
    assert len(README.read_bytes()) <= README_LIMIT


@pytest.mark.timeout(180)
def test_every_relative_link_in_the_readme_leads_to_a_file_and_its_anchor(site):
    links = readme_links()
    assert "docs/getting-started.md" in links
    for link in links:
        path, _, anchor = link.partition("#")
        assert path, f"{link}: an anchor of the README itself; link into docs/ instead"
        assert (ROOT / path).exists(), link
        if anchor:
            assert path.startswith("docs/") and path.endswith(".md"), link
            page = Path(path).relative_to("docs")
            built = site / ("index.html" if page.name == "index.md" else page.with_suffix("") / "index.html")
            assert f'id="{anchor}"' in built.read_text(encoding="utf-8"), link


def _config_reference():
    """scripts/config_reference.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "config_reference", ROOT / "scripts" / "config_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_airflow_yml_reference_is_rendered_from_the_config_schema():
    result = run([sys.executable, str(ROOT / "scripts" / "config_reference.py"), "--check"], check=False)
    assert (result.returncode, result.stderr) == (0, "")


def test_the_reference_check_fails_when_a_key_s_words_drift():
    from kedro_taskflow.config.schema import KEYS, SECTION_KEYS

    reference = _config_reference()
    page = reference.PAGE.read_text(encoding="utf-8")
    assert all(f"| `{key}` | {KEYS[key].meaning} |" in page for key in SECTION_KEYS)
    drifted = page.replace(KEYS["retries"].meaning, "a number of retries", 1)
    assert drifted != page and reference.rendered(drifted) == page
