"""Facility location and coverage models (exact MILPs solved by HiGHS).

Front doors, each returning a :class:`SitingResult` with ``summary()`` and ``to_dict()``:

* :func:`maximal_covering`: choose p sites to cover the most households within a radius;
* :func:`set_covering`: fewest (cheapest) sites that cover every demand point;
* :func:`p_median`: p sites minimising total weighted distance;
* :func:`p_center`: p sites minimising the largest distance;
* :func:`uncapacitated_facility_location`: fixed + assignment cost;
* :func:`capacitated_facility_location`: fixed + assignment cost under capacities.

All take a distance or cost matrix (clients x candidate sites), existing sites that must stay
open and, where it makes sense, a budget. :mod:`ruralflow.siting.orlib` reads and solves the
OR-Library benchmark instances.

For a county bundle: :func:`site_county` ``(county, what, options) -> CountySitingResult``
(``what``: one of :data:`WHATS`, service stations, a cold hub or preprocess centres; options
:class:`CountySitingOptions`; ``summary()`` and ``to_dict()``). Errors derive from
:class:`SitingError` (a :class:`~ruralflow.domain.DomainError`).
"""

from ruralflow.siting._common import DEFAULT_RADIUS_M as DEFAULT_RADIUS_M
from ruralflow.siting.county import WHATS as WHATS
from ruralflow.siting.county import ClientRow as ClientRow
from ruralflow.siting.county import CostLine as CostLine
from ruralflow.siting.county import CountySitingOptions as CountySitingOptions
from ruralflow.siting.county import CountySitingResult as CountySitingResult
from ruralflow.siting.county import CoverageFigure as CoverageFigure
from ruralflow.siting.county import CurvePoint as CurvePoint
from ruralflow.siting.county import Site as Site
from ruralflow.siting.county import site_county as site_county
from ruralflow.siting.covering import coverage as coverage
from ruralflow.siting.covering import maximal_covering as maximal_covering
from ruralflow.siting.covering import set_covering as set_covering
from ruralflow.siting.errors import CapacityShortfallError as CapacityShortfallError
from ruralflow.siting.errors import CoverageInfeasibleError as CoverageInfeasibleError
from ruralflow.siting.errors import InfeasibleSitingError as InfeasibleSitingError
from ruralflow.siting.errors import InstanceFormatError as InstanceFormatError
from ruralflow.siting.errors import SitingError as SitingError
from ruralflow.siting.errors import SitingInputError as SitingInputError
from ruralflow.siting.errors import SolverFailedError as SolverFailedError
from ruralflow.siting.facility import (
    capacitated_facility_location as capacitated_facility_location,
)
from ruralflow.siting.facility import (
    uncapacitated_facility_location as uncapacitated_facility_location,
)
from ruralflow.siting.median import p_center as p_center
from ruralflow.siting.median import p_median as p_median
from ruralflow.siting.orlib import InstanceReport as InstanceReport
from ruralflow.siting.orlib import read_cap as read_cap
from ruralflow.siting.orlib import read_pmed as read_pmed
from ruralflow.siting.orlib import solve_orlib_instance as solve_orlib_instance
from ruralflow.siting.result import STATUSES as STATUSES
from ruralflow.siting.result import SitingResult as SitingResult
from ruralflow.siting.result import SolverOptions as SolverOptions
