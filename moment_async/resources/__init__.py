"""
One class per API group, one coroutine per documented call.
"""

from __future__ import annotations

from ._raw import RawResponse
from .audiences import Audiences, AudiencesWithRawResponse
from .customer_files import CustomerFiles, CustomerFilesWithRawResponse

__all__ = [
    "Audiences",
    "AudiencesWithRawResponse",
    "CustomerFiles",
    "CustomerFilesWithRawResponse",
    "RawResponse",
]
