"""
Transports: the contract and its two implementations.
"""

from __future__ import annotations

from .aiohttp import AiohttpTransport
from .base import Request, Response, Timeout, Transport
from .mock import MockTransport

__all__ = [
    "AiohttpTransport",
    "MockTransport",
    "Request",
    "Response",
    "Timeout",
    "Transport",
]
