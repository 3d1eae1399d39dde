"""Find or install the pinned Claude Code CLI that the real-CLI tests run.

The CLI is installed with npm into a cache folder ($CCSESS_TEST_CACHE, default ~/.cache/ccsess-test)
and reused when present. Run as a script to install ahead of the test run:

    python tests/support/claude_cli.py --install 2.1.328
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

DEFAULT_VERSION = "2.1.328"
PACKAGE = "@anthropic-ai/claude-code"
NATIVE_BINARY = Path("node_modules/@anthropic-ai/claude-code-linux-x64/claude")
WRAPPER_BINARY = Path("node_modules/@anthropic-ai/claude-code/bin/claude.exe")
INSTALL_TIMEOUT = 900.0
LOCK_TIMEOUT = INSTALL_TIMEOUT + 60.0


class ClaudeInstallError(RuntimeError):
    """The pinned CLI could not be found or installed; str() says why and what to do."""


def cache_dir() -> Path:
    configured = os.environ.get("CCSESS_TEST_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "ccsess-test"


def install_dir(version: str = DEFAULT_VERSION) -> Path:
    return cache_dir() / f"claude-code-{version}"


def _candidates(prefix: Path) -> list[Path]:
    return [prefix / NATIVE_BINARY, prefix / WRAPPER_BINARY]


def _reported_version(binary: Path) -> str:
    try:
        done = subprocess.run(
            [str(binary), "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClaudeInstallError(f"{binary} --version failed: {exc}") from exc
    return done.stdout.strip()


def find_installed(version: str = DEFAULT_VERSION) -> Path | None:
    """The installed binary for `version`, checked to run and report that version, or None."""
    for binary in _candidates(install_dir(version)):
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            continue
        reported = _reported_version(binary)
        if reported.split()[:1] == [version]:
            return binary
    return None


def _npm_install(version: str, prefix: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise ClaudeInstallError(
            f"npm is not on PATH: it is needed to install Claude Code {version} for the real-CLI tests "
            "(install Node.js with npm, or point CCSESS_TEST_CACHE at a cache that already holds it)"
        )
    prefix.mkdir(parents=True, exist_ok=True)
    argv = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", f"{PACKAGE}@{version}"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ClaudeInstallError(
            f"npm install of {PACKAGE}@{version} timed out after {INSTALL_TIMEOUT:.0f} s"
        ) from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise ClaudeInstallError(
            f"npm install of {PACKAGE}@{version} into {prefix} failed (exit {done.returncode}): "
            + " | ".join(tail)
        )


def ensure_claude(version: str = DEFAULT_VERSION) -> Path:
    """Path of the native `claude` binary of `version`, installing it with npm first if needed.

    Raises ClaudeInstallError with a one-line reason when npm is missing, the install fails, or the installed
    binary does not report the expected version.
    """
    found = find_installed(version)
    if found is not None:
        return found
    from filelock import FileLock, Timeout

    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / f"claude-code-{version}.lock"))
    try:
        with lock.acquire(timeout=LOCK_TIMEOUT):
            found = find_installed(version)
            if found is None:
                _npm_install(version, install_dir(version))
                found = find_installed(version)
    except Timeout as exc:
        raise ClaudeInstallError(
            f"another install of Claude Code {version} held {lock.lock_file} too long"
        ) from exc
    if found is None:
        where = ", ".join(str(p) for p in _candidates(install_dir(version)))
        raise ClaudeInstallError(
            f"npm installed {PACKAGE}@{version} but no executable binary reporting {version} "
            f"was found at {where}"
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install or find the pinned Claude Code CLI for the tests.")
    parser.add_argument("--install", metavar="VERSION", default=DEFAULT_VERSION,
                        help=f"version to install (default {DEFAULT_VERSION})")
    args = parser.parse_args(argv)
    try:
        binary = ensure_claude(args.install)
    except ClaudeInstallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(binary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
