"""The China 42-sector input-output tables (units: 10,000 yuan) as the engine uses them.

The engine reads no files: :func:`ruralflow.bundle.io_tables.read_io_table` reads a table
file into an :class:`IOTable` and the caller passes it in (:class:`ruralflow.matrix.IOInputs`).
Two layouts (see ``shared/data/io/README.md``):

* national, non-competitive (``china_national_42/china_io_YYYY_42_noncompetitive.csv``):
  domestic and imported inter-industry blocks are separate, so the domestic flows are read
  directly; final consumption ``TC`` does not split households from government;
* provincial 2017, competitive (``china_provincial_2017_42/prov2017_NN_省.csv``): one block
  with inputs of every origin; rural (``FU101``) and urban (``FU102``) household consumption
  are separate columns. Domestic (in-province) flows are estimated by the proportional
  assumption: every user of product ``i`` buys the same share of it from the province's own
  producers, ``d_i = GO_i / (GO_i + IM_i + IF_i)`` (production over total supply, which keeps
  re-exported inflows on the supply side, where they are in these tables).

For a national table ``domestic_share`` is the domestic share of intermediate and consumption
use (for information: its domestic flows are read, not estimated).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

CODES: tuple[str, ...] = tuple(f"{i:02d}" for i in range(1, 43))

#: English short names of the 42 sectors (NBS 2017 classification).
SECTOR_NAMES_EN: dict[str, str] = {
    "01": "Agriculture, forestry, animal husbandry, fishery",
    "06": "Food and tobacco",
    "27": "Construction",
    "28": "Wholesale and retail",
    "29": "Transport, storage and post",
    "30": "Accommodation and catering",
    "31": "Information transmission, software, IT",
    "32": "Finance",
    "38": "Resident, repair and other services",
    "41": "Culture, sports and entertainment",
}


@dataclass(frozen=True)
class IOTable:
    """One 42-sector table: flows, outputs, value added and household consumption.

    ``z_total`` holds inputs of every origin, ``z_domestic`` those produced in the table's own
    economy, ``domestic_share`` the share ``d_i`` of each product's supply produced there.
    ``household`` is household consumption by product, of every origin, and
    ``household_domestic`` its part produced in the table's economy (rural households for a
    provincial table; households plus government for a national one, as ``household_label``
    says).
    """

    path: str
    kind: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    z_total: Array
    z_domestic: Array
    output: Array
    compensation: Array
    value_added: Array
    household: Array
    household_domestic: Array
    household_label: str
    domestic_share: Array

    @property
    def label(self) -> str:
        return Path(self.path).name

    def name_of(self, code: str) -> str:
        return self.names[self.codes.index(code)]

    def coefficients(self, *, domestic: bool = True) -> Array:
        """Technical coefficients of domestic (default) or total inputs."""
        from ruralflow.matrix.io import technical_coefficients

        return technical_coefficients(self.z_domestic if domestic else self.z_total, self.output)

    @property
    def labour_share(self) -> Array:
        """Compensation of employees (劳动者报酬) per unit of output."""
        out: Array = self.compensation / self.output
        return out

    @property
    def goods_share_of_household(self) -> float:
        """Share of household consumption spent on goods (sectors 01-26)."""
        total = float(self.household.sum())
        return float(self.household[:26].sum()) / total if total > 0 else 0.0
