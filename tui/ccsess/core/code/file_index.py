"""The files and folders of a session's folder, for ``@`` mentions in the prompt, and their ranking as the user
types.

A folder is listed once (in a worker; ``list_files`` may take a second on a very large tree) and ranked on every
keystroke. Inside a git work tree the list is git's own (tracked files and untracked ones that ``.gitignore`` does
not exclude), elsewhere a walk that leaves out dependency, build and cache folders and the names in the folder's
``.gitignore``. Ranking is fzf's idea, kept small: the letters typed must appear in order; a match inside the
file's own name, at the start of a word, in one run of letters, with fewer letters skipped, ranks higher, and
among equals the file changed last comes first.
"""

from __future__ import annotations

import errno
import fnmatch
import heapq
import os
import re
import time
from dataclasses import dataclass, field
from itertools import compress, islice, repeat
from operator import contains
from pathlib import Path

from ccsess.core.code.git import git
from ccsess.core.errors import GitError

SKIPPED_FOLDERS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".cache", "dist", "build", "target", ".next", ".nuxt", ".gradle", ".idea",
    ".terraform", "vendor", "bower_components", ".eggs",
})
MAX_ENTRIES = 200_000
# Ranking works on at most this many candidates: on a short query over a large tree, those found first in the
# tree's own order of preference (changed lately, not deep), so a keystroke stays well under 50 ms.
# Only this many matches are scored: those whose own name holds the query as typed, then the first others in
# the list's order of preference (changed lately, shallow). The list is tested only until that many have matched;
# the next letter tests those matches and the part not tested yet, never the part that failed.
MAX_SCORED = 600
BOUNDARIES = frozenset("/_-. ")


@dataclass
class FileList:
    """What ``list_files`` found under ``root``: relative paths, folders ending in ``/``, best first for an
    empty query (changed lately, then shallow), and when they were listed."""

    root: str
    paths: list[str]
    listed_at: float = field(default_factory=time.time)
    truncated: bool = False
    _lower: list[str] = field(init=False, repr=False)
    _name_starts: list[int] = field(init=False, repr=False)
    # The last query, and the entries an extension of it may match: those it matched, then those not tested.
    _last: tuple[str, list[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._lower = [path.lower() for path in self.paths]
        self._name_starts = [path.rstrip("/").rfind("/") + 1 for path in self.paths]
        self._last = ("", [])

    def rank(self, query: str, limit: int = 50) -> list[str]:
        """The entries that match ``query`` (letters in order, case ignored), best first."""
        query = query.lower()
        if not query:
            return self.paths[:limit]
        lower, name_starts = self._lower, self._name_starts
        previous, pool = self._last
        if not (previous and query.startswith(previous)):
            pool = list(range(len(self.paths)))
        # compress/map run each test in C: testing 50,000 entries takes a few milliseconds.
        texts = list(map(lower.__getitem__, pool))
        tests = map(contains, texts, repeat(query)) if len(query) == 1 else map(_subsequence(query), texts)
        positions = list(islice(compress(range(len(pool)), tests), MAX_SCORED + 1))
        untested = positions[-1] + 1 if len(positions) > MAX_SCORED else len(pool)
        found = [pool[k] for k in positions]
        self._last = (query, found + pool[untested:])
        named = list(islice(compress(pool, map(str.count, texts, repeat(query), map(name_starts.__getitem__, pool))),
                            MAX_SCORED))
        seen = set(named)
        candidates = named + [index for index in found if index not in seen][:MAX_SCORED - len(named)]
        best = heapq.nsmallest(limit, candidates, key=lambda index: (
            -_score(lower[index], query, name_starts[index]), index))
        return [self.paths[index] for index in best]


def _subsequence(query: str):
    """A test for "every letter of ``query``, in order" (a compiled pattern, so the test runs in C; each letter is
    found by skipping what is not it, which never backtracks)."""
    pattern = re.compile(re.escape(query[0]) + "".join(f"[^{re.escape(letter)}]*{re.escape(letter)}"
                                                     for letter in query[1:]))
    return pattern.search


def _score(path: str, query: str, name_start: int) -> int:
    """fzf's first algorithm, simplified: the tightest window that holds the letters in order, inside the file's
    own name where they all are there, scored by its letters (more for each at the start of a word, more for each
    that follows the one before), less the letters it skips and a little for a long name and path."""
    end = _forward(path, query, name_start)
    bonus = 32
    if end < 0:
        end, bonus = _forward(path, query, 0), 0
    begin = _backward(path, query, end)
    score = bonus - (end - begin + 1 - len(query)) - len(path) // 16 - (len(path) - name_start) // 4
    previous = -2
    position = begin
    for letter in query:
        position = path.index(letter, position)
        score += 16
        if position == 0 or path[position - 1] in BOUNDARIES:
            score += 8
        if position == previous + 1:
            score += 6
        previous = position
        position += 1
    return score


def _forward(path: str, query: str, start: int) -> int:
    position = start - 1
    for letter in query:
        position = path.find(letter, position + 1)
        if position < 0:
            return -1
    return position


def _backward(path: str, query: str, end: int) -> int:
    position = end + 1
    for letter in reversed(query):
        position = path.rfind(letter, 0, position)
    return position


def list_files(root: str | Path, *, limit: int = MAX_ENTRIES) -> FileList:
    """Every file and folder under ``root`` that a mention may name (see the module's text)."""
    root = str(Path(root).expanduser())
    if not os.path.isdir(root):
        raise NotADirectoryError(errno.ENOTDIR, "no such folder", root)
    files = _git_files(root)
    if files is None:
        files = _walked_files(root, limit)
    truncated = len(files) > limit
    files = files[:limit]
    changed: dict[str, float] = {}
    for path in files:
        try:
            changed[path] = os.stat(os.path.join(root, path)).st_mtime
        except OSError:
            continue  # tracked but deleted
    folders: dict[str, float] = {}
    for path, when in changed.items():
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth]) + "/"
            if folders.get(folder, 0.0) < when:
                folders[folder] = when
    entries = {**changed, **folders}
    now = time.time()
    # Changed within the hour first, then the day, the week, the rest; shallow before deep; then by name.
    order = sorted(entries, key=lambda path: (_age_band(now - entries[path]), path.count("/"), path))
    return FileList(root, order, truncated=truncated)


def _age_band(age: float) -> int:
    for band, limit in enumerate((3600.0, 86400.0, 7 * 86400.0)):
        if age < limit:
            return band
    return 3


def _git_files(root: str) -> list[str] | None:
    """Tracked files and untracked ones not ignored, from git; None outside a work tree or without git."""
    try:
        done = git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate"], cwd=root,
                   env={"GIT_OPTIONAL_LOCKS": "0"}, check=False)
    except GitError:
        return None
    if done.returncode != 0:
        return None
    names = done.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    return [name for name in names if name and not _skipped(name)]


def _skipped(path: str) -> bool:
    return any(part in SKIPPED_FOLDERS for part in path.split("/")[:-1])


def _walked_files(root: str, limit: int) -> list[str]:
    ignored = _ignore_patterns(root)
    found: list[str] = []
    for folder, subfolders, names in os.walk(root):
        relative = os.path.relpath(folder, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        subfolders[:] = sorted(name for name in subfolders
                               if name not in SKIPPED_FOLDERS and not _ignored(prefix + name + "/", ignored))
        found.extend(prefix + name for name in sorted(names) if not _ignored(prefix + name, ignored))
        if len(found) > limit:
            break
    return found


def _ignore_patterns(root: str) -> list[str]:
    try:
        text = Path(root, ".gitignore").read_text(errors="replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith(("#", "!"))]


def _ignored(path: str, patterns: list[str]) -> bool:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    for pattern in patterns:
        if pattern.endswith("/") and not path.endswith("/"):
            continue
        bare = pattern.strip("/")
        if fnmatch.fnmatch(name, bare) or fnmatch.fnmatch(path.rstrip("/"), bare):
            return True
    return False
