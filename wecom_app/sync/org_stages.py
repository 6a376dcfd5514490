"""The first stages of a full sync: departments, employees, the corp tag library.

``departments``: ``department/list`` (1 call); ``employees``: ``user/list`` per
department (1 call each, resumed at the next department); ``tags``:
``get_corp_tag_list`` (1 call). Each page is stored with the position after it.
"""

from __future__ import annotations

from wecom_app.directory import employees, tags
from wecom_app.store.models import Employee
from wecom_app.sync.state import ActiveRun, page_transaction


async def departments_stage(job: ActiveRun) -> None:
    departments = await job.api.contacts.list_departments()
    ids = [d.id for d in departments]
    async with page_transaction():
        await employees.upsert_departments(job.corp.id, departments)
        await employees.remove_departments_except(job.corp.id, ids)
        job.set_count("departments", len(ids))
        job.state["departments"] = ids
        job.state["dept_index"] = 0
        job.advance("employees")
        await job.save()
    await job.report("departments", len(ids), len(ids))


async def employees_stage(job: ActiveRun) -> None:
    ids: list[int] = list(job.state.get("departments", []))
    start = int(job.state.get("dept_index", 0))
    for index in range(start, len(ids)):
        users = await job.api.contacts.list_users(ids[index])
        async with page_transaction():
            await employees.upsert_employees(job.corp.id, users)
            job.state["dept_index"] = index + 1
            if index + 1 == len(ids):
                active = await Employee.filter(corp_id=job.corp.id, status="active").count()
                job.set_count("employees", active)
                job.advance("tags")
            await job.save()
        await job.report("employees", index + 1, len(ids))
    if not ids:
        async with page_transaction():
            job.advance("tags")
            await job.save()


async def tags_stage(job: ActiveRun) -> None:
    groups = await job.api.tags.get_corp_tag_list()
    async with page_transaction():
        await tags.apply_tag_library(job.corp.id, groups)
        job.set_count("tags", sum(1 for g in groups for t in g.tags if not t.deleted))
        job.advance("customers")
        await job.save()
    await job.report("tags", 1, 1)
