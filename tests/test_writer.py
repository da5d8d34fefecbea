"""Writing DAG files: atomic, only when changed, keeping the mode; --check and --diff."""

from __future__ import annotations

import os

import pytest

from kedro_taskflow import writer
from kedro_taskflow.errors import TARGET_DIR, UsageError


def test_write_writes_only_changed_files_and_keeps_their_mode(tmp_path):
    same, old, new = tmp_path / "same.py", tmp_path / "old.py", tmp_path / "new.py"
    same.write_text("same\n")
    old.write_text("old\n")
    os.chmod(old, 0o600)
    files = {same: "same\n", old: "changed\n", new: "new\n"}

    assert writer.changed(files) == [old, new]
    assert writer.write(files) == [old, new]

    assert {p.read_text() for p in files} == {"same\n", "changed\n", "new\n"}
    assert old.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.py", "old.py", "same.py"]  # no temporary left
    assert writer.changed(files) == []


def test_unified_diff_shows_a_new_file_against_dev_null(tmp_path):
    path = tmp_path / "dag.py"
    diff = writer.unified_diff({path: "a\n"}, tmp_path)
    assert diff.startswith("--- /dev/null\n+++ b/dag.py\n") and diff.endswith("+a\n")
    path.write_text("a\n")
    assert writer.unified_diff({path: "a\n"}, tmp_path) == ""


def test_unified_diff_names_each_file_by_its_path_in_the_target_folder(tmp_path):
    path = tmp_path / "dag.py"
    path.write_text("a\n")
    assert writer.unified_diff({path: "b\n"}, tmp_path).startswith("--- a/dag.py\n+++ b/dag.py\n")


def test_prepare_dir_makes_the_folder_and_refuses_a_file(tmp_path):
    writer.prepare_dir(tmp_path / "deep" / "dags")
    assert (tmp_path / "deep" / "dags").is_dir()
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError) as raised:
        writer.prepare_dir(tmp_path / "file")
    assert TARGET_DIR in raised.value.parts
    assert str(raised.value).endswith("is a file, not a folder: pass another target_dir.")


def test_write_refuses_a_folder_in_the_way(tmp_path):
    (tmp_path / "dag.py").mkdir()
    with pytest.raises(UsageError, match="something that is not a file is in the way"):
        writer.write({tmp_path / "dag.py": "x\n"})


def test_a_file_is_read_and_written_as_its_bytes_are(tmp_path):
    """A byte order mark and Windows line endings are the file's: read as they are, written back."""
    path = tmp_path / "dag.py"
    path.write_bytes("\ufeffx = 1\r\ny = 2\r\n".encode())
    assert writer.read(path) == "\ufeffx = 1\r\ny = 2\r\n"
    assert writer.changed({path: "\ufeffx = 1\r\ny = 2\r\n"}) == []
    writer.write({path: "\ufeffx = 3\r\n"})
    assert path.read_bytes() == "\ufeffx = 3\r\n".encode()
