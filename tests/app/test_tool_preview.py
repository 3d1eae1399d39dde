"""What a tool call will do, shown before it is allowed: a diff for edits, the new file for writes, the
command for Bash, fields for the rest; and the suggested rule offered as "always allow"."""

from __future__ import annotations

from ccsess.app.screens.dialogs import PermissionDialog
from ccsess.app.widgets.tool_preview import edit_diff, tool_preview, write_diff
from ccsess.core.claude import events as ev
from support.app_kit import build_app, screen_text, seed_store, wait_until

SIZE = (120, 36)
SOURCE = "def add(a, b):\n    return a - b\n\n\nprint(add(1, 2))\n"


def test_an_edit_is_a_diff_against_the_file_with_its_line_numbers(tmp_path):
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    diff = edit_diff({"file_path": str(path), "old_string": "return a - b", "new_string": "return a + b"})
    assert diff[2] == "@@ -1,5 +1,5 @@"
    assert "-    return a - b" in diff and "+    return a + b" in diff
    assert path.read_text() == SOURCE, "a preview never writes"


def test_multi_edit_and_an_unreadable_file_fall_back_to_the_strings(tmp_path):
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    diff = edit_diff({"file_path": str(path), "edits": [
        {"old_string": "a - b", "new_string": "a + b"}, {"old_string": "add(1, 2)", "new_string": "add(2, 3)"}]})
    assert "+    return a + b" in diff and "+print(add(2, 3))" in diff
    missing = edit_diff({"file_path": str(tmp_path / "gone.py"), "old_string": "x = 1", "new_string": "x = 2"})
    assert "-x = 1" in missing and "+x = 2" in missing


def test_a_write_is_the_new_file_or_a_diff_against_the_old(tmp_path):
    new = write_diff({"file_path": str(tmp_path / "new.txt"), "content": "one\ntwo\n"})
    assert new == [f"+++ {tmp_path / 'new.txt'} (new file)", "+one", "+two"]
    (tmp_path / "old.txt").write_text("one\ntwo\n")
    changed = write_diff({"file_path": str(tmp_path / "old.txt"), "content": "one\n2\n"})
    assert "-two" in changed and "+2" in changed


def test_other_tools_show_their_fields_never_json():
    assert str(tool_preview("Grep", {"pattern": "TODO", "path": "src", "-n": True})) == "pattern: TODO\npath: src\n"
    assert "$ rm -rf build" in str(tool_preview("Bash", {"command": "rm -rf build", "description": "Clean"}))
    assert str(tool_preview("WebFetch", {"url": "https://example.org", "prompt": "title?"})).startswith("url: ")
    assert "{" not in str(tool_preview("mcp__thing", {"a": "x", "b": 2}))


async def test_the_dialog_shows_the_diff_the_blocked_path_and_offers_the_rule(data_dir, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    store, _ = seed_store(data_dir, project)
    app = build_app(store)
    path = project / "calc.py"
    path.write_text(SOURCE)
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.open_session("tools001")
        await pilot.pause()
        app.emit_engine_event(ev.PermissionRequested(
            "tools001", "req-9", "Edit", {"file_path": str(path), "old_string": "return a - b",
                                          "new_string": "return a + b"},
            blocked_path=str(path), suggestions=({"type": "addRules", "behavior": "allow", "destination": "session",
                                                   "rules": [{"toolName": "Edit", "ruleContent": "calc.py"}]},)))
        await wait_until(pilot, lambda: isinstance(app.screen, PermissionDialog))
        await pilot.pause()
        shown = screen_text(app)
        assert "@@ -1,5 +1,5 @@" in shown and "-    return a - b" in shown and "+    return a + b" in shown
        assert "outside the allowed folders" in shown and "Always allow Edit(calc.py) [r]" in shown
        await pilot.press("r")
        await wait_until(pilot, lambda: any(c[0] == "answer_permission" for c in app.engine.calls))
        assert ("answer_permission", "tools001", "req-9", "allow_rule") in app.engine.calls
