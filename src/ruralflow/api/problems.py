"""RFC 9457 (formerly 7807) problem details: every error is ``application/problem+json``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["ERROR_RESPONSES", "PROBLEM", "Problem", "install", "problem_response"]

PROBLEM = "application/problem+json"
_TYPES = "https://ruralflow.example/problems/"

_TITLES = {
    400: "Bad request / 请求无效",
    401: "Not authenticated / 未登录",
    403: "Forbidden / 无权访问",
    404: "Not found / 未找到",
    405: "Method not allowed / 方法不允许",
    406: "Not acceptable / 无法提供该格式",
    409: "Conflict / 冲突",
    413: "Payload too large / 内容过大",
    415: "Unsupported media type / 不支持的内容类型",
    422: "Invalid input / 输入无效",
    500: "Internal server error / 服务器内部错误",
}


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details (bilingual detail)",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "additionalProperties": True,
}

#: Declared on every operation: the errors any route may answer, as problem documents.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {
        "description": _TITLES_EN,
        "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}},
    }
    for code, _TITLES_EN in (
        (400, "Bad request"),
        (401, "Not authenticated"),
        (403, "Forbidden"),
        (404, "Not found"),
        (405, "Method not allowed"),
        (409, "Conflict"),
        (413, "Payload too large"),
        (415, "Unsupported media type"),
        (422, "Invalid input"),
        (500, "Internal server error"),
    )
}


class Problem(Exception):  # noqa: N818 (a response, not a failure)
    """Raise in a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str = "",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int,
    detail: str,
    *,
    instance: str = "",
    kind: str = "",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": _TYPES + kind if kind else "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM)


_AUTH_HEADERS = {"WWW-Authenticate": "Bearer"}


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem document."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        headers = dict(exc.headers)
        if exc.status == 401:
            headers.update(_AUTH_HEADERS)
        return problem_response(
            exc.status,
            exc.detail,
            instance=request.url.path,
            kind=exc.kind,
            headers=headers,
            **exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 401:
            headers.update(_AUTH_HEADERS)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return problem_response(
            exc.status_code, detail, instance=request.url.path, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "where": "/".join(str(p) for p in e.get("loc", ())),
                "message": str(e.get("msg", "")),
            }
            for e in exc.errors()
        ]
        return problem_response(
            422,
            "请求参数无效 / the request has invalid fields",
            instance=request.url.path,
            kind="invalid-input",
            errors=errors,
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            500,
            "服务器出错,已记录 / the server failed; the error is logged",
            instance=request.url.path,
        )
