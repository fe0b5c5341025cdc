"""The HTTP API (FastAPI): :func:`create_app` (see ``docs/service.md``).

One router package per feature under :mod:`ruralflow.api.routers`: ``auth`` (OAuth2 password
flow), ``counties`` (summary, station intake with its audit trail, cooperatives), ``epcis``
(EPCIS 2.0 REST capture and query), ``resolver`` (GS1 Digital Link trace pages), ``runs``.
Errors are RFC 9457 ``application/problem+json`` (:mod:`ruralflow.api.problems`).
"""

from ruralflow.api.app import create_app as create_app
