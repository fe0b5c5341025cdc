"""Background runs (plan, season, siting, matrix, contracts) and route sheets: not yet."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["runs"])
