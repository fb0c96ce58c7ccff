"""No input gives a 500: every route of the permission matrix, as every kind of user, with hostile
values in every path parameter, query parameter and form field (RELIABILITY.md, "outside probes").

The forms are not listed by hand: the walker opens every page of the matrix as each principal,
reads the forms on it (action, fields, the values the page filled in), and then posts them back
with one field at a time made hostile (the others as the page filled them, so the request gets
past validation into the service), and with every field hostile at once. Afterwards nothing may
be stored that the other database would refuse, and no payload may appear unescaped on a page.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import Date, DateTime, Integer, String, select

from tests.fixtures.tickets import ticket_form
from tests.permission_matrix import CASES
from tests.test_permissions import _ids
from webapp.extensions import db
from webapp.inputs import MAX_ID, MAX_YEAR, MIN_YEAR
from webapp.models import Ticket

MARKER = "<x-probe>"
TEXT = [
    "a\x00b",
    "\x00",
    "nul\x00" * 20,
    f"{MARKER}\"'&",
    "\u202e\u0007bell\x1b[31m",
    "x" * 4001,
    "长" * 1200,
    "😀" * 300,
    " ",
    "",
    "None",
    "null",
    "[]",
    "{}",
    "../../etc/passwd",
    "%00",
    "' OR 1=1 --",
    "１２３４",  # full-width digits, as a Chinese keyboard types them
    "Ⅻ½²",
]
NUMBERS = [
    "99999999999999999999",
    "１２３",
    "-99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "-1",
    "0",
    "2147483647",
    "1.5",
    "1e309",
    "NaN",
    "١٢",
    "0x10",
    "+7",
]
DATES = [
    "9999-12-31",
    "0001-01-01",
    "2026-13-01",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2026-11-30T25:61",
]
HOSTILE = TEXT + NUMBERS + DATES
# Query parameters the views read, besides those found in GET forms on the pages.
QUERY_NAMES = [
    "next",
    "from",
    "code",
    "tab",
    "estate",
    "month",
    "after",
    "q",
    "status",
    "kind",
    "state",
    "period",
    "show",
    "age",
    "building",
    "room",
    "counted",
]
PRINCIPALS = ("anonymous", "owner_a", "assistant", "assistant_other", "supervisor", "manager")
RANDOM_CASES = 60
CASES_PER_FORM = 250


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name → candidate values
    files: set[str] = field(default_factory=set)


class _FormReader(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self.unbounded: list[str] = []  # text fields without the server's limit (maxlength)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("action") or a.get("hx-post") or self.page_url
            method = (a.get("method") or ("post" if a.get("hx-post") else "get")).upper()
            self._form = Form(urlsplit(action).path or urlsplit(self.page_url).path, method)
            self.forms.append(self._form)
        elif self._form is None:
            return
        name = a.get("name")
        if not name or name == "csrf_token":
            return
        if (
            tag in ("input", "textarea")
            and (a.get("type") or "text").lower()
            in (
                "text",
                "search",
                "tel",
                "email",
                "password",
                "url",
            )
            and "readonly" not in a
            and "maxlength" not in a
            and "hidden" not in a
        ):
            self.unbounded.append(f"{self.page_url} {tag} {name}")
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self._form.files.add(name)
            elif kind not in ("submit", "button", "image", "reset"):
                self._form.fields.setdefault(name, []).append(a.get("value") or "")
        elif tag == "textarea":
            self._form.fields.setdefault(name, []).append("")
            self._textarea = name
        elif tag == "select":
            self._form.fields.setdefault(name, [])
            self._select = name
        elif tag == "option" and self._select:
            self._form.fields[self._select].append(a.get("value") or "")
        elif tag == "button" and a.get("value") is not None:
            self._form.fields.setdefault(name, []).append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms_on(url: str, html: str, unbounded: set | None = None) -> list[Form]:
    reader = _FormReader(url)
    reader.feed(html)
    if unbounded is not None:
        unbounded.update(reader.unbounded)
    return reader.forms


def _hostile_paths(rule: str, url: str) -> list[str]:
    """`url` with each of its path parameters (as the rule names them) made hostile in turn."""
    template_parts = rule.strip("/").split("/")
    parts = urlsplit(url).path.strip("/").split("/")
    if len(template_parts) != len(parts):
        return []
    out = []
    for i, part in enumerate(template_parts):
        if not part.startswith("<") or part.startswith("<path:"):
            continue
        values = NUMBERS if part.startswith("<int:") else ["a%00b", "%00", "x" * 300, "%E2%80%AE"]
        for value in values:
            changed = list(parts)
            changed[i] = value
            out.append("/" + "/".join(changed))
    return out


class Walk:
    def __init__(self, clients):
        self.clients = clients
        self.requests = 0
        self.failures: list[str] = []
        self.per_form: dict[str, int] = {}

    def send(self, who: str, method: str, url: str, data=None, headers=None):
        client = self.clients[who]
        self.requests += 1
        try:
            response = client.open(url, method=method, data=data, headers=headers or {})
        except Exception as err:  # a 500 in testing mode propagates: that is the failure
            self.failures.append(f"{who} {method} {url} {_short(data)}: raised {err!r}"[:400])
            return None
        if response.status_code >= 500:
            self.failures.append(f"{who} {method} {url} {_short(data)}: {response.status_code}")
        elif response.mimetype == "text/html" and MARKER in response.get_data(as_text=True):
            self.failures.append(f"{who} {method} {url}: the marker came back unescaped")
        return response


def _short(data) -> str:
    if not data:
        return ""
    return repr({k: (v[:20] if isinstance(v, str) else v) for k, v in data.items()})[:200]


def _check_stored_data() -> list[str]:
    """Nothing stored that PostgreSQL would refuse: NUL, over-long strings, ids, years."""
    problems = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            if isinstance(kind, String):
                rows = db.session.execute(select(column).where(column.is_not(None))).scalars()
                for value in rows:
                    if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]", value):
                        problems.append(f"{table.name}.{column.name} holds a control character")
                        break
                    if kind.length and len(value) > kind.length:
                        problems.append(f"{table.name}.{column.name} longer than {kind.length}")
                        break
            elif isinstance(kind, Integer):
                rows = db.session.execute(select(column).where(column.is_not(None))).scalars()
                if any(not -MAX_ID - 1 <= v <= MAX_ID for v in rows):
                    problems.append(f"{table.name}.{column.name} beyond an INTEGER")
            elif isinstance(kind, Date | DateTime):
                rows = db.session.execute(select(column).where(column.is_not(None))).scalars()
                if any(not MIN_YEAR <= v.year <= MAX_YEAR for v in rows):
                    problems.append(f"{table.name}.{column.name} out of the calendar")
    return problems


def _cases(form: Form, rng: random.Random):
    """One field hostile at a time (others as the page filled them), then all fields at once."""
    valid = {name: (values[0] if values else "") for name, values in form.fields.items()}
    for name in form.fields:
        for value in HOSTILE:
            yield {**valid, name: value}
    # At least CASES_PER_FORM data sets per form in all (each is sent as two principals).
    for _ in range(max(RANDOM_CASES, CASES_PER_FORM - len(form.fields) * len(HOSTILE))):
        yield {
            name: rng.choice([*values, *HOSTILE] if values else HOSTILE)
            for name, values in form.fields.items()
        }


def test_no_input_gives_a_500(world, patrol, decoration, ticket, duty, login_as):
    ids = _ids(world, patrol, decoration, ticket, duty)
    clients = {who: login_as(who) for who in PRINCIPALS}
    walk = Walk(clients)
    rng = random.Random(20261201)

    # 1. Every GET page as every principal: collect its forms; hostile path and query values.
    forms: dict[str, Form] = {}
    unbounded: set[str] = set()
    for case in (c for c in CASES if c.method == "GET"):
        url = case.url.format(**ids)
        for who in PRINCIPALS:
            response = walk.send(who, "GET", url)
            if response is not None and response.mimetype == "text/html":
                for form in _forms_on(url, response.get_data(as_text=True), unbounded):
                    known = forms.setdefault(f"{form.method} {form.action}", form)
                    for name, values in form.fields.items():
                        known.fields.setdefault(name, [])
                        known.fields[name].extend(v for v in values if v not in known.fields[name])
                    known.files |= form.files
        for hostile_url in _hostile_paths(case.rule, url):
            for who in ("anonymous", "owner_a", "assistant", "manager"):
                walk.send(who, "GET", hostile_url)

    query_names = set(QUERY_NAMES)
    for form in forms.values():
        if form.method == "GET":
            query_names |= set(form.fields)
    for case in (c for c in CASES if c.method == "GET"):
        url = case.url.format(**ids)
        base = url + ("&" if "?" in url else "?")
        for name in sorted(query_names):
            for value in rng.sample(HOSTILE, 6):
                walk.send(rng.choice(PRINCIPALS), "GET", base + urlencode({name: value}))

    # 2. Every POST route: the forms that post to it, one hostile field at a time, then at random.
    assert len(forms) > 40, "the walker found too few forms: is the page parser broken?"
    for case in (c for c in CASES if c.method == "POST"):
        url = case.url.format(**ids)
        path = urlsplit(url).path
        form = forms.get(f"POST {path}") or Form(path, "POST", {n: [] for n in QUERY_NAMES})
        sent = 0
        for data in _cases(form, rng):
            for who in rng.sample(PRINCIPALS, 2):
                walk.send(who, "POST", url, data=data)
                sent += 1
        walk.per_form[path] = sent
        # Path parameters hostile too, with the form otherwise as the page filled it.
        valid = {name: (values[0] if values else "") for name, values in form.fields.items()}
        for hostile_url in _hostile_paths(case.rule, url):
            for who in ("owner_a", "assistant", "manager"):
                walk.send(who, "POST", hostile_url, data=valid)
        # Headers the offline queue and htmx send, hostile too.
        for value in ("k\x00ey", "x" * 500, "99999999999999999999"):
            walk.send("assistant", "POST", url, data={}, headers={"Idempotency-Key": value})
            walk.send(
                "assistant",
                "POST",
                url,
                data={},
                headers={"HX-Request": "true", "HX-Target": value},
            )

    print(
        f"hostile walk: {walk.requests} requests, {len(walk.per_form)} forms, "
        f"fewest cases on one form: {min(walk.per_form.values())}"
    )
    assert not walk.failures, f"{len(walk.failures)} failures:\n" + "\n".join(walk.failures[:40])
    # Every text field carries the server's limit, so the phone stops the person there.
    assert not unbounded, "text fields without maxlength:\n" + "\n".join(sorted(unbounded))
    db.session.rollback()
    assert not _check_stored_data()


@pytest.mark.parametrize("url", ["/tickets/99999999999999999999", "/patrols/rounds/-1"])
def test_numbers_beyond_a_column_are_not_found(url, login_as):
    assert login_as("manager").get(url).status_code == 404


def test_bidirectional_overrides_are_not_stored_to_reverse_what_the_next_reader_sees(
    login_as, world
):
    """U+202E and its kin make a stored text read backwards to the next person (a spoofed
    name or complaint); they are dropped with the other controls, the words kept."""
    data = ticket_form(world)
    data.update(reporter_name="\u202e张三\u202c", description="\u2066楼道灯不亮\u2069 \u202dabc")
    assert login_as("assistant").post("/tickets/new", data=data).status_code == 200
    ticket = db.session.scalars(select(Ticket)).one()
    assert (ticket.reporter_name, ticket.description) == ("张三", "楼道灯不亮 abc")
