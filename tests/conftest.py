"""The fixtures of the suite, by domain (tests/fixtures/): the app and its database, people and
places, photos, patrols, decoration and tickets."""

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.people",
    "tests.fixtures.photos",
    "tests.fixtures.patrols",
    "tests.fixtures.decoration",
    "tests.fixtures.tickets",
]
