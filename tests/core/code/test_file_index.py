"""Listing a folder for @ mentions (git's list in a work tree, a walk elsewhere) and ranking it as one types."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from ccsess.core.code.file_index import FileList, list_files


def write(folder: Path, names: list[str]) -> None:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


def test_a_work_tree_lists_what_git_does_not_ignore_with_its_folders(tmp_path):
    write(tmp_path, ["src/app.py", "src/util/strings.py", "README.md", "build.log", "node_modules/left/pad.js",
                     "notes/new.txt", "gone.txt", ".gitignore"])
    (tmp_path / ".gitignore").write_text("*.log\nnode_modules/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "src", "README.md", ".gitignore", "gone.txt")
    git(tmp_path, "commit", "-qm", "start")
    (tmp_path / "gone.txt").unlink()
    before = subprocess.run(["git", "status", "--porcelain"], cwd=tmp_path, capture_output=True).stdout

    listed = set(list_files(tmp_path).paths)

    assert {"src/app.py", "src/util/strings.py", "README.md", "notes/new.txt", "src/", "src/util/", "notes/"} <= listed
    assert not listed & {"build.log", "node_modules/left/pad.js", "node_modules/", "gone.txt", ".git/"}
    assert subprocess.run(["git", "status", "--porcelain"], cwd=tmp_path, capture_output=True).stdout == before


def test_outside_git_the_walk_skips_dependency_folders_and_the_gitignore_names(tmp_path):
    write(tmp_path, ["app/main.ts", "node_modules/react/index.js", ".venv/lib/site.py", "out/bundle.js",
                     "debug.log", "keep.md"])
    (tmp_path / ".gitignore").write_text("# built\nout/\n*.log\n")

    listed = set(list_files(tmp_path).paths)

    assert {"app/main.ts", "app/", "keep.md", ".gitignore"} <= listed
    assert not any(path.startswith(("node_modules", ".venv", "out")) or path.endswith(".log") for path in listed)


def test_files_changed_lately_come_first_for_an_empty_query(tmp_path):
    write(tmp_path, ["a/old.py", "b/new.py", "c/older.py"])
    long_ago = time.time() - 30 * 86400
    for name in ("a/old.py", "c/older.py"):
        os.utime(tmp_path / name, (long_ago, long_ago))
    assert list_files(tmp_path).paths[:2] == ["b/", "b/new.py"]


@pytest.mark.parametrize(("query", "best"), [
    ("app", "src/app.py"),
    ("srcapp", "src/app.py"),
    ("sapp", "scripts/sapp.sh"),
    ("strings", "src/util/strings.py"),
    ("sus", "src/util/strings.py"),
    ("readme", "README.md"),
    ("src/", "src/"),
])
def test_ranking_puts_the_file_one_means_first(query, best):
    files = FileList("/project", ["docs/application-notes.md", "src/", "src/util/", "src/app.py",
                                  "src/util/strings.py", "tests/test_app_settings.py", "README.md", "scripts/sapp.sh"])
    assert files.rank(query)[0] == best, files.rank(query)


def test_letters_must_come_in_order_whatever_was_typed_before():
    files = FileList("/project", ["alpha.py", "beta.py", "gamma/alpha_beta.py"])
    assert set(files.rank("a")) == {"alpha.py", "beta.py", "gamma/alpha_beta.py"}
    assert files.rank("ab") == ["gamma/alpha_beta.py"]
    assert files.rank("abt") == ["gamma/alpha_beta.py"]
    assert files.rank("ab") == ["gamma/alpha_beta.py"]  # a letter taken back
    assert set(files.rank("ba")) == {"beta.py", "gamma/alpha_beta.py"}
    assert files.rank("BETA")[0] == "beta.py"
    assert files.rank("zz") == []
    assert files.rank("") == ["alpha.py", "beta.py", "gamma/alpha_beta.py"]
