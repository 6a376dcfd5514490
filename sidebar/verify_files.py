"""WeCom's domain-ownership files (``WW_verify_<code>.txt``), served at the site root.

WeCom accepts our domain for the sidebar page, OAuth redirects and the JS-SDK only
after the org's admin downloads such a file from WeCom's admin console and it is
reachable at ``https://<our domain>/WW_verify_<code>.txt``. Admins upload it here
(per tenant; a name is unique across tenants) and it is served as ``text/plain``.
Only that exact name pattern is served, and only a short printable content is kept.
"""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError

from wecom_app.store.sidebar import DomainVerifyFile

FILENAME = re.compile(r"WW_verify_([A-Za-z0-9]{1,64})\.txt")
CODE = re.compile(r"[A-Za-z0-9]{1,64}")
MAX_CONTENT = 256
_CONTENT = re.compile(r"[\x21-\x7e]{1,256}")


class VerifyFileError(ValueError):
    status = 400


class NameTaken(VerifyFileError):
    status = 409


def check(filename: str, content: str) -> tuple[str, str]:
    if not FILENAME.fullmatch(filename):
        raise VerifyFileError("the file must be named WW_verify_<letters and digits>.txt")
    content = content.strip()
    if not _CONTENT.fullmatch(content):
        raise VerifyFileError(f"the content is 1 to {MAX_CONTENT} printable ASCII characters")
    return filename, content


async def upload(corp_pk: int, userid: str, filename: str, content: str) -> DomainVerifyFile:
    filename, content = check(filename, content)
    existing = await DomainVerifyFile.filter(filename=filename).first()
    if existing is not None:
        if existing.corp_id != corp_pk:
            raise NameTaken("another organisation already uses this file name")
        existing.content = content
        existing.uploaded_by = userid
        await existing.save()
        return existing
    try:
        return await DomainVerifyFile.create(
            corp_id=corp_pk, filename=filename, content=content, uploaded_by=userid
        )
    except IntegrityError:
        raise NameTaken("another organisation already uses this file name") from None


async def content_for(code: str) -> str | None:
    if not CODE.fullmatch(code):
        return None
    row = await DomainVerifyFile.filter(filename=f"WW_verify_{code}.txt").first()
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
