"""Shared preprocessing (产地预处理) and channel matching: the up flow's value.

Front doors:

- :func:`bill` ``(orders, fees) -> Billing``: per-order billing (按单计费), exact fen;
- :func:`grade` ``(billing, prices, models) -> GradingResult``: graded vs ungraded revenue;
- :func:`schedule` ``(orders, centre, products, temps) -> Schedule``: the centre's queue and the
  spoilage of waiting; :func:`precooling_value`: spoilage pre-cooling avoids;
- :func:`match` ``(lots, channels, options) -> ChannelPlan``: the channel MILP on HiGHS;
- :func:`check_names` ``(names, county, brands) -> NameCheck``: the homogenisation check.

Errors derive from :class:`PreprocessError` (a :class:`~ruralflow.domain.DomainError`). See
``docs/upflow.md``.
"""

from ruralflow.preprocess.billing import RULE as RULE
from ruralflow.preprocess.billing import Billing as Billing
from ruralflow.preprocess.billing import Invoice as Invoice
from ruralflow.preprocess.billing import InvoiceLine as InvoiceLine
from ruralflow.preprocess.billing import bill as bill
from ruralflow.preprocess.billing import line_fen as line_fen
from ruralflow.preprocess.channels import KINDS as KINDS
from ruralflow.preprocess.channels import Assignment as Assignment
from ruralflow.preprocess.channels import Channel as Channel
from ruralflow.preprocess.channels import ChannelPlan as ChannelPlan
from ruralflow.preprocess.channels import Lot as Lot
from ruralflow.preprocess.channels import match as match
from ruralflow.preprocess.channels import meets as meets
from ruralflow.preprocess.channels import plan_value as plan_value
from ruralflow.preprocess.errors import ChannelSolveError as ChannelSolveError
from ruralflow.preprocess.errors import PreprocessError as PreprocessError
from ruralflow.preprocess.errors import UnknownServiceError as UnknownServiceError
from ruralflow.preprocess.grading import DEFAULT_GRADE_MODEL as DEFAULT_GRADE_MODEL
from ruralflow.preprocess.grading import GRADES as GRADES
from ruralflow.preprocess.grading import FarmerGrading as FarmerGrading
from ruralflow.preprocess.grading import GradeModel as GradeModel
from ruralflow.preprocess.grading import GradingResult as GradingResult
from ruralflow.preprocess.grading import grade as grade
from ruralflow.preprocess.grading import lots_by_grade as lots_by_grade
from ruralflow.preprocess.names import NameCheck as NameCheck
from ruralflow.preprocess.names import NameResult as NameResult
from ruralflow.preprocess.names import check_names as check_names
from ruralflow.preprocess.orders import GRADING as GRADING
from ruralflow.preprocess.orders import PRECOOLING as PRECOOLING
from ruralflow.preprocess.orders import Order as Order
from ruralflow.preprocess.orders import Service as Service
from ruralflow.preprocess.queue import Centre as Centre
from ruralflow.preprocess.queue import PrecoolingValue as PrecoolingValue
from ruralflow.preprocess.queue import Schedule as Schedule
from ruralflow.preprocess.queue import precooling_value as precooling_value
from ruralflow.preprocess.queue import schedule as schedule
