"""
The sandbox's own table of the 18 documented calls: name, method and path.

Copied from ``ENDPOINTS.md`` and the two documents, not from the client's
route table, so that the client and the sandbox check each other. Names
are the client's call names (``"<group>.<method>"``); fault injection and
request records use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

#: Every path is below this prefix, as at ``https://apis.moment.kakao.com``.
PREFIX: Final = "/openapi/v4"

#: name -> (method, path below PREFIX). Order matters for routing: the
#: fixed ``/targetings/audiences`` must come before ``/targetings/{id}``.
ENDPOINTS: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "customer_files.list": ("GET", "/customerFiles"),
        "customer_files.get": ("GET", "/customerFiles/{id}"),
        "customer_files.upload": ("POST", "/customerFiles"),
        "customer_files.register_url": ("POST", "/customerFiles/url"),
        "customer_files.replace_files": ("PUT", "/customerFiles"),
        "customer_files.replace_url": ("PUT", "/customerFiles/url"),
        "customer_files.rename": ("PUT", "/customerFiles/name"),
        "customer_files.delete": ("DELETE", "/customerFiles/{id}"),
        "customer_files.delete_many": ("DELETE", "/customerFiles"),
        "customer_files.usage": ("GET", "/customerFiles/usages/{id}"),
        "audiences.list": ("GET", "/targetings/audiences"),
        "audiences.get": ("GET", "/targetings/{id}"),
        "audiences.create": ("POST", "/targetings"),
        "audiences.update": ("PUT", "/targetings"),
        "audiences.delete": ("DELETE", "/targetings/{id}"),
        "audiences.delete_many": ("DELETE", "/targetings"),
        "audiences.ad_groups": ("GET", "/targetings/{id}/adGroups"),
        # The table says PUT; the sample curl says GET. Only PUT is served.
        "audiences.unlink": ("PUT", "/targetings/{id}/unlink"),
    }
)

#: Matches every endpoint in fault injection.
ANY: Final = "*"


def check_endpoint(name: str) -> str:
    """
    Return *name* if it is a known call name or ``"*"``; else raise ``ValueError``.
    """
    if name != ANY and name not in ENDPOINTS:
        msg = f"unknown endpoint {name!r}; use '*' or one of: {', '.join(ENDPOINTS)}"
        raise ValueError(msg)
    return name
