"""Sessions that move between machines: `ccsess export --all` and `ccsess import FILE.json|DIR|-`."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

from ccsess.cli import main
from ccsess.core.models import Event, Message
from ccsess.core.store.store import Store
from support.app_kit import seed_store


def run(capsys, data_dir: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def full_store(data_dir: Path, project: Path) -> Store:
    """The app's seeded sessions plus a branch, a regenerated reply, events and an image."""
    store, sessions = seed_store(data_dir, project)
    tools = sessions["tools"]
    branch = store.create_session("branch of tools", str(project), id="branch01", parent_id=tools.id)
    store.copy_messages(tools.id, branch.id, up_to_message_id="m-asst-1")
    picture = base64.b64encode(b"GIF89a" + bytes(300)).decode()
    store.append_message(branch.id, Message(id="img-1", role="user", blocks=[
        {"type": "image", "source": {"type": "base64", "media_type": "image/gif", "data": picture}},
        {"type": "text", "text": "and this?"}]))
    store.append_message(tools.id, Message(id="m-asst-2b", role="assistant", version_group="m-user-1", version=2,
                                           blocks=[{"type": "text", "text": "Two files, again."}]))
    store.add_event(tools.id, Event("turn", detail={"cost_usd": 0.01}))
    return store


def test_round_trip_gives_identical_json_and_a_second_import_changes_nothing(capsys, tmp_path, data_dir) -> None:
    project = tmp_path / "project"
    project.mkdir()
    full_store(data_dir, project).close()
    first, second = tmp_path / "first", tmp_path / "second"
    code, _, err = run(capsys, data_dir, "export", "--all", "-o", str(first), "--format", "json")
    assert code == 0 and "wrote 4 sessions" in err
    assert "data" in (next(first.glob("branch-of-tools-*.json"))).read_text()

    fresh = tmp_path / "fresh"
    code, out, _ = run(capsys, fresh, "import", str(first))
    assert (code, out.strip()) == (0, "restored 4 sessions (0 as copies), 0 already here")
    restored = Store(fresh)
    assert restored.get_session("branch01").parent_id == "tools001"
    assert len(restored.messages("tools001", all_versions=True)) == 5
    assert len(list((fresh / "images").iterdir())) == 1
    restored.close()
    run(capsys, fresh, "export", "--all", "-o", str(second), "--format", "json")
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for path in first.iterdir():
        assert (second / path.name).read_text() == path.read_text(), path.name

    code, out, _ = run(capsys, fresh, "import", str(first))
    assert out.strip() == "restored 0 sessions (0 as copies), 4 already here"


def test_other_content_under_a_taken_id_comes_in_as_a_copy(capsys, tmp_path, data_dir, monkeypatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    full_store(data_dir, project).close()
    out_dir = tmp_path / "out"
    run(capsys, data_dir, "export", "--all", "-o", str(out_dir), "--format", "json")
    path = next(out_dir.glob("older-chat-*.json"))
    document = json.loads(path.read_text())
    document["messages"][1]["blocks"][0]["text"] = "Hello from the other machine."
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(document)))
    code, out, err = run(capsys, data_dir, "import", "-")
    assert code == 0 and "restored 1 sessions (1 as copies)" in out
    assert "session older001 is already here with other content; imported as a copy," in err
    store = Store(data_dir)
    copies = [s for s in store.list_sessions() if s.name == "older chat"]
    assert len(copies) == 2
    copy = next(s for s in copies if s.id != "older001")
    assert store.messages(copy.id)[1].text == "Hello from the other machine."
    assert store.messages("older001")[1].text == "Hi! How can I help?"


def test_a_newer_or_foreign_file_is_refused_with_one_line(capsys, tmp_path, data_dir) -> None:
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"schema_version": 99, "generator": "ccsess 9.9.9", "session": {}, "messages": []}))
    code, _, err = run(capsys, data_dir, "import", str(newer))
    assert code == 1
    assert err.strip().splitlines() == [
        f"ccsess: could not restore {newer}: written by a newer ccsess (ccsess 9.9.9, schema 99); this one reads "
        "schema 1: upgrade ccsess to import it"]
    other = tmp_path / "other.json"
    other.write_text("[1, 2]")
    code, _, err = run(capsys, data_dir, "import", str(other))
    assert code == 1 and "not a ccsess JSON export" in err and "Traceback" not in err


def test_export_all_as_markdown_for_one_project(capsys, tmp_path, data_dir) -> None:
    project = tmp_path / "project"
    project.mkdir()
    full_store(data_dir, project).close()
    out_dir = tmp_path / "md"
    code, _, err = run(capsys, data_dir, "export", "--all", "--project", str(project), "-o", str(out_dir))
    assert code == 0 and "wrote 3 sessions" in err
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["branch-of-tools-branch01.md", "branch-of-tools-branch01_images", "list-the-files-tools001.md",
                     "older-chat-older001.md"]
    assert "![image: image/gif, 306 bytes](branch-of-tools-branch01_images/" in (
        out_dir / "branch-of-tools-branch01.md").read_text()
    store = Store(data_dir)
    assert not [e for e in store.events("tools001") if e.kind == "export"], "an archive writes nothing to sessions"
    code, _, err = run(capsys, data_dir, "export", "--all")
    assert code == 2 and "ccsess export --all -o DIR" in err
