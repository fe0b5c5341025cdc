"""Freshness engine: shelf-life kinetics, pre-cooling, consumed shelf life and expected loss.

Front door: :func:`assess` ``(product, journey, kg) -> FreshnessResult``. See
``docs/freshness.md`` for the model, the formulas, the calibration journeys and the sources.
"""

from ruralflow.freshness.assess import FLAG_ABOVE_40C as FLAG_ABOVE_40C
from ruralflow.freshness.assess import FLAG_ASSUMED_PARAMETERS as FLAG_ASSUMED_PARAMETERS
from ruralflow.freshness.assess import FLAG_DESCRIPTIONS as FLAG_DESCRIPTIONS
from ruralflow.freshness.assess import FLAG_PAST_SHELF_LIFE as FLAG_PAST_SHELF_LIFE
from ruralflow.freshness.assess import FreshnessResult as FreshnessResult
from ruralflow.freshness.assess import SegmentContribution as SegmentContribution
from ruralflow.freshness.assess import assess as assess
from ruralflow.freshness.calibration import COLD_CHAIN_MAX_LOSS as COLD_CHAIN_MAX_LOSS
from ruralflow.freshness.calibration import FRUIT_AMBIENT_LOSS_RANGE as FRUIT_AMBIENT_LOSS_RANGE
from ruralflow.freshness.calibration import SUMMER_AMBIENT_C as SUMMER_AMBIENT_C
from ruralflow.freshness.calibration import (
    VEGETABLE_AMBIENT_LOSS_RANGE as VEGETABLE_AMBIENT_LOSS_RANGE,
)
from ruralflow.freshness.calibration import WEIBULL_SCALE_PHI as WEIBULL_SCALE_PHI
from ruralflow.freshness.calibration import WEIBULL_SHAPE as WEIBULL_SHAPE
from ruralflow.freshness.calibration import hold_temperature as hold_temperature
from ruralflow.freshness.calibration import typical_ambient_chain as typical_ambient_chain
from ruralflow.freshness.calibration import typical_cold_chain as typical_cold_chain
from ruralflow.freshness.cooling import DEFAULT_HALF_COOLING_H as DEFAULT_HALF_COOLING_H
from ruralflow.freshness.cooling import CoolingMethod as CoolingMethod
from ruralflow.freshness.cooling import cooling_time_h as cooling_time_h
from ruralflow.freshness.cooling import half_cooling_time_h as half_cooling_time_h
from ruralflow.freshness.cooling import product_temperature as product_temperature
from ruralflow.freshness.cooling import unaccomplished_fraction as unaccomplished_fraction
from ruralflow.freshness.defaults import default_perishability as default_perishability
from ruralflow.freshness.defaults import default_precooling as default_precooling
from ruralflow.freshness.defaults import known_products as known_products
from ruralflow.freshness.errors import FreshnessError as FreshnessError
from ruralflow.freshness.journey import ChillingViolation as ChillingViolation
from ruralflow.freshness.journey import Journey as Journey
from ruralflow.freshness.journey import Segment as Segment
from ruralflow.freshness.journey import check_chilling as check_chilling
from ruralflow.freshness.journey import chilling_violations as chilling_violations
from ruralflow.freshness.journey import consumed_fraction as consumed_fraction
from ruralflow.freshness.journey import hold as hold
from ruralflow.freshness.journey import precool as precool
from ruralflow.freshness.journey import segment_phi as segment_phi
from ruralflow.freshness.journey import segment_phis as segment_phis
from ruralflow.freshness.kinetics import decay_rate_per_hour as decay_rate_per_hour
from ruralflow.freshness.kinetics import kinetics_model as kinetics_model
from ruralflow.freshness.kinetics import q10_to_ea as q10_to_ea
from ruralflow.freshness.kinetics import shelf_life_arrhenius as shelf_life_arrhenius
from ruralflow.freshness.kinetics import shelf_life_days as shelf_life_days
from ruralflow.freshness.kinetics import shelf_life_q10 as shelf_life_q10
from ruralflow.freshness.loss import loss_fraction as loss_fraction
from ruralflow.freshness.loss import loss_yuan as loss_yuan
from ruralflow.freshness.loss import phi_for_loss as phi_for_loss
