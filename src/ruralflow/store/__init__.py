"""The service database (SQLAlchemy 2 + Alembic): SQLite by default, PostgreSQL by URL.

- :mod:`ruralflow.store.db`: engines, sessions, :func:`upgrade` (Alembic migrations);
- :mod:`ruralflow.store.models`: the tables;
- :mod:`ruralflow.store.counties`: bundles in (:func:`import_bundle`) and out
  (:func:`export_bundle`, :func:`load_county`);
- :mod:`ruralflow.store.users`: users, roles, argon2 password hashes;
- :mod:`ruralflow.store.tracelog`: the Merkle log on the same database (:class:`SqlLogStore`).

See ``docs/service.md``.
"""

# the service centre's tables (issue 19) join the one metadata when the store is imported
from ruralflow.store import centre as centre
from ruralflow.store.counties import ImportResult as ImportResult
from ruralflow.store.counties import export_bundle as export_bundle
from ruralflow.store.counties import import_bundle as import_bundle
from ruralflow.store.counties import load_county as load_county
from ruralflow.store.db import StoreError as StoreError
from ruralflow.store.db import default_url as default_url
from ruralflow.store.db import engine_for as engine_for
from ruralflow.store.db import upgrade as upgrade
from ruralflow.store.tracelog import SqlLogStore as SqlLogStore
from ruralflow.store.users import add_user as add_user
