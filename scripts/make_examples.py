"""Write the shipped example bundle(s) into ``src/ruralflow/examples/``.

Usage (from the repository root; the packaged data is used unless RURALFLOW_DATA is set):

    .venv/bin/python scripts/make_examples.py            # Liquan 610425, the default example
    .venv/bin/python scripts/make_examples.py 420527     # another of the six, same parameters

The bundle is ``make_county(adcode, seed=EXAMPLE_SEED, season_days=EXAMPLE_SEASON_DAYS)`` with
the county's default start day; ``tests/test_bundle_make.py`` checks that the shipped Liquan
bundle still equals a fresh build.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ruralflow.bundle import write_bundle
from ruralflow.bundle.centre_files import CENTRE_FILES
from ruralflow.bundle.centre_generate import write_station_services, write_talent_files
from ruralflow.bundle.make import (
    DEFAULT_EXAMPLE,
    EXAMPLE_SEASON_DAYS,
    EXAMPLE_SEED,
    make_county,
)
from ruralflow.bundle.upflow_generate import write_upflow_files

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "ruralflow" / "examples"


def main(argv: list[str]) -> int:
    for adcode in argv or [DEFAULT_EXAMPLE]:
        county = make_county(adcode, seed=EXAMPLE_SEED, season_days=EXAMPLE_SEASON_DAYS)
        # the service centre's catalogue is curated by hand (docs/centre.md): keep it
        kept = {
            name: (EXAMPLES / adcode / name).read_bytes()
            for name in CENTRE_FILES
            if (EXAMPLES / adcode / name).is_file()
        }
        out = write_bundle(county, EXAMPLES / adcode, overwrite=True)
        for name, data in kept.items():
            (out / name).write_bytes(data)
        write_station_services(county, out)  # issue 19: synthetic station services ledger
        write_talent_files(county, out)  # issue 19: synthetic talent pipeline
        write_upflow_files(county, out)  # issue 18
        out.chmod(0o755)  # write_bundle's temporary folder is private (0700)
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        print(f"{adcode} {county.name}: wrote {out} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
