"""Opening a file with the program the system chooses for it (an image viewer for an image): ``open`` on macOS,
``xdg-open`` elsewhere; started on its own, never through a shell, and not waited for."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ccsess.core.models import Message


def open_with_system(path: Path) -> str | None:
    """None when the file was handed over; else one line that says why not."""
    program = "open" if sys.platform == "darwin" else "xdg-open"
    found = shutil.which(program)
    if found is None:
        return f"{program} is not installed, so nothing can open {path.name}; the file is {path}"
    if not path.is_file():
        return f"{path} is missing from the data dir"
    try:
        subprocess.Popen([found, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as error:
        return f"Could not run {program}: {error.strerror or error}"
    return None


def open_images(data_dir: Path | None, message: Message | None) -> list[str]:
    """Open every image of ``message`` kept in ``data_dir``; what could not be opened, a line each."""
    from ccsess.core.store.images import image_blocks, image_path

    if message is None or data_dir is None:
        return []
    problems = []
    for block in image_blocks(message.blocks):
        path = image_path(data_dir, block.get("source") or {})
        problem = "This image was not kept" if path is None else open_with_system(path)
        if problem:
            problems.append(problem)
    return problems
