"""Errors a console or sidebar endpoint may raise; the route wrappers (:mod:`.guards`)
turn each into its status: a login redirect, a 403 page, or JSON for an API."""

from __future__ import annotations


class WebError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", **params: object) -> None:
        """``message`` is an English gettext msgid (Babel extracts it by the class
        name); ``{name}`` placeholders are filled from ``params`` after translation,
        in the language of the request that sees the error."""
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params


class BadRequest(WebError):
    pass


class Unauthorized(WebError):
    status = 401
    code = "not_signed_in"


class Forbidden(WebError):
    status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    code = "csrf"


class NoRole(Forbidden):
    """Signed in, but without a role that opens this page."""

    code = "no_access"


class Unavailable(WebError):
    """WeCom (or another service we need) did not answer as needed; try again later."""

    status = 503
    code = "unavailable"


class NotFound(WebError):
    status = 404
    code = "not_found"


class TooMany(WebError):
    """Over a throttle (sign-in starts and callbacks); try again in a minute."""

    status = 429
    code = "too_many"


def invalid_value(error: Exception) -> str:
    """What to tell the caller about a value the store refused (a Tortoise
    ``ValidationError``, e.g. longer than its column): the field's name, never the
    value itself."""
    field = str(error).split(":", 1)[0].strip()
    if field.isidentifier() and len(field) <= 64:
        return f"the value of {field} is too long or not valid"
    return "a value is too long or not valid"
