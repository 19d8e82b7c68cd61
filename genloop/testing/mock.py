"""``asynctest.mock``'s names, for ``from genloop.testing import mock``
in place of ``from asynctest import mock``: genloop's mock classes and
``patch``/``create_autospec`` (see :mod:`~genloop.testing.mocks` and
:mod:`~genloop.testing.patching` for what they add to ``unittest.mock``'s),
and the rest of ``unittest.mock``'s public names common to every Python
from 3.6, as they are.
"""

from unittest.mock import (
    ANY,
    DEFAULT,
    FILTER_DIR,
    PropertyMock,
    call,
    mock_open,
    sentinel,
)

from .mocks import CoroutineMock, MagicMock, Mock, NonCallableMagicMock, NonCallableMock
from .patching import create_autospec, patch

__all__ = [
    "ANY",
    "CoroutineMock",
    "DEFAULT",
    "FILTER_DIR",
    "MagicMock",
    "Mock",
    "NonCallableMagicMock",
    "NonCallableMock",
    "PropertyMock",
    "call",
    "create_autospec",
    "mock_open",
    "patch",
    "sentinel",
]
