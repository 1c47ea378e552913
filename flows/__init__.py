"""Orchestration: the Prefect flows, the settings and the `dumpling` command."""

import os

# Set before Prefect is first imported: nothing may phone home, and a first start of Prefect's
# temporary server on a new database can take longer than its 20 s default.
for _name, _value in {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}.items():
    os.environ.setdefault(_name, _value)
