"""Users and roles: argon2id password hashes (argon2-cffi), one county and a scope each.

Roles (``docs/service.md``): ``county_admin`` (all of its county), ``station_operator`` (its
station: scope = a place id), ``cooperative`` (its members: scope = a cooperative id),
``logistics_operator`` (plans and route sheets); for the service centre (``docs/centre.md``)
``applicant`` (scope = an applicant id of the centre: its own applications) and ``bureau``
(scope = a bureau id: the applications to its bureau's policies). ``public`` needs no login
and has no users.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select

from ruralflow.domain import PlaceKind
from ruralflow.store.counties import county_row
from ruralflow.store.db import StoreError, require_current, session_scope
from ruralflow.store.models import PlaceRow, User

__all__ = ["ROLES", "SCOPED", "add_user", "authenticate", "hash_password"]

ROLES = (
    "county_admin",
    "station_operator",
    "cooperative",
    "logistics_operator",
    "applicant",
    "bureau",
)
#: Roles that need ``--scope`` and what it names.
SCOPED = {
    "station_operator": "station",
    "cooperative": "cooperative",
    "applicant": "applicant",
    "bureau": "bureau",
}
_SCOPE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_STATION_KINDS = {PlaceKind.TOWNSHIP_STATION.value, PlaceKind.VILLAGE.value}
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _HASHER.hash(password)


def add_user(
    engine: Engine, name: str, *, role: str, county: str, scope: str = "", password: str
) -> User:
    """Create a user; :class:`StoreError` with a bilingual message for any bad value."""
    require_current(engine)
    if not _NAME.match(name):
        raise StoreError(
            "用户名只能含字母、数字和 _ . @ -(至多 64 个) / a user name is 1..64 letters, "
            f"digits or _ . @ -: {name!r}"
        )
    if role not in ROLES:
        raise StoreError(f"未知角色 / unknown role {role!r} (one of {', '.join(ROLES)})")
    if role in SCOPED and not scope:
        raise StoreError(f"角色 {role} 需要 --scope / role {role} needs --scope ({SCOPED[role]})")
    if role not in SCOPED and scope:
        raise StoreError(f"角色 {role} 不用 --scope / role {role} takes no --scope")
    if len(password) < 8:
        raise StoreError("密码至少 8 个字符 / the password needs at least 8 characters")
    with session_scope(engine) as s:
        crow = county_row(s, county)
        if crow is None:
            raise StoreError(f"数据库中没有县 {county} / no county {county} in the database")
        if role == "station_operator":
            kind = s.scalar(
                select(PlaceRow.kind).where(
                    PlaceRow.county_id == crow.id, PlaceRow.place_id == scope
                )
            )
            if kind not in _STATION_KINDS:
                raise StoreError(
                    f"{scope!r} 不是该县的站点 / is not a station or village of county {county}"
                )
        if role in ("applicant", "bureau") and not _SCOPE_ID.match(scope):
            raise StoreError(f"--scope 须为编号 / --scope must be an id: {scope!r}")
        if role == "applicant":
            from ruralflow.store.centre import ApplicantRow

            known = s.scalar(
                select(ApplicantRow.id).where(
                    ApplicantRow.county_id == crow.id, ApplicantRow.applicant_id == scope
                )
            )
            if known is None:
                raise StoreError(
                    f"{scope!r} 不是该县服务中心的申请人 / is not an applicant of county "
                    f"{county}'s service centre (applicants.csv or POST "
                    f"/counties/{county}/centre/applicants)"
                )
        if s.scalar(select(User).where(User.name == name)) is not None:
            raise StoreError(f"用户 {name} 已存在 / user {name} exists")
        user = User(
            name=name, password_hash=hash_password(password), role=role, county=county, scope=scope
        )
        s.add(user)
    return user


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The active user ``name`` if ``password`` is right, else ``None`` (same time either way)."""
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.name == name, User.active.is_(True)))
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    return user
