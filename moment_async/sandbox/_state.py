"""
What the sandbox holds in memory: grants, customer files, audiences and ad groups.

Records are plain mutable objects; handlers change them through ``State``.
Tests read them through ``Sandbox.state`` (``sb.state.customer_files(1000)``)
to assert what a client did, e.g. that a retried upload created exactly one
file (``sb.state.created_customer_files(1000) == 1``).
"""

from __future__ import annotations

import collections
import hashlib
from collections.abc import Iterable

import attrs

from ._csv import AdidCount
from ._errors import NOT_FOUND
from ._rules import AudienceSettings

#: The first id handed out of each kind; different ranges make a file id
#: passed where an audience id belongs fail with "not found".
FIRST_FILE_ID = 1
FIRST_AUDIENCE_ID = 1001
FIRST_AD_GROUP_ID = 5001
FIRST_CAMPAIGN_ID = 7001


def list_key(file_id: int, generation: int) -> str:
    """
    Return the ``adidListKey`` of a file's *generation*: 32 hex digits, stable.
    """
    seed = f"sandbox-adid-list:{file_id}:{generation}".encode()
    return hashlib.blake2b(seed, digest_size=16).hexdigest()


@attrs.define(kw_only=True)
class Generation:
    """
    One set of contents of a customer file: its registration or one edit.
    """

    requested_at: float
    #: When extraction finishes (``requested_at`` + the processing delay).
    ready_at: float
    #: The rows received (synthetic for URLs without registered content).
    count: AdidCount
    #: What the file becomes at ``ready_at``: COMPLETE, ERROR or TRANSFORM_ERROR.
    outcome: str
    #: The Kakao users "matched", known once ready; None for a failure.
    population: int | None
    adid_list_key: str


@attrs.define(kw_only=True)
class CustomerFileRecord:
    """
    A customer file; ``generations`` grows by one per edit of its contents.
    """

    id: int
    account_id: int
    name: str
    #: "FILE" or "URL": how it was registered, and the only way to edit it.
    registration: str
    source_url: str | None = None
    renewable: bool = False
    created_at: float
    #: The last change of any kind (edit or rename).
    modified_at: float
    generations: list[Generation] = attrs.field(factory=list)
    #: Made by ``Sandbox.seed_customer_file``, not by an API call.
    seeded: bool = False


@attrs.define(kw_only=True)
class AudienceRecord:
    """
    An audience and when it leaves STANDBY.
    """

    id: int
    account_id: int
    settings: AudienceSettings
    created_at: float
    modified_at: float
    ready_at: float
    #: Computed on the first read after ``ready_at``, then kept.
    population: int | None = None


@attrs.define(kw_only=True)
class AdGroupRecord:
    """
    A seeded ad group, its campaign, and the files and audiences it uses.
    """

    id: int
    account_id: int
    name: str
    status: tuple[str, ...] = ("OFF",)
    type: str = "DISPLAY"
    campaign_id: int
    campaign_name: str
    campaign_type: str = "DISPLAY"
    goal: str = "VISITING"
    customer_file_ids: set[int] = attrs.field(factory=set)
    audience_ids: set[int] = attrs.field(factory=set)


class State:
    """
    Everything the sandbox knows, keyed by id; each record names its ad account.
    """

    def __init__(self) -> None:
        self._grants: dict[str, set[int]] = {}
        self._files: dict[int, CustomerFileRecord] = {}
        self._audiences: dict[int, AudienceRecord] = {}
        self._ad_groups: dict[int, AdGroupRecord] = {}
        #: id -> ad account, so a second delete can say "already deleted".
        self._deleted_files: dict[int, int] = {}
        self._deleted_audiences: dict[int, int] = {}
        self._url_contents: dict[str, AdidCount] = {}
        self._created_files: collections.Counter[int] = collections.Counter()
        self._created_audiences: collections.Counter[int] = collections.Counter()
        self._next_file = FIRST_FILE_ID
        self._next_audience = FIRST_AUDIENCE_ID
        self._next_ad_group = FIRST_AD_GROUP_ID
        self._next_campaign = FIRST_CAMPAIGN_ID

    # Grants.

    def grant(self, token: str, account_ids: Iterable[int]) -> None:
        """
        Let *token* act on *account_ids* (in addition to earlier grants).
        """
        self._grants.setdefault(token, set()).update(account_ids)

    def is_token(self, token: str) -> bool:
        """
        Whether *token* was ever granted (even no account).
        """
        return token in self._grants

    def granted(self, token: str) -> frozenset[int]:
        """
        Return the ad accounts *token* may act on.
        """
        return frozenset(self._grants.get(token, ()))

    # Inspection, for tests.

    def customer_files(self, account_id: int) -> list[CustomerFileRecord]:
        """
        Return the live customer files of an ad account, oldest first.
        """
        return [f for f in self._files.values() if f.account_id == account_id]

    def customer_file(self, file_id: int) -> CustomerFileRecord | None:
        """
        Return a live customer file by id, whatever its account.
        """
        return self._files.get(file_id)

    def audiences(self, account_id: int) -> list[AudienceRecord]:
        """
        Return the live audiences of an ad account, oldest first.
        """
        return [a for a in self._audiences.values() if a.account_id == account_id]

    def audience(self, audience_id: int) -> AudienceRecord | None:
        """
        Return a live audience by id, whatever its account.
        """
        return self._audiences.get(audience_id)

    def ad_groups(self, account_id: int) -> list[AdGroupRecord]:
        """
        Return the seeded ad groups of an ad account.
        """
        return [g for g in self._ad_groups.values() if g.account_id == account_id]

    def ad_group(self, ad_group_id: int) -> AdGroupRecord | None:
        """
        Return a seeded ad group by id.
        """
        return self._ad_groups.get(ad_group_id)

    def created_customer_files(self, account_id: int) -> int:
        """
        Count the customer files API calls registered in an account (deleted ones too).
        """
        return self._created_files[account_id]

    def created_audiences(self, account_id: int) -> int:
        """
        Count the audiences API calls created in an account (deleted ones too).
        """
        return self._created_audiences[account_id]

    # Lookups for handlers: a record of another account is "not found".

    def find_file(self, account_id: int, file_id: int) -> CustomerFileRecord:
        """
        Return the account's customer file *file_id*, or refuse with 21006.
        """
        record = self._files.get(file_id)
        if record is None or record.account_id != account_id:
            msg = "존재하지 않는 고객파일입니다."
            raise NOT_FOUND.error(msg)
        return record

    def find_audience(self, account_id: int, audience_id: int) -> AudienceRecord:
        """
        Return the account's audience *audience_id*, or refuse with 21006.
        """
        record = self._audiences.get(audience_id)
        if record is None or record.account_id != account_id:
            msg = "존재하지 않는 오디언스입니다."
            raise NOT_FOUND.error(msg)
        return record

    def find_ad_group(self, account_id: int, ad_group_id: int) -> AdGroupRecord:
        """
        Return the account's ad group *ad_group_id*, or refuse with 21006.
        """
        record = self._ad_groups.get(ad_group_id)
        if record is None or record.account_id != account_id:
            msg = "존재하지 않는 광고그룹입니다."
            raise NOT_FOUND.error(msg)
        return record

    def was_deleted(self, kind: str, account_id: int, record_id: int) -> bool:
        """
        Whether the account's ``"file"`` or ``"audience"`` *record_id* was deleted.
        """
        table = self._deleted_files if kind == "file" else self._deleted_audiences
        return table.get(record_id) == account_id

    # Changes.

    def new_file_id(self, wanted: int | None = None) -> int:
        """
        Return a fresh customer file id, or *wanted* if it is free.
        """
        if wanted is not None:
            if wanted in self._files or wanted in self._deleted_files:
                msg = f"customer file {wanted} exists already"
                raise ValueError(msg)
            self._next_file = max(self._next_file, wanted + 1)
            return wanted
        self._next_file += 1
        return self._next_file - 1

    def add_file(self, record: CustomerFileRecord) -> None:
        """
        Store a new customer file; count it unless it was seeded.
        """
        self._files[record.id] = record
        if not record.seeded:
            self._created_files[record.account_id] += 1

    def remove_file(self, record: CustomerFileRecord) -> None:
        """
        Delete a customer file.
        """
        del self._files[record.id]
        self._deleted_files[record.id] = record.account_id

    def new_audience_id(self) -> int:
        """
        Return a fresh audience id.
        """
        self._next_audience += 1
        return self._next_audience - 1

    def add_audience(self, record: AudienceRecord) -> None:
        """
        Store a new audience and count it.
        """
        self._audiences[record.id] = record
        self._created_audiences[record.account_id] += 1

    def remove_audience(self, record: AudienceRecord) -> None:
        """
        Delete an audience.
        """
        del self._audiences[record.id]
        self._deleted_audiences[record.id] = record.account_id

    def add_ad_group(self, record: AdGroupRecord) -> None:
        """
        Store a seeded ad group; its id must be free.
        """
        if record.id in self._ad_groups:
            msg = f"ad group {record.id} exists already"
            raise ValueError(msg)
        self._ad_groups[record.id] = record
        self._next_ad_group = max(self._next_ad_group, record.id + 1)
        if record.campaign_id >= self._next_campaign:
            self._next_campaign = record.campaign_id + 1

    def new_ad_group_id(self) -> int:
        """
        Return a fresh ad group id.
        """
        return self._next_ad_group

    def new_campaign_id(self) -> int:
        """
        Return a fresh campaign id.
        """
        return self._next_campaign

    def ad_groups_using_file(self, file_id: int) -> list[AdGroupRecord]:
        """
        Return the ad groups that target customer file *file_id*.
        """
        return [g for g in self._ad_groups.values() if file_id in g.customer_file_ids]

    def ad_groups_using_audience(self, audience_id: int) -> list[AdGroupRecord]:
        """
        Return the ad groups that use audience *audience_id*.
        """
        return [g for g in self._ad_groups.values() if audience_id in g.audience_ids]

    def audiences_using_file(self, file_id: int) -> list[AudienceRecord]:
        """
        Return the live audiences whose customer file targeting names *file_id*.
        """
        return [
            a
            for a in self._audiences.values()
            if file_id in a.settings.customer_file_ids
        ]

    # URL contents: registrations by URL cannot fetch anything offline.

    def set_url_content(self, url: str, count: AdidCount) -> None:
        """
        Make a later registration of *url* find rows counted as *count*.
        """
        self._url_contents[url] = count

    def url_content(self, url: str) -> AdidCount | None:
        """
        Return the counts registered for *url*, if any.
        """
        return self._url_contents.get(url)
