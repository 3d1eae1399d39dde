"""Snapshots of a folder as git trees, kept in a shadow repository in the data dir.

The shadow repository (``snapshots/<hash of the folder>.git``) has the folder as its work tree and its own index,
so taking a snapshot never touches the folder's own repository: not its index, branches, stash or objects. The
folder's ``.gitignore`` files are honoured; files over the size limit are left out and named. Automatic garbage
collection is off in the shadow repository, so every snapshot a session refers to stays readable.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from ccsess.core.atomic import atomic_write_text
from ccsess.core.code.git import git

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class Snapshot:
    tree: str
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileChange:
    path: str
    added: int | None  # None for a binary file
    removed: int | None
    status: str = "M"  # A, M, D


@dataclass
class ShadowRepo:
    data_dir: Path
    folder: Path
    max_file_bytes: int = 10 * 1024 * 1024
    # Another folder's shadow repository may be given, to bring one of its snapshots into this folder.
    git_dir: Path | None = None

    def __post_init__(self) -> None:
        self.folder = Path(self.folder).resolve()
        self._key = hashlib.sha256(os.fsencode(self.folder)).hexdigest()[:20]
        if self.git_dir is None:
            self.git_dir = Path(self.data_dir) / "snapshots" / f"{self._key}.git"

    @property
    def _env(self) -> dict[str, str]:
        assert self.git_dir is not None
        return {"GIT_DIR": str(self.git_dir), "GIT_WORK_TREE": str(self.folder),
                "GIT_INDEX_FILE": str(self.git_dir / f"index-{self._key}"), "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": os.devnull}

    def _lock(self) -> threading.Lock:
        assert self.git_dir is not None
        with _locks_guard:
            return _locks.setdefault(self.git_dir, threading.Lock())

    def _git(self, *args: str, input: bytes | None = None) -> bytes:
        return git(list(args), cwd=self.folder, env=self._env, input=input, private=True).stdout

    def _ensure(self) -> None:
        assert self.git_dir is not None
        if (self.git_dir / "HEAD").exists():
            return
        self.git_dir.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        git(["init", "--quiet", "--bare", "--template=", str(self.git_dir)], env={"GIT_CONFIG_GLOBAL": os.devnull},
            private=True)
        for key, value in (("core.bare", "false"), ("gc.auto", "0"), ("gc.pruneExpire", "never"),
                           ("core.autocrlf", "false"), ("core.safecrlf", "false"), ("core.quotePath", "false")):
            git(["config", "--file", str(self.git_dir / "config"), key, value], private=True)
        self._borrow_objects()

    def _borrow_objects(self) -> None:
        """In a git repository, read the objects of its commits instead of copying them (git alternates, read
        only) and start the index from HEAD: the first snapshot then writes only what is not committed."""
        found = git(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=self.folder, check=False,
                    env={"GIT_CONFIG_GLOBAL": os.devnull})
        if found.returncode != 0:
            return
        objects = Path(os.fsdecode(found.stdout.strip())) / "objects"
        if not objects.is_dir():
            return
        (self.git_dir / "objects" / "info").mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write_text(self.git_dir / "objects" / "info" / "alternates", f"{objects}\n")
        head = git(["rev-parse", "--verify", "--quiet", "HEAD^{tree}"], cwd=self.folder, check=False,
                   env={"GIT_CONFIG_GLOBAL": os.devnull})
        if head.returncode == 0:
            self._git("read-tree", head.stdout.decode().strip())

    def snapshot(self) -> Snapshot:
        """The folder as it is now, as a tree id; files over the size limit are left out."""
        if not self.folder.is_dir():
            raise FileNotFoundError(f"the folder {self.folder} does not exist")
        with self._lock():
            self._ensure()
            # Only files new or changed since the last snapshot can have grown past the limit.
            listed = self._git("ls-files", "-z", "--others", "--modified", "--exclude-standard")
            left_out = []
            for raw in filter(None, listed.split(b"\0")):
                try:
                    info = os.lstat(self.folder / os.fsdecode(raw))
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode) and info.st_size > self.max_file_bytes:
                    left_out.append(os.fsdecode(raw))
            if left_out:
                self._git("update-index", "--force-remove", "-z", "--stdin",
                          input=b"\0".join(os.fsencode(p) for p in left_out) + b"\0")
            pathspecs = [b"."] + [os.fsencode(":(exclude,literal)" + p) for p in left_out]
            self._git("add", "--all", "--ignore-errors", "--pathspec-from-file=-", "--pathspec-file-nul",
                      input=b"\0".join(pathspecs))
            tree = self._git("write-tree").decode().strip()
        return Snapshot(tree, tuple(sorted(left_out)))

    # Reading -------------------------------------------------------------------------------------------------

    def changes(self, old: str, new: str) -> list[FileChange]:
        if old == new:
            return []
        self._ensure()
        status = {}
        raw = self._git("diff-tree", "-r", "-z", "--no-renames", "--name-status", old, new).split(b"\0")
        for kind, path in zip(raw[0::2], raw[1::2]):
            if kind:
                status[os.fsdecode(path)] = kind.decode()[:1]
        numbers = self._git("diff-tree", "-r", "-z", "--no-renames", "--numstat", old, new).split(b"\0")
        found = []
        for entry in filter(None, numbers):
            added, removed, path = entry.split(b"\t", 2)
            name = os.fsdecode(path)
            found.append(FileChange(name, None if added == b"-" else int(added),
                                    None if removed == b"-" else int(removed), status.get(name, "M")))
        return found

    def diff(self, old: str, new: str) -> str:
        """A plain unified diff from ``old`` to ``new`` (binary files named, not shown)."""
        if old == new:
            return ""
        self._ensure()
        return self._git("diff-tree", "-r", "-p", "--no-renames", "--no-color", "--full-index", old,
                         new).decode("utf-8", errors="replace")

    def _entries(self, tree: str) -> dict[str, tuple[str, str]]:
        listed = self._git("ls-tree", "-r", "-z", "--full-tree", tree)
        entries = {}
        for entry in filter(None, listed.split(b"\0")):
            meta, path = entry.split(b"\t", 1)
            mode, _kind, sha = meta.decode().split(" ")
            entries[os.fsdecode(path)] = (mode, sha)
        return entries

    # Writing -------------------------------------------------------------------------------------------------

    def restore(self, target: str, current: str) -> list[str]:
        """Make the files of ``current`` (a snapshot of the folder now) what they are in ``target``: changed
        files rewritten, files only in ``current`` removed, files only in ``target`` created. Files in neither (left
        out, ignored) are not touched. Returns the paths changed."""
        with self._lock():
            self._ensure()
            want, have = self._entries(target), self._entries(current)
            changed = []
            for path in sorted(set(have) - set(want)):
                if have[path][0] == "160000":
                    continue
                self._remove(path)
                changed.append(path)
            for path, (mode, sha) in sorted(want.items()):
                if have.get(path) == (mode, sha) or mode == "160000":
                    continue
                self._write(path, mode, self._git("cat-file", "blob", sha))
                changed.append(path)
        return changed

    def _remove(self, path: str) -> None:
        place = self.folder / path
        try:
            place.unlink()
        except FileNotFoundError:
            return
        parent = place.parent
        while parent != self.folder and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent

    def _write(self, path: str, mode: str, content: bytes) -> None:
        place = self.folder / path
        place.parent.mkdir(parents=True, exist_ok=True)
        if place.is_symlink() or (place.exists() and not place.is_file()):
            if place.is_dir() and not place.is_symlink():
                raise IsADirectoryError(f"{path} is a folder now; it was a file in the snapshot")
            place.unlink()
        if mode == "120000":
            os.symlink(os.fsdecode(content), place)
            return
        temp = place.with_name(f".{place.name}.ccsess-restore")
        temp.write_bytes(content)
        os.chmod(temp, 0o755 if mode == "100755" else 0o644)
        os.replace(temp, place)
