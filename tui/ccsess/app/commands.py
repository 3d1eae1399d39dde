"""The command palette: the screen's actions it lists, and providers to jump to a session, pick a model
(configured ones or any name typed), pick a permission mode, revoke a rule allowed for the session."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from ccsess.app.formatting import short_path
from ccsess.core.config import MODE_HELP, PERMISSION_MODES
from ccsess.core.text import visible_text


# (palette title, help, screen action)
PALETTE_COMMANDS: list[tuple[str, str, str]] = [
    ("New session", "Start a session (asks for name and project folder)", "new_session"),
    ("Branch", "Continue in a new session from the selected or last message", "branch"),
    ("Regenerate", "Ask for a new version of the last reply", "regenerate"),
    ("Other version", "Flip between versions of a regenerated reply", "flip_version"),
    ("Stop", "Stop the reply being streamed", "stop"),
    ("Export to Markdown", "Write the transcript to a Markdown file", "export"),
    ("Switch model", "Pick the model for this session", "switch_model"),
    ("Permission mode", "Pick how much claude may do without asking (shift+tab cycles)", "pick_mode"),
    ("Diff of this session", "What the session changed in its folder, file by file (D; d on a message: its turn)",
     "diff_session"),
    ("Rewind files", "Put the files back as they were before the focused message's turn (or the last turn)",
     "rewind_files"),
    ("Undo the last rewind", "Put the files back as they were before the last rewind", "undo_rewind"),
    ("Commit worktree", "Commit the session's worktree to its branch ccsess/<name>", "commit_worktree"),
    ("Remove worktree", "Remove the session's worktree folder; its branch keeps the commits", "remove_worktree"),
    ("Toggle sidebar", "Hide or show the session list (alt+s)", "toggle_sidebar"),
    ("Edit the prompt in your editor", "Open the prompt in $VISUAL or $EDITOR (ctrl+e)", "edit_prompt"),
    ("Set limits", "Most turns and budget of this session; raising them lets a limited session go on",
     "set_limits"),
    ("Statistics", "Sessions by status, turns, errors and cost per day", "statistics"),
    ("Revoke an allowed tool", "Ask again before tools this session was allowed to use", "revoke_rule"),
    ("Go to next waiting session", "The session whose question or request waits longest (alt+w)", "next_waiting"),
    ("Copy last reply", "Copy the last reply to the clipboard", "copy_last_reply"),
    ("Copy transcript", "Copy the whole transcript as Markdown", "copy_transcript"),
    ("Rename session", "Give this session another name", "rename"),
    ("Delete session", "Remove this session from ccsess (asks first)", "delete"),
    ("Archive session", "Hide this session from the list, keep its data", "archive"),
    ("Open in Claude", "Continue this session in interactive claude, then come back", "open_in_claude"),
    ("Search messages", "Find sessions by the words in their messages", "search_messages"),
    ("Import Claude Code sessions", "Bring in the sessions kept in ~/.claude/projects", "import_sessions"),
]


class SessionProvider(Provider):
    """``Open: <session name>`` for every stored session."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for session in self.app.store.list_summaries():
            label = f"Open: {visible_text(session.name)}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self.app.open_session, session.id),
                          help=short_path(visible_text(session.project)))


class ModelProvider(Provider):
    """Configured models, plus ``Use model "<typed text>"`` for any other model name."""

    def _models(self) -> list[str]:
        return list(getattr(self.app.config, "models", None) or [])

    async def discover(self) -> Hits:
        for model in self._models():
            yield DiscoveryHit(Content(model), partial(self.app.set_model, model), help="configured model")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        models = self._models()
        for model in models:
            score = matcher.match(model)
            if score > 0:
                yield Hit(score, matcher.highlight(model), partial(self.app.set_model, model),
                          help="configured model")
        typed = query.strip()
        if typed and typed not in models and " " not in typed:
            yield Hit(0.01, Content(f"Use model “{visible_text(typed)}”"), partial(self.app.set_model, typed),
                      help="any model name claude accepts")


class ModeProvider(Provider):
    """Every permission mode claude accepts, with what it does."""

    async def discover(self) -> Hits:
        for mode in PERMISSION_MODES:
            yield DiscoveryHit(Content(mode), partial(self.app.set_permission_mode, mode), help=MODE_HELP[mode])

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for mode in PERMISSION_MODES:
            score = matcher.match(f"{mode} {MODE_HELP[mode]}")
            if score > 0:
                yield Hit(score, matcher.highlight(mode), partial(self.app.set_permission_mode, mode),
                          help=MODE_HELP[mode])


class AllowedRuleProvider(Provider):
    """The tools and rules the open session was allowed for good; picking one revokes it."""

    def _rules(self) -> list[str]:
        return self.app.main_screen.allowed_rules()

    async def discover(self) -> Hits:
        for rule in self._rules():
            yield DiscoveryHit(Content(visible_text(rule)), partial(self.app.revoke_rule, rule), help="revoke")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for rule in self._rules():
            score = matcher.match(visible_text(rule))
            if score > 0:
                yield Hit(score, matcher.highlight(visible_text(rule)), partial(self.app.revoke_rule, rule),
                          help="revoke")
