"""Tests of moment_async.sandbox, driven with plain aiohttp over loopback (never the SDK client)."""
