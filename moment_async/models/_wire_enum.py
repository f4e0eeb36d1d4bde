"""
String enums that keep values the documents do not list instead of failing.
"""

from __future__ import annotations

import enum
from typing import Self


class WireEnum(enum.StrEnum):
    """
    A string enum whose unknown values decode to an ``UNKNOWN`` stand-in.

    The API adds statuses without notice; decoding must not crash on them.
    ``CustomerFileStatus("ARCHIVED")`` returns a member named ``UNKNOWN``
    whose value is ``"ARCHIVED"``::

        >>> status = CustomerFileStatus("ARCHIVED")
        >>> status.is_unknown, status.value
        (True, 'ARCHIVED')

    Known members compare by identity as usual; a stand-in equals its raw
    string and pickles by value.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member

    @property
    def is_unknown(self) -> bool:
        """
        Whether this value is one the documents do not list.
        """
        return self._name_ == "UNKNOWN"
