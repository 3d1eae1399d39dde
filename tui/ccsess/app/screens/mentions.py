"""``@`` mentions in the prompt: the file picker kept in step with the word typed after ``@``.

The files of the session's folder are listed in a thread the first time the picker opens there, kept per folder,
and listed again in the background when the picker opens on a list older than ``STALE_AFTER`` or than the
session's last activity (claude may have added files since); each keystroke only ranks the list. What is
inserted is ``@path``, as in Claude Code: claude itself reads the file (or lists the folder) and attaches it to
the prompt.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from textual.content import Content
from textual.widgets.option_list import Option

from ccsess.app.formatting import short_path
from ccsess.app.widgets.completion_menu import note
from ccsess.core.claude.attachments import IMAGE_SUFFIXES
from ccsess.core.code.file_index import FileList, list_files
from ccsess.core.text import visible_text

OWNER = "files"
STALE_AFTER = 10.0
SHOWN = 50
# The word being typed: an @ at the start of the text or after a space, up to the cursor.
_MENTION = re.compile(r"(?:^|\s)@([^\s@]*)$")


class FileMentions:
    def __init__(self, screen: Any) -> None:  # the main screen
        self.screen = screen
        self.lists: dict[str, FileList] = {}
        self._listing: set[str] = set()
        self._problem: dict[str, str] = {}

    def _root(self) -> str:
        session = self.screen.session
        return session.project if session is not None else self.screen.app.default_project

    @staticmethod
    def typed(prompt: Any) -> str | None:
        """The fragment after the ``@`` under the cursor, or None when the cursor is not in a mention."""
        row, column = prompt.cursor_location
        found = _MENTION.search(prompt.document.get_line(row)[:column])
        return found.group(1) if found else None

    def prompt_changed(self, prompt: Any) -> None:
        menu = self.screen.completion_menu
        fragment = self.typed(prompt)
        if fragment is None:
            if menu.owner == OWNER:
                menu.hide()
            return
        root = self._root()
        files = self.lists.get(root)
        session = self.screen.session
        worked_since = session is not None and files is not None and session.last_active > files.listed_at
        if files is None or worked_since or time.time() - files.listed_at > STALE_AFTER:
            self._list(root)
        if files is None:
            listing = f"Listing the files of {short_path(root)} …"
            menu.show(OWNER, [], [note(self._problem.get(root) or listing)])
            return
        self.show(files, fragment)

    def show(self, files: FileList, fragment: str) -> None:
        paths = files.rank(fragment.strip('"'), SHOWN)
        options = [Option(Content.styled(visible_text(path), "bold" if path.endswith("/") else ""))
                   for path in paths]
        if not paths:
            options = [note(f"No file matches {fragment!r}")]
        title = f"{len(files.paths):,} files and folders" + (" (the first ones)" if files.truncated else "")
        self.screen.completion_menu.show(OWNER, paths, options, title=title)

    def _list(self, root: str) -> None:
        if root in self._listing:
            return
        self._listing.add(root)
        app = self.screen.app

        def work() -> None:
            try:
                listed: FileList | str = list_files(root)
            except OSError as error:
                listed = f"Cannot list the files ({error.strerror or error}): {short_path(root)}"
            try:
                app.call_from_thread(self._listed, root, listed)
            except Exception:
                pass  # the app closed meanwhile: nobody is waiting for the list

        threading.Thread(target=work, name="ccsess-file-list", daemon=True).start()

    def _listed(self, root: str, listed: FileList | str) -> None:
        self._listing.discard(root)
        if isinstance(listed, str):
            self._problem[root] = listed
        else:
            self.lists[root] = listed
            self._problem.pop(root, None)
        prompt = self.screen.prompt
        if root == self._root() and self.typed(prompt) is not None:
            self.prompt_changed(prompt)

    def menu_key(self, key: str) -> bool:
        menu = self.screen.completion_menu
        if menu.owner != OWNER or not menu.display:
            return False
        if key == "escape":
            menu.hide()
            return True
        if key in ("up", "down"):
            menu.move(key)
            return True
        chosen = menu.chosen(OWNER)
        if key in ("tab", "enter") and chosen is not None:
            self.insert(chosen)
            return True
        return False

    def insert(self, path: str) -> None:
        """``@path`` in place of what was typed after the ``@``; a folder keeps the list open to go on inside it, and
        an image is attached instead."""
        prompt = self.screen.prompt
        fragment = self.typed(prompt) or ""
        row, column = prompt.cursor_location
        if Path(path).suffix.lower() in IMAGE_SUFFIXES:  # an image goes with the prompt as an attachment
            prompt.replace("", (row, column - len(fragment) - 1), (row, column))
            self.screen.completion_menu.hide()
            prompt.attach_file(str(Path(self._root()) / path))
            return
        mention = f'@"{path}"' if " " in path else f"@{path}"
        ending = "" if path.endswith("/") else " "
        prompt.replace(mention + ending, (row, column - len(fragment) - 1), (row, column))
        if ending:
            self.screen.completion_menu.hide()
