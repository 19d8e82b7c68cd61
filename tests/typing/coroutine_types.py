"""Checked by ``mypy --strict`` in tox's ``typecheck`` environment, never run.

Each ``type: ignore[...]`` below is an assertion: ``warn_unused_ignores``
fails the check if the error it silences stops happening, so a decorator
that lost its types (returning ``Any``) is caught.
"""

from typing import Any, Generator

import genloop


@genloop.coroutine
def legacy_answer() -> Generator[Any, Any, int]:
    yield None
    return 42


async def native_caller() -> int:
    answer: int = await legacy_answer()
    wrong: str = await legacy_answer()  # type: ignore[assignment]
    return answer + len(wrong)


@genloop.coroutine
def legacy_caller() -> Generator[Any, Any, int]:
    answer = yield from legacy_answer()
    return answer + 1


def result_of_run() -> int:
    value: int = genloop.run(native_caller())
    return value
