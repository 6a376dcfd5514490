"""Async WeCom API client: token providers and one module per API group.

Build one :class:`WeComClient` per process and one token provider per corp (or suite),
then the API groups over them; :class:`CorpAPI` bundles a corp's groups.
"""

from __future__ import annotations

from wecom_app.wecom.client import RetryPolicy, TokenSource, WeComClient
from wecom_app.wecom.contacts import ContactsAPI
from wecom_app.wecom.errors import (
    AuthCancelled,
    Busy,
    ConcurrencyLimited,
    InvalidCode,
    InvalidCredential,
    PermissionDenied,
    RateLimited,
    SuiteTicketMissing,
    TokenInvalid,
    Unreachable,
    WeComError,
)
from wecom_app.wecom.external_contact import ExternalContactAPI
from wecom_app.wecom.groupchat import GroupChatAPI
from wecom_app.wecom.pagination import Page, paginate
from wecom_app.wecom.ratelimit import RateLimit
from wecom_app.wecom.service import ServiceAPI
from wecom_app.wecom.tags import TagsAPI
from wecom_app.wecom.tokens import (
    AuthorizedCorpTokenProvider,
    CorpTokenProvider,
    SuiteTokenProvider,
)


class CorpAPI:
    """Every corp-token API group of one corp, sharing one client and token provider."""

    def __init__(self, client: WeComClient, tokens: TokenSource) -> None:
        self.tokens = tokens
        self.contacts = ContactsAPI(client, tokens)
        self.external_contact = ExternalContactAPI(client, tokens)
        self.tags = TagsAPI(client, tokens)
        self.groupchat = GroupChatAPI(client, tokens)


__all__ = [
    "AuthCancelled",
    "AuthorizedCorpTokenProvider",
    "Busy",
    "ConcurrencyLimited",
    "ContactsAPI",
    "CorpAPI",
    "CorpTokenProvider",
    "ExternalContactAPI",
    "GroupChatAPI",
    "InvalidCode",
    "InvalidCredential",
    "Page",
    "PermissionDenied",
    "RateLimit",
    "RateLimited",
    "RetryPolicy",
    "ServiceAPI",
    "SuiteTicketMissing",
    "SuiteTokenProvider",
    "TagsAPI",
    "TokenInvalid",
    "TokenSource",
    "Unreachable",
    "WeComClient",
    "WeComError",
    "paginate",
]
