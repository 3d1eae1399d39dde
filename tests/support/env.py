"""Environment for the real CLI against the mock, and the wrapper that makes the fake CLI executable."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

FAKE_CLAUDE = Path(__file__).resolve().parent.parent / "fake_claude.py"


def claude_env_for(base_url: str, home: Path) -> dict[str, str]:
    """Variables that make `claude` talk only to `base_url`, keep its files under `home`, and retry little."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": "sk-ant-test",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "NO_COLOR": "1",
        "CLAUDE_CODE_MAX_RETRIES": "2",
        "API_TIMEOUT_MS": "10000",
    }


def write_fake_claude_wrapper(directory: Path) -> Path:
    """Write `directory/claude`, which execs tests/fake_claude.py with the running interpreter."""
    wrapper = directory / "claude"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"exec {shlex.quote(sys.executable)} {shlex.quote(str(FAKE_CLAUDE))} \"$@\"\n"
    )
    wrapper.chmod(0o755)
    return wrapper
