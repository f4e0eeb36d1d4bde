"""
Fixtures of the Redis limiter tests: a real redis-server on loopback.

The tests never skip: without redis-server they fail and say how to install it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

import moment_async as ma

from ._server import RedisServer


def served() -> Iterator[RedisServer]:
    """
    Run a redis-server until the fixture ends; without one, fail and say how to install it.
    """
    try:
        server = RedisServer().start()
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """
    Give one redis-server for the whole session, stopped at its end.
    """
    yield from served()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """
    Give the URL of the session's Redis, emptied for this test.
    """
    assert b"+OK" == redis_server.command("FLUSHALL")
    return redis_server.url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """
    Give a client of the test's Redis, for looking at the keys.
    """
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def limiter(redis_url: str) -> AsyncIterator[ma.RedisLimiter]:
    """
    Give a limiter on the test's Redis with no margin, so spacings are exact.
    """
    async with ma.RedisLimiter.from_url(redis_url, margin=0) as limiter:
        yield limiter


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """
    Give a redis-server of this test alone, which it may stop and start again.
    """
    yield from served()
