"""Directory (install and sync) and chat-archive tables.

Generated with ``migrations/gen_sql.py`` for each dialect, then reviewed.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

_SQLITE = """
CREATE TABLE IF NOT EXISTS "auth_exchanges" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "suite_id" VARCHAR(64) NOT NULL,
    "code_hash" VARCHAR(64) NOT NULL UNIQUE,
    "status" VARCHAR(16) NOT NULL,
    "corp_id" VARCHAR(64) NOT NULL,
    "error" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
) /* One auth code's exchange for a permanent code, whoever brought the code first */;
CREATE TABLE IF NOT EXISTS "console_roles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "scope" JSON NOT NULL,
    "granted_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_console_rol_corp_id_efe193" UNIQUE ("corp_id", "userid", "role")
) /* Who may use which console: admin (from the install's auth info or granted), */;
CREATE TABLE IF NOT EXISTS "customers" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "external_userid" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "type" SMALLINT NOT NULL,
    "avatar" VARCHAR(512) NOT NULL,
    "corp_name" VARCHAR(255) NOT NULL,
    "corp_full_name" VARCHAR(255) NOT NULL,
    "position" VARCHAR(255) NOT NULL,
    "gender" SMALLINT NOT NULL,
    "unionid" VARCHAR(64) NOT NULL,
    "wecom_data" JSON NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_customers_corp_id_6b801e" UNIQUE ("corp_id", "external_userid")
) /* An external contact (客户) of the corp: one row however many employees follow it. */;
CREATE TABLE IF NOT EXISTS "departments" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "dept_id" BIGINT NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "parent_id" BIGINT NOT NULL,
    "order" BIGINT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_departments_corp_id_ac2596" UNIQUE ("corp_id", "dept_id")
);
CREATE TABLE IF NOT EXISTS "follow_relations" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "external_userid" VARCHAR(64) NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "remark" VARCHAR(255) NOT NULL,
    "description" TEXT NOT NULL,
    "remark_corp_name" VARCHAR(255) NOT NULL,
    "remark_mobiles" JSON NOT NULL,
    "added_at" BIGINT NOT NULL,
    "add_way" INT NOT NULL,
    "state" VARCHAR(64) NOT NULL,
    "oper_userid" VARCHAR(64) NOT NULL,
    "tag_ids" JSON NOT NULL,
    "status" VARCHAR(24) NOT NULL,
    "ended_at" BIGINT,
    "wecom_data" JSON NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_follow_rela_corp_id_8a1481" UNIQUE ("corp_id", "external_userid", "userid")
) /* One employee's relationship with one customer (WeCom's ``follow_user``). */;
CREATE INDEX IF NOT EXISTS "idx_follow_rela_corp_id_460b0c" ON "follow_relations" ("corp_id", "userid", "status");
CREATE TABLE IF NOT EXISTS "group_chats" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "chat_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "owner" VARCHAR(64) NOT NULL,
    "notice" TEXT NOT NULL,
    "created_time" BIGINT NOT NULL,
    "admin_list" JSON NOT NULL,
    "wecom_status" SMALLINT NOT NULL,
    "dismissed" INT NOT NULL,
    "member_count" INT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_group_chats_corp_id_64cb72" UNIQUE ("corp_id", "chat_id")
);
CREATE INDEX IF NOT EXISTS "idx_group_chats_corp_id_41235e" ON "group_chats" ("corp_id", "owner");
CREATE TABLE IF NOT EXISTS "group_chat_members" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "chat_id" VARCHAR(64) NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "type" SMALLINT NOT NULL,
    "join_time" BIGINT NOT NULL,
    "join_scene" SMALLINT NOT NULL,
    "invitor" VARCHAR(64) NOT NULL,
    "group_nickname" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "unionid" VARCHAR(64) NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_group_chat__corp_id_c12dac" UNIQUE ("corp_id", "chat_id", "userid")
);
CREATE INDEX IF NOT EXISTS "idx_group_chat__corp_id_243771" ON "group_chat_members" ("corp_id", "userid");
CREATE TABLE IF NOT EXISTS "sync_runs" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "stage" VARCHAR(32) NOT NULL,
    "state" JSON NOT NULL,
    "counts" JSON NOT NULL,
    "total_hint" INT NOT NULL,
    "error" TEXT NOT NULL,
    "started_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "finished_at" TIMESTAMP,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE
) /* A full sync of one corp: resumable from ``state`` after a crash or an error. */;
CREATE INDEX IF NOT EXISTS "idx_sync_runs_corp_id_294b24" ON "sync_runs" ("corp_id", "status");
CREATE TABLE IF NOT EXISTS "tags" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "tag_id" VARCHAR(64) NOT NULL,
    "group_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "type" SMALLINT NOT NULL,
    "order" BIGINT NOT NULL,
    "deleted" INT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_tags_corp_id_7ea0d5" UNIQUE ("corp_id", "tag_id")
);
CREATE TABLE IF NOT EXISTS "tag_groups" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "group_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "order" BIGINT NOT NULL,
    "deleted" INT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_tag_groups_corp_id_abd3dc" UNIQUE ("corp_id", "group_id")
);
CREATE TABLE IF NOT EXISTS "timeline_events" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "external_userid" VARCHAR(64) NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "occurred_at" BIGINT NOT NULL,
    "detail" JSON NOT NULL,
    "dedup_key" VARCHAR(96) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_timeline_ev_corp_id_7a6013" UNIQUE ("corp_id", "dedup_key")
) /* Something that happened to a customer, shown in the sidebar's timeline. */;
CREATE INDEX IF NOT EXISTS "idx_timeline_ev_corp_id_e6deff" ON "timeline_events" ("corp_id", "external_userid", "occurred_at");
CREATE TABLE IF NOT EXISTS "archive_consents" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "subject" VARCHAR(64) NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "changed_at" BIGINT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_archive_con_corp_id_3d328b" UNIQUE ("corp_id", "subject", "userid")
) /* A customer's (or a room's) consent to archiving, with when it last changed. */;
CREATE TABLE IF NOT EXISTS "archive_cursors" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "seq" BIGINT NOT NULL,
    "last_pull_at" TIMESTAMP,
    "last_error" TEXT NOT NULL,
    "last_error_code" INT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL UNIQUE REFERENCES "corps" ("id") ON DELETE CASCADE
) /* The highest seq stored for a corp; moves only with the messages it covers. */;
CREATE TABLE IF NOT EXISTS "archive_keys" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" INT NOT NULL,
    "private_key_sealed" TEXT NOT NULL,
    "fingerprint" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_archive_key_corp_id_c5d46d" UNIQUE ("corp_id", "version")
) /* An RSA private key for one ``publickey_ver`` (old messages still need old keys). */;
CREATE TABLE IF NOT EXISTS "archive_media" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "msgid" VARCHAR(128) NOT NULL,
    "sdkfileid" TEXT NOT NULL,
    "fileid_hash" VARCHAR(64) NOT NULL,
    "msgtype" VARCHAR(32) NOT NULL,
    "md5sum" VARCHAR(64) NOT NULL,
    "expected_size" BIGINT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "index_buf" TEXT NOT NULL,
    "bytes_done" BIGINT NOT NULL,
    "path" VARCHAR(512) NOT NULL,
    "attempts" INT NOT NULL,
    "error" TEXT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_archive_med_corp_id_679cae" UNIQUE ("corp_id", "fileid_hash")
) /* A media file of a message, fetched in ≤ 512 KB chunks apart from the text. */;
CREATE INDEX IF NOT EXISTS "idx_archive_med_corp_id_2d5179" ON "archive_media" ("corp_id", "status");
CREATE TABLE IF NOT EXISTS "archive_messages" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "msgid" VARCHAR(128) NOT NULL,
    "seq" BIGINT NOT NULL,
    "publickey_ver" INT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "action" VARCHAR(16) NOT NULL,
    "msgtype" VARCHAR(32) NOT NULL,
    "sender" VARCHAR(64) NOT NULL,
    "receivers" JSON NOT NULL,
    "roomid" VARCHAR(64) NOT NULL,
    "conversation" VARCHAR(160) NOT NULL,
    "external_userid" VARCHAR(64) NOT NULL,
    "employee_userid" VARCHAR(64) NOT NULL,
    "direction" VARCHAR(16) NOT NULL,
    "msgtime" BIGINT NOT NULL,
    "text" TEXT NOT NULL,
    "tokens" TEXT NOT NULL,
    "body" JSON NOT NULL,
    "record" JSON NOT NULL,
    "error" TEXT NOT NULL,
    "recalled_by" VARCHAR(128) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_archive_mes_corp_id_a723b3" UNIQUE ("corp_id", "msgid")
) /* One archived message, normalised; parked (no key yet) and failed ones keep their ``record``. */;
CREATE INDEX IF NOT EXISTS "idx_archive_mes_corp_id_e72a62" ON "archive_messages" ("corp_id", "conversation", "msgtime");
CREATE INDEX IF NOT EXISTS "idx_archive_mes_corp_id_6a9a9d" ON "archive_messages" ("corp_id", "external_userid", "msgtime");
CREATE INDEX IF NOT EXISTS "idx_archive_mes_corp_id_b52dd6" ON "archive_messages" ("corp_id", "status");
CREATE INDEX IF NOT EXISTS "idx_archive_mes_corp_id_1ab796" ON "archive_messages" ("corp_id", "seq");
CREATE TABLE IF NOT EXISTS "archive_permit_users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_archive_per_corp_id_e8f086" UNIQUE ("corp_id", "userid")
) /* Employees with archiving enabled (``msgaudit\\/get_permit_user_list``). */;
CREATE TABLE IF NOT EXISTS "archive_settings" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "secret_sealed" TEXT NOT NULL,
    "enabled" INT NOT NULL,
    "retention_days" INT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL UNIQUE REFERENCES "corps" ("id") ON DELETE CASCADE
) /* Per-tenant archive set-up: the archive secret (for the SDK) and its state. */;
"""

_POSTGRES = """
CREATE TABLE IF NOT EXISTS "auth_exchanges" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "suite_id" VARCHAR(64) NOT NULL,
    "code_hash" VARCHAR(64) NOT NULL UNIQUE,
    "status" VARCHAR(16) NOT NULL,
    "corp_id" VARCHAR(64) NOT NULL,
    "error" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "auth_exchanges" IS 'One auth code''s exchange for a permanent code, whoever brought the code first';
CREATE TABLE IF NOT EXISTS "console_roles" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "userid" VARCHAR(64) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "scope" JSONB NOT NULL,
    "granted_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_console_rol_corp_id_efe193" UNIQUE ("corp_id", "userid", "role")
);
COMMENT ON TABLE "console_roles" IS 'Who may use which console: admin (from the install''s auth info or granted),';
CREATE TABLE IF NOT EXISTS "customers" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "external_userid" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "type" SMALLINT NOT NULL,
    "avatar" VARCHAR(512) NOT NULL,
    "corp_name" VARCHAR(255) NOT NULL,
    "corp_full_name" VARCHAR(255) NOT NULL,
    "position" VARCHAR(255) NOT NULL,
    "gender" SMALLINT NOT NULL,
    "unionid" VARCHAR(64) NOT NULL,
    "wecom_data" JSONB NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_customers_corp_id_6b801e" UNIQUE ("corp_id", "external_userid")
);
COMMENT ON TABLE "customers" IS 'An external contact (客户) of the corp: one row however many employees follow it.';
CREATE TABLE IF NOT EXISTS "departments" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "dept_id" BIGINT NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "parent_id" BIGINT NOT NULL,
    "order" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_departments_corp_id_ac2596" UNIQUE ("corp_id", "dept_id")
);
CREATE TABLE IF NOT EXISTS "follow_relations" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "external_userid" VARCHAR(64) NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "remark" VARCHAR(255) NOT NULL,
    "description" TEXT NOT NULL,
    "remark_corp_name" VARCHAR(255) NOT NULL,
    "remark_mobiles" JSONB NOT NULL,
    "added_at" BIGINT NOT NULL,
    "add_way" INT NOT NULL,
    "state" VARCHAR(64) NOT NULL,
    "oper_userid" VARCHAR(64) NOT NULL,
    "tag_ids" JSONB NOT NULL,
    "status" VARCHAR(24) NOT NULL,
    "ended_at" BIGINT,
    "wecom_data" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_follow_rela_corp_id_8a1481" UNIQUE ("corp_id", "external_userid", "userid")
);
CREATE INDEX IF NOT EXISTS "idx_follow_rela_corp_id_460b0c" ON "follow_relations" ("corp_id", "userid", "status");
COMMENT ON TABLE "follow_relations" IS 'One employee''s relationship with one customer (WeCom''s ``follow_user``).';
CREATE TABLE IF NOT EXISTS "group_chats" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "chat_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "owner" VARCHAR(64) NOT NULL,
    "notice" TEXT NOT NULL,
    "created_time" BIGINT NOT NULL,
    "admin_list" JSONB NOT NULL,
    "wecom_status" SMALLINT NOT NULL,
    "dismissed" BOOL NOT NULL,
    "member_count" INT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_group_chats_corp_id_64cb72" UNIQUE ("corp_id", "chat_id")
);
CREATE INDEX IF NOT EXISTS "idx_group_chats_corp_id_41235e" ON "group_chats" ("corp_id", "owner");
CREATE TABLE IF NOT EXISTS "group_chat_members" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "chat_id" VARCHAR(64) NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "type" SMALLINT NOT NULL,
    "join_time" BIGINT NOT NULL,
    "join_scene" SMALLINT NOT NULL,
    "invitor" VARCHAR(64) NOT NULL,
    "group_nickname" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "unionid" VARCHAR(64) NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_group_chat__corp_id_c12dac" UNIQUE ("corp_id", "chat_id", "userid")
);
CREATE INDEX IF NOT EXISTS "idx_group_chat__corp_id_243771" ON "group_chat_members" ("corp_id", "userid");
CREATE TABLE IF NOT EXISTS "sync_runs" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "kind" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "stage" VARCHAR(32) NOT NULL,
    "state" JSONB NOT NULL,
    "counts" JSONB NOT NULL,
    "total_hint" INT NOT NULL,
    "error" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_sync_runs_corp_id_294b24" ON "sync_runs" ("corp_id", "status");
COMMENT ON TABLE "sync_runs" IS 'A full sync of one corp: resumable from ``state`` after a crash or an error.';
CREATE TABLE IF NOT EXISTS "tags" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "tag_id" VARCHAR(64) NOT NULL,
    "group_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "type" SMALLINT NOT NULL,
    "order" BIGINT NOT NULL,
    "deleted" BOOL NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_tags_corp_id_7ea0d5" UNIQUE ("corp_id", "tag_id")
);
CREATE TABLE IF NOT EXISTS "tag_groups" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "group_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "order" BIGINT NOT NULL,
    "deleted" BOOL NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_tag_groups_corp_id_abd3dc" UNIQUE ("corp_id", "group_id")
);
CREATE TABLE IF NOT EXISTS "timeline_events" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "external_userid" VARCHAR(64) NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "occurred_at" BIGINT NOT NULL,
    "detail" JSONB NOT NULL,
    "dedup_key" VARCHAR(96) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_timeline_ev_corp_id_7a6013" UNIQUE ("corp_id", "dedup_key")
);
CREATE INDEX IF NOT EXISTS "idx_timeline_ev_corp_id_e6deff" ON "timeline_events" ("corp_id", "external_userid", "occurred_at");
COMMENT ON TABLE "timeline_events" IS 'Something that happened to a customer, shown in the sidebar''s timeline.';
CREATE TABLE IF NOT EXISTS "archive_consents" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "subject" VARCHAR(64) NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "changed_at" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_archive_con_corp_id_3d328b" UNIQUE ("corp_id", "subject", "userid")
);
COMMENT ON TABLE "archive_consents" IS 'A customer''s (or a room''s) consent to archiving, with when it last changed.';
CREATE TABLE IF NOT EXISTS "archive_cursors" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "seq" BIGINT NOT NULL,
    "last_pull_at" TIMESTAMPTZ,
    "last_error" TEXT NOT NULL,
    "last_error_code" INT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL UNIQUE REFERENCES "corps" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "archive_cursors" IS 'The highest seq stored for a corp; moves only with the messages it covers.';
CREATE TABLE IF NOT EXISTS "archive_keys" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" INT NOT NULL,
    "private_key_sealed" TEXT NOT NULL,
    "fingerprint" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_archive_key_corp_id_c5d46d" UNIQUE ("corp_id", "version")
);
COMMENT ON TABLE "archive_keys" IS 'An RSA private key for one ``publickey_ver`` (old messages still need old keys).';
CREATE TABLE IF NOT EXISTS "archive_media" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "msgid" VARCHAR(128) NOT NULL,
    "sdkfileid" TEXT NOT NULL,
    "fileid_hash" VARCHAR(64) NOT NULL,
    "msgtype" VARCHAR(32) NOT NULL,
    "md5sum" VARCHAR(64) NOT NULL,
    "expected_size" BIGINT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "index_buf" TEXT NOT NULL,
    "bytes_done" BIGINT NOT NULL,
    "path" VARCHAR(512) NOT NULL,
    "attempts" INT NOT NULL,
    "error" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_archive_med_corp_id_679cae" UNIQUE ("corp_id", "fileid_hash")
);
CREATE INDEX IF NOT EXISTS "idx_archive_med_corp_id_2d5179" ON "archive_media" ("corp_id", "status");
COMMENT ON TABLE "archive_media" IS 'A media file of a message, fetched in ≤ 512 KB chunks apart from the text.';
CREATE TABLE IF NOT EXISTS "archive_messages" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "msgid" VARCHAR(128) NOT NULL,
    "seq" BIGINT NOT NULL,
    "publickey_ver" INT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "action" VARCHAR(16) NOT NULL,
    "msgtype" VARCHAR(32) NOT NULL,
    "sender" VARCHAR(64) NOT NULL,
    "receivers" JSONB NOT NULL,
    "roomid" VARCHAR(64) NOT NULL,
    "conversation" VARCHAR(160) NOT NULL,
    "external_userid" VARCHAR(64) NOT NULL,
    "employee_userid" VARCHAR(64) NOT NULL,
    "direction" VARCHAR(16) NOT NULL,
    "msgtime" BIGINT NOT NULL,
    "text" TEXT NOT NULL,
    "tokens" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "record" JSONB NOT NULL,
    "error" TEXT NOT NULL,
    "recalled_by" VARCHAR(128) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_archive_mes_corp_id_a723b3" UNIQUE ("corp_id", "msgid")
);
CREATE INDEX IF NOT EXISTS "idx_archive_mes_corp_id_e72a62" ON "archive_messages" ("corp_id", "conversation", "msgtime");
CREATE INDEX IF NOT EXISTS "idx_archive_mes_corp_id_6a9a9d" ON "archive_messages" ("corp_id", "external_userid", "msgtime");
CREATE INDEX IF NOT EXISTS "idx_archive_mes_corp_id_b52dd6" ON "archive_messages" ("corp_id", "status");
CREATE INDEX IF NOT EXISTS "idx_archive_mes_corp_id_1ab796" ON "archive_messages" ("corp_id", "seq");
COMMENT ON TABLE "archive_messages" IS 'One archived message, normalised; parked (no key yet) and failed ones keep their ``record``.';
CREATE TABLE IF NOT EXISTS "archive_permit_users" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "userid" VARCHAR(64) NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_archive_per_corp_id_e8f086" UNIQUE ("corp_id", "userid")
);
COMMENT ON TABLE "archive_permit_users" IS 'Employees with archiving enabled (``msgaudit/get_permit_user_list``).';
CREATE TABLE IF NOT EXISTS "archive_settings" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "secret_sealed" TEXT NOT NULL,
    "enabled" BOOL NOT NULL,
    "retention_days" INT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL UNIQUE REFERENCES "corps" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "archive_settings" IS 'Per-tenant archive set-up: the archive secret (for the SDK) and its state.';
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return _POSTGRES if db.capabilities.dialect == "postgres" else _SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
DROP TABLE IF EXISTS "archive_permit_users";
DROP TABLE IF EXISTS "archive_consents";
DROP TABLE IF EXISTS "archive_media";
DROP TABLE IF EXISTS "archive_messages";
DROP TABLE IF EXISTS "archive_cursors";
DROP TABLE IF EXISTS "archive_settings";
DROP TABLE IF EXISTS "archive_keys";
DROP TABLE IF EXISTS "auth_exchanges";
DROP TABLE IF EXISTS "console_roles";
DROP TABLE IF EXISTS "sync_runs";
DROP TABLE IF EXISTS "timeline_events";
DROP TABLE IF EXISTS "group_chat_members";
DROP TABLE IF EXISTS "group_chats";
DROP TABLE IF EXISTS "tags";
DROP TABLE IF EXISTS "tag_groups";
DROP TABLE IF EXISTS "follow_relations";
DROP TABLE IF EXISTS "customers";
DROP TABLE IF EXISTS "departments";
"""


MODELS_STATE = (
    "eJztXWtz2ziW/Ssof4ldpWRtOa/ObG2V7Tg92TzcZTuTqWlPURAJSRiToJoA7Whn+78PAJLi"
    "EzQpk7SE4EN3bBAXpA9A8J77wr/3PN9BLn1x5gfLvXfg33sEeoj/kGsfgT24XKatooHBqSs7"
    "2ryHbIFTygJoM944gy5FvMlB1A7wkmGfiK4ngCECCXsHfILAd3Tme8AP5oAtIAOYUAZdFzkg"
    "pGCfhpihA34VBCGhURNyZ8+nIXbZwQtxP8e3+Q0xmXc/dEjwHyGymD9HbIECfoPf/8mbMXHQ"
    "D0STX5e31gwj18nhhh0xgGy32Gop2z4S9kF2FE89tWzfDT2Sdl6u2MIn696YMNE6RwQFkCEx"
    "PAtCAScJXTeGPUE4etK0S/SIGRkHzWDoikkR0tEDpG17lvX14tq6Or+2rL3ShCUSGaDjJtsn"
    "YrL5o1L518/FIzwfH7188/Lt8euXb3kX+Zjrljd/RrdOgYkEJTxfr/f+lNchg1EPiXEKqlhj"
    "VhWyZwsYVEObESngyx+8iG+C5vYC7MEflovInC34r69f1qD5t5PLs7+eXO6/fnkgbujzVzJ6"
    "Ub/GV8bykgA8BVj+2wLdpH830CYNKbbpBrIGcm8QaMevXjXAlvdSgiuv5dEVu2YbdJP+w6E7"
    "2NI9et0A3qPXSnTFpTy4fGtnIW0Dbyox4PLlH0Z8h4ZZxN2DDDkmrOUOnJXRbp84HjeA+His"
    "hFhcKqxjZAeIWRRBrqiUcb5GPxRKRElQA7BrwL0+//u1GNmj9A83C+r+l5O/S7y9VXzl88XX"
    "X5PumUk4+3xxWgDf5urhFNq3XOW7RWSDSVAOYCZj88mAiFq3aPWY6SgPYSak9YQsUeBBInZz"
    "m2smG0yHcgAzGa0nA4ZsYWEy88sT8L9XF18V3+KsUAF0B9sM/D9wMS3xzs7A/+9ZSGyBLJAs"
    "mxPyF+K2//MEkyJAqp+UIv4CMp+yeSBHkQOUtqwACcgsyMqz8p5fYdhDip0qJ1mcmlj0RfLD"
    "Lur//A90Loi72osoc9378vHL+dX1yZffcvPz/uT6XFwZ516YpHW/qMauBwHfP17/FYhfwT8u"
    "vp4Xp3Hd7/ofe+KZ+CviW8S/t6CTYfdJa4JabtbDpbPhrOclzaxvy6wnGGWmXT69MPfNbjO2"
    "KdEgFIx7GDhW7kq6PJC3dP0VQhXk9DQW/fDpErlQglteB7EJ9jweZgdXwZ/Juk9a09WQNe4R"
    "6rvICvj/HgnVWTTUJf9PW7RCynwPBY9FKh5GV5gctIQB85CQeRRQ79cD6QrVzHddvgEGMRSP"
    "xOuDHC3bT0fM5oEfLi17AR+7vH4VA50toLarK0XK8pA3ffTGtQbsixxNV9joitiW8E8+Dq0r"
    "PsxlqO1ryOD8kQBdw7nG4Fjy7Xs8RPKl0xYnzrBcTJCF7h6vLlzHg53faawxwMBe4Dskez0e"
    "spNotLNoMN0xu0WrbvD6hFa6Y+UhB8NOwPqSjKQ3XJTC+WM59BoxOZjumAnPBGZWSB+tmMa4"
    "/SYH/Eb1Uk2Fucsf+yoDWP5SxYciDKgfqPG9IOja5/9r/rFYD/gAwrEZd+sBrlqbFDHGB6tZ"
    "l61xu8oMqQlyYiF6Y6+wND1I+O7lxMMJ4aI1tSLYNWtpVQe85sy6TYJeI94L/BmAcZTqMyqC"
    "U0cAUi4ViH/438X4MBQI4gcgcQCnzGQudSxxgQu6LghpVeRr5+NXhL/+LgMq5UW+tWFn758m"
    "IPYJA2LjSSgBq47GSiU0jCrsPiDWXyJitUe5IKZBeIOJPN7lyONaN4g6XKQgth0BI+J+2gSM"
    "ePzOlpPzLTWODi+LavcydB9eyycEJypyU6SzMtpB3Mt+Y4LxBwjG59sKnpON4o4Koh0EHm0n"
    "TdzBOKNyeJkLKYucElYyGQUzAJ4rmVSF8MO0qqsX7LCvNyuiVb+Mx8fHb8aHx6/fvnr55s2r"
    "t4drflW+VEe0Tj/+KrhWboYT8mWCO/UN8zPBnT/jrKuCO/PBiIpMY+VGq0407nGD3XLTVSlc"
    "Ng9wGd0PfoC4YvIJrSTIH0XCPrGrvlqFugQ7Bq7Kis2bA3i/tp5mF5UvyJ6LWKRHn1ydnbw/"
    "3/tTHX/cylXT0nj+kUz9H1FoQ4X5PHN1VGdAx6JfU+P5HQowfzpnBBxkB6sln2qQZHeNAGV8"
    "4Thgimb8X3CPACT0HgVgMqGhbSNKJ5Mqi/njB70hN2Qy2ae2v0RiFCdcCtf+wWQCMAXRcnsH"
    "IAgQC1bCNM8WCFCO1/o+oioFChgFxGcL/mQvxIByvGgMISCWAcCO/FnqcvyhXJ/M+VV/JCpY"
    "yFFFPQvRiz9u9Mtzl3d2b0gU0AL2GbZvEaMjINKAYsM/PXgBvvvBLQoosF2IPRD49xTcY94D"
    "AhdBiqSbgE+juxL38dSuAfnU0VsR41ByD/yeIXoE/WD848iQtxT/Rn0b+w7qlF7N3AeD6Llq"
    "J8N6Whtz+UTAuBgaWL7Tl6UFxDkhA3MDmKkfBna7ZbyW0BDgtw3wfauE920R3W2ozLNFRtWf"
    "0T+2w3tDHAMhQWqzgvNiZhU/CPQSrlwftqsZkIposZaHrhOwI66YJSKOgG2Qhd1DYaSIxlTg"
    "rCQpWRFtTPKPjHQqOj2CoCpcVL1Z5KU02JCH3i0CZCN8pzB3f+AbsQL4glwB+ZkQ1Guvfn/x"
    "7fTzOfjt8vzs49XHODJkbcGWF0UTb8CRye7y/ORzUacrGEDaAF4ha0BvAro0aVkhYdhtBXhB"
    "bkiw+9qze0ZamhOjQmittOq8mAabeN8xTcI2i9vv2XmxDRf07sR9bLqkW9R86dPnciUs+tfS"
    "gr9X4XTJXh7VeV2kZ8CKXQHNvC/XCwQIukeUxU6GSBosUexoAPvLkC6QI5wTwQocHQIPk5Ah"
    "OgJ30MUOOD6sqNXd3bCmTvd2pSVEa6ydOTArYyp1P2hJid6VDWowlgSNVWWTUphyY6r84tY5"
    "JnNiOoWJDByKZ4Ky1BOiV1DWlmhfJyFbnP+IDP5V6lfueq3+JUuworhrQwXsgqA4ZoOP94yC"
    "RFyGekCwLqsrr4/A/cIXGhOYBn44X7A4hMTh3XEQ5erk9LBOR78h+6IhPmoFBMjBAbJZEqQy"
    "mUSxsJa44WSyjoI5eBfFsCC+mh0R9gIB8Z/7S6PeGfVuS/fZvn2SokL2AtJFK9tJVsho0Q+C"
    "bJxjZZS7d46Z4JCel3FrP5lxkT3iWAqTBqQZ9zBpQD/jrG8548zWMK8gnIUS53XnchbKqj9M"
    "N78vfODBFQgp4mwP24IZykHeAeh4mID9WeB7IMPzOGuUDFIcLSKo3jyAhK/fg1GJbHY49g2x"
    "fW/pYpEhBPbjalmcQoqfDmTSQgRuwC8CGZMuEjDWZZv4gBHnxA6awkDpSSiVPOI/CTBN6SNT"
    "+khnAhrEW0tTeJP+GoLbw2mV1Tk16lI8qpwac2rT44vwxF8Ua9oqBScvpQGR6t2iZYiTZip0"
    "E+JkMulNJn3/jv9dzaRfn79URfEyZzPV8LvsQVANMukJQD8YCgh0k2KwYP8mfDWF45vw9fj4"
    "zUGSpS4Qewd8gkRGOFj499Lrx/+SVYZDRYcGAcwq0uv7vFMtT0tua5katVtA1Iqz0ULFqhDV"
    "kF38jMmiu1zcsDpN9MqDrqvcLBQ5oj0qNEf9bhfH4zev1zuF+KVuk7j6cvL5czmKC97xPaPC"
    "b6VeqKmEdkv11VGTvADeS7lU5bUKz2vb3SAnpB3OvWwJErIZv/tmYOckDeJNEDd1fIdAmePh"
    "oIoduv5jl0ppk9fcxeeO/z0+aemySEW0W7Ddq733yPY9SxCRNpb1vJQxr3duXt+RILvdLgZu"
    "jOtq6PU1rpuoJN1mXRWVZFwqxqViXCpNXCrv0yNxKpwq73MH5qjdKoWjjx50rKjRrXVV8Nsw"
    "y7gonthFkcxCCdm6XN6MkE576sCZvMZV0auVDAbi5Je2Szsnpo0NZ+CV7QeVprM63NciBnNT"
    "F8DwIcOHDB/aAnB3nA99kIFT66PhKzhRoceojhdFYVhWEHduUcAiCeV6RsFaeoGX0VEjIvgr"
    "iWQD+9/Rme/xfpNJfDsR/zOZVNQQ63LgVjFlI+UJ6FX5QrFBu90JJ4bWmcizXXPBmaysvrOy"
    "kAeD2zYApxKGMzc7Kz19shLM6pIKBTENsB66sEK0UK2NYtaqZDWYggGWe4yc509xnCDeNHCi"
    "LLkdwRPiftoET3AWvEGdyayUsSVtZkviGFr3sCIltA71REIb0Ds70ENQoHbHryUC2u3j3WuF"
    "/hIFG7CcgpgB+kGgGZxb2Gn1mcyImO9j599HE1xYVhObrPqxetWPy/XlyCZKSFZqo+/hlp0t"
    "8TRqiAlq3sp9x3ga1e+J8TQaT6PxNP58nsZfAz9ccsWrMvAyvTiq8y/ORTfL5v16jbsUN6iK"
    "u0x7+Pd86RiP3bAeu2RaWqjzGRHjQDK1IZ7Ymh7tGi3gXQtoh28PS9dn2K5YvGqnXCqhAbxD"
    "++OSxMCEhjRn/kVJbazhg7sgPEyshKc35f55qe3g/lrZHCPjisryWF8boSirzavRRYUEB1MP"
    "U4qq0hV830WQKGIvsnIFRKdcsC9I1y3DLurTi4vPuUV9+rG4nX/7cnp+uX8kV3h6om0ZcQ95"
    "UxRwKENSsccoV3FRTJtV3Jm709gH1VAb+6CxDxr74E9sH/wiPx97dVbCuMuoma3Qij5Ig5gM"
    "R80j/4310FgP9bIemvj+vgOMVqa4bCdc8l8+JhuYrnJi2tCage1WEkRqc5zaLuW8pDb4d7Gg"
    "MbnDrOqYT/XemxHRwP7d99YbqZME27dtfWRlSe3g7sVbZnyRfaJr6s32fkS7sfYYa4+x9lRb"
    "e65WxL4MKwtOJJdGddYdyjtZQdi0xMQJEFX0gZAS5wrJug/yXKEA0dATgwJ5suxkIhOLJhMA"
    "ZwwFAAI7gHQhTpaFBMiD0SvOMup48ApDk9KWZGpHPIUt6Zb/WW2+nEn/AT+bYkkO8+ns4fzT"
    "3Ujb4dsPETDtLsrztjmXcz017OMmp+scqw/XOS6draNIaK05wleR0GrScR4fkiMjEVqlZaYS"
    "Zjo6nw7mM+haC9wqqCQvpI3tr7OQEqk+lvFUR7+uBTTYzYcOfuWbdbBZ/E5e0sTvbEv8jjlP"
    "42ec9SZRWzNMMF1sNO0F0Q7mfcuS3nd3mstvt7HXGnutsdeq7LXXcL5XYasVzaM6Oy2D817j"
    "7qL6OeaElCc1h8aTUAJWbUpKJUzcV+Pgg3YQZ2U0oHgm83mXow1M4GJHcV7m3JjhAxYjJax1"
    "2mEqZZIOWyQdGiuLevnra2Ux7Nuwb8O+a9i3zH3bq6bg0bXRAzzckoygVza+5hyGjz8lH98d"
    "urjDnNwQxl5LZRmeY3iO4TmG5xieY3iO4Tk/C8/h+5WLCTq/Q6SyTnC+w6iW8cRdLST6NswT"
    "ufI9Tms4woAtIAMLPjxfAA5gvsjWiE8KHQG68O8JwIT3QoBiB01h8IyC5JblFJGOxr0hN0Tk"
    "ErwD8gynEYg/vtZ0ZSUHneYa06GFI1ZUQyFzIYcc/l1yRjdEpFTzrlL7HwEXzVjyM0eK0BkK"
    "rDhkLW0Jsr9YM4hd0UB8xu/94sXDp6XyJ+dU4xatamqkVByx6dt2KO4tvnvt8l3qtEbNOOUg"
    "KqM5VHWLeOhuFF3ZWb/w9qd6DbZ2u8+SyW7prXbtgqBOivHgpJ/xD3gZfXVuTCphcmNyrLOL"
    "3JhUN2qx5+SENNx4fmmS+/iLOvfxl1LuY1KDvL3xJS9pjC/bYnxpksBhjC/G+GKMLyrjy0lg"
    "L/AdOuOPr7C+FHqM6swvMOor0WhufzlZG0OeUbAvCmOAwPe9Z/QAxANJk4kcm0/FCNxjtgD3"
    "C0QAZsCFlIHYxlFVpqPTsWtNHDSc/gvZEiJFOVjjER/SI56Zj6ZKVUZEQ5XK2CF2DN4dqYkS"
    "kluufZFhUO6+Jkq8wbe2R+TlTADCZrYI4xJXT8husjLjEjeszLCyLlhZGFC/8lCMfIdRI04m"
    "+zakZNcLBBZ4vkCc/1D0B+AUKkAOmEkCJUD7C/D8O0SBz3eniDMJ77WHKOV/ERXcyebXA1pm"
    "ZN0O/XDZRMO5BuVc6I92SlQsYLSnzbQnYaGwlvyBNtCfirKmVMn2KExlO7acrdYFv/JSGlDu"
    "uinto+pXCiBH1akI/lfubBWS2uxy5lBEw/52m/3tvBZW4n5tqMpDPPGCoGuf/69nlvikk9AP"
    "R+yC93F6vqcmfZ+ikI+HGd8tWjX1wBFweXUClgG+47MHuKDkY6Ko/WSyDKcutnmbxVnXZAL2"
    "fddJ6Rhl2HUBQZzCiXZxz4MKN1wPN6j1xQmCKP4444F7SjaYzEJzZDMSxspXoS/Fb5B4ty2K"
    "oFuVuadmA9XSWng6h+YFM/4wKOCAVhW0VvvnCmIaELLej1QyUXuaMQQTtWf8Q9vxtdhx/9AX"
    "5GC4p2YK0fVGXMFbd20Qric7gxl2kTj6Cia6+gjMELMXXFHHBNyE4/Hrl+DV0Rh8OgX2IiS3"
    "FMAlDFh0Lpbw6TCuqFSF7HU+fi1VEPfBjrWAdFGTm7jRmVsmB7Fbv4eaaXh03i4ObS2ghfZb"
    "CJEav20SIzV+qw6SEtcKsWjObfSmtCEcOSEtkB6eZ6S7UyuekRPTAvq+mQbfEiRA7XaRREQ7"
    "Ktd95qfnvKKh1wrftYR28Ha/ftGPJbIF4aX4/ypWcZ0yUhLVxlM5cDzGjkRsLxFxdvgUS/m3"
    "WdNw1kYXyQlpsJ0MrYlMVwxRy/FJy70lL2c2ls02liVkrRTApL8GCz2/m3DG32A74b2U+4m8"
    "lkcXMoa8ZdVxocplnRXRZlGbkyl3cWc2QVTqdb2bLpIdCaJ66sk1LhLjInnIRSJdB3t1TpKo"
    "x6iZmySKSmrmKbkgKC4tgJzUiUH8wIMupsj5C1jC4JZf2ye+jIlaIXYAIHFAVF9RxEdRfgEt"
    "hTsDB2AyCRDH25lMym6Tvm9W60OJrOlq7wlfRSKyB7I4tkfYzcQHhQvUln+s7Je4YnJt6A/j"
    "mzG+mW3cSIfwzWx91pUmizzDx7NBqy10sJKc4Y47akP1b3fVfAptVhmVqwY4ldCAnvcNr/Ej"
    "9uxHpIhUHhRTs0GsJbSDt3s/Ilf7ERbqehlhdYHYnNB21IgV99OmRqyoWtdOi04lzJp/cM0X"
    "CWpTkIty2kF99Pqw0ffxsOYDeViOVNjNEwN2dnkn54RsAnhZ1AD+IOAO5h/EtptJTkg7kPtR"
    "tHHVgYx1po+MkDbUe2Dbh4irL4Ou9u0m/TVY0kO7dpl/i0iFIl4D9lrCwN0+xsl3Kg5hULOe"
    "pP92EB6tDsWInE8tKWgsYaaj8+kwAT0DbkN8JUPXlaf5tWL8eTENgB/Ad2byy9Xo72bwlMkv"
    "H8prZ4KntA6e+g0FHmbfKKqrQZzpNGoSQrWU/aU1qWEY1XlsgaJRNeD1YS0AETG4A/YnE87q"
    "Yehg9l9zxLK3sITSN5lUlKTqbNTawChzEMwWlKHajVNKdjhz1gSg66ZDmQB0o0MZHaoDHeoK"
    "Mcb/SlqjQa27NNKfaLb3g7oT186eM67REJYEhwM+wPNw+U5WyEnbOJllYF8U5RTtV+8/RbHh"
    "mIkKnHzRlBWoboc2Bzlsl84UTdsGNSZLghqYoYa2/8UUpAz7qe+7CBKFxTWVKmA+5WJ9gb5u"
    "GRb304uLzzncTz8Wgf325fT8cv9ITgLvhJnCncmXKyLi0SwHrtqkAJcFtfEomwL/hhrsNjXY"
    "+a9ziRi00WNNgf/tLPCPAmwv9qq4QHSlngKkfR5S/NUgGUV7uxRtZY18tXVSXSRfB/Pk+NWr"
    "BvZJ3ktpoJTXCilPy4pNsCbfKequIbpHh43iuQ9r4rkPS/Hc/I5CEy4jrA7WyYgMH63T/0en"
    "17icR2kGj/2Y/fkfSC4XhA=="
)
