"""Convection value matrix (城乡要素对流价值矩阵) and county input-output multipliers.

Front door: :func:`analyse` ``(county, options, io=IOInputs) -> MatrixResult`` (``summary()``,
``to_dict()``). The engine reads no files: the caller loads the IO table
(:func:`ruralflow.bundle.io_tables.load_io_inputs`) and passes it in as :class:`IOInputs`.
The input-output core is :mod:`ruralflow.matrix.io` (numpy arrays in and out); Type I /
Type II multipliers are in :mod:`ruralflow.matrix.multipliers`, location-quotient
regionalisation in :mod:`ruralflow.matrix.regional`, the China tables in
:mod:`ruralflow.matrix.tables`. See ``docs/matrix.md`` for the model and its equations.
"""

from ruralflow.matrix.coefficients import Coefficient as Coefficient
from ruralflow.matrix.county_io import CountyIO as CountyIO
from ruralflow.matrix.county_io import FlowEffects as FlowEffects
from ruralflow.matrix.county_io import IOInputs as IOInputs
from ruralflow.matrix.engine import MatrixOptions as MatrixOptions
from ruralflow.matrix.engine import analyse as analyse
from ruralflow.matrix.engine import measured_saving as measured_saving
from ruralflow.matrix.errors import IOTableError as IOTableError
from ruralflow.matrix.errors import MatrixError as MatrixError
from ruralflow.matrix.errors import NonProductiveError as NonProductiveError
from ruralflow.matrix.errors import ShapeError as ShapeError
from ruralflow.matrix.errors import SingularMatrixError as SingularMatrixError
from ruralflow.matrix.errors import SpectralRadiusError as SpectralRadiusError
from ruralflow.matrix.result import Indicators as Indicators
from ruralflow.matrix.result import MatrixResult as MatrixResult
from ruralflow.matrix.result import ScenarioResult as ScenarioResult
from ruralflow.matrix.scenarios import SCENARIOS as SCENARIOS
from ruralflow.matrix.scenarios import MatrixInputs as MatrixInputs
from ruralflow.matrix.scenarios import Scenario as Scenario
from ruralflow.matrix.tables import IOTable as IOTable
