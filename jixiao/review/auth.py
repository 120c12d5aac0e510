"""The review server's token: every request but for the stylesheet and script carries it (header,
``?token=``, or the cookie the first visit sets). Tokens are compared as UTF-8 bytes in constant time, so 令牌 works like any
other; the cookie holds a digest of the token, never the token (a cookie value is ASCII)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from starlette.requests import Request

TOKEN_HEADER = "x-jixiao-token"
TOKEN_COOKIE = "jixiao_session"


def session_value(token: str) -> str:
    return hmac.new(token.encode("utf-8"), b"jixiao review session", hashlib.sha256).hexdigest()


def _header_bytes(request: Request) -> bytes | None:
    # HTTP header values are bytes; Starlette decodes them as Latin-1, so this gives them back
    value = request.headers.get(TOKEN_HEADER)
    return value.encode("latin-1", "replace") if value is not None else None


class TokenCheck:
    def __init__(self, token: str) -> None:
        self._token = token.encode("utf-8")
        self.session = session_value(token)

    def given_in_query(self, request: Request) -> bool:
        value = request.query_params.get("token")
        return value is not None and hmac.compare_digest(value.encode("utf-8"), self._token)

    def allows(self, request: Request) -> bool:
        header = _header_bytes(request)
        if header is not None and hmac.compare_digest(header, self._token):
            return True
        cookie = request.cookies.get(TOKEN_COOKIE)
        if cookie is not None and hmac.compare_digest(cookie.encode("ascii", "replace"), self.session.encode()):
            return True
        return self.given_in_query(request)


def without_token(request: Request) -> str:
    """The URL asked for, minus ``?token=``: where to send a browser once its cookie is set, so the
    token does not stay in the address bar and the history."""
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    return request.url.path + (f"?{query}" if query else "")
