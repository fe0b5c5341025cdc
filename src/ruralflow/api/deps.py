"""Dependencies of the routes: the database, the caller and what its role may see.

Every refusal is 401 (no or a bad token) or 403 (a valid user outside its county, station or
cooperative). The 403 message never says whether the thing asked for exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ruralflow.api.problems import Problem
from ruralflow.api.security import decode_token
from ruralflow.store.db import session_scope
from ruralflow.store.models import CountyRow, PlaceRow, User

__all__ = [
    "CurrentUser",
    "EngineDep",
    "OptionalUser",
    "Principal",
    "forbid",
    "need_county",
    "need_role",
]

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


@dataclass(frozen=True)
class Principal:
    """The logged-in caller (a detached copy of its user row)."""

    id: int
    name: str
    role: str
    county: str
    scope: str


def _user(request: Request, token: str | None) -> Principal | None:
    if not token:
        return None
    claims = decode_token(request.app.state.secret, token)
    if claims is None:
        raise Problem(401, "令牌无效或已过期 / the token is invalid or expired", kind="bad-token")
    with session_scope(request.app.state.engine) as s:
        user = s.get(User, claims.user_id)
        if user is None or not user.active or user.name != claims.name:
            raise Problem(
                401, "令牌无效或已过期 / the token is invalid or expired", kind="bad-token"
            )
        return Principal(user.id, user.name, user.role, user.county, user.scope)


def optional_user(
    request: Request, token: Annotated[str | None, Depends(oauth2)]
) -> Principal | None:
    return _user(request, token)


def current_user(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> Principal:
    user = _user(request, token)
    if user is None:
        raise Problem(401, "需要登录 / log in first (POST /auth/token)", kind="no-token")
    return user


CurrentUser = Annotated[Principal, Depends(current_user)]
OptionalUser = Annotated[Principal | None, Depends(optional_user)]


def forbid() -> Problem:
    """The one 403 answer (it names nothing the caller may not see)."""
    return Problem(403, "无权访问 / not allowed for this user", kind="forbidden")


def need_county(user: Principal, adcode: str) -> None:
    """403 unless ``user`` belongs to county ``adcode``."""
    if user.county != adcode:
        raise forbid()


def need_role(user: Principal, *roles: str) -> None:
    """403 unless ``user`` has one of ``roles``."""
    if user.role not in roles:
        raise forbid()


#: Place kinds that are stations (an operator's ``--scope``).
STATION_KINDS = ("township_station", "village")


def user_county(s: Session, user: Principal, adcode: str) -> CountyRow:
    """The county ``adcode`` of ``user`` (403 for another county's; 404 if it was removed)."""
    from ruralflow.store.counties import county_row

    need_county(user, adcode)
    row = county_row(s, adcode)
    if row is None:  # the user's own county was removed: nothing to leak
        raise Problem(404, f"没有县 {adcode} / no county {adcode}")
    return row


def station_county(s: Session, user: Principal, adcode: str, place: str) -> CountyRow:
    """The county, if ``user`` may work on station ``place``: its own station operator or
    the county admin (403 otherwise; 404 if the county has no such station)."""
    need_county(user, adcode)
    if user.role == "station_operator":
        if user.scope != place:
            raise forbid()
    elif user.role != "county_admin":
        raise forbid()
    crow = user_county(s, user, adcode)
    kind = s.scalar(
        select(PlaceRow.kind).where(PlaceRow.county_id == crow.id, PlaceRow.place_id == place)
    )
    if kind not in STATION_KINDS:
        raise Problem(404, f"该县没有站点 {place} / no station {place} in county {adcode}")
    return crow
