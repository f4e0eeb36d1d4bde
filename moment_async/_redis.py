"""
Rate limits shared by every process and host that uses one Redis.

The ``redis`` package is an extra (``pip install 'moment-async[redis]'``):
nothing here imports it until a ``RedisLimiter`` is made, so
``import moment_async`` works without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

from ._constants import MAX_RETRY_AFTER
from ._errors import (
    EventLoopError,
    LimiterUnavailableError,
    RateLimitError,
    ValidationError,
    bound_texts,
)
from ._limits import (
    KeyedLimiter,
    Rate,
    check_max_pause,
    check_max_wait,
    pause_length,
)
from ._validate import check_bool, check_number

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

_log: Final = logging.getLogger("moment_async")

#: Seconds added to every spacing. Slots are reserved on Redis' clock but
#: taken by each process after its own sleep, so one process that wakes a
#: little late (a busy loop, a slow reply) sends closer to the next
#: process's call than the spacing; Kakao counts on its own clock, at
#: arrival. 0.1 s covers such jitter at a cost of 2 % of a 5 s limit's rate.
DEFAULT_MARGIN: Final = 0.1
#: Seconds one exchange with Redis may take, connecting included, before
#: Redis counts as unreachable. A healthy Redis answers within a millisecond;
#: 2 s rides out a fork for a snapshot, and keeps a stalled or blackholed
#: Redis (which never closes the connection) from holding calls longer. It
#: also bounds ``release``, ``pause`` and closing.
DEFAULT_TIMEOUT: Final = 2.0
#: Seconds ``from_url``'s socket timeouts come after the limiter's own bound:
#: that bound, which knows the call's deadline, is the one that ends an
#: exchange; redis-py's still bound whatever it does outside one.
_SOCKET_BACKSTOP: Final = 1.0
#: The longest *timeout* a limiter takes: a Redis that slow is down.
_LONGEST_TIMEOUT: Final = 60.0
#: Seconds between two attempts to reach Redis during an outage, when the
#: limiter falls back to in-process limits meanwhile.
_PROBE_INTERVAL: Final = 1.0
_MICRO: Final = 1_000_000

#: One key's next free slot, kept as microseconds on the Redis server's
#: clock (``TIME``), so every host counts on one clock. A call that must
#: wait reserves the next slot at once and sleeps until it, so waiters from
#: every process queue in order, one round trip each. A key expires when
#: its next slot is free: an idle key is the same as an absent one.
#:
#: KEYS[1] is the key; ARGV[1] the operation:
#:   acquire, spacing, longest wait (-1: any) -> {1, wait, slot, next} with
#:     the slot reserved, or {0, wait} with nothing reserved;
#:   pause, seconds -> 1: no slot before now + seconds (the later wins);
#:   release, next, slot -> 1 if the key was set back to *slot*: only while
#:     *next* (what acquire set) is still the latest reservation.
#: Numbers are formatted with %d: Lua would write large ones as 1.7e+15.
_SCRIPT: Final = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local key = KEYS[1]
local free = tonumber(redis.call('GET', key) or '0')

local function hold(until_us)
    if until_us <= now then
        redis.call('DEL', key)
    else
        redis.call('SET', key, string.format('%d', until_us),
                   'PX', math.ceil((until_us - now) / 1000))
    end
end

local op = ARGV[1]
if op == 'acquire' then
    local slot = math.max(now, free)
    local wait = slot - now
    local longest = tonumber(ARGV[3])
    if longest >= 0 and wait > longest then
        return {0, wait}
    end
    local after = slot + tonumber(ARGV[2])
    hold(after)
    return {1, wait, string.format('%d', slot), string.format('%d', after)}
elseif op == 'pause' then
    local until_us = now + tonumber(ARGV[2])
    if until_us > free then
        hold(until_us)
    end
    return 1
elseif op == 'release' then
    if free ~= tonumber(ARGV[2]) then
        return 0
    end
    hold(tonumber(ARGV[3]))
    return 1
end
return redis.error_reply('unknown operation ' .. tostring(op))
"""


def _import_redis() -> Any:
    try:
        import redis.asyncio  # noqa: PLC0415  # an optional extra, imported when used
    except ImportError as exc:  # pragma: no cover  # run in a subprocess by the tests
        msg = "RedisLimiter needs the redis package: pip install 'moment-async[redis]'"
        raise ImportError(msg, name="redis") from exc
    return redis


def _check_timeout(value: object) -> float:
    """
    Return *value* as a limiter's *timeout*, or raise ``ValidationError``.
    """
    return check_number(
        value, "timeout", unit="seconds", above_zero=True, most=_LONGEST_TIMEOUT
    )


def _where(kwargs: dict[str, Any]) -> str:
    """
    Say where a Redis client connects: its socket's path, or host and port.

    Never the URL: it may hold a password.
    """
    path = kwargs.get("path")
    if path:
        return str(path)
    return f"{kwargs.get('host')}:{kwargs.get('port')}"


class _Connection:
    """
    Strictly private: one Redis client of a limiter, and the calls running on it.
    """

    __slots__ = ("busy", "closing", "loop", "redis", "script")

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.script: AsyncScript = redis.register_script(_SCRIPT)
        #: Script calls awaiting their answer on this client.
        self.busy = 0
        #: Set by ``aclose()``: the last call to finish closes the client.
        self.closing = False
        #: The event loop of the last call that reached Redis through it:
        #: the loop its connections belong to.
        self.loop: asyncio.AbstractEventLoop | None = None


class RedisLimiter:
    """
    Keep the API's rate limits in Redis, shared by every process and host using it.

    Each limited call costs one round trip: an atomic script on the
    server reserves the key's next slot on Redis' clock, and the call
    sleeps in its own process until then. Waiters from every process are
    served in the order they asked. Keys vanish from Redis once idle for
    one spacing. Spacings get a small *margin* (``DEFAULT_MARGIN``, 0.1 s)
    so that jitter between processes never brings two calls closer than
    the documented limit::

        async with ma.MomentClient(
            token, limiter=ma.RedisLimiter.from_url("redis://127.0.0.1:6379/0")
        ) as client:
            ...

    A limiter made by ``from_url`` opens its connections at its first call
    and closes them in ``aclose()``, which ``MomentClient.aclose()`` calls.
    Closing never breaks it: a call made after ``aclose()`` opens new
    connections, and a call still waiting for Redis' answer keeps its
    connection until the answer came. So one limiter may serve several
    clients, and the first client to close does not stop the others; the
    last close leaves no connection open. A limiter made on a given
    ``redis.asyncio.Redis`` never closes it.

    When Redis cannot be reached, or does not answer within *timeout*
    (2 s), a call raises ``LimiterUnavailableError`` and sends nothing.
    With *fallback* true the limiter keeps limits in the process instead
    (a ``KeyedLimiter``), logs one WARNING per outage, and uses Redis again
    once it answers (tried at most once a second). Limits kept in one
    process do not count the calls of the others, so Kakao may then answer
    429, which pauses the key as usual.

    A call's deadline (*max_wait*) bounds its whole ``acquire``: the
    exchange with Redis, the sleep until the slot and a pause. Past it the
    call ends with ``TimeoutError`` (``RequestTimeoutError`` from the
    client), nothing sent, however slow Redis is and whatever the socket
    timeouts of the Redis client. With *fallback*, Redis gets at most half
    of the time left, and a call it does not answer in time goes on under
    the in-process limits with the other half. An exchange cut short
    closes its connection, so no late answer is read by another call; a
    script cut short may still have reserved its slot, which is then lost
    (the key waits one spacing more, never less).

    A 429's pause is cut to *max_pause* (``MAX_RETRY_AFTER``, 10 minutes):
    in Redis the key then expires by that time at the latest, so one
    hostile ``Retry-After`` cannot lock it for every process for days.

    A ``from_url`` limiter used from another event loop opens new
    connections there; the ones of the previous loop are left to it (close
    the limiter before leaving a loop, as ``MomentClient.aclose()`` does,
    or they are closed by the garbage collector, with a ResourceWarning). A
    limiter on a given client is not so: the call that meets one of the
    client's connections opened in another loop raises ``EventLoopError``,
    nothing sent; redis-py then drops that connection, so the next call
    opens a new one in this loop and goes through. Any other connection of
    the old loop stays in the client's pool: the call that takes it fails
    the same way, and so does the client's own ``aclose()`` in the new
    loop while it is there. Make one client, and one limiter, per loop.

    A 429 pauses the key for every process (``pause``); calls that other
    processes had already queued keep their slots, as they do not ask
    Redis again. ``release`` gives a slot back only while no other call
    has reserved one after it. A call cancelled while it waits does not
    give its slot back.

    Args:
        redis: A ``redis.asyncio.Redis`` client; the caller closes it (the
            limiter and the clients using it never do).
        wait: Whether ``acquire`` waits for the slot; false makes it raise
            ``RateLimitError`` at once.
        key_prefix: Prepended to every key in Redis.
        fallback: Keep limits in the process while Redis is unreachable
            instead of raising ``LimiterUnavailableError``.
        margin: Seconds added to every spacing.
        timeout: Seconds one exchange with Redis may take (connecting
            included; more than 0, at most 60) before Redis counts as
            unreachable; also bounds ``release``, ``pause`` and closing.
        max_pause: The longest pause a 429 (or any ``pause``) puts on a
            key, in seconds (at most a day).
    """

    def __init__(
        self,
        redis: Redis,
        *,
        wait: bool = True,
        key_prefix: str = "moment-async:",
        fallback: bool = False,
        margin: float = DEFAULT_MARGIN,
        timeout: float = DEFAULT_TIMEOUT,
        max_pause: float = MAX_RETRY_AFTER,
    ) -> None:
        module = _import_redis()
        given: object = key_prefix  # checked at run time: callers may pass anything
        if not isinstance(given, str):
            msg = f"key_prefix must be a string, got {type(given).__name__}"
            raise ValidationError(msg)
        if check_number(margin, "margin", unit="seconds") >= 60:
            msg = f"margin must be at least 0 and less than 60 seconds, got {margin!r}"
            raise ValidationError(msg)
        self.wait = check_bool(wait, "wait")
        self._timeout = _check_timeout(timeout)
        self._max_pause = check_max_pause(max_pause)
        #: Where Redis is, for ``repr``: host and port, or a socket's path.
        pool = getattr(redis, "connection_pool", None)
        self._where = _where(getattr(pool, "connection_kwargs", {}))
        #: The client in use; None after ``aclose()`` until the next call.
        self._conn: _Connection | None = _Connection(redis)
        #: Opens a new client: set by ``from_url``, whose limiter owns them.
        self._connect: Callable[[], Redis] | None = None
        self._prefix = key_prefix
        self._margin = margin
        # OSError too: a socket error that redis-py did not wrap.
        self._errors: tuple[type[BaseException], ...] = (
            module.RedisError,
            OSError,
        )
        fallback = check_bool(fallback, "fallback")
        self._local = KeyedLimiter(wait=wait, max_pause=max_pause) if fallback else None
        #: Whether Redis failed and the in-process limits stand in (fallback).
        self._down = False
        self._probe_at = 0.0
        #: Per task, the Redis slot its last acquire reserved: (key, slot, next).
        self._taken: weakref.WeakKeyDictionary[
            asyncio.Task[Any], tuple[str, int, int]
        ] = weakref.WeakKeyDictionary()
        #: Keys paused by a 429 seen in this process, until (monotonic time):
        #: waiters of this process that reserved slots before the pause
        #: respect it too.
        self._paused: dict[str, float] = {}
        #: Closes running past the call that started them (shielded from its
        #: cancellation), held until done.
        self._closes: set[asyncio.Task[None]] = set()

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        wait: bool = True,
        key_prefix: str = "moment-async:",
        fallback: bool = False,
        margin: float = DEFAULT_MARGIN,
        timeout: float = DEFAULT_TIMEOUT,
        max_pause: float = MAX_RETRY_AFTER,
    ) -> Self:
        """
        Return a limiter on the Redis at *url* (``redis://host:6379/0``), which it closes.

        Nothing is opened here: the limiter connects at its first call, in
        the running event loop, and again at the next call after
        ``aclose()``. Options of ``redis.asyncio.Redis.from_url`` may be
        given in the URL's query (``?socket_timeout=2``); socket timeouts
        default to a second more than *timeout*, which bounds every
        exchange in any case.

        Raises:
            ImportError: the ``redis`` extra is not installed.
            ValueError: *url* is not a ``redis://``, ``rediss://`` or
                ``unix://`` URL.
        """
        module = _import_redis()
        backstop = _check_timeout(timeout) + _SOCKET_BACKSTOP

        def connect() -> Redis:
            redis: Redis = module.asyncio.Redis.from_url(
                url, socket_timeout=backstop, socket_connect_timeout=backstop
            )
            return redis

        # A redis-py client opens no connection before its first command,
        # so making the first one now checks *url* and opens nothing.
        limiter = cls(
            connect(),
            wait=wait,
            key_prefix=key_prefix,
            fallback=fallback,
            margin=margin,
            timeout=timeout,
            max_pause=max_pause,
        )
        limiter._connect = connect
        return limiter

    def __repr__(self) -> str:
        return f"<RedisLimiter {self._where} prefix={self._prefix!r} wait={self.wait}>"

    def try_acquire(self, key: str, rate: Rate) -> bool:
        """
        Say no: a slot in Redis takes a round trip, which ``acquire`` makes.
        """
        return False

    async def acquire(
        self, key: str, rate: Rate, max_wait: float | None = None
    ) -> bool:
        """
        Reserve the next slot of *key* in Redis and sleep until it; say whether it waited.

        Everything, the exchange with Redis included, ends within
        *max_wait* seconds.

        Raises:
            RateLimitError: ``wait`` is false and the slot is not free now;
                nothing was reserved.
            TimeoutError: the slot is more than *max_wait* seconds away
                (nothing was reserved), or Redis did not answer within them
                (without fallback).
            LimiterUnavailableError: Redis did not answer (without fallback).
            EventLoopError: the given Redis client's connection taken for
                this call belongs to another event loop (redis-py drops it:
                a later call may go through).
            ValidationError: *max_wait* is NaN.
        """
        check_max_wait(max_wait)
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = None
        if max_wait is not None and max_wait != math.inf:
            deadline = started + max_wait
        if not self.wait:
            longest = 0
        elif deadline is None:
            longest = -1
        else:
            longest = int(max(0.0, deadline - started) * _MICRO)
        spacing = round((rate.spacing + self._margin) * _MICRO)
        answer_by = deadline
        if deadline is not None and self._local is not None:
            # Redis gets half the time left, the call the other half to go
            # on under the in-process limits if Redis does not answer.
            answer_by = started + max(0.0, deadline - started) / 2
        reply = await self._run(loop, key, answer_by, "acquire", spacing, longest)
        if reply is None:
            return await self._fallback(loop, key, rate, deadline)
        wait = int(reply[1]) / _MICRO
        if not int(reply[0]):
            if not self.wait:
                msg = (
                    f"rate limit reached for {key.split(':', 1)[0]}: "
                    f"{rate.calls} call(s) per {rate.period:g} s; nothing was sent"
                )
                raise RateLimitError(msg, retry_after=wait, local=True)
            msg = f"the next slot of {key.split(':', 1)[0]} is {wait:.3f} s away, past the {max_wait or 0:.3f} s allowed"
            raise TimeoutError(msg)
        task = asyncio.current_task()
        if task is not None:
            self._taken[task] = (key, int(reply[2]), int(reply[3]))
        if deadline is not None and loop.time() + wait > deadline:
            # Redis' answer took the time the slot needed: the slot is lost.
            msg = f"the next slot of {key.split(':', 1)[0]} is {wait:.3f} s away, past what is left of the {max_wait or 0:.3f} s allowed"
            raise TimeoutError(msg)
        if wait > 0:
            await asyncio.sleep(wait)
        if self._paused:
            wait += await self._sit_out_pause(loop, key, deadline, max_wait)
        return wait > 0

    async def _sit_out_pause(
        self,
        loop: asyncio.AbstractEventLoop,
        key: str,
        deadline: float | None,
        max_wait: float | None,
    ) -> float:
        """
        Sleep what is left of a pause of *key* seen in this process; return how long.
        """
        until = self._paused.get(key)
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            del self._paused[key]
            return 0.0
        if deadline is not None and loop.time() + left > deadline:
            msg = f"{key.split(':', 1)[0]} is paused by a 429 past the {max_wait or 0:.3f} s allowed"
            raise TimeoutError(msg)
        await asyncio.sleep(left)
        return left

    async def release(self, key: str) -> None:
        """
        Give back the slot of *key* this task just took, for a call that sent nothing.

        The slot is given back only while it is the key's latest
        reservation: calls queued behind it keep their places. Ends within
        the limiter's *timeout*.
        """
        task = asyncio.current_task()
        taken = None if task is None else self._taken.pop(task, None)
        if taken is None or taken[0] != key:
            if self._local is not None:
                await self._local.release(key)
            return
        _, slot, after = taken
        await self._run(asyncio.get_running_loop(), key, None, "release", after, slot)

    async def pause(self, key: str, seconds: float) -> None:
        """
        Give *key* no slot for *seconds*, in every process: the API answered 429.

        *seconds* is cut to the limiter's *max_pause* (10 minutes by
        default), so the key expires in Redis by then at the latest;
        negative or NaN *seconds* pause nothing. Ends within the limiter's
        *timeout*; the pause holds in this process even when Redis fails.
        """
        seconds = pause_length(seconds, self._max_pause)
        now = time.monotonic()
        until = now + seconds
        paused = self._paused
        for other in [k for k, t in paused.items() if t <= now]:
            # Pauses are rare: dropping the ones over here keeps this small.
            del paused[other]
        paused[key] = max(paused.get(key, 0.0), until)
        if self._local is not None:
            await self._local.pause(key, seconds)
        loop = asyncio.get_running_loop()
        await self._run(loop, key, None, "pause", round(seconds * _MICRO))

    async def _fallback(
        self,
        loop: asyncio.AbstractEventLoop,
        key: str,
        rate: Rate,
        deadline: float | None,
    ) -> bool:
        assert self._local is not None  # noqa: S101  # _run returns None only with fallback
        task = asyncio.current_task()
        if task is not None:
            # A slot given back later is this one, not an earlier one in Redis.
            self._taken.pop(task, None)
        self._local.wait = self.wait
        left = None if deadline is None else deadline - loop.time()
        return await self._local.acquire(key, rate, left)

    def _connection(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        """
        Return the client to use in *loop*, opening one if the limiter has none there.
        """
        conn = self._conn
        if conn is not None and (
            self._connect is None or conn.loop is None or conn.loop is loop
        ):
            return conn
        if conn is not None:
            # Its connections belong to the loop that opened them and can
            # only be closed there: the last call on it closes it, or the
            # garbage collector does.
            conn.closing = True
        assert self._connect is not None  # noqa: S101  # only from_url limiters close
        conn = self._conn = _Connection(self._connect())
        return conn

    async def _run(
        self,
        loop: asyncio.AbstractEventLoop,
        key: str,
        answer_by: float | None,
        *args: str | int,
    ) -> Any:
        """
        Run the script on *key*; return None when Redis is down and the fallback stands in.

        The exchange ends after the limiter's timeout, or at *answer_by*
        (``loop.time()``) if that comes first: a Redis that late raises
        ``TimeoutError`` (the caller's deadline), or with fallback lets the
        call go on without it.
        """
        if self._down:
            now = time.monotonic()
            if now < self._probe_at:
                return None
            # One call tries Redis again; the others keep to the fallback.
            self._probe_at = now + _PROBE_INTERVAL
        conn = self._connection(loop)
        previous, conn.loop = conn.loop, loop
        limit = loop.time() + self._timeout
        by_deadline = answer_by is not None and answer_by < limit
        scope = asyncio.timeout_at(answer_by if by_deadline else limit)
        conn.busy += 1
        try:
            async with scope:
                reply = await conn.script(keys=[self._prefix + key], args=args)
        except self._errors as exc:
            # Our own timeout is a builtin TimeoutError, an OSError: here too.
            if scope.expired() and by_deadline:
                # The call's deadline, not Redis' health: Redis is not
                # counted as down for it.
                if self._local is None:
                    msg = "Redis did not answer within the time left to the call; nothing was sent"
                    raise TimeoutError(msg) from exc
                _log.debug(
                    "Redis did not answer in time: this call is limited in process"
                )
                return None
            if scope.expired():
                self._unreachable(f"no answer within {self._timeout:g} s", exc)
            else:
                # A Redis error reply may quote the server at any length.
                bound_texts(exc)
                self._unreachable(f"{type(exc).__name__}: {exc}", exc)
            return None
        except RuntimeError as exc:
            if self._connect is not None or previous is loop:
                raise
            conn.loop = previous
            msg = (
                "the Redis client given to RedisLimiter has connections of another "
                "event loop, which cannot be used from this one: make one Redis "
                "client and one RedisLimiter per event loop, or close the client "
                "(await redis.aclose()) in its loop before using it in another; "
                "nothing was sent"
            )
            raise EventLoopError(msg) from exc
        finally:
            conn.busy -= 1
            if conn.closing and not conn.busy:
                # aclose()'s work, left to the last call on the client:
                # shielded, so cancelling this call leaves no pool open, and
                # quiet, so it never replaces this call's own outcome.
                await asyncio.shield(self._close_soon(conn.redis))
        if self._down:
            self._down = False
            _log.info("Redis answers again: rate limits are shared again")
        return reply

    def _unreachable(self, why: str, exc: BaseException) -> None:
        """
        Raise ``LimiterUnavailableError`` for *why*, or with fallback note the outage and return.
        """
        if self._local is None:
            msg = f"the rate limiter could not use Redis ({why}); nothing was sent"
            raise LimiterUnavailableError(msg) from exc
        if not self._down:
            self._down = True
            self._probe_at = time.monotonic() + _PROBE_INTERVAL
            _log.warning(
                "Redis is unreachable (%s): rate limits are kept in "
                "this process alone until it answers again",
                why,
            )

    def _close_soon(self, redis: Redis) -> asyncio.Task[None]:
        """
        Start closing *redis*, held by the limiter until done, so the close outlives a cancelled caller.
        """
        task = asyncio.get_running_loop().create_task(self._close(redis))
        self._closes.add(task)
        task.add_done_callback(self._closes.discard)
        return task

    async def _close(self, redis: Redis) -> None:
        """
        Close *redis* within the limiter's timeout, quietly: a Redis gone is closed all the same.
        """
        # Each connection's socket is closed before redis-py waits for
        # the server: the bound only ends that wait.
        with contextlib.suppress(*self._errors):
            async with asyncio.timeout(self._timeout):
                await redis.aclose()

    async def aclose(self) -> None:
        """
        Close the Redis connections if ``from_url`` opened them; safe to call twice.

        The limiter stays usable: its next call opens new connections. A
        call still waiting for Redis' answer closes its connections once
        the answer came. Ends within the limiter's *timeout*; connections
        opened in another event loop are left to it.
        """
        conn = self._conn
        if self._connect is None or conn is None:
            return
        self._conn = None
        conn.closing = True
        if not conn.busy and conn.loop in (None, asyncio.get_running_loop()):
            await asyncio.shield(self._close_soon(conn.redis))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
