"""Directory, second step: sync bookkeeping and deferred auth-code exchanges.

- ``follow_relations.synced_run`` / ``group_chats.synced_run``: the SyncRun that last
  saw the row, so a complete run can tell what WeCom no longer returns;
- ``auth_exchanges.source`` / ``auth_exchanges.code_sealed``: who brought an auth code
  first, and the sealed code while a ``create_auth`` callback's code waits for its
  exchange outside the handler's transaction.

Hand-written ALTERs for both dialects (split_sql.py only writes CREATE TABLE).
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

_SQLITE = """
ALTER TABLE "follow_relations" ADD COLUMN "synced_run" INT NOT NULL DEFAULT 0;
ALTER TABLE "group_chats" ADD COLUMN "synced_run" INT NOT NULL DEFAULT 0;
ALTER TABLE "auth_exchanges" ADD COLUMN "source" VARCHAR(24) NOT NULL DEFAULT '';
ALTER TABLE "auth_exchanges" ADD COLUMN "code_sealed" TEXT NOT NULL DEFAULT '';
"""

_POSTGRES = """
ALTER TABLE "follow_relations" ADD COLUMN "synced_run" INT NOT NULL DEFAULT 0;
ALTER TABLE "group_chats" ADD COLUMN "synced_run" INT NOT NULL DEFAULT 0;
ALTER TABLE "auth_exchanges" ADD COLUMN "source" VARCHAR(24) NOT NULL DEFAULT '';
ALTER TABLE "auth_exchanges" ADD COLUMN "code_sealed" TEXT NOT NULL DEFAULT '';
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return _POSTGRES if db.capabilities.dialect == "postgres" else _SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    # SQLite >= 3.35 and PostgreSQL both drop columns.
    return """
ALTER TABLE "auth_exchanges" DROP COLUMN "code_sealed";
ALTER TABLE "auth_exchanges" DROP COLUMN "source";
ALTER TABLE "group_chats" DROP COLUMN "synced_run";
ALTER TABLE "follow_relations" DROP COLUMN "synced_run";
"""


MODELS_STATE = (
    "eJztXW1z2ziS/isof4ldpeRsOW+Tu7oq23Fms3nxlO252drxFgWRkIQ1CWoI0I5ud/77AiAp"
    "8Q00KZGMiODDTGwQDdIPwGY/3Y3Gvw4830EufXHhB8uDd+BfBwR6iP+QaR+BA7hcblpFA4NT"
    "V3a0eQ/ZAqeUBdBmvHEGXYp4k4OoHeAlwz4RXc8AQwQS9g74BIHf0IXvAT+YA7aADGBCGXRd"
    "5ICQgkMaYoaO+FUQhIRGTcidPZ+G2GVHL8T9HN/mN8Rk3v7QIcF/hMhi/hyxBQr4DX7/B2/G"
    "xEHfEE1+Xd5bM4xcJ4MbdsQAst1iq6Vs+0jYB9lRPPXUsn039Mim83LFFj5Z98aEidY5IiiA"
    "DInhWRAKOEnoujHsCcLRk266RI+YknHQDIaumBQhHT3Apu3Asr5e3Vo3l7eWdVCYsEQiBXTc"
    "ZPtETDZ/VCr/+rl4hOfjk5dvXr49ff3yLe8iH3Pd8ubP6NYbYCJBCc/X24M/5XXIYNRDYrwB"
    "VawxqwzZiwUMyqFNieTw5Q+exzdBc38B9uA3y0Vkzhb819cvK9D8v7Pri7+cXR++fnkkbujz"
    "VzJ6Ub/GV8bykgB8A7D8twG6Sf92oE0aNthuFMgayINeoB2/elUDW95LCa68lkVXaM0m6Cb9"
    "+0O3t6V78roGvCevleiKS1lwuWpnIW0C70aix+XLP4z4AfWziNsHGXJMWEMNnJbRTk+cjmtA"
    "fDpWQiwu5dYxsgPELIogN1SKON+ibwojoiCoAdgV4N5e/u1WjOxR+oebBvXwy9nfJN7eKr7y"
    "+errz0n31CRcfL46z4Fvc/NwCu17bvLdI7LFJCgHMJOx/WRARK17tNplOopDmAlpPCFLFHiQ"
    "CG1uc8tki+lQDmAmo/FkwJAtLExmfnEC/npz9VXxLU4L5UB3sM3Av4GLaYF3tgb+/8xCYgtk"
    "gWTZnJC/ELf93+8wKQKk6knJ4y8g8ymbB3IUOUBBZQVIQGZBVpyV9/wKwx5SaKqMZH5qYtEX"
    "yQ9DtP/5H+hcEXd1EFHmqvfl45fLm9uzL79k5uf92e2luDLOvDBJ62HejF0PAn77ePsXIH4F"
    "f7/6epmfxnW/278fiGfir4hvEf/Rgk6K3SetCWqZWQ+XzpaznpU0s74vs55glJp2+fTC3Te7"
    "T/mmRIMwMB5h4FiZK5vlgbyl668QKiGn57Hoh0/XyIUS3OI6iF2wl/EwA1wFfybrPmndrIa0"
    "c49Q30VWwP+3I1QX0VDX/D9t0Qop8z0U7IpUPIyuMDloCQPmISGzE1Dv1wPpCtXMd12uAIMY"
    "ih3x+iBHS/fTEbN54IdLy17AXZfXz2KgiwXUdnVtkLI85E13VlxrwL7I0XSFja6IbYn45G5o"
    "3fBhrkNtX0MG5zsCdAvnGoNjybdvd4jkS6ctTpxhuZggCz3sbi7cxoNdPmhsMcDAXuAHJHvt"
    "DtlZNNpFNJjumN2jVTt4fUIr3bHykINhK2B9SUbSGy5K4XxXDr1GTA6mO2YiMoGZFdKdDdMY"
    "t1/kgL9SvUxT4e7yx77KAZa9VPKhCAPqB2p8rwi69fn/6n8s1gM+gXDsxt17gMvWJkWM8cEq"
    "1mVj3G5SQ2qCnFiI3tjLLU0PEq69nHg4IZz3ppYku6Y9reqE14xbt07Sa8R7gT8DMM5SfUZF"
    "cuoIQMqlAvEP/7sYH4YCQfwAJA7glJnMpY0lLnBB1wUhLct8bX38kvTX32VCpbzIVRt2Dv5h"
    "EmK/Y0JsPAkFYNXZWBsJDbMK20+I9ZeIWM1RzolpkN5gMo+HnHlcGQZRp4vkxPYjYUTcT5uE"
    "EY/f2XIysaXa2eFFUe1ehvbTa/mE4MRErot0WkY7iDvRNyYZv4dkfK5W8JxslXeUE20h8Wg/"
    "aeIA84yK6WUupCwKSljJZOTcAHiuZFIlwk/TqrZesOOu3qyIVv00Hp+evhkfn75+++rlmzev"
    "3h6v+VXxUhXROv/4s+BamRlOyJdJ7tQ3zc8kd/6Is65K7swmIyp2GisVrXqjcYcKds9dV4V0"
    "2SzARXQ/+AHihskntJIgfxQb9old9tXK1SUYGLgqLzZvDuDj2nuaXlS+IHsuYpEdfXZzcfb+"
    "8uBPdf5xo1BNQ+f5RzL1v0WpDSXu89TVUZUDHYt+dZ3nDyjA/OmcEXCQHayWfKpBsrtrBCjj"
    "C8cBUzTj/4JHBCChjygAkwkNbRtROpmUecx3H/SO3JHJ5JDa/hKJUZxwKUL7R5MJwBREy+0d"
    "gCBALFgJ1zxbIEA5Xuv7iKoUKGAUEJ8t+JO9EAPK8aIxhIBYBgA78mdpy/GHcn0y51f9kahg"
    "IUcV9SxEL/640S/PXd7ZvSNRQgs4ZNi+R4yOgNgGFDv+6dEL8Jsf3KOAAtuF2AOB/0jBI+Y9"
    "IHARpEiGCfg0uitxH08dGpBPHb0VMQ6F8MDvKaJH0DfGP44MeUvxb9S3duygyujVLHzQi52r"
    "DjKsp7U2l08ETIihhud787I0gDgjZGCuATP1w8ButozXEhoC/LYGvm+V8L7No7sPlXn2yKn6"
    "I8bHBqwb4hwICVKTFZwVM6v4SaCXcOX6sFnNgI2IFmu57zoBAwnFLBFxBGy9LOwOCiNFNKYE"
    "ZyVJSYto45LfMdMpH/QIgrJ0UbWyyEppoJD71hYBshF+ULi7P3BFrAA+J5dDfiYE9dLV769+"
    "Pf98CX65vrz4ePMxzgxZe7DlRdHEG3Dksru+PPuct+lyDpAmgJfIGtDrgC5dWlZIGHYbAZ6T"
    "6xPsrnR2x0hLd2JUCK2RVZ0V00CJd53TJHyzuLnOzoptuaCHk/ex7ZJuUPOly5jLjfDo30oP"
    "/kFJ0CV9eVQVdZGRASsOBdSLvtwuECDoEVEWBxkiabBEcaABHC5DukCOCE4EK3ByDDxMQobo"
    "CDxAFzvg9LikVnd7w5o63fu1LSFaY83cgWkZU6n7SU9K9K5sUYOxIGi8KtuUwpSKqfSLWxWY"
    "zIjplCbScyqeScpST4heSVl7Yn2dhWxx+S1y+JeZX5nrlfaXLMGK4q41DbArguKcDT7eMwoS"
    "cZnqAcG6rK68PgKPC19YTGAa+OF8weIUEod3x0G0Vydjh7U6+h05FA3xUSsgQA4OkM2SJJXJ"
    "JMqFtcQNJ5N1FszRuyiHBfHV7Ii0FwiI/9xfGvPOmHd7qme7jkmKCtkLSBeNfCdpIWNFPwmy"
    "CY4VUe7gaJZBpN70td+uziIeqxfxuFxTbHE2ginBv+sBFSbpqVv13Dj+a0K/O6xms71NM05t"
    "trf9iLO+556UdG3+EkdKrnR/1XmzueMCnnaj/LbwgQdXIKQIPC6wLTwecpB3ADoeJuBwFvge"
    "SPkvntHIMyKOzBEujHkACV+/R6OCE6XFse+I7XtLF4udb+AwrgIHuKXGfzqSm3EicAN+Eci9"
    "FmJj0bocGR8w8qVgB01hoIyQFUp58Z8EmKaklynppbNjJYhVS114k/4agtsB1S/fK6YuMaXa"
    "K2ZOI9u9uFT8RbGmjbaWZaU0IFKde2oNcdLMhK5DnEyFCFMhovuElqFWiFifK1ZG8VJnjlXw"
    "u/QBZzUqRBCAvjEUEOgmRY7B4V34agrHd+Hr8embo6T6gkDsHfAJEpUOwMJ/lNFs/pesUhwq"
    "OgwLYFZSNqLLO1XytOS2lqm9vAdELT8bDUysElEN2cWPuAl6yEU7y7c/33jQdZXKQrH3uUOD"
    "5qRbdXE6fvN6rSnEL1VK4ubL2efPxexE+MB1RkncSr1QNxLaLdVXJ3X2u/BeyqUqr5VEXptq"
    "g4yQdjh3ohIkZDN+9+3AzkgaxOsgbupT94Eyx8NBJRq6+mO3kdJmv34bnzv+9/ikYchiI6Ld"
    "gm3f7H1Etu9Zgog08axnpYx7vXX3+kCSR4dd5N4419XQ6+tcN1lJus26KivJhFRMSMWEVOqE"
    "VN5vjnoqCaq8zxwEpQ6r5I70ejKwoka3MlTBb8MsE6L4ziGKZBYKyFbtUU8J6aRTe96hbkIV"
    "nXrJYCBONGq6tDNi2vhwel7ZflDqOqvCfS1iMDf1LgwfMnzI8KE9AHfgfOiDTJy6Ri6M//AC"
    "J8r1GFXxoigNywrizg0KsySpXM8oWEsv8DI6QkckfyWZbODwN3The7zfZBLfTuT/TCYltfHa"
    "HLhRTtlovZ+keHRPcb9Q7NBudnKPoXUm82xoITizK6vrXVnIg8F9E4A3EoYz1+HM6ScrwKwu"
    "qZAT0wDrvgsrRAvV2ipnrUxWgynoYbnHyHn+FMcbxOsmThQl9yN5QtxPm+QJzoK3qJ+aljK+"
    "pO18SRxD6xGWbAmtQj2R0Ab01g6qERSoWW2zREA7Pd6+VegvUbAFy8mJGaCfBJrBuYWdRp/J"
    "lIj5Prb+fTTJhT1UThT53M2NkLTUVt/DPTsz5fuYISapeT/1zorYfHUHYYmTQPlGZIWMjWjC"
    "tyZ8a8K3Jnxrwrfq8O3PgR8uuTVbms26uTiqCtrORTfL5v06TWYVNyhLZt308B/50jFh0H7D"
    "oMm0FJCtPLFdkf5nonKm4EbfIYpIazSAdy2gHb4dLF2f4bJDJ9SRzo2EBvD2HeRMdlsmNKS+"
    "OyUvqQ197D2u42FiJc6Pug6VrNR+OFS0cuRGHiuVO7e64EReVptXo42yEw6mHqYUle0B8X0X"
    "QaJIaEnL5RCdcsGuIF239Luoz6+uPmcW9fnHvDr/9cv55fXhiVzhm+Ovi4h7yJuigEMZkhId"
    "o1zFeTFtVnF7MWTjdDVOV+N0NU7XfXmPjNNVc6frF/lNPqhyvcZdRvUcsFb0le/FDzuqv0fF"
    "uGSNS1Yvl6zZidJ1KtzKlEFuhaD/08dkC39gRkwbWtOzM1CCSG2OU9OlnJXUBv82FjQmD5iV"
    "HUir1r0pEQ2CCl2r3sicJNi+bxp4LEpqB3cnIUgT4O0SXVMZueuj14y3x3h7jLdH4e25WRH7"
    "OiwtjZJcGlV5d0SEQcQX6h7BBcR5D0BIiROwZIUSeQJWgGjoiUGBPAN5MpFb4CYTAGcMBQAC"
    "O4B0Ic5AhgSgIPCDklO3Wh68xNGk9CWZKiffw5d0z/+sJl/OpH+Pn02xJPv5dHZwUu8wNphx"
    "9UMETMNFed50d/BcTwv7tM45UKfqY6BOC6dAKbZeVxw2rdh6bTaO7Z7nJNM7Gm0g3kiY6Wh9"
    "OpjPoGstcKNMnayQNr6/1lJKpPlYxFOdUrwW0ECb951RzJV1sF3+TlbS5O/sS/6OOfnlR5z1"
    "OllbM0wwXWw17TnRFuZ9z8ozDHeai2+38dcaf63x16r8tbdwflDiqxXNoyo/LYPzTvPuokpP"
    "5iyf7+oOjSehAKzalbSRMHlftZMPmkGcltGA4pnt5EPONjCJiy3leZkTjvpPWIyMsMZ7OTdS"
    "Zidng52cxsuiXv76elkM+zbs27DvCvYt974dlFPw6NroCR5uSUbQKRtfcw7Dx78nHx8OXRww"
    "JzeEsdP6Y4bnGJ5jeI7hOYbnGJ5jeM6PwnO4vnIxQZcPiJQWX852GFUynrirhUTfmvtEbnyP"
    "0xqOMGALyMCCD88XgAOYL3ZrxGfajgBd+I8EYMJ7IUCxg6YweEZBcsviFpGWxr0jd0TsJXgH"
    "5GljIxB/fK3pykqO5M00boYWgVhRDYXMhRxy+HfJGd0RsaWad5XW/wi4aMaSnzlShM5QYMUp"
    "a5uWIP2LNYPYFQ3EZ/zeL148fa4vf3JONe7RqqJGSslhsL5th+Le4rvXbL9LldWoGafsxWQ0"
    "x//uEQ8dRtGVwcaF93+rV29rt/1dMmmV3khr5wR1Mox7J/2Mf8CL6Kv3xmwkzN6YDOtsY2/M"
    "xjZqoHMyQhoqnp/q7H38Sb338afC3seksHtz50tW0jhf9sX5UmcDh3G+GOeLcb6onC9ngb3A"
    "D+iCP77C+5LrMapyv8Cor0Sjvv/lbO0MeUbBoSiMAQLf957RIxAPJF0mcmw+FSPwiNkCPC4Q"
    "AZgBF1IGYh9HWZmOVseudHHQcPpPZEuIFOVgTUS8z4h4aj7qGlUpEQ1NKuOHGBi8A6mJEpJ7"
    "bn2RflBuvyZKrOAb+yOyciYBYTtfhAmJqydkmKzMhMQNKzOsrA1WFgbULz0UI9thVIuTyb41"
    "KdntAoEFni8Q5z8U/QE4hQqQA2aSQAnQ/ht4/gOiwOfaKeJMInrtIUr5X0QFd7L59YAWGVm7"
    "Qz9dNtFwrl45F/qjmREVCxjraTvrSXgorCV/oC3sp7ysKVWyPwZT0Y8tZ6txwa+slAaUu2pK"
    "u6j6tQGQo+qUJP8rNVuJpDZazhyKaNjfsNnf4K2wAvdrQlWe4olXBN36/H8ds8TvOgndcMQ2"
    "eB+n5wdq0vcpSvl4mvHdo1XdCBwB1zdnYBngBz57gAtKPiaK2k8my3DqYpu3WZx1TSbg0Hed"
    "DR2jDLsuIIhTONEu7nlUEobr4AaVsThBEMUfZyJw35MNJrNQH9mUhPHyldhL8Rsk3m2LIuiW"
    "7dxTs4FyaS0inX3zghl/GBRwQMsKWqvjczkxDQhZ50cqmaw9zRiCydoz8aH9+FoMPD70BTkY"
    "HqiZQnS9Flfw1l1rpOvJzmCGXSSOvoKJrT4CM8TsBTfUMQF34Xj8+iV4dTIGn86BvQjJPQVw"
    "CQMWnYslYjqMGyplKXutj19JFcR9sGMtIF1U7E3c6swtswex3biHmml4dN4sD20toIX1m0uR"
    "Gr+tkyM1fqtOkhLXcrlozn30pjQhHBkhLZDun2dstFMjnpER0wL6rpkGVwkSoGZaJBHRjsq1"
    "v/PTc17R0GuE71pCO3jbX7/o2xLZgvBS/P8lq7jKGCmIahOp7DkfYyAZ20tEnAGfYin/Nmsa"
    "zprYIhkhDdRJ35bIdMUQtRyfNNQtWTmjWLZTLEvIGhmASX8NFnpWm3DGX0Od8F5KfSKvZdGF"
    "jCFvWXZcqHJZp0W0WdTmZMohamaTRKVe18MMkQwkiep7T64JkZgQyVMhEhk6OKgKkkQ9RvXC"
    "JFFWUr1IyRVBcWkB5GyCGMQPPOhiWlau4EkJUQzyFxjc88uHxF8nUmFGQZw6A1aIHQFIHBAV"
    "adxkUt0jtBRxERyAySRAfOKcyeTp+EjkKVdHRvgKEbeGLM7bET4x8bHgApWlHUv7JWGWTBv6"
    "w8RdTNxlH5VkH3GXvd9RpckiT3HtdEJqA/uqIGd44UD9o/79UF2j0E6+w3UB3khoQL27htfE"
    "CDuOEVJESg+BqVAQawnt4G0/RsjNfoSFuV5EWF38NSO0H/Vfxf20qf8qKtI1s6I3EmbNP7nm"
    "8wS1Lsh5Oe2gPnl9XOv7eFzxgTwuZiEM8zSAwS7v5AyQbQAvihrAnwTcwfyD2FSZZIS0A7kb"
    "QxuXHbZY5fpICWlDvXv2fYic+SLo6rht0l+DJd132Jb594iUGOIVYK8lDNzN85d8p+SABTXr"
    "SfrvB+HR6sCLKPjUkILGEmY6Wp8Ok6zToxriKxm6rjyprxHjz4ppAHwPsTOzd1yN/jATo8ze"
    "8b6idiYxSuvEqF9Q4GH2K0VV9YVTnUZ10qOWsr/0JtVMkbqMPVA0qvS7PogFICIGd8DhZMJZ"
    "PQwdzP5rjlj6FpYw+iaTknJTrY1amRhlDnnZgxJTwziBZMC7Yk1yuW42lEkuNzaUsaFasKFu"
    "EGP8r6QVFtS6Sy37iaZ7P2k7cevsOeMWDWFJzjjgAzwPl+9k9ZtNGyezDByKPHHRfvP+U5Qf"
    "LpLGRXYdKhpQ7Q5tDmnYL5spmrYt6kcWBDVwQ/Xt/4spSBH2c993ESQKj+tGKof5lIt1Bfq6"
    "pV/cz6+uPmdwP/+YB/bXL+eX14cnchJ4J8wU4Uy+XBERj2Y5cNVke29RUJuIsineb6jBsKnB"
    "4L/OBWLQxI41xfv3s3g/CrC9OCjjAtGVagqw6fOU4a8GyRja+2VoK+vfq72T6gL4Orgnx69e"
    "1fBP8l5KB6W8ltvytCxRghX7naLuGqJ7clwrn/u4Ip/7uJDPze8oLOEiwupknZRI/9k63X90"
    "Os3L2cky2PVj9ud/AB3kx4o="
)
