"""Chat archive, second step: recall links in either order, media retry backoff.

* ``archive_messages.pre_msgid``: a recall names the message it recalled, so an
  original stored *after* its recall (parked for a missing key, decrypted later) finds
  it. Only recalls have a value, so the index is partial (``pre_msgid <> ''``) on both
  dialects: it holds a few percent of the rows and costs other inserts nothing. The
  model cannot express a partial index, which is why it is written here only.
* ``archive_media.next_attempt_at``: epoch seconds before which a media item that
  failed transiently is not tried again.

Hand-written (ADD COLUMN with a default, so existing rows are valid at once; neither
dialect rewrites the table for it). No ``MODELS_STATE``: other migrations are being
written beside this one, and aerich records the models as they are at upgrade time
when a file has none.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

_SQLITE = """
ALTER TABLE "archive_messages" ADD COLUMN "pre_msgid" VARCHAR(128) NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS "idx_archive_mes_pre_msgid" ON "archive_messages" ("corp_id", "pre_msgid") WHERE "pre_msgid" <> '';
ALTER TABLE "archive_media" ADD COLUMN "next_attempt_at" REAL NOT NULL DEFAULT 0;
"""

_POSTGRES = """
ALTER TABLE "archive_messages" ADD COLUMN IF NOT EXISTS "pre_msgid" VARCHAR(128) NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS "idx_archive_mes_pre_msgid" ON "archive_messages" ("corp_id", "pre_msgid") WHERE "pre_msgid" <> '';
ALTER TABLE "archive_media" ADD COLUMN IF NOT EXISTS "next_attempt_at" DOUBLE PRECISION NOT NULL DEFAULT 0;
"""

_SQLITE_DOWN = """
DROP INDEX IF EXISTS "idx_archive_mes_pre_msgid";
ALTER TABLE "archive_messages" DROP COLUMN "pre_msgid";
ALTER TABLE "archive_media" DROP COLUMN "next_attempt_at";
"""

_POSTGRES_DOWN = """
DROP INDEX IF EXISTS "idx_archive_mes_pre_msgid";
ALTER TABLE "archive_messages" DROP COLUMN IF EXISTS "pre_msgid";
ALTER TABLE "archive_media" DROP COLUMN IF EXISTS "next_attempt_at";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return _POSTGRES if db.capabilities.dialect == "postgres" else _SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return _POSTGRES_DOWN if db.capabilities.dialect == "postgres" else _SQLITE_DOWN
