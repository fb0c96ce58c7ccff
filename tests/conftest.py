"""The fixtures of the suite, by domain (tests/fixtures/): the app and its database, people and
places, photos, patrols, decoration, tickets and the duty log."""

import os
import tempfile

# The job queue of the tests: a SQLite file of their own (never the demo's instance/jobs.db). Set
# before webapp is imported, which makes its queue from the environment.
os.environ.setdefault(
    "JOB_QUEUE_URL",
    "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="propdesk-jobs-"), "jobs.db"),
)

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.people",
    "tests.fixtures.photos",
    "tests.fixtures.patrols",
    "tests.fixtures.decoration",
    "tests.fixtures.tickets",
    "tests.fixtures.duty",
    "tests.fixtures.messaging",
]
