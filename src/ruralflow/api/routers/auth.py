"""``POST /auth/token``: the OAuth2 password flow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from ruralflow.api.deps import CurrentUser, EngineDep
from ruralflow.api.problems import Problem
from ruralflow.api.security import issue_token
from ruralflow.store.users import authenticate

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    name: str
    role: str
    county: str
    scope: str


@router.post("/auth/token", response_model=Token)
def token(
    request: Request,
    engine: EngineDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """Exchange a user name and password (form fields) for a bearer token that expires."""
    user = authenticate(engine, form.username, form.password)
    if user is None:
        raise Problem(401, "用户名或密码错误 / wrong user name or password", kind="bad-login")
    access, life = issue_token(request.app.state.secret, user)
    return Token(access_token=access, expires_in=life)


@router.get("/auth/me", response_model=Me)
def me(user: CurrentUser) -> Me:
    """Who the token belongs to."""
    return Me(name=user.name, role=user.role, county=user.county, scope=user.scope)
