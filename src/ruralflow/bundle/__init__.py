"""County bundles: read, validate and write the folder format (see ``bundle.io``)."""

from ruralflow.bundle.io import BundleError as BundleError
from ruralflow.bundle.io import BundleProblem as BundleProblem
from ruralflow.bundle.io import read_bundle as read_bundle
from ruralflow.bundle.io import validate_bundle as validate_bundle
from ruralflow.bundle.io import write_bundle as write_bundle
