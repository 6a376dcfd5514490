"""The spine's schema: tenants, callback inbox, suite tickets, employees.

Generated with ``migrations/gen_sql.py`` for each dialect, then reviewed.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

_SQLITE = """
CREATE TABLE IF NOT EXISTS "corps" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "corp_id" VARCHAR(64) NOT NULL UNIQUE,
    "name" VARCHAR(255) NOT NULL,
    "mode" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "agent_id" VARCHAR(32) NOT NULL,
    "secret_sealed" TEXT NOT NULL,
    "callback_token_sealed" TEXT NOT NULL,
    "callback_aes_key_sealed" TEXT NOT NULL,
    "permanent_code_sealed" TEXT NOT NULL,
    "auth_info" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
) /* A tenant: one WeCom org that installed us (suite) or runs us (self-built). */;
CREATE TABLE IF NOT EXISTS "employees" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "userid" VARCHAR(64) NOT NULL,
    "open_userid" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "departments" JSON NOT NULL,
    "main_department" VARCHAR(32) NOT NULL,
    "position" VARCHAR(255) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "resigned_at" TIMESTAMP,
    "last_event_time" BIGINT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_employees_corp_id_3ab5f6" UNIQUE ("corp_id", "userid")
) /* A member of a tenant's org, as far as contacts sync and change_contact tell us. */;
CREATE TABLE IF NOT EXISTS "inbox" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "scope" VARCHAR(64) NOT NULL,
    "dedup_key" VARCHAR(64) NOT NULL,
    "source" VARCHAR(8) NOT NULL,
    "corp_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "change_type" VARCHAR(64) NOT NULL,
    "payload" TEXT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "last_error" TEXT NOT NULL,
    "received_at" REAL NOT NULL,
    "next_attempt_at" REAL NOT NULL,
    "lease_until" REAL NOT NULL,
    "claim_token" VARCHAR(32) NOT NULL,
    "applied_at" REAL,
    CONSTRAINT "uid_inbox_scope_fbb5ac" UNIQUE ("scope", "dedup_key")
) /* A verified, decrypted callback, stored before we answer ``success``. */;
CREATE INDEX IF NOT EXISTS "idx_inbox_status_833c34" ON "inbox" ("status", "next_attempt_at");
CREATE TABLE IF NOT EXISTS "suite_tickets" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "suite_id" VARCHAR(64) NOT NULL UNIQUE,
    "ticket_sealed" TEXT NOT NULL,
    "pushed_at" BIGINT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
) /* The newest suite ticket per suite (pushed every 10 minutes, valid 30). */;
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);
"""

_POSTGRES = """
CREATE TABLE IF NOT EXISTS "corps" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "corp_id" VARCHAR(64) NOT NULL UNIQUE,
    "name" VARCHAR(255) NOT NULL,
    "mode" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "agent_id" VARCHAR(32) NOT NULL,
    "secret_sealed" TEXT NOT NULL,
    "callback_token_sealed" TEXT NOT NULL,
    "callback_aes_key_sealed" TEXT NOT NULL,
    "permanent_code_sealed" TEXT NOT NULL,
    "auth_info" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "corps" IS 'A tenant: one WeCom org that installed us (suite) or runs us (self-built).';
CREATE TABLE IF NOT EXISTS "employees" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "userid" VARCHAR(64) NOT NULL,
    "open_userid" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "departments" JSONB NOT NULL,
    "main_department" VARCHAR(32) NOT NULL,
    "position" VARCHAR(255) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "resigned_at" TIMESTAMPTZ,
    "last_event_time" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_employees_corp_id_3ab5f6" UNIQUE ("corp_id", "userid")
);
COMMENT ON TABLE "employees" IS 'A member of a tenant''s org, as far as contacts sync and change_contact tell us.';
CREATE TABLE IF NOT EXISTS "inbox" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "scope" VARCHAR(64) NOT NULL,
    "dedup_key" VARCHAR(64) NOT NULL,
    "source" VARCHAR(8) NOT NULL,
    "corp_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "change_type" VARCHAR(64) NOT NULL,
    "payload" TEXT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "last_error" TEXT NOT NULL,
    "received_at" DOUBLE PRECISION NOT NULL,
    "next_attempt_at" DOUBLE PRECISION NOT NULL,
    "lease_until" DOUBLE PRECISION NOT NULL,
    "claim_token" VARCHAR(32) NOT NULL,
    "applied_at" DOUBLE PRECISION,
    CONSTRAINT "uid_inbox_scope_fbb5ac" UNIQUE ("scope", "dedup_key")
);
CREATE INDEX IF NOT EXISTS "idx_inbox_status_833c34" ON "inbox" ("status", "next_attempt_at");
COMMENT ON TABLE "inbox" IS 'A verified, decrypted callback, stored before we answer ``success``.';
CREATE TABLE IF NOT EXISTS "suite_tickets" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "suite_id" VARCHAR(64) NOT NULL UNIQUE,
    "ticket_sealed" TEXT NOT NULL,
    "pushed_at" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "suite_tickets" IS 'The newest suite ticket per suite (pushed every 10 minutes, valid 30).';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return _POSTGRES if db.capabilities.dialect == "postgres" else _SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
DROP TABLE IF EXISTS "employees";
DROP TABLE IF EXISTS "inbox";
DROP TABLE IF EXISTS "suite_tickets";
DROP TABLE IF EXISTS "corps";
"""


MODELS_STATE = (
    "eJztXG1v2zYQ/iuEvywB3MBx0iQrhgFu6nZZ22RIvHVYOyiMdLaJSKRKUkmMLv99JCXZen"
    "Ut13YdVZ9kH3kk/RxJ3T1H+kvLYw64Yu+Ucb/1An1pUeyB+pCSt1EL+/5MqgUS37imoq1q"
    "GAm+EZJjWyrhELsClMgBYXPiS8KortpDEiim8gViFNAHOGUeYnyE5BhLRKiQ2HXBQYFAOy"
    "IgEnZVKeIBFaEI3OGzm4C4cndP9+cwW3VI6Gj1TQeUfA7AkmwEcgxcdfDxXyUm1IEHEPFX"
    "/9YaEnCdFG7E0Q0YuSUnvpGdUfnaVNSjvrFs5gYenVX2J3LM6LQ2oVJLR0CBYwm6eckDDS"
    "cNXDeCPUY4HOmsSjjEhI4DQxy42ihaOxzATNayrPOLgXXVH1hWK2ewWCMBdCSyGdXGVkMV"
    "5teP9BCedfcPjw9PDo4OT1QVM8yp5Pgx7HoGTKho4DkftB5NOZY4rGEwnoGq55hVhOzpGP"
    "NiaBMqGXzVwLP4xmhuL8AefrBcoCM5Vl+PDueg+Vfv8vS33uXO0eGu7pCpJRku1POopGuK"
    "NOAzgM2zArpx/dVAGwtm2M42kCmQrY1A233+fAFsVa1ScE1ZGl29a1ZBN66/OXQ3NnX3jx"
    "aAd/+oFF1dlAZXbe0yEFXgnWlscPqqFyO5g81M4tWDjBUmsuIOnNSp3T5x0F0A4oNuKcS6"
    "KDOPweYgLQFYOSp5nAfwUOJE5BRrAPYccAf9vwe6ZU+Iz24S1J33vb8N3t4kKnl3cf4mrp"
    "4wwum7i5cZ8G3lHt5g+1a5fLdAlzBCaQONMZY3BgZh3cLkW8yRb6IxSGWD+MA9TPVubivP"
    "ZAlzlDbQGKOyMXAgxxahQ5Y3wO9XF+cl7+KkUgZ0h9gS/YdcInJx58rA/2UYUFsji0yUrQ"
    "LyPd3tr9/BKBqk+UbJ4q8hY0KOuGnFNJDbsjhoyCws81Z5pUok8aBkp0ppZk0Tqe7FH56i"
    "/69+oHNB3UkrDJnnrZez9/2rQe/9Hyn7vOoN+rqkm1owsXQn68ZOG0Efzga/If0V/XNx3s"
    "+acVpv8E9Lj0ktEWZRdm9hJxHdx9IYtZTVA99Z0uppzcbq22L1GKOE2c3oNd03vE1wU1qg"
    "HYx7zB0rVTKbHuD5LpsAFASnLyPV128vwcUG3Pw8iCjYftTME5wFj/G8j6VJPFmXlQGaL/"
    "K6XlaCqYownahv3VMWrwI6O4llOaWdMtwitLYH3g1wxIYIRzz0T0LTz22EhdLi+qFAkKoZ"
    "gcSE2ghTB9ljTEdgRQVK0XVRIIq47ZW3X0BwfzSUqSkUwFXY/m9DeX9HyjsyQg7Ycr5lpl"
    "FD3nD1lDfzVZxeHeWMWg0CmCa38JRzCw74mEsPdI85kMsDwozadoSEur/ahISe6tmawVwp"
    "/5NXrd1iWD2BrgxCYk96UaSTOrWDeC37TZNu20C6TW0rZESXYhYyqiugFiKvelv8wqfLJO"
    "QJJBcLacGdJsZjY2R4AjIqjaQKlL8eVq1qgXXWtbLCsOrnbvfg4LjbOTg6eX54fPz8pDON"
    "r/JF8wKtl2dvdKyVsnAcfDX0bX2JvIa+/RGtXkbfptZ62VnC0o22/CjhGjfYLaeucoR4Gu"
    "A8uq8ZB+WYvIWJAflMH8mldtFbK3Py+ImBW0Z5KzHH91P2NDmpmA72XJChH927Ou296rce"
    "yzMM6yTPz+gNe+hrp6JVQJ8nStvzCHSi6y1Knt8BJ2p0Ths5YPOJr0yN4vMbbSSkmjgOuo"
    "GheqJ7QJiKe+Do+loEtg1CXF8XMebf3ugn+oleX+8Im/mgW3ECX58k2b2+RkSgcLq9QBhx"
    "kHyiqXk5BiQUXtN+9Llz4FIgyuRYjWxPN2jaC9vQCnoaIOKYz8aXU4NyGR2pUtbWZ9RNq/"
    "rEuq6lhht+eeaqyu4nalQE2pHEvgUp2kgn+iPiX+zuoQ+M3wIXyHYx8RBn9wLdE1UDIxew"
    "AJMmUGZ0J7ofrzw1YEYdrooIh1x64GMi0KPwINXLUYLn62dYd+HcwTynt2bpg434ueVJhq"
    "lZF47lY4UmxbAA8z1bLBUgTik1MC8As2ABt6tN46lGDQE+WQDfk1J4T7LobsPdmy0iVX/E"
    "/NgT3huiMxAGpCozOK3WzOKvAu3jictwtVPBM5VazOVNnwR+IqkYH6ijYdvIxF7D1acwjC"
    "nAuTRISarUhpL/xpNO2aQH54xX2SzSWjXYkDe9W3CwgdyV0N2v1UZcAnxGL4P8UCvWa69+"
    "dfHny3d99Mdl//Ts6iw6GTJlsE2hFikBCSm7y37vXdanyxAgVQAv0G1AXwR0Q2lZAZXErQ"
    "R4Rm+TYK9rz14z0oZODK86VvKq02o12MTXfaZJc7Ok+p6dVltyQj+dcx/LTukKtzrWmXO5"
    "0oz+wDD4rYKkS7K4PS/rYjIDVpQKWCz7MhgDonAPQkZJhlAb+RAlGtCOH4gxODo5wSdov4"
    "M8QgMJoo3usEscdNAp+Dee1TXb/BPPdl1LCOdYNTowqdP8F89XmZRwrSxxyzqn2LAqy1x2"
    "NxtT4Rt3XmIypVanYyIbPorXHMoqN0i9DmVtiffVA07scZHjFZXM9bnwrM7XnK1yOzdOzn"
    "Y5OconFRUvkiRUavHW3cBNEr2oKiAcVa8huvudziJJi06nPGuhy7JpeyoLr52V3wlMqGz+"
    "PuD38SBXdvPvu77MHv8H9YQJUg=="
)
