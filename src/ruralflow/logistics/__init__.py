"""Two-way logistics planner (客货邮融合): down parcels and up produce on buses, vans and
reefers, planned together for one day.

Front door: :func:`plan` ``(county, day, options) -> Plan``. See ``docs/logistics.md`` for the
model (carriers, mode choice, objective, scaling, assumptions).
"""

from ruralflow.logistics.bus import BusConsignment as BusConsignment
from ruralflow.logistics.costs import Costs as Costs
from ruralflow.logistics.errors import LogisticsError as LogisticsError
from ruralflow.logistics.errors import NoFlowsError as NoFlowsError
from ruralflow.logistics.errors import PlanIntegrityError as PlanIntegrityError
from ruralflow.logistics.errors import PlanOptionError as PlanOptionError
from ruralflow.logistics.options import PlanOptions as PlanOptions
from ruralflow.logistics.planner import plan as plan
from ruralflow.logistics.result import Comparison as Comparison
from ruralflow.logistics.result import NotCarried as NotCarried
from ruralflow.logistics.result import Plan as Plan
from ruralflow.logistics.result import PlanFigures as PlanFigures
from ruralflow.logistics.routes import Route as Route
from ruralflow.logistics.routes import RouteLeg as RouteLeg
from ruralflow.logistics.routes import Stop as Stop
from ruralflow.logistics.spoilage import BatchSpoilage as BatchSpoilage
