"""Fixtures of the app tests."""

from __future__ import annotations

import pytest

from support.app_kit import build_app, seed_store


@pytest.fixture
def app(data_dir, tmp_path):
    """The app over the seeded store (three sessions in two projects) and the scripted engine."""
    project = tmp_path / "project"
    project.mkdir()
    store, _ = seed_store(data_dir, project)
    return build_app(store)
