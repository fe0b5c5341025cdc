"""Expected loss as a function of the consumed fraction of shelf life.

Item failure is Weibull-distributed in ``phi`` (the consumed fraction of shelf life,
:mod:`.journey`), so the expected loss fraction of a lot is the Weibull CDF::

    L(phi) = 1 - exp(-(phi / LAMBDA) ** K)

increasing from ``L(0) = 0`` towards 1. ``LAMBDA`` and ``K`` are calibrated in
:mod:`.calibration` against PARAMS.md section 2. The value lost is::

    loss_yuan = kg * L(phi) * value_yuan_per_kg
"""

from __future__ import annotations

import math

from ruralflow.freshness.calibration import WEIBULL_SCALE_PHI, WEIBULL_SHAPE
from ruralflow.freshness.errors import FreshnessError


def loss_fraction(
    phi: float, *, scale: float = WEIBULL_SCALE_PHI, shape: float = WEIBULL_SHAPE
) -> float:
    """Expected loss fraction ``1 - exp(-(phi / scale) ** shape)`` for ``phi >= 0``."""
    if not math.isfinite(phi) or phi < 0.0:
        raise FreshnessError(f"consumed fraction phi must be a finite number >= 0 (got {phi!r})")
    if scale <= 0.0 or shape <= 0.0:
        raise FreshnessError(f"Weibull scale and shape must be > 0 (got {scale!r}, {shape!r})")
    return -math.expm1(-((phi / scale) ** shape))


def phi_for_loss(
    loss: float, *, scale: float = WEIBULL_SCALE_PHI, shape: float = WEIBULL_SHAPE
) -> float:
    """Inverse of :func:`loss_fraction`: ``scale * (-ln(1 - L)) ** (1 / shape)``."""
    if not 0.0 <= loss < 1.0:
        raise FreshnessError(f"loss fraction must be in [0, 1) (got {loss!r})")
    return scale * math.pow(-math.log1p(-loss), 1.0 / shape)


def loss_yuan(kg: float, loss: float, value_yuan_per_kg: float) -> float:
    """Value lost in yuan: ``kg * loss * value_yuan_per_kg``."""
    return kg * loss * value_yuan_per_kg
