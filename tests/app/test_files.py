"""The diff of a turn (d on a message), of the session, and rewinding the files from the palette."""

from __future__ import annotations

from ccsess.app.screens.diff import DiffScreen
from ccsess.app.widgets.message_view import MessageView
from ccsess.core.code.turn_files import TurnFiles
from ccsess.core.models import Message, new_id
from support.app_kit import build_app, notified, run_palette, screen_text, wait_until
from support.files_kit import folder_session, record_turn

SIZE = (120, 36)


def seeded(data_dir, tmp_path):
    folder = tmp_path / "work"
    store, sid = folder_session(data_dir, folder, {"notes.py": "value = 1\n"})
    files = TurnFiles(store, data_dir)
    record_turn(store, files, sid, lambda: ((folder / "notes.py").write_text("value = 2\n"),
                                            (folder / "added.txt").write_text("new\n")), "change it")
    store.append_message(sid, Message(id=new_id(), role="assistant", blocks=[{"type": "text", "text": "Done."}]))
    app = build_app(store)
    return app, files, sid, folder


async def test_d_on_a_message_shows_its_turns_diff_and_rewind_asks_first(data_dir, tmp_path):
    app, files, sid, folder = seeded(data_dir, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.engine.files = files
        await app.main_screen.open_session(sid)
        await pilot.pause()
        list(app.main_screen.query(MessageView))[-1].focus()
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffScreen))
        shown = screen_text(app)
        assert "Files changed by turn 1" in shown and "2 files changed, 2 insertions(+), 1 deletions(-)" in shown
        assert "+value = 2" in shown.replace("+ value", "+value") and "A added.txt" in shown
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, DiffScreen))

        list(app.main_screen.query(MessageView))[-1].focus()
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffScreen))
        assert "Rewind the files to before turn 1?" in screen_text(app)
        assert (folder / "added.txt").exists(), "nothing changes before the user says yes"
        await pilot.press("y")
        await wait_until(pilot, lambda: not (folder / "added.txt").exists())
        assert (folder / "notes.py").read_text() == "value = 1\n"
        await wait_until(pilot, lambda: notified(app, "Put 2 files back as they were before turn 1"))
        await run_palette(pilot, "Undo the last rewind")
        await wait_until(pilot, lambda: (folder / "added.txt").exists())
    files.close()


async def test_a_new_session_in_its_own_worktree(data_dir, tmp_path, monkeypatch):
    import subprocess

    from ccsess.core.store.store import Store

    for key, value in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                       "GIT_COMMITTER_EMAIL": "t@t"}.items():
        monkeypatch.setenv(key, value)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print(1)\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "start"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    store = Store(data_dir)
    app = build_app(store, default_project=str(repo))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: app.screen.id == "new-session-dialog")
        app.screen.query_one("#session-name").value = "Fix the parser"
        app.screen.query_one("#session-worktree").value = True
        await pilot.click("#ok")
        await wait_until(pilot, lambda: app.main_screen.session is not None
                         and app.main_screen.session.worktree is not None)
        session = app.main_screen.session
        assert session.worktree_branch == "ccsess/fix-the-parser" and session.project == session.worktree
        await wait_until(pilot, lambda: "⎇ ccsess/fix-the-parser" in screen_text(app))
        with open(f"{session.worktree}/app.py", "a") as handle:
            handle.write("print(2)\n")
        await run_palette(pilot, "Commit worktree")
        await wait_until(pilot, lambda: notified(app, "to ccsess/fix-the-parser"))
        log = subprocess.run(["git", "log", "-1", "--format=%s", "ccsess/fix-the-parser"], cwd=repo,
                             capture_output=True, text=True).stdout
        assert log.startswith("Fix the parser")


async def test_regenerate_offers_to_put_the_files_back_first(data_dir, tmp_path):
    from ccsess.app.screens.dialogs import ConfirmDialog

    app, files, sid, folder = seeded(data_dir, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.engine.files = files
        await app.main_screen.open_session(sid)
        await pilot.pause()
        await pilot.press("alt+r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "2 files changed since that point (added.txt, notes.py)" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: any(call[0] == "regenerate" for call in app.engine.calls))
        assert (folder / "notes.py").read_text() == "value = 1\n" and not (folder / "added.txt").exists()
    files.close()
