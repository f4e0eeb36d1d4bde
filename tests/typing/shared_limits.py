"""
Typed use of RedisLimiter: mypy checks this file; pytest never runs it.
"""

from __future__ import annotations

from typing import assert_type

from redis.asyncio import Redis

import moment_async as ma


async def shared_limits(url: str) -> None:
    """
    Build Redis limiters both ways and use them alone and in a client.
    """
    rate = ma.Rate(1, 5.0)
    async with ma.RedisLimiter.from_url(
        url,
        wait=False,
        key_prefix="team-a:",
        fallback=True,
        margin=0.2,
        timeout=1.0,
        max_pause=300.0,
    ) as limiter:
        protocol: ma.Limiter = limiter
        assert_type(limiter.try_acquire("file:7", rate), bool)
        assert_type(await protocol.acquire("file:7", rate, max_wait=2.0), bool)
        await limiter.release("file:7")
        await limiter.pause("file:7", 5.0)
        async with ma.MomentClient("token", limiter=limiter) as client:
            await client.ad_account(1).customer_files.get(7)

    local = ma.KeyedLimiter(wait=False, max_pause=60.0)
    await local.pause("file:7", 5.0)

    redis = Redis.from_url(url)
    given = ma.RedisLimiter(redis, timeout=0.5, max_pause=120.0)
    assert_type(given.wait, bool)
    try:
        await given.acquire("user:abc:1", rate)
    except ma.LimiterUnavailableError as exc:
        assert_type(exc.message, str)
    finally:
        await given.aclose()
        await redis.aclose()
