"""Small linear-algebra helpers shared by the flow model and the input-output layer."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def spectral_radius(a: NDArray[np.float64]) -> float:
    """Largest absolute eigenvalue of a square matrix (0 for an empty one)."""
    return float(np.max(np.abs(np.linalg.eigvals(a)))) if a.size else 0.0
