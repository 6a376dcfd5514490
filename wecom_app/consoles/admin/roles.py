"""The roles page: who holds admin, compliance or manager, and granting or revoking them.

Admins of the install (or ``WECOM_ADMIN_USERIDS``) are shown but cannot be revoked here;
a manager's scope names departments and/or members of this organisation only.
"""

from __future__ import annotations

import logging

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from wecom_app import roles as role_rules
from wecom_app.consoles import audit_trail, i18n, web
from wecom_app.consoles.admin import forms
from wecom_app.consoles.admin.people import names_of
from wecom_app.consoles.admin.state import ADMIN, roles_view
from wecom_app.consoles.web import Principal
from wecom_app.protocol.digits import INT32_MAX, is_digits, parse_id
from wecom_app.store.directory import ConsoleRole, Department
from wecom_app.store.models import Employee

log = logging.getLogger(__name__)


class RefusedGrant(Exception):
    """A grant the form asked for that cannot be made (the message says why: an
    English msgid with ``{name}`` placeholders filled from ``params``)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


async def show_roles(
    request: Request, who: Principal, error: str = "", status_code: int = 200
) -> Response:
    employees = await who.scoped(Employee).exclude(status="resigned").order_by("userid")
    departments = await who.scoped(Department).order_by("dept_id")
    return web.render(
        request,
        "roles.html",
        {
            "roles": await roles_view(web.services_of(request), who),
            "employees": employees,
            "departments": departments,
            "people": await names_of(who),
            "dept_names": {str(d.dept_id): d.name for d in departments},
            "grantable": role_rules.GRANTABLE_ROLES,
            "error": error,
        },
        status_code=status_code,
    )


async def roles_page(request: Request, who: Principal) -> Response:
    return await show_roles(request, who)


async def roles_api(request: Request, who: Principal) -> Response:
    rows = await roles_view(web.services_of(request), who)
    return web.json_response(
        {
            "roles": [
                {
                    "id": r.id,
                    "userid": r.userid,
                    "name": r.name,
                    "role": r.role,
                    "scope": r.scope,
                    "granted_by": r.granted_by,
                    "revocable": r.revocable,
                }
                for r in rows
            ]
        }
    )


async def manager_scope(who: Principal, form: FormData) -> dict[str, list[str]]:
    """The departments and members a manager is granted, all of this organisation."""
    departments = forms.items(form, "departments")
    userids = forms.items(form, "scope_userids")
    wanted_depts = [int(d) for d in departments if is_digits(d)]
    dept_rows = await who.scoped(Department).filter(dept_id__in=wanted_depts).values("dept_id")
    known_depts = {str(row["dept_id"]) for row in dept_rows}
    user_rows = await who.scoped(Employee).filter(userid__in=userids).values("userid")
    known_users = {str(row["userid"]) for row in user_rows}
    unknown = [d for d in departments if d not in known_depts] + [
        u for u in userids if u not in known_users
    ]
    if unknown:
        raise RefusedGrant("Not in this organisation: {ids}.", ids=", ".join(unknown[:10]))
    if not departments and not userids:
        raise RefusedGrant("A manager needs a scope: departments and/or members.")
    return {"departments": departments, "userids": userids}


async def checked_grant(who: Principal, form: FormData) -> tuple[str, str, dict[str, list[str]]]:
    """(userid, role, scope) of a grant this admin may make, or :class:`RefusedGrant`."""
    userid = forms.text(form, "userid", 64)
    role = forms.text(form, "role", 16)
    if role not in role_rules.GRANTABLE_ROLES:
        raise RefusedGrant("Admins can grant compliance or manager.")
    employee = await who.scoped(Employee).filter(userid=userid).exclude(status="resigned").first()
    if employee is None:
        raise RefusedGrant("That member is not in this organisation's directory (sync it?).")
    scope = await manager_scope(who, form) if role == "manager" else {}
    return userid, role, scope


async def role_grant(request: Request, who: Principal) -> Response:
    try:
        userid, role, scope = await checked_grant(who, await request.form())
    except RefusedGrant as refused:
        error = i18n.translated(request, refused.message, **refused.params)
        return await show_roles(request, who, error, 400)
    existing = await who.scoped(ConsoleRole).filter(userid=userid, role=role).first()
    if existing is not None:
        existing.scope = scope
        existing.granted_by = who.userid
        await existing.save()
        notice, action = "role_updated", audit_trail.ROLE_SCOPE
    else:
        await ConsoleRole.create(
            corp=who.corp, userid=userid, role=role, scope=scope, granted_by=who.userid
        )
        notice, action = "role_granted", audit_trail.ROLE_GRANT
    detail = {"userid": userid, "role": role, "scope": scope}
    await audit_trail.privilege_change(request, who, action, detail)
    log.info("console: %s granted %s to %s in %s", who.userid, role, userid, who.corp_id)
    return web.redirect("/console/roles", notice=notice)


async def role_revoke(request: Request, who: Principal) -> Response:
    raw = request.path_params.get("role_id", "")
    role_id = parse_id(raw, max_value=INT32_MAX)  # console_roles.id is a SERIAL
    role = None
    if role_id is not None:
        role = await who.scoped(ConsoleRole).filter(id=role_id).first()
    if role is None or role.role not in role_rules.GRANTABLE_ROLES:
        raise web.NotFound("No such role in this organisation.")
    await role.delete()
    detail = {"userid": role.userid, "role": role.role, "scope": role.scope, "role_id": role.id}
    await audit_trail.privilege_change(request, who, audit_trail.ROLE_REVOKE, detail)
    log.info("console: %s revoked %s of %s in %s", who.userid, role.role, role.userid, who.corp_id)
    return web.redirect("/console/roles", notice="role_revoked")


def routes(site: web.Web) -> list[BaseRoute]:
    return [
        site.page("/console/roles", roles_page, roles=ADMIN),
        site.page("/console/roles", role_grant, roles=ADMIN, methods=["POST"]),
        site.page("/console/roles/{role_id}/revoke", role_revoke, roles=ADMIN, methods=["POST"]),
        site.api("/console/api/roles", roles_api, roles=ADMIN),
    ]
