"""
Benchmarks of moment-async against raw aiohttp and pydantic v2, on loopback.

Run them all with ``python -m benchmarks`` (``--quick`` for a shorter run,
or ``nox -s bench``). Every figure is measured in the same run as its
reference, against the same loopback server (``benchmarks._server``, in its
own process), and the table reports the ratio SDK / reference: the machines
are noisy, so the ratios are the figures of record.

- ``throughput``: ``customer_files.get`` vs ``session.get`` + ``read`` +
  ``json.loads`` at concurrency 1, 64 and 512, with the SDK's default
  rate limiter on.
- ``decode``: 10,000 ``Audience`` objects, orjson + the SDK's converter vs
  pydantic v2 ``TypeAdapter.validate_json``.
- ``overhead``: the SDK's own CPU work per call, with a transport that
  answers at once.

Benchmarks talk only to 127.0.0.1, are bounded in count and time, and are
not part of the default ``nox`` run.
"""
