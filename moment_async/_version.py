"""
The package version, read by hatch at build time and sent in the User-Agent.
"""

from __future__ import annotations

__version__ = "0.1.0"
