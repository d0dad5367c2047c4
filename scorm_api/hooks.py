"""Hooks: how a lower layer lets a feature above it plug in without importing it.

The lower module declares a `Hook`, named for what it asks for, typed by what an
implementation looks like (`PRINCIPAL_SOURCES: Hook[PrincipalSource]` in `principals`). A
domain's `init_app` adds its implementation to the app's `Hooks` (`state.hooks`), and the
lower module calls whatever was added, in the order the domains were wired. Something that
*happened* (a session was created) is a blinker signal instead, declared beside the code that
sends it.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Hook(Generic[T]):
    """A named extension point; compared by identity."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Hook({self.name!r})"


class Hooks:
    """The implementations added to each hook, in the order they were added."""

    def __init__(self) -> None:
        self._impls: dict[Hook[Any], list[Any]] = {}

    def add(self, hook: Hook[T], impl: T) -> None:
        self._impls.setdefault(hook, []).append(impl)

    def all(self, hook: Hook[T]) -> tuple[T, ...]:
        return tuple(self._impls.get(hook, ()))

    def one(self, hook: Hook[T]) -> T | None:
        """The implementation of a hook that takes at most one (a slot), or None."""
        impls = self._impls.get(hook, ())
        if len(impls) > 1:
            raise RuntimeError(f"{hook!r} takes one implementation, {len(impls)} were added")
        return impls[0] if impls else None
