"""The fixtures of the suite, by domain (tests/fixtures/): the app and its database, people and
places, photos, patrols, decoration, tickets and the duty log."""

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.people",
    "tests.fixtures.photos",
    "tests.fixtures.patrols",
    "tests.fixtures.decoration",
    "tests.fixtures.tickets",
    "tests.fixtures.duty",
]
