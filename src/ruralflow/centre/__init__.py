"""The county e-commerce public service centre (issue 19): the policy catalogue and one-stop
window (:mod:`~ruralflow.centre.catalogue`), the overlap, double-funding, budget and
fragmentation analysis (:mod:`~ruralflow.centre.analysis`), the station public-services
ledger (:mod:`~ruralflow.centre.services`) and the talent pipeline
(:mod:`~ruralflow.centre.talent`).

An engine: it takes and returns plain objects and imports no bundle, store, web or CLI code.
See ``docs/centre.md``.
"""

from ruralflow.centre.analysis import CentreAnalysis as CentreAnalysis
from ruralflow.centre.analysis import analyse as analyse
from ruralflow.centre.analysis import double_funded as double_funded
from ruralflow.centre.analysis import overlapping_policies as overlapping_policies
from ruralflow.centre.catalogue import APPLICANT_TYPES as APPLICANT_TYPES
from ruralflow.centre.catalogue import PURPOSES as PURPOSES
from ruralflow.centre.catalogue import STATUSES as STATUSES
from ruralflow.centre.catalogue import TRANSITIONS as TRANSITIONS
from ruralflow.centre.catalogue import Applicant as Applicant
from ruralflow.centre.catalogue import Application as Application
from ruralflow.centre.catalogue import Policy as Policy
from ruralflow.centre.catalogue import Rule as Rule
from ruralflow.centre.catalogue import eligibility as eligibility
from ruralflow.centre.catalogue import eligible_policies as eligible_policies
from ruralflow.centre.errors import CentreError as CentreError
from ruralflow.centre.services import ServiceEntry as ServiceEntry
from ruralflow.centre.services import ServicesReport as ServicesReport
from ruralflow.centre.services import station_services as station_services
from ruralflow.centre.talent import Cohort as Cohort
from ruralflow.centre.talent import ShopSale as ShopSale
from ruralflow.centre.talent import TalentReport as TalentReport
from ruralflow.centre.talent import Trainee as Trainee
from ruralflow.centre.talent import talent_pipeline as talent_pipeline
