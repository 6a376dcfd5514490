"""Compliance search (issue 5): the full-text index, saved searches, alerts, audit log.

The tables of the models were generated with ``migrations/gen_sql.py`` for each dialect;
the index engine's own objects are written by hand below them:

* SQLite: ``search_fts``, a contentless FTS5 table over the terms in ``search_docs``
  (``rowid`` = ``search_docs.doc_id``, the tenant/time key, so newest-first within a
  tenant is the index's own order); the ``ascii`` tokenizer splits on ASCII spaces and
  punctuation only, the terms were made by ``wecom_app.search.terms``. Triggers keep it in
  step with ``search_docs`` (a contentless table needs the old terms to remove a row,
  and ``search_docs`` keeps them); a deleted message takes its ``search_docs`` row
  with it by the foreign key, and the trigger its index entry.
* PostgreSQL: a GIN index on ``search_docs.tsv`` (``fastupdate = off``: with the pending
  list on, every search also scans up to 4 MB of not-yet-merged entries, measured at
  10 ms on 20k messages; inserts pay a little more instead).

Two indexes on archive tables serve this feature: ``archive_messages (corp_id, msgtime)``
(the retention purge walks a tenant's oldest messages) and ``archive_media (corp_id,
msgid)`` (media of the messages shown in a context view or purged).
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

_SQLITE = """
CREATE TABLE IF NOT EXISTS "alert_rules" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "pattern" TEXT NOT NULL,
    "departments" JSON NOT NULL,
    "notify" JSON NOT NULL,
    "enabled" INT NOT NULL,
    "disabled_reason" TEXT NOT NULL,
    "created_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE
) /* A keyword alert: words (any of them, as substrings) or one regular expression, */;
CREATE INDEX IF NOT EXISTS "idx_alert_rules_corp_id_9a3269" ON "alert_rules" ("corp_id", "enabled");
CREATE TABLE IF NOT EXISTS "alerts" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "matched" VARCHAR(255) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "acknowledged_by" VARCHAR(64) NOT NULL,
    "acknowledged_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    "message_id" BIGINT NOT NULL REFERENCES "archive_messages" ("id") ON DELETE CASCADE,
    "rule_id" INT NOT NULL REFERENCES "alert_rules" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_alerts_rule_id_4c7261" UNIQUE ("rule_id", "message_id")
) /* A rule's hit on one message; open until a compliance user acknowledges it. */;
CREATE INDEX IF NOT EXISTS "idx_alerts_corp_id_0511df" ON "alerts" ("corp_id", "status", "id");
CREATE TABLE IF NOT EXISTS "alert_notifications" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "userids" JSON NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" REAL NOT NULL,
    "last_error" TEXT NOT NULL,
    "sent_at" REAL,
    "alert_id" BIGINT NOT NULL REFERENCES "alerts" ("id") ON DELETE CASCADE,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE
) /* An alert to tell someone through WeCom (an outbox row: ingestion only writes it, */;
CREATE INDEX IF NOT EXISTS "idx_alert_notif_status_e8ae76" ON "alert_notifications" ("status", "next_attempt_at");
CREATE TABLE IF NOT EXISTS "audit_log" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "seq" BIGINT NOT NULL,
    "at_ms" BIGINT NOT NULL,
    "actor" VARCHAR(80) NOT NULL,
    "action" VARCHAR(32) NOT NULL,
    "detail" TEXT NOT NULL,
    "prev_hash" VARCHAR(64) NOT NULL,
    "hash" VARCHAR(64) NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_audit_log_corp_id_7f1207" UNIQUE ("corp_id", "seq")
) /* One line of a tenant's append-only, hash-chained audit log. */;
CREATE TABLE IF NOT EXISTS "audit_heads" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" VARCHAR(64) NOT NULL,
    "corp_id" INT NOT NULL UNIQUE REFERENCES "corps" ("id") ON DELETE CASCADE
) /* The newest entry of a tenant's chain: writers lock this row (one writer at a time */;
CREATE TABLE IF NOT EXISTS "legal_holds" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "subject" VARCHAR(64) NOT NULL,
    "reason" TEXT NOT NULL,
    "created_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "released_at" TIMESTAMP,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE
) /* Messages of this customer or employee are kept past the retention period. */;
CREATE INDEX IF NOT EXISTS "idx_legal_holds_corp_id_00aff4" ON "legal_holds" ("corp_id", "subject");
CREATE TABLE IF NOT EXISTS "saved_searches" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "owner" VARCHAR(64) NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "params" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_saved_searc_corp_id_5f54c5" UNIQUE ("corp_id", "owner", "name")
) /* A compliance user's named query with its filters. */;
CREATE TABLE IF NOT EXISTS "search_docs" (
    "doc_id" BIGINT NOT NULL PRIMARY KEY,
    "w" TEXT NOT NULL,
    "f" TEXT NOT NULL,
    "tsv" TEXT NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    "message_id" BIGINT NOT NULL UNIQUE REFERENCES "archive_messages" ("id") ON DELETE CASCADE
) /* One archived message in the full-text index. */;

CREATE INDEX IF NOT EXISTS "idx_alerts_message" ON "alerts" ("message_id");
CREATE INDEX IF NOT EXISTS "idx_alert_notif_alert" ON "alert_notifications" ("alert_id");
-- for the retention purge (oldest messages of a tenant) and media of a message
CREATE INDEX IF NOT EXISTS "idx_archive_messages_corp_msgtime" ON "archive_messages" ("corp_id", "msgtime");
CREATE INDEX IF NOT EXISTS "idx_archive_media_corp_msgid" ON "archive_media" ("corp_id", "msgid");
CREATE VIRTUAL TABLE IF NOT EXISTS "search_fts" USING fts5(
    w, f, content='', tokenize='ascii'
);
CREATE TRIGGER IF NOT EXISTS "search_docs_ai" AFTER INSERT ON "search_docs" BEGIN
    INSERT INTO "search_fts" (rowid, w, f) VALUES (new.doc_id, new.w, new.f);
END;
CREATE TRIGGER IF NOT EXISTS "search_docs_ad" AFTER DELETE ON "search_docs" BEGIN
    INSERT INTO "search_fts" ("search_fts", rowid, w, f)
    VALUES ('delete', old.doc_id, old.w, old.f);
END;
CREATE TRIGGER IF NOT EXISTS "search_docs_au" AFTER UPDATE ON "search_docs" BEGIN
    INSERT INTO "search_fts" ("search_fts", rowid, w, f)
    VALUES ('delete', old.doc_id, old.w, old.f);
    INSERT INTO "search_fts" (rowid, w, f) VALUES (new.doc_id, new.w, new.f);
END;
"""

_POSTGRES = """
CREATE TABLE IF NOT EXISTS "alert_rules" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(100) NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "pattern" TEXT NOT NULL,
    "departments" JSONB NOT NULL,
    "notify" JSONB NOT NULL,
    "enabled" BOOL NOT NULL,
    "disabled_reason" TEXT NOT NULL,
    "created_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_alert_rules_corp_id_9a3269" ON "alert_rules" ("corp_id", "enabled");
COMMENT ON TABLE "alert_rules" IS 'A keyword alert: words (any of them, as substrings) or one regular expression,';
CREATE TABLE IF NOT EXISTS "alerts" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "matched" VARCHAR(255) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "acknowledged_by" VARCHAR(64) NOT NULL,
    "acknowledged_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    "message_id" BIGINT NOT NULL REFERENCES "archive_messages" ("id") ON DELETE CASCADE,
    "rule_id" INT NOT NULL REFERENCES "alert_rules" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_alerts_rule_id_4c7261" UNIQUE ("rule_id", "message_id")
);
CREATE INDEX IF NOT EXISTS "idx_alerts_corp_id_0511df" ON "alerts" ("corp_id", "status", "id");
COMMENT ON TABLE "alerts" IS 'A rule''s hit on one message; open until a compliance user acknowledges it.';
CREATE TABLE IF NOT EXISTS "alert_notifications" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "userids" JSONB NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" DOUBLE PRECISION NOT NULL,
    "last_error" TEXT NOT NULL,
    "sent_at" DOUBLE PRECISION,
    "alert_id" BIGINT NOT NULL REFERENCES "alerts" ("id") ON DELETE CASCADE,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_alert_notif_status_e8ae76" ON "alert_notifications" ("status", "next_attempt_at");
COMMENT ON TABLE "alert_notifications" IS 'An alert to tell someone through WeCom (an outbox row: ingestion only writes it,';
CREATE TABLE IF NOT EXISTS "audit_log" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "seq" BIGINT NOT NULL,
    "at_ms" BIGINT NOT NULL,
    "actor" VARCHAR(80) NOT NULL,
    "action" VARCHAR(32) NOT NULL,
    "detail" TEXT NOT NULL,
    "prev_hash" VARCHAR(64) NOT NULL,
    "hash" VARCHAR(64) NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_audit_log_corp_id_7f1207" UNIQUE ("corp_id", "seq")
);
COMMENT ON TABLE "audit_log" IS 'One line of a tenant''s append-only, hash-chained audit log.';
CREATE TABLE IF NOT EXISTS "audit_heads" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "seq" BIGINT NOT NULL,
    "hash" VARCHAR(64) NOT NULL,
    "corp_id" INT NOT NULL UNIQUE REFERENCES "corps" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "audit_heads" IS 'The newest entry of a tenant''s chain: writers lock this row (one writer at a time';
CREATE TABLE IF NOT EXISTS "legal_holds" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "kind" VARCHAR(16) NOT NULL,
    "subject" VARCHAR(64) NOT NULL,
    "reason" TEXT NOT NULL,
    "created_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "released_at" TIMESTAMPTZ,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_legal_holds_corp_id_00aff4" ON "legal_holds" ("corp_id", "subject");
COMMENT ON TABLE "legal_holds" IS 'Messages of this customer or employee are kept past the retention period.';
CREATE TABLE IF NOT EXISTS "saved_searches" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "owner" VARCHAR(64) NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "params" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_saved_searc_corp_id_5f54c5" UNIQUE ("corp_id", "owner", "name")
);
COMMENT ON TABLE "saved_searches" IS 'A compliance user''s named query with its filters.';
CREATE TABLE IF NOT EXISTS "search_docs" (
    "doc_id" BIGINT NOT NULL PRIMARY KEY,
    "w" TEXT NOT NULL,
    "f" TEXT NOT NULL,
    "tsv" TSVECTOR NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    "message_id" BIGINT NOT NULL UNIQUE REFERENCES "archive_messages" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "search_docs" IS 'One archived message in the full-text index.';

CREATE INDEX IF NOT EXISTS "idx_alerts_message" ON "alerts" ("message_id");
CREATE INDEX IF NOT EXISTS "idx_alert_notif_alert" ON "alert_notifications" ("alert_id");
-- for the retention purge (oldest messages of a tenant) and media of a message
CREATE INDEX IF NOT EXISTS "idx_archive_messages_corp_msgtime" ON "archive_messages" ("corp_id", "msgtime");
CREATE INDEX IF NOT EXISTS "idx_archive_media_corp_msgid" ON "archive_media" ("corp_id", "msgid");
CREATE INDEX IF NOT EXISTS "idx_search_docs_tsv" ON "search_docs" USING GIN ("tsv") WITH (fastupdate = off);
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return _POSTGRES if db.capabilities.dialect == "postgres" else _SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    first = "" if db.capabilities.dialect == "postgres" else 'DROP TABLE IF EXISTS "search_fts";'
    return first + """
DROP INDEX IF EXISTS "idx_archive_messages_corp_msgtime";
DROP INDEX IF EXISTS "idx_archive_media_corp_msgid";
DROP TABLE IF EXISTS "legal_holds";
DROP TABLE IF EXISTS "audit_heads";
DROP TABLE IF EXISTS "audit_log";
DROP TABLE IF EXISTS "alert_notifications";
DROP TABLE IF EXISTS "alerts";
DROP TABLE IF EXISTS "alert_rules";
DROP TABLE IF EXISTS "saved_searches";
DROP TABLE IF EXISTS "search_docs";
"""


MODELS_STATE = (
    "eJztfWt327bW5l/B8pfYM0rGdpo0TWdmLSdx2kxzO7Z7+q73+F0UREISa5JQAdKK5kz/+2CD"
    "96tJiaJFBB+aJiT2JvUABPZ9//vIpRZx+LO3lK2OXqN/H3nYJeIvuesTdIRXq/QqXPDxzJED"
    "TTFCXsEz7jNs+uLiHDuciEsW4SazV75NPRh6gXziYc9/jahH0B/kLXURZQvkL7GPbI/72HGI"
    "hQKOjnlg++RE3EUs8Hh4iTjzp7PAdvyTZ/A8i5rigba36J914Nl/BcTw6YL4S8LEA/71X+Ky"
    "7VnkG+HxP1d3xtwmjpXDzbaAgbxu+JuVvPbB89/LgfDWM8OkTuB66eDVxl9SLxltez5cXRCP"
    "MOwTYO+zAOD0AseJYI8RDt80HRK+YobGInMcODApQB2+QHrtyDA+f7kxri9vDOOoNGExRQbo"
    "6JJJPZhs8apc/voFvMLT87Mffvzh1fOXP7wSQ+RrJld+/Dt8dApMSCjh+Xxz9Le8j30cjpAY"
    "p6DCGjOqkH27xKwa2gxJAV/x4kV8YzQPF2AXfzMc4i38pfjnyx8a0PznxdXbXy+ujl/+cAIP"
    "pOKTDD/Uz9Gdc3kLAE8Blv/vgG48vh9o4wsptukGkgB5NAi05y9etMBWjKoFV97Lowu7Zhd0"
    "4/HDoTvY0j172QLes5e16MKtPLhia/cD3gXelGLA5SsORvueDLOI+wcZC0z8jjtwlka5feL5"
    "eQuIn5/XQgy3CuuYmIz4BidYCCplnG/ItxohokSoANgN4N5c/scNcHY5/8vJgnr86eI/JN7u"
    "Jrrz8cvnX+LhmUl4+/HLmwL4phAPZ9i8EyLfHfG2mIRaBnoytp8MTLhxRza7TEeZhZ6QzhOy"
    "IszFHuzmppBMtpiOWgZ6MjpPBg78pWF7c1qegP9z/eVzzVmcJSqAbtmmj/4fcmxe0jt7A/9/"
    "zgPPBGSR1LKFQv4MHvu/H2FSAKTmSSniD5BR7i+Y5CIZlLYsRgAyA/vlWXkn7vi2S2p2qhxl"
    "cWoi0mfxX8Yo/4sfaH3xnM1RqDI3fS8fPl1e31x8+pqbn3cXN5dw5zz3wcRXj4tibMIE/fHh"
    "5lcE/0T/+eXzZXEak3E3/3kE7yQ+EWp4dG1gK6Pdx1dj1HKzHqysLWc9T6ln/VBmPcYoM+3y"
    "7cHcN7/L2KbgAggYa8wsI3cnXR7EXTl0Q0iFcvomIn3/2xVxsAS3vA4iE+xlxGaEq+DveN3H"
    "V9PVkDXueZw6xGDijx2hehuyuhL/KYtWwH3qErYrUhEbVWGyyAoz3yVAsxNQ7xJGqkI1p44j"
    "NkAWQbEjXu8lt+w4FTFbMBqsDHOJd11evwCjt0us7OpKkTJc4s523rgSwD5JbqrCxjeeaYB/"
    "cje0rgWbq0DZz9DHix0BusELhcEx5Ne3O0Tyo1MWJ6FhObZHDHK/u7hwEzG7vFdYYsDMXNr3"
    "RI7aHbKLkNvbkJnqmN2RTT94/UY2qmPlEsvGvYD1KeakNlyc48WuOnSCmGSmOmbgmbB9I+A7"
    "C6YRbl8lw9+5uqIpdgjbec8HHkoDZHjUt+e22YdOLdH6nOGnNnIs2NkQKBG7CtQ1A+LAEtuW"
    "kJeYvTNWwOpScFJWnnDIAjvGkoKFfieoPgKjX2no0FERKY7viQX+eXGY7bquroHXtWSlLFzy"
    "1xnAbUesJKN31FQVqdhtAcfizl6eiJc4EZXd3xO8GDEp23XfihG7ksxUxcyirrhl3BNmzzfG"
    "3N5ZingnGf5T8ntvqytM/BXY5p1YaStnZ2HiH8DqSnBSVphgxIXX21VdvIrYqApTsoGJIR6f"
    "9+awvonYqYpbDJdh+8Td1Rgd8fogWCmP18rBu+rZMV5fBSuV8IJgJXpO68KX8rcqzPwB45TV"
    "Q/vFIzdU/NHe1J8wfADhKAjv4AGusixy4vuCWcOS7IzbdYalishJm8aS4IrY8i0wA26/RswU"
    "RIvbFplh1us6uw55Kr7OkiOjT+jis0NB7OCwcM/dwvHhYg8v5FsCOyAuxqtWlBPIxrLWlxTI"
    "Bc62KSsQRhYhOkc4qgPwhEP6/wRhLqgY/E/8Ll+w4QhCaxD2LGQusbeQXmy4IQgdBwW8qrZA"
    "7/wrCgz8S6asy5tcaJzW0X/pkgOPWHIgmoQSsPX5rimFgnnb/ZccoCviGd1RLpApkECmazuM"
    "ubZDY6B5fUJegewwUvLgecqk5ElbsJWL3m9df6NMqtzH0H8BAzEhdiwjt0U6S6McxHvZb3S5"
    "kwHKnYhtxV54W2V2Fkh7SO08TDVxhJmc8lI+MARzPwz7NuLJKNgB7EWtJlVB/LBa1dcHdrqv"
    "LytUq346P3/+/Mfz0+cvX7344ccfX7w6TfSr8q0mRevNh19A18rNcKx86fR5dROpdfr89zjr"
    "FZtuRbp3TS3H2o22vpTjHjfYAzddlQoS5AEuo/ueMiIEk9/IRoL8AUqiembVqVWo/DoycOus"
    "2OIyw+vEeppdVBSUPYf4oRx9cf324t3l0d/1FR46uVM7Gs8/eDP6LUweqzCfZ+5OmgzoNoxr"
    "azyX8VI2sSbIIibbrMRUo7h+1gRxXywcC83IXPwfrQnCHl8ThqZTHpgm4Xw6rbKY78701rv1"
    "ptNjbtIVAS5WsILkqZPpFNkchcvtNcKIEZ9twDTvLwniAq/kOVD3F1IVkEf9pXizZ8BQ8gt5"
    "AAEsA2Rb8u9SlhMv5VBvIe7SCdQIllyhYjCMEq8b/uOpIwY7t16YMoiOfdu8Iz6fICi0FBn+"
    "+ckz9Adld4RxZDrYdhGja47WthiBkUMwJ9JNIKbR2cBz3HrXgHzr8KuIcCi5B/6VUfQ88s0X"
    "h6NP3BX8Pxzb2nfQJPQq5j4YRM6tdzIk09pal48JtIuhheU7/Vg6QJwj0jC3gJnTgJndlnFC"
    "oSDAr1rg+6oW3ldFdA+h9vkBGVW/R//YiPeGKAZCgtRlBefJ9Cp+EOgV3ji0KnKuoSprSqLE"
    "Wm4ykuyjEutIXDEr4lkA2yALew+l50M1pgLnWiUlS6KMSX7HSKei04OxqpDu+s0iT6XAhjz0"
    "bsGISez7GnP3e7ER1wBfoCsgPwdCtfbqd19+f/PxEn29unz74fpDFBmSWLDlTbgkLtihye7q"
    "8uJjUaYrGEC6AF5Bq0FvA7o0aRmB59tOJ8ALdEOCva89e89IS3Ni2Gqik1SdJ1NgE993TBPY"
    "Zu3ue3aebMsFPZ64j22XdMmJ9Tg+l2uw6N9IC/5RhdMle3vS5HWRngEjcgW0877cLAnyyJpw"
    "P3IyhNRoRSJHAzpeBXxJLHBOsA06O0Wu7QU+4RN0jx3bQs9PK7oh9sdWd0I8rLSEcI11Mwdm"
    "aXQvxActKeG3skWXmxKhtqps02xIbkyVJ26TYzJHplKYyMCheDooq35C1ArKOhDp6yLwl5ff"
    "QoN/lfiVu98of8kmVyQa2lIA++KRKGZD8HvCUUwuQz0wShqXyfsTtF5SkJjQjNFgsfSjEBJL"
    "DLdZmKuTk8N65X7rHcOFqJk1YsSyGTH9OEhlOg1jYQ144HSaRMGcvA5jWIhYzRaEvWDk0ad0"
    "pcU7Ld4d6D67b58k9CBcYr7sZDvJEmkp+kGQtXOsjPIeml+PIvRmqHy7Nov4vH4Rn1fvFFt0"
    "n9VNTndtAayDnva7PXf2/2rX7w6rWae3KaZT6/S273HWD9ySku1+WmFIKTRHrbejmMWGrA+b"
    "Uf5YUuTiDQo4QeulbYLFQzJ5jbDl2h46njPqooz94gkPLSPQlBxMGAuGPbF+TyYlI0qPvG89"
    "k7orx4bMN3QcVWpEYRX3E5mME4LLxE0kcy0gsSgpRyYYhraUsExerYesVMpL/A3A1CW9dEkv"
    "lQ0rLNpa2sIbj1cQ3D2o+tW5YvUlpupyxR6puBQ8VpniUtGJYsw6pZblqRRQpPZuqdWKk2Ii"
    "dBvFSVeI0BUi9h/QMtYKEXEjjKMqFS++N2nU76JRbcsre4h88wnzsBMXOUbHt8GLGT6/DV6e"
    "P//xJK6+AIi9RtQjUOkALelaerPFL9lkdKg5dRxx1/Yrykbs80mNelr8WEPXXj4ARa04Gx1E"
    "rApSBbWL7zEJesxFO6vTn69d7Di1m0VN7vMeBZqz/W4Xz89/fJnsFPCPpk3i+tPFx4/l6ER8"
    "L/aMCr9V/UJNKZRbqi/O2uS7iFG1S1Xeq/C8dt0NckTK4byXLUFCNhdP3w7sHKVGvA3iuj71"
    "ECgLPKKuhl0Ou5RKmXz9Po478Xuo19FlkZIot2D7F3vXxKSuAYpIF8t6nkqb13s3r48keHTc"
    "Re61cb0eenWN6zoqSbVZr4tK0i4V7VLRLpU2LpV3aaunCqfKu1wjqHq3SqGl14OOlXp0G10V"
    "4jG+oV0Uj+yiiGehhGxTjnqGSKU9deAMde2q2KuVDDPoaNR1aefIlLHhDLyyKas0nTXhnpBo"
    "zHW9C60PaX1I60MHAO7I9aH3MnDqijg4+uElnagwYtKkF4VhWAaLBncozBKHcj3hKKFe2quw"
    "hQ4Ef8WRbOj4D/KWumLcdBo9DuJ/ptOK2nh9Mu4UUzZJ8knKrXvK+UKRQbtb5x6t1unIs7G5"
    "4HRW1r6zsoiL2V0XgFMKrTO30Zmzb1aCub6kQoFMAayHLqwQLlRjq5i1KloFpmCA5R4h59KZ"
    "HSWItw2cKFMeRvAEPE+Z4AmhBW9RPzVLpW1J29mSBIbGGlekhDahHlMoA3pvjWpABepW2ywm"
    "UG4f718qpCvCttByCmQa6AeB9vHCsK1Ox2SGRJ+PvZ+POrhwgMqJEM/dXQjJUm11Hh5Yz5TH"
    "EUN0UPNh7jsbzxSrmwUVRoLaLyJPpGVE7b7V7lvtvtXuW+2+rXff/sJosBLSbGU0a3pz0uS0"
    "XcAwwxTj9hrMCg+oCmZNR9C1WDraDTqsGzSelhKyjR3ba8L/tFdOF9wY2kUR7hod4E0IlMN3"
    "D0uX+nZV04l6T2dKoQC8Qzs542zLWA1pb04pUiqjPg7u13Ftz4iNH20NKnmqwzCoKGXIDS1W"
    "debc5oITRVplPo0+yk5YNndtzklVDgilDsFeTUBLlq6A6EwQ7gvS5Mqwi/rNly8fc4v6zYfi"
    "dv77pzeXV8dncoWn7a/LiLvEnREmoAy8ij2mdhUXyZRZxf35kLXRVRtdtdFVG10P5TvSRlfF"
    "ja6f5Jl81GR6jYZM2hlgjfCUH8QOO2mfo6JNstokq5ZJVmei7DsUbqPLIPeioP9JbW8Le2CO"
    "TBm1ZmBjoASRmwKnrks5T6kM/n0saNu7t/2qhrT1e2+GRAGnwr633lCc9GzzrqvjsUypHNx7"
    "cUFqB+8+0dWVkffdek1be7S1R1t7aqw91xvPvAoqS6PEtyZN1h3wMIB/oW0LLgT9HhBQQQcs"
    "WaFEdsBihAcuMEWyB/J0KlPgplOE5z5hCCOTYb6EHsjYQ4Qxyiq6bvXMvMLQVGtL0lVOHsOW"
    "dCd+VpeTMx4/4LEJS3KYo3MPnXrHkWAmth8PYBovyouu2cELNSXs5236QD2vbwP1vNQFqib1"
    "uqHZdE3qtU4c2z3OSYZ3dEogTin0dPQ+HT71sWMs7U6ROnkiZWx/vYWUSPGxjGd9SHFCoMBu"
    "PnREsdis2XbxO3lKHb9zKPE7uvPL9zjrbaK25rZn8+VW014g7WHeD6w8w3inufx1a3utttdq"
    "e22dvfYGL44qbLVwedJkp/XxYq9xd2GlJ93L51HNodEklICtNyWlFDruq3XwQTeIszQKqHg6"
    "nXzM0QY6cLGnOC/d4Wj4gMVQCOucy5lS6UzODpmc2spSv/zVtbJo7Vtr31r7btC+Ze7bUbUK"
    "Ht6bPKCHG1Ij2Ks2nugcWh9/TH18POriiHVyrTDutf6Y1nO0nqP1HK3naD1H6zlaz/le9Byx"
    "Xzm2Ry7viVdZfDk/YNKo8URDDQJjW+aJXFNXqDUCYeQvsY+Wgr1YABbyKWRrRD1tJ4gv6dpD"
    "tidGEcRti8wwe8JR/MhyikhPfG+9Ww9yCV4j2W1sgqLD15htjLglb+5iyhocsVANxVsAHbHE"
    "uWRNbj1IqRZDpfQ/QQ6Z+/HfBVIenxNmRCFr6RWW/Ycxx7YDFzzqi2c/e/ZwX1/x5kLVuCOb"
    "hhopFc1gqWkG8Gw497rluzRJjYrplIOIjLr97wHpoeMoujJav/Dhp3oNtnb7z5LJbumddu0C"
    "oUqC8eBKvy8O8DL69bkxKYXOjclpnX3kxqSyUYc9J0ek4MbzU5vcx5/qcx9/KuU+xoXduxtf"
    "8pTa+HIoxpc2CRza+KKNL9r4Umd8uWDm0r4nb8Xr11hfCiMmTeYXHI6VaLS3v1wkxpAnHB1D"
    "YQzEKHWf8BMUMZImE8lbTMUErW1/idZL4iHbRw7mPopsHFVlOnrl3Wji4MHsT2JKiGrKwWqP"
    "+JAe8cx8tBWqMiQKilTaDjEyeEdSEyXw7oT05Q2Dcv81UaINvrM9Ik+nAxC2s0Vol3j9hIxT"
    "K9Muca2Vaa2sD60sYJxWNsXID5i00snk2JYq2c2SoKW9WBKh/3DyFxIqFCMWmksFCkD7Gbn0"
    "nnBExe4U6kzgvXYJ5+IXcdCdTHGf8bJG1i/rh8smap1rUJ2L/NVNiIoItPS0nfQEFgpjJV5o"
    "C/mpSKtLlRyOwFS2Y8vZ6lzwK0+lgMrdNKX7qPqVAihQtSqC/2t3tgpKZXY53RRRa3/j1v5G"
    "L4WVdL8uqspDeuIXj9xQ8ceetcRHnYT96Ih96H1CPT+qV/p+C0M+Htb47simrQfOQ1fXF2jF"
    "7Hsxe0gQSn0MitpPp6tg5timuGYIrWs6RcfUsVJ1jPu24yCPCBUOrsMzTyrccHt4QKMvDhRE"
    "+HHaA/eY2mA8C+2RzVBoK1+FvBR9QfBtG5xgpypzr14bqKZWwtM5tF4wFy9DmAC0qqB1vX+u"
    "QKaAQrb3lko6ak8xDUFH7Wn/0GGcFiP3D30ilo2P6jWF8H4rXcFNhrYI15OD0dx2CLS+wrGs"
    "PkFz4ptLIajbHroNzs9f/oBenJ2j394gcxl4dxzhFWZ+2BcLfDq+EFSqQvZ659+oKsBzbMtY"
    "Yr5syE3cqueWzkHs1+9Rr2m4fNEtDi0hUEL6LYRInb9qEyN1/qo+SAruFWLRrLvwS+micOSI"
    "lEB6eD0j3Z066Rk5MiWg37emIbYECVC3XSQmUU6V6z/z07Ve8MDthG9CoRy8/a9f8m1FTFB4"
    "uf1/K1ZxkzBSIlXGUzlwPMZIIrZXxLNG3MVS/jZjFsy7yCI5IgW2k6ElkdnGJ9ywqNdxb8nT"
    "6Y1lu41lhf1OAmA8XoGFnt9NhMbfYjsRo2r3E3kvjy72feKuqtqF1i7rLIkyi1p3phzjzuwJ"
    "VI1oPVb6Sd47FNfgXkFbmIE5EI9tPTdMwbsvv7/5eIm+Xl2+/XD9ISrnkfg+5E1p8EvKeF5d"
    "XnzUYWuKO6VGErb22JOrnVLaKfWQU0o6a46a3FLhiEk7x1QYB9bON/XFI1ExB2KlbiOPMhc7"
    "Nq8qEPEgBZTf/IrZnbh97NEkdM32OYqCldCG+CcIexYKy2KmsWt3hKzAE2UzNJ0yIibOmk4f"
    "9kiFvol6X5RYIfBo7EeRUmCFhMNCEDQW06wcFzu2ctfIX9rTpT1dh7hJDuHpOvgcNkUWeca6"
    "kQ0B7iBflei0Jj5SizS9G6sxGpvxOdwW4JRCAWPHvuHVXtk9e2U58Srb7jRsEAmFcvD275UV"
    "Yj+xQVwvI1xfbjdHdBgVd+F5ylTchRqA3aTolEKv+QfXfFFBbQtykU45qM9enrY6H08bDsjT"
    "ctzHOPsvjHZ5x11XtgG8TKoBfxBwyxYHYtfNJEekHMj7EbTtqvaWTaaPDJEyqvfAtg/IUiiD"
    "Xu8pj8crsKSHdpT79I54FYJ4A9gJhYa7e8QYtSpaWtRrPfH4w1B4lGoxEjqfOqqgEYWejt6n"
    "Q4dHDbgNiZWMHUf2Ruyk8efJFAB+AN/ZihGjs4cyR6RxboOzropQj/44A9B0VYShvKM6AO3x"
    "AtAyblOHsKqA+zcR3fvfrohTZwmOA8qAh0JA/90pPi/rwoMQNkM8uB7PuKTfw6heS27vQmaj"
    "LPhbDWz3WMavhLm2/zsnTUXYM4MmbSIaV3K8NAC3jGq8jIzGPCyHnnSrQsQD5hY6nk6F/IQD"
    "y/b/x4L42UcYoKdNpxU1+Xrj2hjLqDthHUAdvnG0aRosanAPfbB0Pohi4rjOB9Hi+IEKMz2K"
    "4wPkg1wT3xe/kjdIUMmQVvITz45+UHYS0tlTX0g0nh+neSDB4Gmwei1LhKXXTEZ8dAypHXD9"
    "+t1vYUoH5HlAQCwpC1D9stadbA5LZgqnbYsiuyVCBSyaQ5vsIxWkQpul1CHYq3GSpFQFzGeC"
    "bF+gJ1eGxf3Nly8fc7i/+VAE9vdPby6vjs/kJKTpzOUIBLFciQevZlh406UGQplQmSAQ3eFE"
    "qwbjVg1GfzqXFIMucqzucHKYHU6kxb5KFYhN+Q0KQOIxaFOkmAUOecLR0vYR9WSnkSgt+2dE"
    "V8RDgTi4HNly0l05Nsw+AqMXEj9TfNNCjAibTVbVJ+6TdaXxFB4gt7QoU/7BssQTKdfLHO4c"
    "jc7fPrz8bSxrWHcxxmZIFNAl8rbY8xcvWhhjxahaa6y8N86cV7FZDIPyPrJek72sa2BVBaly"
    "y7p/F0MOte7KRAW57vd6OApERayPjvBSTG/UEV6PYX+J5OFKUBszm3J0KkE7cH4TKDPdlnSG"
    "QiXctZf0oI0cxTXbA6TSqHEV8VIU18zH+jCublr6b1doS7UEFcU3fw5tH2/rUd+e26aM/ewj"
    "7PZzhp9C8HcLwd3G+pkDrs4SWkT3AauoUZrdVk2fJS3yKfKJ4yBOXQLGTH/JaLBYoj/IW+qi"
    "Y+whGvgz+g0xun6NoIEpl6l5VEjgaM1sX1ozJ2VDac8PuPUw+pPOEJQfggsyiIIR8bw4hhVm"
    "ic7nE/GkiLkvniSAQh65JwxBfU6ePqA2fLVkbk3NQ8V62dLmKn+mtrgeqMU1jGXtVH8pQ3IY"
    "2a9KVV8aiXl25E1ydE+Lni0Jus3C0G0WHMx9o3OufJ5KAdfC0NF3QsDqvMAzNFsu7PH4EvpY"
    "2qHY3lUwzFKpZBob2CSprezaJHkApp1OJkkcB0j1YZNUGNTsFnlQ6TCJLbjO5hMbih+y9YDF"
    "tXUY3B3ZrCmzQkvMawR/52By2SA6h3QUd4IwRzyYhfDzE0SZDGljZBE4mCHybSVUOehzUmHh"
    "6ZX9rWcuiQmNVoTmC/aaTWSqSVuqRFwRSXKXbQ9NpxZZYea7QgTh06l4vOOg9ZJ4tx6I25uT"
    "Z2KINJBtxF3QpLlkEin5yKeOVbBJATVYmOa2eLnWVqKk9UqUh9DNIPS9WIP2lrEj/1+Ctd6o"
    "EI9XMMP57LRVneHThjrDp6U6w3fip3XBNx6vIL5tKjrV13MqV80CywCrqG5br+RmSJTAd2gd"
    "N3NkdDEMF8i0cbh343B4UHeZk5RCT0fv0zGmTMxYmBltIqZlc4mbwQjmVdXO68+DClJt+ex8"
    "KsShs90C2vNUCsC+9/4gOrb5O4xt1pnQqs16RSLDIWZCP/bkalv745uFdc3SUQZMQvHJS89n"
    "m6Mqq3l6d9JoNodxhkMX7Yzm0BLcsT1pbMYorPD0hCPBn3jWUwhKnKAl5sun5lLgQCwk+SPB"
    "v7q9+Ja8oPH4dAo30f9CfInPX7w8XjFyb8hL/x2Z2KOebWIHiTmBOiwnYPt+LX7/6+mamNQ1"
    "xFOehaVhn0m205OfgSUnf4mRJg3EzKKzCTqfoOcTdBucn56/RCvCotd8Jg3rPrYdMdoOTebp"
    "M0FXRNCKBspYEWc+ufU4Resl9tEac/mbxK8RZPKSDZWuxI5kTdBs4xPZQR3+MklN/WDWnWFe"
    "Wwyrojv5trWxdOhlv471piJaupX2wLEN2DfcqiOqKaokJtGwbw+76VdFqTU2gR46QG0490gb"
    "79OreufTq5LvaRxNtgcDuP8u0OFJ38nimFAMaPH699+qmBoTUa7Los4RKbiu+zc1dkVYg9up"
    "z7O27WjbzphtO3s3XvxKcF4hLd2cPGy6WIpxLSP+bpaQ7Lgm3EcELCMFw4M0M7wOkyoZRw41"
    "74RiL9RzRtfoGALzwltIKO2CLLKm50wavT/h1kuNDjJ1U1oagE2ctknZHT+ZREWzZS4pF7Th"
    "RFsIxBA0Z9QV1/iSstQUo2tqH1aE3uGbA9RqLX34ws94XdiPL/qMfqsoCT5dzmld4PcgC/x+"
    "JAvs/EqdSqEnvdko9DgwzFhSp63QE1WB4WF6gJA1zID71BWiA2VJrgDCjKA7svLRCgvZBYSM"
    "pH49uD1sapX9N71y7pJDwIPZn8TsWlRCSyg7Sig6xn2PFQniNd0B3wyJghD3L5Z0DxzV8aI6"
    "XvTQV7WOF62HfpyRg23iRZmQUzHfatoLpLrS9eEEiJbn+QBU6cf+iLUXYWxK8mBehGt8T6yw"
    "JftRhUqdvT1pUqo5DDTCcMD25QMKLWyecATPt5CYWbYJiy5CG8u57YC1v6pZzhYcGqP/6NoL"
    "O61LIHRf8cfUlpO5aCv5JgRamWsh9uqCBvstaLDCDFfFStanGqcUh5FqDI9VJtVYa3n1H4O6"
    "Wp6W/rX0r6X/WulfyuvvqHlUJfsnN5slfznMAKzaif2QtBR1r08rb9medGzNxfs9DfN+YEKr"
    "M57aEocpToJcIJ8mGcl7Qk8QwiLUF5NhPxzCeiizCHudRAr5UKQLNvTor/jW820yE1vlXW0e"
    "lODHpycyyuj2SDr0Ym5RSNPcZlz8S74w3JXxSQx7C3J7BC+I5SvJC+nLIiGmQJLXGjt3HMUz"
    "zydSvaEBBDr9SQVLyiBESfyUZ/C71+Inw2+bTufwNxYylPDA5VAjEv9mLociatEHhI6v//HR"
    "9iEGi1gSMBcK7DPi0nsCJfIFnAEUqAlDomQsVZgf5ojJQO9vrl8guTR+htyrr+FmLljCyA0S"
    "u8AGpVXTfH4/nd560cRkBsdzlDzs+JcPn59Gr3jyc8gCHhC+7K7RWOESKe9iTbFDKY064RaP"
    "nM617uJYWivi3BjapzTvAvJcg7wVyGJjq4CZ/5NAVlY11BGJBrsF2EU14fqfl29vvlwdXgyd"
    "AqL/oTY7/E7OS615HZLm1aLVXMfA0N0bzY0iRLRzm7md1Nq3URTlZyofUdJsc/cnTcptHI8J"
    "HdDau7VgsFCy0gjONZNXZqGylgR5Ht8GryxrLv6cWzPx52x2ehu8mL94IVQcvhQqmxV6sNZL"
    "KjNVXKE9cVLOmdn7E4XqC4pexGUSRqPGNa0FHB6fg3cNvYNZFS8lBpBVqNXJvBypeQpdV9Yq"
    "4XjDhZravj1aUvj6G9SkxY4RltaGSxnTrO6PdphaXcWstfU4VZAq6Hzq37OHAwES2wLwEqGG"
    "uwXcYFProlXH45UA97FiYqvceE2beqMTb9Tq3cBZf1FebAX6TSWbM1QDlmxOroy2ZrM2Ymj/"
    "5QHobwfqv4wVuSsiXrAyJ7AwYtJK2WNycFt3ZsCkL3EuRvGSxvVaqDsOgfqE4KgEx1t4B8lf"
    "iO6xE5CKwMa+mDbGOhbFax3t+JjRjlpPGlxwl99PF6ATAgXcNPsu+SaxMswlxDJ0F9erqHWd"
    "ju0k9jyW3ZIJq2iVW/z97ywho/AgLsNdHwFcpNNxwM0GhC3igHWfiPqvYpxxwBVpgLpPhNaj"
    "tR7dWo9+R13x0v8UysNcTJRT6TQtjZk06dKWHG3cy+HiNVr3FJYdcmXoJzB4KlO6+NJeQcAq"
    "QcfT6R9/xFz/2zP/mz+V8baEQTwwDqvjcIhfZZT6Zb26V+4QXwzlCoEWwIIA3nBBImwyyuPo"
    "Xy7WwpoiyhYcWhx41EczEnO17PmcMOL5t14USAtMLBL2MQa2utbgAWrr8Zx3kaWzNP3I0I8L"
    "cU6G/qlNPZ+f6uv5/FSq5xN9Dl08axkSJQwgQzvXgpVDsdVZSSyQaf3wQf1QJyPWQz9OJUQn"
    "I2ol5DBOi7EqIf8IbPPuiqycym5smbuNisdfMM5gYqDdoQ6JkMqFLA5UGxkjObOs2+Dlj+fz"
    "kzgh8OnatghaQybgdCr1hsjbEmYWyoy0CRJvQ6AmJ6cedirrlezvSV1CKbNsdRHQRyhrsoWX"
    "r0inxawHxawFo8HK6Kqn5ak0zA/C7Nu+0wnhhEA5cM/OX7WpJHP+qr6SDNzTmvBj98+i3K7u"
    "CVd7/mVJlHFV95Y7KM6tCk9oLZjxcA1kKSJUFwUe4kzTbuJ66MdpodFuYm2hOQwpZqwWmivi"
    "AnDsqMI+k9ybNFlnWDSqtWVmTh2Hrp8GKxSTyu7u4BtN+6PI8Gi4FAdIV1leduC0Y5JqbGaZ"
    "oHRYetcSnHX6qk5fHc8utnfRqzPSGuCtvI/jUCFGDHR1ZnCDXUylzOA8uOcvXrRAV4yqhVfe"
    "K+Sihmdnp+MxpVFJXh86CVjISN2RT4m2gv7AmqQ8DvI6//2xJ0CbCLSJQJsI6ipK2xaZYXZN"
    "fKgDFc56sa50Yciksbp0ONjg2dEP2g2+EvY0DKZAEQMUM/gZYeTanEOVKqhN5RLshZWqoqms"
    "yMbenZ0O3z6sGAwemCbhnDLj3iYVdYcba5mUiQcsaRLPwmgrmjAyZ4QvDdf2Ar+TT7CCcrjz"
    "9PlY/IMreyXr7JWBbWg8k6E5jJRTeJ4yKaehMTneiDrMS4lQT07vk6MdvfVbk3b07lGLG72A"
    "VdLhuqgcD+l7Hesob6vtjaJ6cjddr5eKWjdRUd+jhppayZhJq6paSZ3gtr5f2dsTqgam9Ytj"
    "Hq+hrQ0TR2MSGb/EFsoXKZ5Oxecf369wCPfJ/tZb4qhbjlAFTSLuJuzF+SAYHMepxz6+IxRq"
    "K4e9hciKmkuhTopFYPGTJKc41jMhDg7ZPvTgEczyD4XKzMUXFQ+I2yPJhGLxII4BUh4Wdp5O"
    "C17J6fRneFnMmE2AZ1T7DK2X2Edr8aMYeSom1xF3wV8eVoJONCB0zIiL2d0EZWZvgmDBih+6"
    "4CeyOhmQrBixSEgkQVhwFCFy6118/RAnRgu9Gh3HaQ2SmAUOCXlNpMPez6AjUOFLuu5e6gy2"
    "mxQ2uV5ptqx0Zu5KZdFSrilNzrdfWVdNu/a1a38EEt++6yLlP7q2cBfINNRtfM90C6BzRBrm"
    "FjCDxNMF4Xi8ciHYZ20KQJzVF4A4KxWAWDnY66ajZSgU8jD3lzqQFWs6CR5FSpX8mEP7j0NR"
    "u5MZMCU5DAOgUgUBmyIq3jsUbxNQMQe6EX4SDdi/+/L7m4+X6OvV5dsP1x+ieUhMevJm3vVz"
    "dXnxUcdO6NgJHTvR0vYW29M++MQ9qrC75e5PmmxusR3LEJ+i287eVg9ypWEFJC3geyemOnw0"
    "E7eNiiry6Vix6vyA520lFfTZ27GxLKOVxFy0UeUgjSrxhLbVh+LxCiqbbSoB1NcBKFUBSD+R"
    "DvDmiBTEuH+FXvxu4nSBOCFQTqXfS8x+WF3ljnTKPckRKYfzHox/5XOz/Y5RItWAazPg45kB"
    "I4GvA7gpxYDwgpTrEWusKBPGzMo1XCs3Zyh0lZZylCvmVdWD6is2pRQK7AlDl2vCvg91EbtE"
    "E2dJ9Pot9QwKZq7tC6X/jlSs4oatt0CnwFree6MsCRlkk3Q1QZcot7RCH5jba89G6MAzCfPF"
    "0yrMRE1pHzk63cS2Q8oHNk2y2sLFUqDTq7vF6q5LiW+AuTYjXiNchbBHfWNG5pRVCMsNKOfJ"
    "hvQX7kvm2DPOa2JS16jT/q5d7Di1wl2RVhkB7/n5jy8T2Q7+0STWXX+6+PixvB0nFp44LaW9"
    "r6REqgywA0eBzG3P5svuR2KBTm/YLTYSoVmvor4BbdWYDIlyGkzPbqmm/LmGhdyYPKePQx07"
    "U7tT95cpPXh8qYqINkQjxYEfO0YjxXEvXyN2IwO5bVRSZnFVRyUVd4MeoNWBXo8Z6CUXdEOg"
    "V7zgWwR6weLZS6BX0jFoRTxjiT0LxP+GnLitwrO+l9isvdWziSdmC39/BamOE1LC4z8YuN+t"
    "z99ieO4Po7X1j3F+R+8AdYlwK8QPzAax7+0CnuWTRScrRJZGwW3jvA3I5/Ugn5dApvKNOpVY"
    "ypDo3Kqcv6+P3KpEPo0qRhguX3T5AurolTPKnZ+etvkYTk/rvwa4V9hzaMDMTkJKSjEgwthy"
    "Q6f6GE/RcdXSH218LdSx6daOL0MxnK3ubF/w9mz69KhvzztmIWdp9FHZ+1HJA9fFbGPwyk6f"
    "DxSkzZPq4KQOwUk6/Xu4yLuxuQrHC3UUGtod7CKhjjBogbaO5tB+cGW8ttq1uGfXYsYXFpdn"
    "KAh7Edn7366Ig2t6itcUhVAE7r+H8L82dSkpjZm08sNu3ack5tBXo5Jt+elOJYfl2ZVFzBM/"
    "UwelME+oVcIOKuF4fDViqWHuG0JQtIZKPe7fa5P20wlDEDr5byqJD8M8pVSbjDtCVoaPF+nJ"
    "0G07qqTXu1KHXQnAC+ugdC3okafT3oYHvQ1JzwITV6hC9YpmgWw4bfPF6elYMstd4s5CiDrt"
    "8wWyw9jhlXJAaF99WwloH7566V3bGIk4U2UWaDpfK+l1X8IOSeoQhbCNBFoiPIy9SSnpUzdp"
    "q9+bdJM23aStg6G/S8qLbtJ2kE3aLsRRYy6PKqzW0Z1Jk60ap2N6zRXSZuJHNBPXxsfVy+v1"
    "AXJKBJfvo3YtfFQdEI6GK4juWSsV6KxBBTorq0DiiX5l8FtDZ5SUZHip+3FiKHqTr3eSDHY9"
    "zP7+/+YIFXY="
)
