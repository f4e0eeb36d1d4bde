"""
The exception tree: pickling, one-line messages, builtin mixins and the status maps.
"""

from __future__ import annotations

import inspect
import pickle

import pytest

import moment_async as ma
from moment_async import _errors
from moment_async._errors import error_for_status, status_for_code

ATTRIBUTES = (
    "status",
    "code",
    "message",
    "detail_code",
    "detail_message",
    "body",
    "retry_after",
    "local",
    "maybe_sent",
    "excerpt",
    "resource",
    "waited",
    "call",
    "method",
    "path",
    "override",
)
MISSING = object()

#: One fully populated instance of every exception class of the module.
SAMPLES: dict[type[ma.MomentError], ma.MomentError] = {
    ma.MomentError: ma.MomentError("something failed"),
    ma.ValidationError: ma.ValidationError("file_id must be a positive integer"),
    ma.ClientClosedError: ma.ClientClosedError("the client was closed"),
    ma.EventLoopError: ma.EventLoopError("used from a second event loop"),
    ma.DecodeError: ma.DecodeError("not JSON", 200, "<html>"),
    ma.APIError: ma.APIError(
        "Conflict", 409, -813, 31001, "이름 중복", {"code": -813, "msg": "Conflict"}
    ),
    ma.BadRequestError: ma.BadRequestError(
        "KakaoMomentException", 400, -813, 31001, "이름 중복", {"code": -813}
    ),
    ma.AuthenticationError: ma.AuthenticationError(
        "invalid token", 401, -401, None, None, {"code": -401, "msg": "invalid"}
    ),
    ma.PermissionDeniedError: ma.PermissionDeniedError(
        "KakaoMomentException", 403, -813, 9004, "권한 없음", None
    ),
    ma.NotFoundError: ma.NotFoundError(
        "KakaoMomentException", 404, -813, 21006, "없음", {"extras": {}}
    ),
    ma.RouteNotFoundError: ma.RouteNotFoundError(
        "customer_files.usage sent GET /customerFiles/usages/7 and the server answered 404",
        404,
        None,
        None,
        None,
        "<html><head><title>404 Not Found</title></head></html>",
        call="customer_files.usage",
        method="GET",
        path="/customerFiles/usages/7",
        override='routes={"customer_files.usage": ("GET", "/customerFiles/usages/{id}")}',
    ),
    ma.RateLimitError: ma.RateLimitError(
        "too many", 429, -813, None, None, {"code": -813}, 2.5, False
    ),
    ma.ServerError: ma.ServerError("maintenance", 503, -9798, None, None, "page"),
    ma.TransportError: ma.TransportError("connection reset", maybe_sent=True),
    ma.ConnectError: ma.ConnectError("connection refused"),
    ma.RequestTimeoutError: ma.RequestTimeoutError("took 60 s", maybe_sent=False),
    ma.ResponseTooLargeError: ma.ResponseTooLargeError(
        "the answer passed 4194304 bytes", 4194304
    ),
    ma.AmbiguousWriteError: ma.AmbiguousWriteError(
        "the upload may have created the file", "customer_files.upload", "고객", True
    ),
    ma.LimiterUnavailableError: ma.LimiterUnavailableError(
        "the rate limiter could not use Redis (ConnectionError: refused)"
    ),
    ma.ResourceFailedError: ma.ResourceFailedError(
        "customer file 7 ended in TRANSFORM_ERROR",
        ma.CustomerFile(id=7, status=ma.CustomerFileStatus.TRANSFORM_ERROR),
        "TRANSFORM_ERROR",
    ),
    ma.WaitTimeoutError: ma.WaitTimeoutError(
        "audience 3 was not ready within 60 s (still STANDBY)",
        ma.Audience(id=3, status=ma.AudienceStatus.STANDBY),
        60.0,
    ),
}


def _error_classes() -> list[type[BaseException]]:
    return [
        cls
        for _, cls in inspect.getmembers(_errors, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == _errors.__name__
    ]


def _attributes(error: BaseException) -> dict[str, object]:
    return {name: getattr(error, name, MISSING) for name in ATTRIBUTES}


def test_samples_cover_every_exception_class():
    """The pickling table holds one sample of every exception class the module defines."""
    defined = {cls.__name__ for cls in _error_classes()}

    sampled = {cls.__name__ for cls in SAMPLES}

    assert defined == sampled


@pytest.mark.parametrize(
    "error", [pytest.param(error, id=cls.__name__) for cls, error in SAMPLES.items()]
)
def test_error_pickles_to_equal_repr_and_attributes(error):
    """A pickle round trip keeps the class, the repr and every attribute."""
    restored = pickle.loads(pickle.dumps(error))  # noqa: S301  # our own bytes

    assert type(error) is type(restored)
    assert repr(error) == repr(restored)
    assert _attributes(error) == _attributes(restored)
    assert str(error) == str(restored)


def test_local_rate_limit_error_pickles_with_retry_after():
    """A limiter's refusal keeps local and retry_after through pickling."""
    error = ma.RateLimitError("slow down", retry_after=5.0, local=True)

    restored = pickle.loads(pickle.dumps(error))  # noqa: S301  # our own bytes

    assert (5.0, True, 429) == (restored.retry_after, restored.local, restored.status)
    assert repr(error) == repr(restored)


@pytest.mark.parametrize(
    "error", [pytest.param(error, id=cls.__name__) for cls, error in SAMPLES.items()]
)
def test_error_str_is_one_line(error):
    """Every sample's str() is a single non-empty line."""
    text = str(error)

    assert text
    assert [text] == text.splitlines()


def test_api_error_str_names_status_code_and_detail():
    """An API error's str() gives status, platform code, detail code and the reason."""
    error = ma.NotFoundError("KakaoMomentException", 404, -813, 21006, "없음")

    text = str(error)

    assert "HTTP 404, code -813, detail 21006: 없음" == text


def test_api_error_str_without_codes_falls_back_to_message():
    """Without codes, str() is the status and the message."""
    error = ma.ServerError("Bad Gateway", 502)

    text = str(error)

    assert "HTTP 502: Bad Gateway" == text


def test_api_error_str_is_one_line_for_multiline_reason():
    """A server reason holding newlines still gives a one-line str()."""
    error = ma.BadRequestError(
        "KakaoMomentException", 400, -813, 31001, "첫 줄\n둘째 줄\r\n셋째 줄"
    )

    text = str(error)

    assert 1 == len(text.splitlines())
    assert "HTTP 400, code -813, detail 31001" in text


def test_local_rate_limit_error_str_is_its_message():
    """A limiter's refusal reads as its message, with no HTTP status it never got."""
    error = ma.RateLimitError("rate limit reached; nothing was sent", local=True)

    text = str(error)

    assert "rate limit reached; nothing was sent" == text


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        pytest.param(ma.ValidationError, ValueError, id="ValidationError"),
        pytest.param(ma.RequestTimeoutError, TimeoutError, id="RequestTimeoutError"),
        pytest.param(ma.WaitTimeoutError, TimeoutError, id="WaitTimeoutError"),
        pytest.param(ma.ClientClosedError, RuntimeError, id="ClientClosedError"),
    ],
)
def test_error_is_caught_by_its_builtin(cls, builtin):
    """The mixed-in builtin catches the error in a stdlib except clause."""
    error = SAMPLES[cls]

    with pytest.raises(builtin) as info:
        raise error

    assert error is info.value
    assert isinstance(info.value, ma.MomentError)


def test_connect_error_was_not_sent_by_default():
    """A connection error says nothing was sent; a bare transport error says it may have been."""
    connect = ma.ConnectError("refused")
    transport = ma.TransportError("reset")

    flags = (connect.maybe_sent, transport.maybe_sent)

    assert (False, True) == flags


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param(400, ma.BadRequestError, id="400"),
        pytest.param(401, ma.AuthenticationError, id="401"),
        pytest.param(403, ma.PermissionDeniedError, id="403"),
        pytest.param(404, ma.NotFoundError, id="404"),
        pytest.param(429, ma.RateLimitError, id="429"),
        pytest.param(500, ma.ServerError, id="500"),
        pytest.param(502, ma.ServerError, id="502"),
        pytest.param(503, ma.ServerError, id="503"),
        pytest.param(599, ma.ServerError, id="599"),
        # Only the session knows whether a 404 or 405 came from Kakao.
        pytest.param(405, ma.APIError, id="405"),
        pytest.param(409, ma.APIError, id="409"),
        pytest.param(418, ma.APIError, id="418"),
        pytest.param(302, ma.APIError, id="302"),
    ],
)
def test_error_for_status_maps_status(status, expected):
    """Each status maps to its class, any 5xx to ServerError, the rest to APIError."""
    cls = error_for_status(status)

    assert expected is cls


@pytest.mark.parametrize(
    ("status", "detail_code", "expected"),
    [
        pytest.param(400, 21006, ma.NotFoundError, id="21006-on-400"),
        pytest.param(200, 21006, ma.NotFoundError, id="21006-on-200"),
        pytest.param(500, 21006, ma.NotFoundError, id="21006-on-500"),
        pytest.param(400, 9004, ma.PermissionDeniedError, id="9004-on-400"),
        pytest.param(404, 9004, ma.PermissionDeniedError, id="9004-on-404"),
        pytest.param(400, 31001, ma.BadRequestError, id="other-detail-keeps-status"),
        pytest.param(429, None, ma.RateLimitError, id="no-detail"),
    ],
)
def test_error_for_status_prefers_known_detail_codes(status, detail_code, expected):
    """Detail codes 21006 and 9004 decide the class whatever the status."""
    cls = error_for_status(status, detail_code)

    assert expected is cls


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(-2, 400, id="-2-bad-parameter"),
        pytest.param(-3, 403, id="-3-api-not-enabled"),
        pytest.param(-5, 403, id="-5-no-permission"),
        pytest.param(-10, 400, id="-10-quota"),
        pytest.param(-12, 403, id="-12-app-suspended"),
        pytest.param(-101, 400, id="-101-user-not-linked"),
        pytest.param(-401, 401, id="-401-bad-token"),
        pytest.param(-402, 403, id="-402-consent-missing"),
        pytest.param(-813, 400, id="-813-moment-error"),
        pytest.param(-9798, 503, id="-9798-maintenance"),
        pytest.param(-99999, 400, id="unknown"),
        pytest.param(None, 400, id="none"),
    ],
)
def test_status_for_code_maps_platform_codes(code, expected):
    """Each documented platform code stands for its documented status; others for 400."""
    status = status_for_code(code)

    assert expected == status


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(-401, ma.AuthenticationError, id="-401"),
        pytest.param(-402, ma.PermissionDeniedError, id="-402"),
        pytest.param(-9798, ma.ServerError, id="-9798"),
        pytest.param(-2, ma.BadRequestError, id="-2"),
    ],
)
def test_status_for_code_feeds_error_for_status(code, expected):
    """An error envelope in a 200 body gets the class its platform code stands for."""
    cls = error_for_status(status_for_code(code))

    assert expected is cls


def test_module_docstring_tree_names_every_class():
    """The tree drawn in the module docstring names every exception class defined."""
    doc = _errors.__doc__ or ""
    tree = doc.split("::", 1)[1].strip("\n").split("\n\n", 1)[0]
    drawn = {
        word.strip("│├└─ ").split(" ", 1)[0]
        for word in tree.splitlines()
        if word.strip("│├└─ ")
    }

    missing = {cls.__name__ for cls in _error_classes()} - drawn

    assert set() == missing


@pytest.mark.parametrize(
    "cls",
    [pytest.param(cls, id=cls.__name__) for cls in _error_classes()],
)
def test_error_class_says_when_it_is_raised(cls):
    """Every exception class has its own docstring."""
    doc = cls.__dict__.get("__doc__")

    assert doc
    assert doc.strip()
