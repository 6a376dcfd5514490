"""WeCom's domain-ownership files (``WW_verify_<code>.txt``), served at the site root.

WeCom accepts our domain for the sidebar page, OAuth redirects and the JS-SDK only
after the org's admin downloads such a file from WeCom's admin console and it is
reachable at ``https://<our domain>/WW_verify_<code>.txt``. Admins upload it here
(per tenant; a name is unique across tenants) and it is served as ``text/plain``.
Only that exact name pattern is served, and only a short printable content is kept.

Whose files a host serves (one tenant's, never all of them): a tenant's own domain
(``WECOM_APP_TENANT_HOSTS=<corp id>=<host>,…``) serves that tenant's files; any other
host — the shared domain of ``PUBLIC_URL`` — serves only the files of the tenant the
operator assigned it to (``WECOM_APP_VERIFY_FILES_SHARED_CORP``; by default the
self-built org of ``WECOM_CORP_ID``, and nobody's in a suite-only deployment), so no
tenant's admin can verify our shared domain for their own WeCom apps.
"""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError

from wecom_app.config import Settings
from wecom_app.store.sidebar import DomainVerifyFile

HOSTS_SETTING = "WECOM_APP_TENANT_HOSTS"
SHARED_SETTING = "WECOM_APP_VERIFY_FILES_SHARED_CORP"

FILENAME = re.compile(r"WW_verify_([A-Za-z0-9]{1,64})\.txt")
CODE = re.compile(r"[A-Za-z0-9]{1,64}")
MAX_CONTENT = 256
_CONTENT = re.compile(r"[\x21-\x7e]{1,256}")


class VerifyFileError(ValueError):
    status = 400


def check(filename: str, content: str) -> tuple[str, str]:
    if not FILENAME.fullmatch(filename):
        raise VerifyFileError("the file must be named WW_verify_<letters and digits>.txt")
    content = content.strip()
    if not _CONTENT.fullmatch(content):
        raise VerifyFileError(f"the content is 1 to {MAX_CONTENT} printable ASCII characters")
    return filename, content


async def upload(corp_pk: int, userid: str, filename: str, content: str) -> DomainVerifyFile:
    """Keep (or replace) this tenant's file of that name; names are per tenant, so
    another tenant's file of the same name is not in the way."""
    filename, content = check(filename, content)
    for _ in range(2):  # a concurrent first upload of the same name: update it instead
        existing = await DomainVerifyFile.filter(corp_id=corp_pk, filename=filename).first()
        if existing is not None:
            existing.content = content
            existing.uploaded_by = userid
            await existing.save()
            return existing
        try:
            return await DomainVerifyFile.create(
                corp_id=corp_pk, filename=filename, content=content, uploaded_by=userid
            )
        except IntegrityError:
            continue
    raise VerifyFileError("the file changed while it was uploaded; try again")


def tenant_hosts(settings: Settings) -> dict[str, str]:
    """host → corp id of the tenants that have their own domain."""
    found: dict[str, str] = {}
    for item in settings.extra.get(HOSTS_SETTING, "").split(","):
        corp_id, _, host = item.strip().partition("=")
        if corp_id and host:
            found[host.strip().lower()] = corp_id.strip()
    return found


def corp_for_host(settings: Settings, host: str) -> str:
    """The one tenant whose files ``host`` serves ("" for nobody's)."""
    host = host.lower().rsplit(":", 1)[0] if not host.endswith("]") else host.lower()
    own = tenant_hosts(settings).get(host)
    if own is not None:
        return own
    shared = settings.extra.get(SHARED_SETTING, "").strip()
    if not shared and settings.self_built is not None:
        shared = settings.self_built.corp_id
    return shared


async def content_for(code: str, corp_id: str) -> str | None:
    if not CODE.fullmatch(code) or not corp_id:
        return None
    row = await DomainVerifyFile.filter(
        filename=f"WW_verify_{code}.txt", corp__corp_id=corp_id
    ).first()
    return row.content if row is not None else None


async def listing(corp_pk: int) -> list[dict[str, object]]:
    rows = await DomainVerifyFile.filter(corp_id=corp_pk).order_by("filename")
    return [
        {
            "filename": r.filename,
            "content": r.content,
            "uploaded_by": r.uploaded_by,
            "url": f"/{r.filename}",
        }
        for r in rows
    ]


async def delete(corp_pk: int, filename: str) -> bool:
    if not FILENAME.fullmatch(filename):
        return False  # no such file could have been stored (and the column is 96 wide)
    return bool(await DomainVerifyFile.filter(corp_id=corp_pk, filename=filename).delete())
