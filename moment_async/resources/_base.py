"""
What every resource group shares: the session and the ad account it speaks for.
"""

from __future__ import annotations

from .._session import Session


class Resource:
    """
    Strictly private: a group of endpoint coroutines for one ad account.

    Holds no state of its own; every call goes through the client's shared
    session, so making a resource is as cheap as making a small object.
    """

    __slots__ = ("_account", "_session", "account_id")

    def __init__(self, session: Session, account_id: int) -> None:
        self._session = session
        self.account_id = account_id
        # The adAccountId header value, built once per view.
        self._account = str(account_id)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ad_account={self.account_id}>"
