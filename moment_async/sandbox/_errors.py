"""
Every refusal the sandbox answers, with its HTTP status and Kakao error codes.

Error bodies have the documented shape::

    {"code": -813, "msg": "KakaoMomentException",
     "extras": {"detailCode": 21006, "detailMsg": "<Korean text>"}}

Only 21006 (not found) and 9004 (no permission) are detail codes the
documents name. The others are the sandbox's own choice, kept stable so
tests can match on them:

======  ======  ==========  ===============================================
HTTP    code    detailCode  when
======  ======  ==========  ===============================================
401     -401    9001        no ``Authorization: Bearer``, or an unknown token
403     -5      9004        ``adAccountId`` missing, not a number, or not
                            granted to the token
400     -2      31401       malformed request: not JSON / not multipart, a
                            missing or mistyped field, a bad id in the path
                            or query
400     -813    21006       no such customer file, audience or ad group in
                            this ad account
400     -813    31001       name empty or longer than 50 characters
400     -813    31002       name has a character that is not Korean,
                            English, a digit, an ASCII special character or
                            a space
400     -813    31101       no file part, or more than 10
400     -813    31102       a file name that does not end in ``.csv``
400     -813    31103       a file part whose Content-Type is not text/csv
400     -813    31104       the file parts add up to more than 200 MB
400     -10     31201       the ad account already has 50 customer files
400     -813    31301       edited the other way than it was registered
                            (file vs URL)
400     -813    31302       the customer file is used by an ad group
400     -813    31303       the customer file is targeted by an audience
400     -813    31304       the audience is used by an ad group
400     -813    31402       body ``adAccountId`` differs from the header
400     -813    31404       ``sourceUrl`` is not http(s) with a host, or
                            ``fileType`` is not ADID
400     -813    31501       audience ``type`` is not DISPLAY or MESSAGE
400     -813    31502       a targeting the audience type does not allow
400     -813    31503       ``ageType``/``ages`` inconsistent or unknown age
400     -813    31504       ``genderType``/``genders`` inconsistent
400     -813    31505       ``locationType`` and the location lists disagree
400     -813    31601       unlink: the ad group does not use the audience
429     -813    31901       one call per 5 s per customer file exceeded
429     -813    31902       one registration per 5 s per user + account
======  ======  ==========  ===============================================

A path the documents do not list (404) and a method its path does not take
(405) are answered with the web server's HTML page, not this body: Kakao's
error body means the route exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

MOMENT: Final = -813
BAD_PARAMETER: Final = -2


@attrs.frozen
class Refusal:
    """
    One kind of refusal: status, platform code, detail code and default text.
    """

    status: int
    code: int
    detail_code: int
    detail_msg: str
    msg: str = "KakaoMomentException"

    def error(
        self, detail_msg: str | None = None, headers: Mapping[str, str] | None = None
    ) -> SandboxError:
        """
        Return the exception that answers this refusal, with *detail_msg* if given.
        """
        return SandboxError(
            self.status,
            {
                "code": self.code,
                "msg": self.msg,
                "extras": {
                    "detailCode": self.detail_code,
                    "detailMsg": detail_msg or self.detail_msg,
                },
            },
            headers,
        )


class SandboxError(Exception):
    """
    Raised inside a handler to answer *status* with the JSON *body*.
    """

    def __init__(
        self,
        status: int,
        body: Mapping[str, object],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, body, headers)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


BAD_TOKEN = Refusal(
    401, -401, 9001, "유효하지 않은 토큰입니다.", "this access token does not exist"
)
NO_PERMISSION = Refusal(
    403,
    -5,
    9004,
    "광고계정에 대한 권한이 없습니다.",
    "no permission for the ad account",
)
BAD_REQUEST = Refusal(
    400, BAD_PARAMETER, 31401, "요청 형식이 올바르지 않습니다.", "invalid request"
)
NOT_FOUND = Refusal(400, MOMENT, 21006, "존재하지 않는 대상입니다.")
NAME_LENGTH = Refusal(400, MOMENT, 31001, "이름은 1자 이상 50자 이하로 입력해 주세요.")
NAME_CHARS = Refusal(
    400,
    MOMENT,
    31002,
    "이름에는 한글, 영문, 숫자, 특수문자, 공백만 사용할 수 있습니다.",
)
FILE_COUNT = Refusal(400, MOMENT, 31101, "파일은 1개 이상 10개 이하로 등록해 주세요.")
FILE_EXTENSION = Refusal(400, MOMENT, 31102, "CSV 파일(.csv)만 등록할 수 있습니다.")
FILE_TYPE = Refusal(400, MOMENT, 31103, "파일 형식은 text/csv 이어야 합니다.")
FILE_SIZE = Refusal(400, MOMENT, 31104, "파일 용량은 합계 200MB 이하여야 합니다.")
FILE_QUOTA = Refusal(
    400,
    -10,
    31201,
    "고객파일은 광고계정당 최대 50개까지 등록할 수 있습니다.",
    "exceeded the quota",
)
WRONG_EDIT = Refusal(400, MOMENT, 31301, "등록한 방식으로만 수정할 수 있습니다.")
FILE_IN_AD_GROUP = Refusal(400, MOMENT, 31302, "광고그룹에서 사용 중인 고객파일입니다.")
FILE_IN_AUDIENCE = Refusal(400, MOMENT, 31303, "타겟을 사용 중인 오디언스가 있습니다.")
AUDIENCE_IN_USE = Refusal(400, MOMENT, 31304, "광고그룹에서 사용 중인 오디언스입니다.")
ACCOUNT_MISMATCH = Refusal(
    400, MOMENT, 31402, "요청 본문의 광고계정 ID가 헤더와 다릅니다."
)
BAD_URL = Refusal(400, MOMENT, 31404, "http:// 또는 https:// URL을 입력해 주세요.")
AUDIENCE_TYPE = Refusal(
    400, MOMENT, 31501, "오디언스 유형은 DISPLAY 또는 MESSAGE 입니다."
)
TARGETING_TYPE = Refusal(
    400, MOMENT, 31502, "오디언스 유형에서 사용할 수 없는 타겟입니다."
)
AGES = Refusal(400, MOMENT, 31503, "연령 설정이 올바르지 않습니다.")
GENDERS = Refusal(400, MOMENT, 31504, "성별 설정이 올바르지 않습니다.")
LOCATIONS = Refusal(400, MOMENT, 31505, "지역 설정이 올바르지 않습니다.")
NOT_LINKED = Refusal(400, MOMENT, 31601, "오디언스를 사용하지 않는 광고그룹입니다.")
FILE_RATE = Refusal(429, MOMENT, 31901, "고객파일당 5초에 한 번만 호출할 수 있습니다.")
REGISTRATION_RATE = Refusal(
    429,
    MOMENT,
    31902,
    "고객파일 등록은 사용자 및 광고계정당 5초에 한 번만 할 수 있습니다.",
)
