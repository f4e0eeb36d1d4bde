"""
``python -m moment_async.sandbox``: serve a sandbox until interrupted.
"""

from __future__ import annotations

from ._main import main

raise SystemExit(main())
