"""Exact money: integer fen (分), Decimal inputs, one stated rounding rule.

Every amount that moves in a settlement is an ``int`` number of fen (0.01 yuan). Prices and
quantities are :class:`~decimal.Decimal` (read from text, never from float), so a line amount
``kg x yuan/kg`` is exact until it is rounded once, to the fen, by :func:`to_fen`:

* **line amounts** (a delivery's purchase payment, a fund contribution, a penalty) are rounded
  half up to the fen (四舍五入), each line on its own;
* **pools** shared among several people (a dividend pool, a fund's capped payout) are first
  rounded *down* to the fen, then split by :func:`allocate`: every share is rounded down, so
  nobody is paid more than the stated basis gives; the few fen left over (fewer than the number
  of people) are the *remainder*, and the settlement posts them to a named account.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction

from ruralflow.sharing.errors import SharingError

#: Working precision for intermediate Decimal products (kg x price x grade factor x share).
PRECISION = 50

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

ROUNDING_RULE = (
    "line amounts rounded half up to the fen (四舍五入到分); pools rounded down to the fen and "
    "split by rounding each share down, remainder fen to the named rounding account"
)


def to_fen(yuan: Decimal) -> int:
    """``yuan`` as whole fen, rounded half up (0.005 yuan -> 1 fen, -0.005 -> -1 fen)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return int((yuan * HUNDRED).quantize(ONE, rounding=ROUND_HALF_UP))


def to_fen_down(yuan: Decimal) -> int:
    """``yuan`` as whole fen, rounded toward zero (used for pools: never more than owed)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return int((yuan * HUNDRED).quantize(ONE, rounding=ROUND_DOWN))


def mul(*factors: Decimal) -> Decimal:
    """Exact product of Decimals at :data:`PRECISION` digits."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        out = ONE
        for f in factors:
            out *= f
        return out


def yuan(fen: int) -> Decimal:
    """Whole fen back to yuan (exact)."""
    return Decimal(fen) / HUNDRED


def fmt_yuan(fen: int, *, sign: bool = False) -> str:
    """``123456 -> "1,234.56"`` (``sign``: always show + or -)."""
    neg = fen < 0
    a = abs(fen)
    s = f"{a // 100:,}.{a % 100:02d}"
    if neg:
        return "-" + s
    return ("+" + s) if sign else s


def parse_decimal(text: str) -> Decimal:
    """A finite Decimal from text (``"2.85"``), or ``ValueError``."""
    try:
        d = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise SharingError(f"not a number: {text!r}") from None
    if not d.is_finite():
        raise SharingError(f"not a finite number: {text!r}")
    return d


def as_decimal(value: Decimal | int | float | str) -> Decimal:
    """A Decimal from a Decimal, int, str, or float (a float goes through its shortest repr,
    so ``47.3`` becomes ``Decimal("47.3")``, not its binary expansion)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise SharingError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return parse_decimal(repr(value))
    return parse_decimal(value)


def allocate(pool_fen: int, weights: Sequence[Decimal]) -> tuple[list[int], int]:
    """Split ``pool_fen`` in proportion to ``weights``; return (shares, remainder).

    Each share is ``floor(pool x w_i / sum(w))``, so ``sum(shares) + remainder == pool`` exactly,
    every share is within one fen below its exact proportional value, and
    ``0 <= remainder < max(1, number of positive weights)``. With no positive weight the whole
    pool is the remainder.
    """
    if pool_fen < 0:
        raise SharingError(f"pool must be >= 0 fen (got {pool_fen})")
    if any(w < 0 for w in weights):
        raise SharingError("weights must be >= 0")
    total = sum(weights, ZERO)
    if pool_fen == 0 or total <= 0:
        return [0] * len(weights), pool_fen
    ftotal = Fraction(total)
    shares = [math.floor(pool_fen * Fraction(w) / ftotal) for w in weights]  # exact
    return shares, pool_fen - sum(shares)
