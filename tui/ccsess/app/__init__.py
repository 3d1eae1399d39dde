"""The Textual user interface of ccsess."""

from ccsess.app.app import CcsessApp, make_app

__all__ = ["CcsessApp", "make_app"]
