"""The warning genloop gives for a legacy asyncio API (``genloop.compat``'s
``install(warn=True)`` and ``genloop run --warn-legacy``).

It lives in the core package so that ``genloop.LegacyAPIWarning`` can be
named (in warning filters, for instance) without importing the compat layer.
"""

__all__ = ["LegacyAPIWarning"]


class LegacyAPIWarning(DeprecationWarning):
    """A legacy asyncio API ran: the message names the inventory row, the
    Python version that broke the API and what to use instead."""
