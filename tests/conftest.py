import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import SHARED

SKIP_REASON = (
    f"needs the project's shared test material {SHARED} (../shared beside the checkout: "
    "benchmark instances, conformance suites, reference examples); not part of the package"
)


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` beside the checkout; the test is skipped (with the reason) without it."""
    if not SHARED.is_dir():
        pytest.skip(SKIP_REASON)
    return SHARED
