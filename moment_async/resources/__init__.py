"""
One class per API group, one coroutine per documented call.
"""

from __future__ import annotations

from .audiences import Audiences
from .customer_files import CustomerFiles

__all__ = ["Audiences", "CustomerFiles"]
