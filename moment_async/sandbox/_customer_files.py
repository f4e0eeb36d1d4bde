"""
The handlers of the 10 customer file calls.

Each takes an authenticated ``Call`` and returns the JSON to answer with
200 (``None`` for an empty body), or raises a ``SandboxError``. The order
of the checks inside a handler is the order a client sees refusals in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Final

from . import _render as render
from ._bulk import bulk_delete
from ._csv import AdidCount
from ._errors import FILE_IN_AD_GROUP, FILE_IN_AUDIENCE, FILE_QUOTA, WRONG_EDIT, Refusal
from ._lifecycle import generation, url_rows
from ._request import Call, bool_field, int_field, positive_int
from ._rules import check_file_type, check_name, check_url
from ._state import CustomerFileRecord, State, list_key
from ._upload import read_upload

#: "You can upload up to 50 customer files per account."
MAX_FILES_PER_ACCOUNT: Final = 50


def register(
    state: State,
    *,
    account_id: int,
    name: str,
    count: AdidCount,
    now: float,
    delay: float,
    source_url: str | None = None,
    renewable: bool = False,
    outcome: str | None = None,
    file_id: int | None = None,
    seeded: bool = False,
) -> CustomerFileRecord:
    """
    Store a new customer file whose first contents are ready *delay* s after *now*.

    With *source_url* it is registered by URL, else by file.
    """
    new_id = state.new_file_id(file_id)
    record = CustomerFileRecord(
        id=new_id,
        account_id=account_id,
        name=name,
        registration="FILE" if source_url is None else "URL",
        source_url=source_url,
        renewable=renewable,
        created_at=now,
        modified_at=now,
        generations=[generation(now, delay, count, list_key(new_id, 0), outcome)],
        seeded=seeded,
    )
    state.add_file(record)
    return record


def _check_quota(call: Call) -> None:
    if len(call.state.customer_files(call.account_id)) >= MAX_FILES_PER_ACCOUNT:
        raise FILE_QUOTA.error()


def _edit(
    call: Call, record: CustomerFileRecord, count: AdidCount, outcome: str | None
) -> None:
    key = list_key(record.id, len(record.generations))
    record.generations.append(
        generation(call.now, call.env.processing_delay, count, key, outcome)
    )
    record.modified_at = call.now


def _in_use(state: State, record: CustomerFileRecord) -> Refusal | None:
    if state.ad_groups_using_file(record.id):
        return FILE_IN_AD_GROUP
    if state.audiences_using_file(record.id):
        return FILE_IN_AUDIENCE
    return None


async def list_files(call: Call) -> object:
    """
    GET /customerFiles: a bare array of the account's customer files.
    """
    clock = call.env.clock
    return [
        render.customer_file(f, clock)
        for f in call.state.customer_files(call.account_id)
    ]


async def get_file(call: Call) -> object:
    """
    GET /customerFiles/{id}: one customer file; one call per 5 s per file.
    """
    file_id = call.path_id()
    call.env.limits.customer_file(file_id)
    record = call.state.find_file(call.account_id, file_id)
    return render.customer_file(record, call.env.clock)


async def upload(call: Call) -> object:
    """
    POST /customerFiles (multipart ``name`` + ``files``): register with files.
    """
    call.env.limits.registration(call.token, call.account_id)
    # Checked before the body too, so a full account does not wait for 200 MB.
    _check_quota(call)
    received = await read_upload(call.request, call.env.upload_limit_bytes)
    name = check_name(received.fields.get("name"))
    _check_quota(call)
    record = register(
        call.state,
        account_id=call.account_id,
        name=name,
        count=received.count,
        now=call.now,
        delay=call.env.processing_delay,
    )
    return render.upload(record, received.count, call.env.clock)


async def register_url(call: Call) -> object:
    """
    POST /customerFiles/url (JSON ``name``, ``fileType``, ``sourceUrl``, ``renewable``).
    """
    call.env.limits.registration(call.token, call.account_id)
    _check_quota(call)
    body = await call.json()
    name = check_name(body.get("name"))
    check_file_type(body.get("fileType"))
    url = check_url(body.get("sourceUrl"))
    renewable = bool_field(body, "renewable")
    count, outcome = url_rows(call.state, url)
    record = register(
        call.state,
        account_id=call.account_id,
        name=name,
        count=count,
        now=call.now,
        delay=call.env.processing_delay,
        source_url=url,
        renewable=renewable,
        outcome=outcome,
    )
    return render.customer_file(record, call.env.clock)


async def replace_files(call: Call) -> object:
    """
    PUT /customerFiles (multipart ``id`` + ``files``): new contents for a file-registered file.
    """
    received = await read_upload(call.request, call.env.upload_limit_bytes)
    file_id = positive_int(received.fields.get("id"), "id")
    call.env.limits.customer_file(file_id)
    record = call.state.find_file(call.account_id, file_id)
    if record.registration != "FILE":
        msg = "URL로 등록한 고객파일은 URL로만 수정할 수 있습니다."
        raise WRONG_EDIT.error(msg)
    _edit(call, record, received.count, None)
    return render.upload(record, received.count, call.env.clock)


async def replace_url(call: Call) -> object:
    """
    PUT /customerFiles/url (JSON ``id``, ``fileType``, ``sourceUrl``, ``renewable``).
    """
    body = await call.json()
    file_id = int_field(body, "id")
    call.env.limits.customer_file(file_id)
    record = call.state.find_file(call.account_id, file_id)
    if record.registration != "URL":
        msg = "파일로 등록한 고객파일은 파일로만 수정할 수 있습니다."
        raise WRONG_EDIT.error(msg)
    check_file_type(body.get("fileType"))
    url = check_url(body.get("sourceUrl"))
    record.renewable = bool_field(body, "renewable", record.renewable)
    record.source_url = url
    count, outcome = url_rows(call.state, url)
    _edit(call, record, count, outcome)
    return render.replace_url(record, call.env.clock)


async def rename(call: Call) -> object:
    """
    PUT /customerFiles/name (JSON ``id``, ``name``): only the name changes.
    """
    body = await call.json()
    file_id = int_field(body, "id")
    record = call.state.find_file(call.account_id, file_id)
    record.name = check_name(body.get("name"))
    record.modified_at = call.now
    return render.customer_file(record, call.env.clock)


async def delete(call: Call) -> None:
    """
    DELETE /customerFiles/{id}: refused while an ad group or audience uses the file.
    """
    record = call.state.find_file(call.account_id, call.path_id())
    refusal = _in_use(call.state, record)
    if refusal is not None:
        raise refusal.error()
    call.state.remove_file(record)


async def delete_many(call: Call) -> object:
    """
    DELETE /customerFiles?customerFileIds=1,2: each id succeeds or fails on its own.
    """
    state = call.state
    return bulk_delete(
        call,
        call.query_ids("customerFileIds"),
        kind="file",
        find=state.customer_file,
        refuse=lambda record: _in_use(state, record),
        remove=state.remove_file,
        gone="이미 삭제된 고객파일입니다.",
        missing="존재하지 않는 고객파일입니다.",
    )


async def usage(call: Call) -> object:
    """
    GET /customerFiles/usages/{id}: the ad groups (with campaigns) that use the file.
    """
    record = call.state.find_file(call.account_id, call.path_id())
    return [render.file_usage(g) for g in call.state.ad_groups_using_file(record.id)]


HANDLERS: Final[Mapping[str, Callable[[Call], Awaitable[object]]]] = MappingProxyType(
    {
        "customer_files.list": list_files,
        "customer_files.get": get_file,
        "customer_files.upload": upload,
        "customer_files.register_url": register_url,
        "customer_files.replace_files": replace_files,
        "customer_files.replace_url": replace_url,
        "customer_files.rename": rename,
        "customer_files.delete": delete,
        "customer_files.delete_many": delete_many,
        "customer_files.usage": usage,
    }
)
