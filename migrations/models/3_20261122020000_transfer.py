"""Customer transfer tables: tenant transfer settings, plans, plan items, completed customer transfers.

Generated with ``migrations/gen_sql.py`` for each dialect, then reviewed.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

_SQLITE = """
CREATE TABLE IF NOT EXISTS "customer_transfers" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "external_userid" VARCHAR(64) NOT NULL,
    "from_userid" VARCHAR(64) NOT NULL,
    "to_userid" VARCHAR(64) NOT NULL,
    "mode" VARCHAR(16) NOT NULL,
    "plan_id" INT,
    "completed_at" BIGINT NOT NULL,
    "carried" JSON NOT NULL,
    "created_at" REAL NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_customer_tr_corp_id_1e3b14" UNIQUE ("corp_id", "external_userid", "from_userid", "to_userid", "completed_at")
) /* A completed customer transfer: ``from_userid`` had the customer, ``to_userid`` */;
CREATE INDEX IF NOT EXISTS "idx_customer_tr_corp_id_65da07" ON "customer_transfers" ("corp_id", "to_userid");
CREATE INDEX IF NOT EXISTS "idx_customer_tr_corp_id_e0834c" ON "customer_transfers" ("corp_id", "external_userid");
CREATE TABLE IF NOT EXISTS "transfer_plans" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "handover_userid" VARCHAR(64) NOT NULL,
    "mode" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "open_handover" VARCHAR(64),
    "strategy" VARCHAR(24) NOT NULL,
    "options" JSON NOT NULL,
    "transfer_success_msg" VARCHAR(200) NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "created_by" VARCHAR(64) NOT NULL,
    "version" INT NOT NULL,
    "notified" JSON NOT NULL,
    "summary_sent" INT NOT NULL,
    "created_at" REAL NOT NULL,
    "updated_at" REAL NOT NULL,
    "submitted_at" REAL,
    "finished_at" REAL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_transfer_pl_corp_id_156826" UNIQUE ("corp_id", "open_handover")
);
CREATE INDEX IF NOT EXISTS "idx_transfer_pl_corp_id_5e5a6f" ON "transfer_plans" ("corp_id", "status");
CREATE TABLE IF NOT EXISTS "transfer_items" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "target_id" VARCHAR(64) NOT NULL,
    "label" VARCHAR(255) NOT NULL,
    "group_key" VARCHAR(64) NOT NULL,
    "takeover_userid" VARCHAR(64) NOT NULL,
    "mode" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "errcode" INT NOT NULL,
    "reason" TEXT NOT NULL,
    "attempts" INT NOT NULL,
    "submit_token" VARCHAR(32) NOT NULL,
    "submitting_at" REAL,
    "uncertain" INT NOT NULL,
    "accepted_at" REAL,
    "due_at" REAL,
    "not_before" REAL NOT NULL,
    "wecom_status" SMALLINT NOT NULL,
    "takeover_time" BIGINT NOT NULL,
    "finished_at" REAL,
    "reapply" VARCHAR(8) NOT NULL,
    "updated_at" REAL NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    "plan_id" INT NOT NULL REFERENCES "transfer_plans" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_transfer_it_plan_id_432d66" UNIQUE ("plan_id", "kind", "target_id")
);
CREATE INDEX IF NOT EXISTS "idx_transfer_it_plan_id_1dd591" ON "transfer_items" ("plan_id", "status");
CREATE INDEX IF NOT EXISTS "idx_transfer_it_corp_id_b8b36b" ON "transfer_items" ("corp_id", "kind", "target_id");
CREATE INDEX IF NOT EXISTS "idx_transfer_it_corp_id_5fd455" ON "transfer_items" ("corp_id", "takeover_userid", "status");
CREATE TABLE IF NOT EXISTS "transfer_settings" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "auto_draft" INT NOT NULL,
    "strategy" VARCHAR(24) NOT NULL,
    "successor_userids" JSON NOT NULL,
    "keep_tag_together" INT NOT NULL,
    "tag_group_id" VARCHAR(64) NOT NULL,
    "customer_cap" INT NOT NULL,
    "member_caps" JSON NOT NULL,
    "transfer_success_msg" VARCHAR(200) NOT NULL,
    "notify_successors" INT NOT NULL,
    "admin_userids" JSON NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "corp_id" INT NOT NULL UNIQUE REFERENCES "corps" ("id") ON DELETE CASCADE
) /* Per-tenant transfer settings; a missing row means the defaults. */;
"""

_POSTGRES = """
CREATE TABLE IF NOT EXISTS "customer_transfers" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "external_userid" VARCHAR(64) NOT NULL,
    "from_userid" VARCHAR(64) NOT NULL,
    "to_userid" VARCHAR(64) NOT NULL,
    "mode" VARCHAR(16) NOT NULL,
    "plan_id" INT,
    "completed_at" BIGINT NOT NULL,
    "carried" JSONB NOT NULL,
    "created_at" DOUBLE PRECISION NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_customer_tr_corp_id_1e3b14" UNIQUE ("corp_id", "external_userid", "from_userid", "to_userid", "completed_at")
);
CREATE INDEX IF NOT EXISTS "idx_customer_tr_corp_id_65da07" ON "customer_transfers" ("corp_id", "to_userid");
CREATE INDEX IF NOT EXISTS "idx_customer_tr_corp_id_e0834c" ON "customer_transfers" ("corp_id", "external_userid");
COMMENT ON TABLE "customer_transfers" IS 'A completed customer transfer: ``from_userid`` had the customer, ``to_userid``';
CREATE TABLE IF NOT EXISTS "transfer_plans" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "handover_userid" VARCHAR(64) NOT NULL,
    "mode" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "open_handover" VARCHAR(64),
    "strategy" VARCHAR(24) NOT NULL,
    "options" JSONB NOT NULL,
    "transfer_success_msg" VARCHAR(200) NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "created_by" VARCHAR(64) NOT NULL,
    "version" INT NOT NULL,
    "notified" JSONB NOT NULL,
    "summary_sent" BOOL NOT NULL,
    "created_at" DOUBLE PRECISION NOT NULL,
    "updated_at" DOUBLE PRECISION NOT NULL,
    "submitted_at" DOUBLE PRECISION,
    "finished_at" DOUBLE PRECISION,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_transfer_pl_corp_id_156826" UNIQUE ("corp_id", "open_handover")
);
CREATE INDEX IF NOT EXISTS "idx_transfer_pl_corp_id_5e5a6f" ON "transfer_plans" ("corp_id", "status");
CREATE TABLE IF NOT EXISTS "transfer_items" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "kind" VARCHAR(8) NOT NULL,
    "target_id" VARCHAR(64) NOT NULL,
    "label" VARCHAR(255) NOT NULL,
    "group_key" VARCHAR(64) NOT NULL,
    "takeover_userid" VARCHAR(64) NOT NULL,
    "mode" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "errcode" INT NOT NULL,
    "reason" TEXT NOT NULL,
    "attempts" INT NOT NULL,
    "submit_token" VARCHAR(32) NOT NULL,
    "submitting_at" DOUBLE PRECISION,
    "uncertain" BOOL NOT NULL,
    "accepted_at" DOUBLE PRECISION,
    "due_at" DOUBLE PRECISION,
    "not_before" DOUBLE PRECISION NOT NULL,
    "wecom_status" SMALLINT NOT NULL,
    "takeover_time" BIGINT NOT NULL,
    "finished_at" DOUBLE PRECISION,
    "reapply" VARCHAR(8) NOT NULL,
    "updated_at" DOUBLE PRECISION NOT NULL,
    "corp_id" INT NOT NULL REFERENCES "corps" ("id") ON DELETE CASCADE,
    "plan_id" INT NOT NULL REFERENCES "transfer_plans" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_transfer_it_plan_id_432d66" UNIQUE ("plan_id", "kind", "target_id")
);
CREATE INDEX IF NOT EXISTS "idx_transfer_it_plan_id_1dd591" ON "transfer_items" ("plan_id", "status");
CREATE INDEX IF NOT EXISTS "idx_transfer_it_corp_id_b8b36b" ON "transfer_items" ("corp_id", "kind", "target_id");
CREATE INDEX IF NOT EXISTS "idx_transfer_it_corp_id_5fd455" ON "transfer_items" ("corp_id", "takeover_userid", "status");
CREATE TABLE IF NOT EXISTS "transfer_settings" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "auto_draft" BOOL NOT NULL,
    "strategy" VARCHAR(24) NOT NULL,
    "successor_userids" JSONB NOT NULL,
    "keep_tag_together" BOOL NOT NULL,
    "tag_group_id" VARCHAR(64) NOT NULL,
    "customer_cap" INT NOT NULL,
    "member_caps" JSONB NOT NULL,
    "transfer_success_msg" VARCHAR(200) NOT NULL,
    "notify_successors" BOOL NOT NULL,
    "admin_userids" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "corp_id" INT NOT NULL UNIQUE REFERENCES "corps" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "transfer_settings" IS 'Per-tenant transfer settings; a missing row means the defaults.';
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return _POSTGRES if db.capabilities.dialect == "postgres" else _SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
DROP TABLE IF EXISTS "customer_transfers";
DROP TABLE IF EXISTS "transfer_items";
DROP TABLE IF EXISTS "transfer_plans";
DROP TABLE IF EXISTS "transfer_settings";
"""


MODELS_STATE = (
    "eJztfW1327a25l/B8pfYM0omdpo0TWdmLSdxTjNNmhzbPb3rHt9FwSQk8ZgkVIC0ojnT/z7Y"
    "ICm+04RE0SKCD00TEhuUHkDg3s9++/eRTx3i8WfvKFsevUH/PgqwT8RfCtcn6Agvl9lVuBDi"
    "W08OtMUIeQXf8pBhOxQXZ9jjRFxyCLeZuwxdGsDQcxSSAAfhG0QDgv4g76iPKJujcIFD5AY8"
    "xJ5HHBRxdMwjNyQn4i5iUcDjS8SbPb2NXC88eQbPc6gtHugG8/6njgL3z4hYIZ2TcEGYeMA/"
    "/0tcdgOHfCM8/efyzpq5xHMKuLkOTCCvW+F6Ka99DMIPciB86lvLpl7kB9ng5Tpc0GAz2g1C"
    "uDonAWE4JDB9yCKAM4g8L4E9RTj+pNmQ+CPmZBwyw5EHiwLS8QfIrh1Z1m9frq2ri2vLOqos"
    "WCqRAzq5ZNMAFlt8VC6//Rw+wtOz0x9+/OH1i1c/vBZD5MfcXPnxr/jRGTCxoITnt+ujv+R9"
    "HOJ4hMQ4AxX2mFWH7LsFZvXQ5kRK+IoPXsY3RfNwAfbxN8sjwTxciH+++qEFzX+cX7775fzy"
    "+NUPJ/BAKn6S8Q/1t+TOmbwFgGcAy/8roJuO7wfa9EKGbXaAbIA8GgTas5cvO2ArRjWCK+8V"
    "0YVTUwXddPxw6A62dU9fdYD39FUjunCrCK442sOIq8CbSQy4fcWL0b0nw2zi/kHGApNQ8QTO"
    "y2h3Trw46wDxi7NGiOFWaR8Tm5HQ4gQLRaWK8zX51qBEVAQ1ALsF3OuL/7iGmX3O//TyoB5/"
    "Pv8Pibe/Tu58+vLb39LhuUV49+nL2xL4tlAPb7F9J1S+OxJssQiNE5jF2H4xMOHWHVnvshzV"
    "KcyCKC/IkjAfB3Ca20Iz2WI5Gicwi6G8GDgKF5YbzGh1Af7P1ZffGt7FeaES6I5rh+j/Ic/l"
    "FbuzN/D/5ywKbEAWSStbGOTP4LH/+xEWBUBqX5Qy/gAZ5eGcyVnkBJUjixGAzMJhdVXeizuh"
    "65OGk6ogWV6aRPRZ+pcx6v/iCzpfAm99FJvMbb+Xj58vrq7PP38trM/78+sLuHNW+MGkV4/L"
    "auxmEvTHx+tfEPwT/eeX3y7Ky7gZd/2fR/CZxE+EWgFdWdjJWffp1RS1wqpHS2fLVS9KmlU/"
    "lFVPMcotu/z0QPfN7nLcFFwABWOFmWMV7mTbg/hLj64JqTFO3yaiH369JB6W4Fb3QULBXiTT"
    "jHAX/JXu+/Rqthvy5F7AqUcsJv7YEap38VSX4j9t0Yp4SH3CdkUqmUZXmByyxCz0CcjsBNT7"
    "zUS6QjWjnicOQJZAsSNeH+Rs+XE6YjZnNFpa9gLvur3+BhO9W2Btd1eGlOUT/3bng2sD2Gc5"
    "m66w8XVgW+Cf3A2tKzHNZaTtzzDE8x0BusZzjcGx5K9vd4jkj05bnISF5bkBscj97urCdTLZ"
    "xb3GGgNm9sK9J3LU7pCdx7O9iyfTHbM7su4Hr1/JWnesfOK4uBewPqcz6Q0X53i+qw29QUxO"
    "pjtm4JlwQyviOyumCW5f5YS/c31VU+wRtvOZD3NoDZAV0NCduXYfNrVE67fcfHojx6KdiUCJ"
    "2GWkLw2II0ccW0JfYu7OWMFUF2ImbfUJj8yxZy0oMPQ7QfUJJvqFxg4dHZHi+J444J8XL7Nd"
    "99UVzHUlp9IWLvntLJhtR6zkRO+prStSqdsCXos7e3mSucQbUdvzfYMXIzZlu55bKWKXcjJd"
    "MXOoL25Z94S5s7U1c3fWIt7LCf8h5/vg6qtM/Bm59p3YaUtvZ2Xi7zDVpZhJW2WCER8+3q7m"
    "4mUyja4wbQ4wMSTgs94c1tfJdLrilsJluSHxdyWjk7k+iqm0x2vp4V3t7BSvr2IqnfCCYCV6"
    "RpvCl4q3amj+iHHKmqH9EpBrKv7oTvVvJnwA4SQI7+ABrmMWOQlDMVnLllTG7So3pY7ISU5j"
    "QXBNbPkWmMFsvySTaYgWdx1yi1mv++wqnlPzfbZ5ZfQJXfru0BA7eFn4Z37p9eHjAM/lp4Tp"
    "QLgcr1pTTiAfy9pcUqAQONulrEAcWYToDOGkDsATDun/E4S5kGLwP/G9QjENRxBag3DgIHuB"
    "g7n0YsMNIeh5KOJ1tQV6n7+mwMA/Zcq6vMmFxekc/ZcpOfCIJQeSRagA25zvmklomLfdf8kB"
    "uiSBpY5ySUyDBDJT22HMtR1aA82bE/JKYoeRkgfP0yYlT3LBTiF6v3P9jaqodj+G/gsYiAVx"
    "Ux25K9J5Ge0g3st5Y8qdDFDuRBwr7jzYKrOzJNpDaudhmokjzOSUl4qBIZiHcdi3lS5GiQdw"
    "542WVI3ww2ZVXz+w5/v6ZcVm1U9nZy9e/Hj2/MWr1y9/+PHHl6+fb+yr6q02Q+vtx7+BrVVY"
    "4dT4Munz+iZSm/T573HVaw7dmnTvhlqOjQdtcynHPR6wB05dVQoSFAGuovuBMiIUk1/JWoL8"
    "EUqiBnbdW6tU+XVk4Dax2OIyw6sNe5rfVBSMPY+EsR59fvXu/P3F0V/NFR6U3KmK5PnH4JZ+"
    "i5PHaujz3N1JG4Huwriu5LmMl3KJM0EOsdl6KZYapfWzJoiHYuM46JbMxP/RiiAc8BVhaDrl"
    "kW0TzqfTOsZ890lvgptgOj3mNl0SmMWJlpA8dTKdIpejeLu9QRgxErI1UPPhgiAu8No8B+r+"
    "QqoCCmi4EJ/sGUwo54vnAAHYBsh15N+lLic+lEeDubhLJ1AjWM4KFYNhlPi48T+eemKwdxPE"
    "KYPoOHTtOxLyCYJCSwnxz0+eoT8ouyOMI9vDro8YXXG0csUIjDyCOZFuArGM3hqe4ze7BuSn"
    "jn8VCQ4V98A/c4ZeQL6F4uUYEn8J/4/HdvYdtCm9mrkPBtFzm50Mm2XtbMunAsbF0IH5zn4s"
    "ChAXhAzMHWDmNGK22jbeSGgI8OsO+L5uhPd1Gd1DqH1+QKTq9+gfG/HZkMRASJBUdnBRzOzi"
    "B4Fe4rVH6yLnWqqyZiJa7OU2kmQflVhH4opZksAB2AbZ2HsoPR+bMTU4NxopeRFtKPkdI53K"
    "Tg/G6kK6mw+LopQGB/LQpwUjNnHvG+juD+IgbgC+JFdCfgaCep3V77/8/vbTBfp6efHu49XH"
    "JDJkw2DLm3BJXHBjyu7y4vxTWacrESAqgNfIGtC7gC4pLSsKQtdTArwkNyTY+zqz94y0pBPj"
    "VhNKWnVRTINDfN8xTcDNuupndlFsyw09nriPbbd0xYn1OD6XK2D0ryWDf1TjdMnfnrR5XaRn"
    "wEpcAd28L9cLggKyIjxMnAyxNFqSxNGAjpcRXxAHnBNsjU6fI98NopDwCbrHnuugF89ruiH2"
    "N63phHhYaQnxHlOjA/Myphfig0xK/FvZostNRdCwKts0G5IHU+0bt80xWRDTKUxk4FA8E5TV"
    "vCB6BWUdiPZ1HoWLi28x4V+nfhXut+pfsskVSYZ2VMC+BCSJ2RDzPeEoFZehHhhtGpfJ+xO0"
    "WlDQmNAto9F8ESYhJI4Y7rI4V6egh/U6+01wDBeSZtaIEcdlxA7TIJXpNI6FteCB0+kmCubk"
    "TRzDQsRudiDsBaOAPqVLo94Z9e5Az9l9+yShB+EC84USd5IXMlr0gyAb51gV5T00vx5F6M1Q"
    "+XZdNvFZ8yY+qz8ptug+a5qc7toC2AQ97fd4Vvb/GtfvDrvZpLdpZlOb9LbvcdUPnEnJdz+t"
    "IVJKzVGbeRS73JD1YRrljwVFPl6jiBO0Wrg2MB5ykjcIO74boOMZoz7K8RdPeMyMQFNyoDDm"
    "DAdi/55MKiRKj3PfBDb1l54LmW/oOKnUiOIq7icyGScGl4mbSOZaQGLRphyZmDDmUuIyeY0e"
    "skopL/E3ANOU9DIlvXQmVlhytHSFNx2vIbh7MPXrc8WaS0w15Yo9UnEpeKw2xaWSN4p1q5Ra"
    "VpTSwJDaO1NrDCfNVOguhpOpEGEqROw/oGWsFSLSRhhHdSZeem/Sat8lo7qWVw4Q+RYSFmAv"
    "LXKMjm+il7f47CZ6dfbix5O0+gIg9gbRgEClA7SgK+nNFt9knbOhZtTzxF03rCkbsc8ntdpp"
    "6WMtU3v5AAy18mooqFg1ohpaF99jEvSYi3bWpz9f+djzGg+LhtznPSo0p/s9Ll6c/fhqc1LA"
    "P9oOiavP558+VaMT8b04M2r8Vs0bNZPQbqu+PO2S7yJGNW5Vea/G86p6GhSEtMN5L0eChGwm"
    "nr4d2AVJg3gXxE196iFQFngkXQ1VXnaZlDb5+n287sT3oYGiyyIT0W7D9q/2rohNfQsMERVm"
    "vShl6PXe6fWRBI+Ou8i9IdebodeXXDdRSbqtelNUknGpGJeKcal0cam8z1o91ThV3hcaQTW7"
    "VUotvR50rDSj2+qqEI8JLeOieGQXRboKFWTbctRzQjqdqQNnqBtXxV5ZMsygo5Hq1i6IacPh"
    "DLyzKaulztpw34gYzE29C2MPGXvI2EMHAO7I7aEPMnDqkng4+eIVm6g0YtJmF8VhWBZLBisU"
    "ZklDuZ5wtJFeuMu4hQ4Ef6WRbOj4D/KO+mLcdJo8DuJ/ptOa2nh9TqwUUzbZ5JNUW/dU84US"
    "Qlutc48x60zk2dhccCYra99ZWcTH7E4F4EzC2MxdbOb8J6vA3FxSoSSmAdZDF1aIN6q1Vcxa"
    "nawGSzDAdk+Q8+mtmySIdw2cqEoeRvAEPE+b4AlhBW9RPzUvZbik7bgkgaG1wjUpoW2opxLa"
    "gN5boxowgdRqm6UC2p3j/WuFdEnYFlZOScwA/SDQIZ5brqP0msyJmPdj7+9HE1w4QOVEiOdW"
    "V0LyUlu9Dw+sZ8rjqCEmqPkwz511YIvdzaIakqDxF1EUMjqicd8a961x3xr3rXHfNrtv/8Zo"
    "tBTabG00a3Zz0ua0ncMwyxbj9hrMCg+oC2bNRtCV2DrGDTqsGzRdlgqyrR3bG8L/jFfOFNwY"
    "2kURnxoK8G4EtMN3D1uXhm5d04lmT2cmoQG8Qzs502zL1AzpTqeUJbUxHwf36/huYKXkR1dC"
    "pSh1GISKVkRuzFg10bntBSfKstr8NPooO+G43Hc5J3U5IJR6BAcNAS15uRKit0JwX5Burgy7"
    "qd9++fKpsKnffiwf579/fntxeXwqd3jW/rqKuE/8W8IElFFQc8Y07uKymDa7uD8fsiFdDelq"
    "SFdDuh7K78iQrpqTrp/lO/mojXpNhky6EbBW/JYfhIeddM9RMZSsoWT1omRNJsq+Q+HWpgxy"
    "Lwb6v6gbbMEHFsS0MWsGJgMliNwWOKlu5aKkNvj3saHd4N4N6xrSNp+9ORENnAr7PnpjdTJw"
    "7TtVx2NVUju49+KCNA7efaJrKiPvu/WaYXsM22PYnga252od2JdRbWmU9Nakjd0BDwP4F7q2"
    "4ELQ7wGBFHTAkhVKZAcsRnjkw6RI9kCeTmUK3HSK8CwkDGFkM8wX0AMZB4gwRllN162eJ68h"
    "mhq5JFPl5DG4pDvxtVTenOn4AV+bsCWHeXXuoVPvOBLMxPETAEzjRXmumh0811PDftGlD9SL"
    "5jZQLypdoBpSr1uaTTekXpvEsd3jnGR4h1ICcSZhlqP35QhpiD1r4SpF6hSFtOH+egspkepj"
    "Fc/mkOKNgAan+dARxeKwZtvF7xQlTfzOocTvmM4v3+Oqd4namrmByxdbLXtJtId1P7DyDONd"
    "5uqv2/C1hq81fG0TX3uN50c1XC1cnrTxtCGe7zXuLq70ZHr5PCodmixCBdhmKimTMHFfnYMP"
    "1CDOy2hg4pl08jFHG5jAxZ7ivEyHo+EDFmMlTDmXM5MymZwKmZyGZWne/vqyLMb6Nta3sb5b"
    "rG+Z+3ZUb4LH9yYP2OGWtAj2ao1vbA5jjz+mPT4ec3HENrkxGPdaf8zYOcbOMXaOsXOMnWPs"
    "HGPnfC92jjivPDcgF/ckqC2+XBwwabV4kqEWgbEd80SuqC/MGoEwChc4RAsxvdgADgopZGsk"
    "PW0niC/oKkBuIEYRxF2H3GL2hKP0kdUUkZ7mvQluAsgleINkt7EJSl6+1u3aSlvyFi5mU4Mj"
    "FqqhBHOQI454LzmTmwBSqsVQqf1PkEdmYfp3gVTAZ4RZSchadoXl/2HNsOvBhYCG4tnPnj3c"
    "11d8cmFq3JF1S42Ummaw1LYjeDa899TyXdq0Rs1sykFURtP+94Ds0HEUXRmtX/jwU70G27v9"
    "Z8nkj3SlU7skqJNiPLjRH4oXeBX95tyYTMLkxhSszj5yYzLdSOHMKQhpePD81CX38afm3Mef"
    "KrmPaWF3dfKlKGnIl0MhX7okcBjyxZAvhnxpIl/Omb1w78k78fEb2JfSiEkb/YLjsRKN7vzL"
    "+YYMecLRMRTGQIxS/wk/QclEkjKRc4ulmKCVGy7QakEC5IbIwzxECcdRV6aj17lbKQ4e3f6L"
    "2BKihnKwxiM+pEc8tx5dlaqciIYqleEhRgbvSGqiRMGd0L6CYVDuvyZKcsAr8xFFOROAsB0X"
    "YVzizQsyTqvMuMSNVWassj6ssohxWtsUozhg0skmk2M7mmTXC4IW7nxBhP3DyZ9ImFCMOGgm"
    "DSgA7Wfk03vCERWnU2wzgffaJ5yLb8TBdrLFfcarFlm/Uz9cNtHYXIPaXORPNSUqETDa03ba"
    "EzAU1lJ8oC30p7KsKVVyOApTlceWq6Vc8KsopYHJ3bak+6j6lQEoUHVqgv8bT7YaSW1OOdMU"
    "0Vh/47b+Rq+FVWw/FVPlITvxS0Cuqfhjz1bioy7CfmzEPuw+YZ4fNRt9v8YhHw9bfHdk3dUD"
    "F6DLq3O0ZO69WD0kBKU9BkXtp9NldOu5trhmCatrOkXH1HMyc4yHruehgAgTDq7DM09q3HB7"
    "eECrLw4MRPhyxgP3mNZgugrdkc1JGJavRl9KfkHw27Y4wV5d5l6zNVAvrYWnc2i7YCY+DGEC"
    "0LqC1s3+uZKYBgbZ3lsqmag9zSwEE7Vn/EOH8bYYuX/oM3FcfNRsKcT3O9kK/mZoh3A9ORjN"
    "XI9A6yuc6uoTNCOhvRCKuhugm+js7NUP6OXpGfr1LbIXUXDHEV5iFsZ9scCnEwpFpS5kr/f5"
    "W00FeI7rWAvMFy25iVv13DI5iP36PZotDZ/P1eLQNgJaaL+lEKmz111ipM5eNwdJwb1SLJpz"
    "F/9SVAyOgpAWSA9vZ2Snk5KdURDTAvp9WxriSJAAqZ0iqYh2plz/mZ++85JHvhK+Gwnt4O1/"
    "/5JvS2KDwcvd/1uzi9uUkYqoNp7KgeMxRhKxvSSBM+IulvK7WbfRTEUXKQhpcJwMrYncrkPC"
    "LYcGimdLUc4cLNsdLEscKimA6XgNNnrxNBEWf4fjRIxqPE/kvSK6OAyJv6xrF9q4rfMi2mxq"
    "05lyjCdzIFC1kv1Y6yf54FHcgHuNbGkFZiA8tv3csgTvv/z+9tMF+np58e7j1ceknMfG9yFv"
    "SsJvU8bz8uL8kwlb09wpNZKwtcdeXOOUMk6ph5xS0llz1OaWikdMujmm4jiwbr6pLwFJijkQ"
    "J3MbBZT52HN5XYGIByWg/OZXzO7E7eOAbkLX3JCjJFgJrUl4gnDgoLgsZha7dkfIEjxRLkPT"
    "KSNi4Zzp9GGPVOybaPZFiR0Cj8ZhEikFLCS8LIRAazHN2nGpY6twjfxpPF3G03WIh+QQnq6D"
    "z2HTZJPn2I18CLCCflWRM5b4SBlpejdWMhrb6Xu4K8CZhAZkx77hNV7ZPXtlOQlq2+60HBAb"
    "Ce3g7d8rK9R+4oK6XkW4udxuQegwKu7C87SpuAs1ANW06EzC7PkH93zZQO0KcllOO6hPXz3v"
    "9H583vKCfF6N+xhn/4XRbu+068o2gFdFDeAPAu644oWoepgUhLQDeT+KtlvX3rKN+sgJaWN6"
    "D8x9QJZCFfRmT3k6XoMtPbSjPKR3JKhRxFvA3kgYuNUjxqhT09Ki2epJxx+GwaNVi5HY+aRo"
    "giYSZjl6Xw4THjXgMSR2MvY82RtRyeIvimkA/AC+syUjlrKHsiBkcO6Cs6mK0Iz+OAPQTFWE"
    "obyjJgDt8QLQcm5Tj7C6gPu3idyHXy+J18QEpwFlMIdGQP+lFJ+Xd+FBCJslHtyMZ1rS72FU"
    "r+Rs7+PJRlnwtx5Y9VjGr4T5bvg7J21F2HODJl0iGpdyvCSAO0Y1XiSkMY/LoW+6VSESwOQO"
    "Op5Ohf6EI8cN/8echPlHWGCnTac1Nfl6m7U1ltF0wjqAOnzjaNM0WNTgHvpgmXwQzdRxkw9i"
    "1PEDVWZ6VMcHyAe5ImEoviVv0aA2QzrpTzw/+kHdSWhnT0Oh0QRhmuaBxARPo+UbWSIsu2Yz"
    "EqJjSO2A61fvf41TOiDPAwJiSVWB6ndq08nmsHSmeNm2KLJbEdSA0Ryask9MkBprllKP4KDB"
    "SZJJlTC/FWL7An1zZVjc33758qmA+9uPZWB///z24vL4VC5Cls5cjUAQ25UE8NEsB69VaiBU"
    "BbUJAjEdToxpMG7TYPRv54phoKLHmg4nh9nhRDL2daZASuW3GAAbj0GXIsUs8sgTjhZuiGgg"
    "O40kadk/I7okAYrEi8uTLSf9pefC6iMgvZD4muI3LdSIuNlkXX3iPqeuJU/hAfJISzLlHyxL"
    "PJF6vczhLsiY/O3Dy9/Gsoa1ChmbE9HAlihysWcvX3YgY8WoRjZW3htnzqs4LIZBeR9Zr5uz"
    "TDWwqkZUu23dv4uhgJq6MVEjbvq9Ho4BURPrYyK8NLMbTYTXY/AviT5cC2prZlNBTidoB85v"
    "AmNGbUvnJHTC3XhJD5rkKO/ZHiCVpMZlMpemuOZ+rA/j6mel/3aFtlJLUFN8i++h7eNtAxq6"
    "M9eWsZ99hN3+lptPI/jVQnC3YT8LwDUxoWV0H2BFrcrqdmr6LGVRSFFIPA9x6hMgM8MFo9F8"
    "gf4g76iPjnGAaBTe0m+I0dUbBA1MuUzNo0IDRyvmhpLNnFSJ0p4fcBNg9C96i6D8EFyQQRSM"
    "iOelMaywSnQ2m4gnJZOH4kkCKBSQe8IQ1Ofk2QMaw1crdGtGD5XrZUvOVX5Nw7geKOMax7Iq"
    "1V/KiRxG9qtW1ZdGQs+OvEmO6WnRM5Ng2iwM3WbBwzy0lHPli1IauBaGjr4TCpbyBs/JbLmx"
    "x+NL6GNrx2q7qmKYl9KJGhuYkjQsu6EkD4DaUaIkcRog1QcnqTGo+SPyoNJhNlxwE+eTEsUP"
    "cT3AuHYOg7sj6xVlTszEvEHwdw6UyxrRGaSj+BOEOeLRbQw/P0GUyZA2RuaRhxki35bClIM+"
    "JzUMT6/T3wT2gtjQaEVYvsDXrBOqJmupksyKyCZ32Q3QdOqQJWahL1QQPp2Kx3seWi1IcBOA"
    "ur0+eSaGSIJsLe6CJc3lJImRj0LqOSVOCqSBYZq54sN1Zok2rVeSPAQ1Quh7YYP2lrEj/1+B"
    "tZlUSMdrmOF8+rxTneHnLXWGn1fqDN+Jr6aCbzpeQ3y7VHRqrudUrZoFzACrqW7bbOTmRLTA"
    "d2gbN/fKUCGGS2KGHO6dHI5f1CprkkmY5eh9OcaUiZkqM6NNxHRcLnGzGMG8rtp58/ugRtQw"
    "n8pvhTR0Vi2gvSilAex77w9iYpu/w9hmkwmt26rXJDIcYib0Yy+u4dofnxY2NUtHGTAJxScv"
    "gpCtj+pY8+zupJU2h3GWR+fdSHNoCe65gSSbMYorPD3hSMxPAucpBCVO0ALzxVN7IXAgDpLz"
    "IzF/fXvxLeeCxuPTKdxE/wvxBT57+ep4yci9JS/9d2TjgAaujT0k1gTqsJwA9/1GfP830xWx"
    "qW+JpzyLS8M+k9NOT36GKTn5U4y0aSRWFp1O0NkEvZigm+js+dkrtCQs+ZjPJLEeYtcTo92Y"
    "Ms+eCbYiglY0UMaKeLPJTcApWi1wiFaYy+8kvo0Qk5dcqHQlTiRngm7XIZEd1OEvk4zqB1r3"
    "FvPGYlg13cm3rY1lQi/7day3FdEyrbQHjm3AoeXXvaLaokpSEQP79rDbYV2UWmsT6KED1IZz"
    "j3TxPr1udj69rviextFkezCA++8CHb/plRjHjcSAjNe//9KFatyociqbuiCk4b7un2pURdiA"
    "q9Tn2XA7htsZM7ezd/LiF4KLBmnl5uRh6mIhxnWM+LteQLLjivAQEWBGSsSDpBnexEmVjCOP"
    "2nfCsBfmOaMrdAyBefEtJIx2IZaw6QVKo/cn3AQZ6SBTNyXTANOkaZuU3fGTSVI0W+aSciEb"
    "L7SDQA1BM0Z9cY0vKMuoGFNT+7Ai9A6fDtCrtfThKz/jdWE/vuoz+qOioviovKdNgd+DLPD7"
    "icyx9wv1apWe7Gar0uPBMGtBva5KT1IFhsfpAULXsCMeUl+oDpRtcgUQZgTdkWWIlljoLqBk"
    "bOrXg9vDpU7Vf9PrzCo5BDy6/RexVYtKGA1lRw3FxLjvsSJBuqcV8M2JaAhx/2qJeuCoiRc1"
    "8aKHvqtNvGgz9OOMHOwSL8qEnor5VsteEjWVrg8nQLS6zgdgSj/2j9h4EcZmJA/mRbjC98SJ"
    "W7If1ZjU+duTNqOaw0ArDgfsXj6g1MLmCUfwfAeJlWXruOgitLGcuR6w/XXNcraYoTX6j66C"
    "uNO6BML0FX9Ma3mzFl01342AMeY6qL2moMF+CxosMcN1sZLNqcaZxGGkGsNjtUk1NlZe849B"
    "XyvPaP9G+zfaf6P2L/X199Q+qtP9NzfbNX85zAKsuqn9kLSUdK/PKm+5gXRszcTnexrn/cCC"
    "1mc8dRWOU5yEuEA+SzKS94SdIJRFqC8mw344hPVQ5hD2ZhMpFEKRLjjQk7/imyB0ya04Ku8a"
    "86DEfHx6IqOMbo6kQy+dLQlpmrmMi3/JDwx3ZXwSw8Gc3BzBB8TyI8kL2YdFQk2BJK8V9u44"
    "SleeT6R5QyMIdPoXFVNSBiFK4qs8g++9El8Zvtt0OoO/sXhCCQ9cji0i8W/mcyiilvyA0PHV"
    "3z+5IcRgEUcC5kOBfUZ8ek+gRL6AM4ICNXFIlIylivPDPLEY6MP11Uskt8bPkHv1NT7MxZQw"
    "co3EKbBGsmqa/AzimgBVfgJPLGhcbS3ZTyG/n067ltBvtMvixa+eT21RQZmMPoEUj5yotVJx"
    "Ga00cVsM7S2aqYA8MyBv55Iz+qTGHfS+k6PaqPOHpM536F+mGG24e/eyUcQdKvcu28lWepeE"
    "5v1G5SMq5lLhfqvFlAb5QVut7r4SGCy05iwscMXkldvYAthEDh7fRK8dZyb+nDm34s/b2+c3"
    "0cvZy5cnP0OdByZ0fOkWWS2oTH/whUrOSTURY+9PFKo/WA/JLJM4xDEtlCzgCPgMXDboPayq"
    "+FBiAFnGNpxM9pDmjDCgZAEMjtdc2D7de25tqil/g0Kn2LPies1wKcf3maZbh2lQ1KxaVzdG"
    "jaiGHo09dIiPBEhsC8ArggbuDnADUaNi0KXjtQD3sQIt63xDbYd6q2do1ObdwKlkSbJlDfpt"
    "dYBzUgPWAd5cGW0hYENiGKfYAdhvB+oUSw25SyI+YG2iWWnEpJOxx+Tgrj6yiEkH1UyM4hWL"
    "640wdzwCRe/A+wWelPgOkt8Q3WMvIjXRcn1N2hpAV1avTQjdY4bQGTtpcMVd/n5UgN4IaOCO"
    "2XcdMYmVZS/AQa6urtdJm+IP22nsRSzVMtTqZLXb/P2fLPFE8Yu4CndzWGlZzgSXthMIWwSX"
    "muYDzb+KcQaX1uSWmeYDxo42dnRnO/o99cWH/ocwHmZiobxap2llzKTNlnbkaOteDhcfo3Oj"
    "Wtl29QlH8QRPZZ4QX7hLiIIk6Hg6/eOPdNb/9iz8Fk5lECdhEGSK45IrHIIiGaVh1a7udXYI"
    "WoUaeCALYEFUaLwhEbYZ5WlIKRd7YUURZXMOdfMDGqJbks7quLMZYSQIb4IkOhMmcUjcHBem"
    "NQXsDtBaT9dcRZfOy/SjQz8uxAUd+qcuRWJ+ai4S81OlSEzyc1DxrOVEtCBAhnauRUuPYkfZ"
    "SCyJGfvwQfvQZLg1Qz9OI8RkuBkj5DDeFmM1Qv4eufbdJVl6tS2+cndbDY8/YZzFxEBXobiF"
    "0MqFLg5Saxkjees4N9GrH89mJ2mW2dOV6xC0gvSy6VTaDYm3JU5Xk5lSEyQ+DYFCj5wG2Kst"
    "grG/J6mEUuanNZUlH6FWxhZevrKcUbMeVLPmjEZLS9VOK0oZmB+EOXRDTwnhjYB24J6eve5S"
    "nuTsdXN5ErhnLOHHbspEuVvfaKzx/ZcX0cZV3VvuoHhv1XhCG8FMhxsgKxGhptLsEO804yZu"
    "hn6cDI1xExuG5jC0mLEyNJfEB+DYUQ0/s7k3aWNnWDKqMzMzo55HV0+jJUpFZctw8I1mTTdk"
    "eDRcSgOk65iXHWbaMUk1pVkmKBuW3XXEzCZ91aSvjucU27vqpYy0AXgr7+M4TIgRA12fGdzC"
    "i+mUGVwE9+zlyw7oilGN8Mp7pVzU+N2p9HrMZHTS14dOAhY6kjrymdBW0B9Y543HQd7kvz/2"
    "AhiKwFAEhiJoKlPsOuQWsysSQh2oeNXLxYpLQyatJYvjwRbPj36QN/hK2NM4mAIlE6B0gp8R"
    "Rr7LOVSpgtpUPsFBXKkqWcqabOzdpzPh24cVg8Ej2yacU2bdu6Sm5G1rLZOq8IAlTdJVGG1F"
    "E0ZmjPCF5btBFCr5BGskh3ufvhiLf3DpLmWdvSqwLd1McjKHkXIKz9Mm5TQmk9ODSGFdKoJm"
    "cXpfHOPobT6ajKN3j1bc6BWsig2nYnI8ZO8p1lHe1tobRfVkNVuvl4pa10lR36OWmlqbMZNO"
    "VbU2dYK7+n5lw0ioGpjVL07neAO9Uph4NW4i4xfYQcUixdOp+Pmn92scwn1OfxMscNKCRZiC"
    "NhF3N9OL94OY4DhNPQ7xHaFQWzluWEOW1F4Ic1JsAoefbHKKUzsT4uCQG0JjFzFZ8aFQmbn8"
    "QcUD0p47MqFYPIhjgJTHhZ2n05JXcjr9GT4sZswlMGdS+wytFjhEK/GlGHkqFtcTd8FfHleC"
    "3lhA6JgRH7O7Ccqt3gTBhhVfdM5P0uYxaMmIQ2IhCcKcowSRm+D868c0MVrY1eg4TWuQwizy"
    "SDzXRDrswxw6AhW+oCv1Umdw3GSwyf1K82Wlc2tXKYuWzZrJFHz7tXXVjGvfuPZHoPHtuy5S"
    "8UfXFe6SmIG6i++ZbgF0QcjA3AFm0HhUEE7HaxeCfdqlAMRpcwGI00oBiKWHAzUbLSehkYe5"
    "v9SBvFqjpHiUJXXyYw7tP45VbSUaMBM5DAJQq4KAbREVHzyKtwmomIHcCH8SLdi///L7208X"
    "6OvlxbuPVx+TddhQevJm0fVzeXH+ycROmNgJEzvRkXtL+bSPIfGPani3wv1JG+eW8liW+Cn6"
    "3fi2ZpBriRXQtGDeO7HU8aOZuG3VVJHPxopdF0a8yJXUyOdvp2RZzipJZzGkykGSKumCdrWH"
    "0vEaGptdKgE01wGoVAHIfiIK8BaENMS4f4NefG/iqUC8EdDOpN9LzH5cXeWOKOWeFIS0w3kP"
    "5F/1vdn9xKiIGsANDfh4NGCi8CmAm0kMCC9ouQFxxooyYcyu3cONenNOwlRpqUa5Yl5XPai5"
    "YlMmocGZMHS5JhyGUBdRJZo4L2L2b6VnUHTru6Ew+u9IzS5uOXpLchrs5b03ypKQQTaJKgVd"
    "kdyShT4wt9eeSegosAkLxdNqaKK2tI+CnGliq5DygW2bLLdwsZTkzO7usLubUuJbYG7MiDcI"
    "1yEc0NC6JTPKapTlFpSLYkP6C/elc+wZ5xWxqW81WX9XPva8RuWuLKuNgvfi7MdXG90O/tGm"
    "1l19Pv/0qXocbxieNC2lu6+kIqoNsANHgczcwOUL9VdiSc4c2B0OEmFZL5O+AV3NmJyIdhZM"
    "z26ptvy5lo3cmjxnXocmdqbxpO4vU3rw+FIdEW2JRkoDP3aMRkrjXr4m040M5K5RSbnNVR+V"
    "VD4NeoDWBHo9ZqCX3NAtgV7phu8Q6AWbZy+BXpuOQUsSWAscOKD+t+TEbRWe9b3EZu2tnk26"
    "MFv4+2tETZyQFh7/wcD9bn3+DsOzcBirrX+Miye6AtQVwa0QPzAOYt/HBTwrJHMlFiIvo+Gx"
    "cdYF5LNmkM8qIFP5iZRKLOVETG5Vwd/XR27VRj9NKkZYPp+r/AKa5LUj5c6eP+/yY3j+vPnX"
    "APdKZw6NmK2kpGQSAyKMHT92qo/xLTquWvqjja+FOjZq7fhyEsNxdaf7grdn6jOgoTtTzELO"
    "y5hXZe+vSh75PmZri9d2+nygIG1R1AQnKQQnmfTv4SLvxuYqHC/USWioOthlQRNh0AFtE81h"
    "/ODaeG2Na3HPrsWcLywtz1BS9hKxD79eEg839BRvKAqhCdx/DeF/betSUhkz6eSH3bpPSTpD"
    "X41Ktp3PdCo5LM+uLGK+8TMpGIVFQWMSKpiE4/HViK2GeWgJRdEZKvW4f69N1k8nDkFQ8t/U"
    "Ch8GPaVVm4w7QpZWiOfZm0HtOKqVN6eSwqkE4MV1UFQLehTljLfhQW/DpmeBjWtMoWZDsyQ2"
    "nLX58vnzsWSW+8S/jSFSOudLYodxwmvlgDC++q4a0D589dK7trY26kwdLdD2fq2VN30JFZLU"
    "IQphGw20IngYZ5NW2qdp0tZ8NpkmbaZJmwLRr5LyYpq0HWSTtnPxqrEXRzWsdXJn0sZV42xM"
    "r7lChiZ+RJq4MT6uWV9vDpDTIrh8H7Vr4UelgHAyXEN0TzuZQKctJtBp1QQSTwxrg99aOqNk"
    "IsNr3Y8TQ9Gbfr2TZrDry+yv/w/BRo+D"
)
