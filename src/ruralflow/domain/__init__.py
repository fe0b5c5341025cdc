"""Typed, validated domain objects: places, network, products, flows, fleet, economy, errors."""

from ruralflow.domain.county import County as County
from ruralflow.domain.county import CountySettings as CountySettings
from ruralflow.domain.county import Crs as Crs
from ruralflow.domain.economy import Economy as Economy
from ruralflow.domain.economy import SourcedValue as SourcedValue
from ruralflow.domain.errors import CountyError as CountyError
from ruralflow.domain.errors import DomainError as DomainError
from ruralflow.domain.errors import FieldError as FieldError
from ruralflow.domain.errors import Problem as Problem
from ruralflow.domain.errors import UnknownReferenceError as UnknownReferenceError
from ruralflow.domain.fleet import BusLine as BusLine
from ruralflow.domain.fleet import TemperatureClass as TemperatureClass
from ruralflow.domain.fleet import VehicleKind as VehicleKind
from ruralflow.domain.fleet import VehicleType as VehicleType
from ruralflow.domain.flows import DownDemand as DownDemand
from ruralflow.domain.flows import UpSupply as UpSupply
from ruralflow.domain.places import CoordSource as CoordSource
from ruralflow.domain.places import Place as Place
from ruralflow.domain.places import PlaceKind as PlaceKind
from ruralflow.domain.places import StationFunction as StationFunction
from ruralflow.domain.products import Product as Product
from ruralflow.domain.products import ProductCategory as ProductCategory
