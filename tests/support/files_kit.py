"""Sessions whose turns changed files, with their snapshots recorded, for the file tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ccsess.core.code.turn_files import TurnFiles
from ccsess.core.models import Message, new_id
from ccsess.core.store.store import Store


def record_turn(store: Store, files: TurnFiles, session_id: str, change: Callable[[], object],
                prompt: str = "do it") -> None:
    """A prompt, the folder snapshotted, ``change`` made, the folder snapshotted again."""
    message = Message(id=new_id(), role="user", blocks=[{"type": "text", "text": prompt}])
    store.append_message(session_id, message)
    files.record(session_id, message.id, "start").result()
    change()
    files.record(session_id, message.id, "end").result()


def folder_session(data_dir: Path, folder: Path, files: dict[str, str]) -> tuple[Store, str]:
    """A store with one session working in ``folder``, which holds ``files``."""
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    store = Store(data_dir)
    return store, store.create_session("edits", str(folder)).id
