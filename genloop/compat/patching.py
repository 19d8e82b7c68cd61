"""Replacing attributes of asyncio reversibly.

A :class:`Patch` names one attribute and what it becomes; ``apply`` keeps
what was there (or that nothing was) and ``restore`` puts it back, so that
after ``genloop.compat.uninstall()`` the asyncio modules are exactly as
before.
"""

from typing import Any, Iterable, List

__all__ = ["Patch", "apply", "restore"]

_ABSENT = object()


class Patch(object):
    """``owner.name = replacement`` while the compat layer is installed."""

    __slots__ = ("owner", "name", "replacement", "original")

    def __init__(self, owner: Any, name: str, replacement: Any) -> None:
        self.owner = owner
        self.name = name
        self.replacement = replacement
        self.original: Any = _ABSENT

    def __repr__(self) -> str:
        owner = getattr(self.owner, "__name__", repr(self.owner))
        return "<Patch {}.{}>".format(owner, self.name)

    def undo(self) -> None:
        """Put back what the attribute was (or that there was none)."""
        if self.original is _ABSENT:
            delattr(self.owner, self.name)
        else:
            setattr(self.owner, self.name, self.original)


def apply(patches: Iterable[Patch]) -> List[Patch]:
    """Apply ``patches`` in order; returns them, each knowing what it replaced."""
    applied = []
    for patch in patches:
        patch.original = patch.owner.__dict__.get(patch.name, _ABSENT)
        setattr(patch.owner, patch.name, patch.replacement)
        applied.append(patch)
    return applied


def restore(patches: List[Patch]) -> None:
    """Undo ``patches``, last first."""
    for patch in reversed(patches):
        patch.undo()
