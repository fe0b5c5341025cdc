"""HTML report of a county: map, network and flow tables, provenance; engines add sections.

Front door: :func:`build_report` (a self-contained HTML string: inline CSS and SVG, nothing
fetched from the network) and :func:`write_report` (``out/<adcode>/report.html``).
Engines add their results as :class:`Section` objects, through :data:`ANALYSES` (the analyses
that ``ruralflow demo`` runs) or the ``sections`` argument.
"""

from ruralflow.report.analyses import ANALYSES as ANALYSES
from ruralflow.report.analyses import Analysis as Analysis
from ruralflow.report.analyses import available_analyses as available_analyses
from ruralflow.report.analyses import register as register
from ruralflow.report.analyses import run_analyses as run_analyses
from ruralflow.report.model import Origin as Origin
from ruralflow.report.model import ProvenanceItem as ProvenanceItem
from ruralflow.report.model import ReportOptions as ReportOptions
from ruralflow.report.model import Section as Section
from ruralflow.report.overview import default_day as default_day
from ruralflow.report.overview import overview_sections as overview_sections
from ruralflow.report.render import build_report as build_report
from ruralflow.report.render import report_path as report_path
from ruralflow.report.render import write_report as write_report
from ruralflow.report.templating import render_fragment as render_fragment
