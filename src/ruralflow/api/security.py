"""Access tokens (JWT, HS256, PyJWT) and the secret that signs them.

The secret is ``$RURALFLOW_SECRET_KEY`` when set, else one generated on first use and kept
in the database (``service_meta``), so it is never in the repository and every database has
its own. Tokens expire after ``$RURALFLOW_TOKEN_MINUTES`` (default 60) minutes.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from ruralflow.store.db import session_scope
from ruralflow.store.models import ServiceMeta, User

__all__ = ["Claims", "decode_token", "issue_token", "token_minutes"]

SECRET_ENV = "RURALFLOW_SECRET_KEY"
MINUTES_ENV = "RURALFLOW_TOKEN_MINUTES"
_ALG = "HS256"


def token_minutes() -> int:
    """Lifetime of a token in minutes (``$RURALFLOW_TOKEN_MINUTES``, default 60)."""
    try:
        return max(1, int(os.environ.get(MINUTES_ENV, "60")))
    except ValueError:
        return 60


def secret_for(engine: Engine) -> str:
    """The signing secret: the environment's, else the database's (made on first use)."""
    env = os.environ.get(SECRET_ENV, "").strip()
    if env:
        return env
    with session_scope(engine) as s:
        row = s.get(ServiceMeta, "jwt_secret")
        if row is not None:
            return row.value
    try:
        with session_scope(engine) as s:
            s.add(ServiceMeta(key="jwt_secret", value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass  # another worker made it first
    with session_scope(engine) as s:
        value = s.scalar(select(ServiceMeta.value).where(ServiceMeta.key == "jwt_secret"))
    assert value is not None
    return value


@dataclass(frozen=True)
class Claims:
    """What a valid token says: the user's id and name."""

    user_id: int
    name: str


def issue_token(secret: str, user: User, *, minutes: int | None = None) -> tuple[str, int]:
    """A signed token for ``user`` and its lifetime in seconds."""
    life = 60 * (minutes or token_minutes())
    now = dt.datetime.now(dt.UTC)
    payload: dict[str, Any] = {
        "sub": user.name,
        "uid": user.id,
        "role": user.role,
        "county": user.county,
        "iat": now,
        "exp": now + dt.timedelta(seconds=life),
    }
    return jwt.encode(payload, secret, algorithm=_ALG), life


def decode_token(secret: str, token: str) -> Claims | None:
    """The claims of a valid, unexpired token, else ``None``."""
    try:
        data = jwt.decode(token, secret, algorithms=[_ALG], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return None
    uid, sub = data.get("uid"), data.get("sub")
    if not isinstance(uid, int) or not isinstance(sub, str):
        return None
    return Claims(uid, sub)
