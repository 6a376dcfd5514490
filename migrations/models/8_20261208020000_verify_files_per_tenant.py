"""Domain-verify files per tenant (issue 16): ``domain_verify_files.filename`` is unique
per tenant (``corp_id, filename``) instead of across all tenants, so no tenant can
squat a name another needs; which tenant's file a host serves is the operator's setting.

SQLite cannot drop a column's UNIQUE: the table is rebuilt (same columns, same rows,
same ids). PostgreSQL drops the constraint it named ``<table>_filename_key`` and adds
the pair. Hand-written; no ``MODELS_STATE`` (see ``7_…_archive_more``).

The downgrade restores the single-column UNIQUE and fails if two tenants have since
kept files of the same name (remove one first).
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

_SQLITE_TABLE = """
CREATE TABLE "domain_verify_files_rebuilt" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "filename" VARCHAR(96) NOT NULL{unique},
    "content" TEXT NOT NULL,
    "uploaded_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE{together}
);
INSERT INTO "domain_verify_files_rebuilt" ("id", "filename", "content", "uploaded_by", "created_at", "corp_id")
    SELECT "id", "filename", "content", "uploaded_by", "created_at", "corp_id" FROM "domain_verify_files";
DROP TABLE "domain_verify_files";
ALTER TABLE "domain_verify_files_rebuilt" RENAME TO "domain_verify_files";
"""

_SQLITE = _SQLITE_TABLE.format(
    unique="",
    together=',\n    CONSTRAINT "uid_domain_veri_corp_id_filename" UNIQUE ("corp_id", "filename")',
)
_SQLITE_DOWN = _SQLITE_TABLE.format(unique=" UNIQUE", together="")

_POSTGRES = """
ALTER TABLE "domain_verify_files" DROP CONSTRAINT IF EXISTS "domain_verify_files_filename_key";
ALTER TABLE "domain_verify_files" ADD CONSTRAINT "uid_domain_veri_corp_id_filename" UNIQUE ("corp_id", "filename");
"""

_POSTGRES_DOWN = """
ALTER TABLE "domain_verify_files" DROP CONSTRAINT IF EXISTS "uid_domain_veri_corp_id_filename";
ALTER TABLE "domain_verify_files" ADD CONSTRAINT "domain_verify_files_filename_key" UNIQUE ("filename");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return _POSTGRES if db.capabilities.dialect == "postgres" else _SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return _POSTGRES_DOWN if db.capabilities.dialect == "postgres" else _SQLITE_DOWN
