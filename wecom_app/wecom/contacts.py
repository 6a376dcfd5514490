"""Directory APIs (通讯录管理): departments and members, with the corp token.

Third-party apps see only their visible range and, since 2020, get the userid in place
of a member's real name; names then come from the front-end display component.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from wecom_app.wecom.client import TokenSource, WeComClient
from wecom_app.wecom.pagination import Page, paginate
from wecom_app.wecom.parsing import JSONObject, integer, integers, mappings, text, texts

# user/list_id accepts 1..10000 per page (Doc 96067).
MAX_USER_ID_PAGE = 10_000


@dataclass(frozen=True)
class Department:
    id: int
    name: str
    name_en: str
    parentid: int
    order: int
    department_leader: tuple[str, ...]
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> Department:
        return cls(
            id=integer(data, "id"),
            name=text(data, "name"),
            name_en=text(data, "name_en"),
            parentid=integer(data, "parentid"),
            order=integer(data, "order"),
            department_leader=texts(data, "department_leader"),
            raw=data,
        )


@dataclass(frozen=True)
class User:
    """A member as user/get and user/list return it; other fields stay in ``raw``.

    ``status``: 1 active, 2 disabled, 4 not yet activated, 5 left.
    """

    userid: str
    name: str
    department: tuple[int, ...]
    main_department: int
    position: str
    status: int
    open_userid: str
    alias: str
    avatar: str
    is_leader_in_dept: tuple[int, ...]
    direct_leader: tuple[str, ...]
    raw: JSONObject = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: JSONObject) -> User:
        return cls(
            userid=text(data, "userid"),
            name=text(data, "name"),
            department=integers(data, "department"),
            main_department=integer(data, "main_department"),
            position=text(data, "position"),
            status=integer(data, "status"),
            open_userid=text(data, "open_userid"),
            alias=text(data, "alias"),
            avatar=text(data, "avatar"),
            is_leader_in_dept=integers(data, "is_leader_in_dept"),
            direct_leader=texts(data, "direct_leader"),
            raw=data,
        )


@dataclass(frozen=True)
class DepartmentMembership:
    """One (member, department) pair from user/list_id; a member in two departments
    appears twice. Third-party apps get ``open_userid`` instead of ``userid``."""

    userid: str
    open_userid: str
    department: int

    @classmethod
    def parse(cls, data: JSONObject) -> DepartmentMembership:
        return cls(
            userid=text(data, "userid"),
            open_userid=text(data, "open_userid"),
            department=integer(data, "department"),
        )


class ContactsAPI:
    def __init__(self, client: WeComClient, tokens: TokenSource) -> None:
        self._client = client
        self._tokens = tokens

    async def list_departments(self, department_id: int | None = None) -> list[Department]:
        """The department and all its sub-departments (all visible ones when ``None``).

        https://developer.work.weixin.qq.com/document/path/90208
        """
        params = {} if department_id is None else {"id": department_id}
        data = await self._client.get("/cgi-bin/department/list", params, token=self._tokens)
        return [Department.parse(item) for item in mappings(data, "department")]

    async def list_users(self, department_id: int) -> list[User]:
        """Members of one department (not of its sub-departments: walk those yourself).

        https://developer.work.weixin.qq.com/document/path/90201
        """
        data = await self._client.get(
            "/cgi-bin/user/list", {"department_id": department_id}, token=self._tokens
        )
        return [User.parse(item) for item in mappings(data, "userlist")]

    async def get_user(self, userid: str) -> User:
        """https://developer.work.weixin.qq.com/document/path/90196"""
        data = await self._client.get("/cgi-bin/user/get", {"userid": userid}, token=self._tokens)
        return User.parse(data)

    async def list_user_ids(
        self, cursor: str = "", limit: int = MAX_USER_ID_PAGE
    ) -> Page[DepartmentMembership]:
        """One page of (userid, department) pairs across the whole corp.

        https://developer.work.weixin.qq.com/document/path/96067
        """
        if not 1 <= limit <= MAX_USER_ID_PAGE:
            raise ValueError(f"limit must be 1..{MAX_USER_ID_PAGE}")
        body: dict[str, str | int] = {"limit": limit}
        if cursor:
            body["cursor"] = cursor
        data = await self._client.post("/cgi-bin/user/list_id", body, token=self._tokens)
        return Page(
            tuple(DepartmentMembership.parse(item) for item in mappings(data, "dept_user")),
            text(data, "next_cursor"),
        )

    def iter_user_ids(self, limit: int = MAX_USER_ID_PAGE) -> AsyncIterator[DepartmentMembership]:
        async def fetch(cursor: str) -> Page[DepartmentMembership]:
            return await self.list_user_ids(cursor, limit)

        return paginate(fetch, what="user/list_id")
