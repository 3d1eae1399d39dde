"""Command palette providers: jump to a session, pick a model (configured ones or any name typed), pick a
permission mode, revoke a rule allowed for the session."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from ccsess.app.formatting import short_path
from ccsess.core.config import MODE_HELP, PERMISSION_MODES
from ccsess.core.text import visible_text


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
