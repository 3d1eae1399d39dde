"""config.toml: defaults, every key checked, one clear line and exit code 2 for the CLI."""

from __future__ import annotations

import pytest

from ccsess.cli import main
from ccsess.core.config import Config, ConfigError, load_config


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    path = tmp_path / "config" / "config.toml"
    path.parent.mkdir()
    monkeypatch.setenv("CCSESS_CONFIG", str(path))
    monkeypatch.delenv("CCSESS_CLAUDE", raising=False)
    return path


def test_missing_file_means_defaults(config_file):
    config = load_config()
    assert config == Config(path=config_file)
    assert config.claude == "claude"
    assert config.models == ["sonnet", "opus", "haiku"]
    assert (config.max_live, config.idle_timeout, config.permission_mode) == (4, 600, "default")
    assert config.theme == "ccsess-dark" and config.keymap == {} and config.default_model is None


def test_every_key_read(config_file):
    config_file.write_text(
        'claude = "/opt/claude"\ndefault_model = "opus"\nmodels = ["opus", "claude-sonnet-4-5"]\n'
        'permission_mode = "plan"\nmax_live = 2\nidle_timeout = 30.5\ntheme = "ccsess-light"\n'
        '[keymap]\nnew_session = "ctrl+n"\nstop = "escape"\n'
    )
    config = load_config()
    assert config.claude == "/opt/claude"
    assert config.default_model == "opus"
    assert config.models == ["opus", "claude-sonnet-4-5"]
    assert config.permission_mode == "plan"
    assert config.max_live == 2 and config.idle_timeout == 30.5
    assert config.theme == "ccsess-light"
    assert config.keymap == {"new_session": "ctrl+n", "stop": "escape"}


def test_env_overrides_claude(config_file):
    config_file.write_text('claude = "/opt/claude"\n')
    assert load_config(environ={"CCSESS_CONFIG": str(config_file), "CCSESS_CLAUDE": "/bin/other"}).claude == (
        "/bin/other"
    )


BAD = [
    ("claude = 3", "claude"),
    ('claude = ""', "claude"),
    ("default_model = false", "default_model"),
    ('models = "opus"', "models"),
    ("models = []", "models"),
    ('models = ["opus", 4]', "models"),
    ('permission_mode = "yolo"', "permission_mode"),
    ("max_live = 0", "max_live"),
    ('max_live = "4"', "max_live"),
    ("max_live = 2.5", "max_live"),
    ("max_live = true", "max_live"),
    ("idle_timeout = 0", "idle_timeout"),
    ("idle_timeout = -5", "idle_timeout"),
    ('idle_timeout = "10m"', "idle_timeout"),
    ("theme = 7", "theme"),
    ('keymap = "ctrl+n"', "keymap"),
    ("[keymap]\nstop = 1", "keymap"),
    ("max_lives = 3", "max_lives"),
    ("max_live = ", "line 1"),
]


@pytest.mark.parametrize(("text", "key"), BAD, ids=[b[0] for b in BAD])
def test_bad_values_name_key_and_file(config_file, text, key):
    config_file.write_text(text + "\n")
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert message.startswith(f"config error in {config_file}: ")
    assert key in message
    assert "\n" not in message


def test_not_utf8(config_file):
    config_file.write_bytes(b"theme = '\xff'\n")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config()


@pytest.mark.parametrize(("text", "key"), BAD[::3], ids=[b[0] for b in BAD[::3]])
def test_cli_exits_2_with_one_line(config_file, data_dir, capsys, text, key, monkeypatch):
    monkeypatch.setenv("CCSESS_CONFIG", str(config_file))
    config_file.write_text(text + "\n")
    assert main(["list"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and key in lines[0] and str(config_file) in lines[0]
    assert "Traceback" not in captured.err
