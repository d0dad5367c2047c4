"""URL rules whose URL builders are generated on first use.

Werkzeug compiles two URL-building functions for every rule when the rule is added (Python
source built as an AST, then compiled): for our ~130 rules that was ~50 ms of each server
start, most of the routing's start-up, for `url_for` calls few rules ever see. Matching is
untouched; a rule's builders are made at its first `url_for` (two threads may both make them:
either will do)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        make = super()._compile_builder
        made: Callable[..., tuple[str, str]] | None = None

        def build(rule: Rule, **values: Any) -> tuple[str, str]:
            nonlocal made
            if made is None:
                made = make(append_unknown).__get__(rule, None)
            return made(**values)

        return build
