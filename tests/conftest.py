"""Shared fixtures: a real database per test (SQLite file or PostgreSQL), the app, clients,
factories for people and places, and a query counter."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

from webapp import clock, create_app
from webapp.db import write_intent
from webapp.extensions import db as _db
from webapp.extensions import limiter
from webapp.photos import services as photos
from webapp.tickets import intake, lifecycle

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")
PASSWORD = "correct horse battery"

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "t" * 64,
    "PASSWORD_HASH_PROFILE": "fast",
    "RATELIMIT_STORAGE_URI": "memory://",
    "SERVER_NAME": None,
}


class Database:
    """Hands each test a migrated, empty database."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.count = 0
        if ON_POSTGRES:
            url = DATABASE_URL
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            self.url = url
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
            self._migrate(self.url)
        else:
            self.template = tmp / "template.db"
            self._migrate(f"sqlite:///{self.template}")

    def _migrate(self, url: str) -> None:
        from flask_migrate import upgrade

        app = create_app(
            {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(self.tmp / "uploads")}
        )
        with app.app_context():
            upgrade()
            _db.engine.dispose()
        if not ON_POSTGRES:
            # Fold the WAL into the file, so that copying the file copies the whole schema.
            import sqlite3

            conn = sqlite3.connect(self.template)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()

    def fresh(self) -> str:
        """A URL to an empty, migrated database."""
        if ON_POSTGRES:
            engine = create_engine(self.url)
            with engine.begin() as conn:
                tables = (
                    conn.execute(
                        text(
                            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                            "AND tablename <> 'alembic_version'"
                        )
                    )
                    .scalars()
                    .all()
                )
                if tables:
                    names = ", ".join(f'"{t}"' for t in tables)
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            engine.dispose()
            return self.url
        self.count += 1
        path = self.tmp / f"test-{self.count}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def database(tmp_path_factory) -> Database:
    return Database(tmp_path_factory.mktemp("db"))


def make_app(database: Database, tmp_path: Path, **overrides) -> Flask:
    config = {
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": database.fresh(),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        **overrides,
    }
    return create_app(config)


@pytest.fixture
def app_config() -> dict:
    """Settings for the test's app beyond TEST_CONFIG (a test module may override this)."""
    return {}


@pytest.fixture
def app(database, tmp_path, app_config):
    clock.reset()
    application = make_app(database, tmp_path, **app_config)
    if application.config["RATELIMIT_STORAGE_URI"] == "memory://":
        limiter.reset()  # a shared store (Redis) is kept apart by a key prefix per test instead
    ctx = application.app_context()
    ctx.push()
    # The test's own reads take no write lock (as a GET would not).
    token = write_intent.set(False)
    yield application
    write_intent.reset(token)
    _db.session.remove()
    _db.engine.dispose()
    ctx.pop()
    clock.reset()


def reload(obj):
    """The record as stored now (ends the test's read transaction first)."""
    _db.session.rollback()
    return _db.session.get(type(obj), obj.id)


# --- clients --------------------------------------------------------------------------------

_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Client(FlaskClient):
    """The Flask test client, plus login and CSRF-token handling like a browser's."""

    csrf_token: str | None = None
    user = None

    def refresh_csrf(self, path: str = "/login") -> str:
        response = self.get(path, follow_redirects=True)
        match = _CSRF_META.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        self.csrf_token = match.group(1)
        return self.csrf_token

    def login(self, user, password: str = PASSWORD):
        self.refresh_csrf("/login")
        response = self.post("/login", data={"username": user.username, "password": password})
        if response.status_code == 303:
            self.user = user
            self.refresh_csrf("/account")
        return response

    def open(self, *args, **kwargs):
        csrf = kwargs.pop("csrf", True)
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS") and self.csrf_token:
            data = kwargs.get("data")
            if data is None or isinstance(data, dict):
                data = dict(data or {})
                data.setdefault("csrf_token", self.csrf_token)
                kwargs["data"] = data
        # Each request gets its own app context, and so its own database session, as in production.
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # End the test's own read transaction, so that it sees what the request wrote.
        _db.session.commit()
        _db.session.expire_all()
        return response

    def htmx(self, method: str, url: str, target: str = "main", **kwargs):
        headers = {"HX-Request": "true", "HX-Target": target, **kwargs.pop("headers", {})}
        if self.csrf_token:
            headers.setdefault("X-CSRFToken", self.csrf_token)
        return self.open(url, method=method.upper(), headers=headers, csrf=False, **kwargs)


@pytest.fixture
def client(app) -> Client:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def new_client(app):
    """Make further independent clients (another phone, another person)."""
    app.test_client_class = Client

    def make() -> Client:
        return app.test_client()

    return make


# --- factories ------------------------------------------------------------------------------


@dataclass
class Factory:
    counter: int = 0
    made: list = field(default_factory=list)

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def estate(self, name: str | None = None, code: str | None = None, buildings=(("1栋", 3, 2),)):
        from webapp.admin.services import natural_key, unit_numbers
        from webapp.models import Building, Estate, Unit

        n = self._next()
        estate = Estate(name=name or f"测试花园{n}", code=code or f"E{n}", address="测试路 1 号")
        _db.session.add(estate)
        _db.session.flush()
        for bname, floors, per_floor in buildings:
            b = Building(estate_id=estate.id, name=bname, sort_key=natural_key(bname))
            _db.session.add(b)
            _db.session.flush()
            _db.session.add_all(
                Unit(building_id=b.id, number=u, sort_key=natural_key(u))
                for u in unit_numbers(1, floors, per_floor)
            )
        _db.session.commit()
        return estate

    def staff(
        self,
        role: str,
        estates,
        username: str | None = None,
        password: str | None = PASSWORD,
        **extra,
    ):
        from webapp.models import EstateMembership, User
        from webapp.passwords import hash_password

        n = self._next()
        user = User(
            username=username or f"{role}{n}",
            display_name=extra.pop("display_name", f"员工{n}"),
            phone=extra.pop("phone", f"1360000{n:04d}"),
            role=role,
            password_hash=hash_password(password) if password else None,
            active=True,
            **extra,
        )
        user.memberships = [EstateMembership(estate_id=e.id) for e in estates]
        _db.session.add(user)
        _db.session.commit()
        return user

    def owner(self, unit, username: str | None = None, password: str | None = PASSWORD, **extra):
        from webapp.models import Role, UnitOwnership, User
        from webapp.passwords import hash_password

        n = self._next()
        phone = extra.pop("phone", f"1390000{n:04d}")
        user = User(
            username=username or phone,
            display_name=extra.pop("display_name", f"业主{n}"),
            phone=phone,
            role=Role.OWNER,
            password_hash=hash_password(password) if password else None,
            active=True,
            **extra,
        )
        user.ownerships = [UnitOwnership(unit_id=unit.id, relation="owner")]
        _db.session.add(user)
        _db.session.commit()
        return user


@pytest.fixture
def make(app) -> Factory:
    return Factory()


@dataclass
class World:
    """Two estates and one person of every kind the permission matrix asks about."""

    estate: object
    other_estate: object
    unit_a: object
    unit_b: object
    other_unit: object
    assistant: object
    assistant_other: object
    supervisor: object
    manager: object
    owner_a: object
    owner_b: object

    def principal(self, name: str):
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture
def world(make) -> World:
    from webapp.models import Unit

    estate = make.estate("翠湖花园", "CH", buildings=(("1栋", 3, 2), ("3栋", 12, 2)))
    other = make.estate("滨江大厦", "BJ")
    units = _db.session.scalars(
        _db.select(Unit)
        .join(Unit.building)
        .where(Unit.building.has(estate_id=estate.id))
        .order_by(Unit.id)
    ).all()
    other_unit = _db.session.scalars(
        _db.select(Unit).where(Unit.building.has(estate_id=other.id))
    ).first()
    return World(
        estate=estate,
        other_estate=other,
        unit_a=units[0],
        unit_b=units[1],
        other_unit=other_unit,
        assistant=make.staff("assistant", [estate], username="assistant"),
        assistant_other=make.staff("assistant", [other], username="assistant-other"),
        supervisor=make.staff("supervisor", [estate], username="supervisor"),
        manager=make.staff("manager", [estate], username="manager"),
        owner_a=make.owner(units[0], username="13900000001", phone="13900000001"),
        owner_b=make.owner(units[1], username="13900000002", phone="13900000002"),
    )


@pytest.fixture
def login_as(app, world):
    """A client logged in as one of the world's people, by name."""
    app.test_client_class = Client

    def _login(name: str) -> Client:
        c = app.test_client()
        person = world.principal(name)
        if person is not None:
            response = c.login(person)
            assert response.status_code == 303, f"{name} could not log in"
        else:
            c.refresh_csrf("/login")
        return c

    return _login


# --- query counting ------------------------------------------------------------------------


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _on_execute(self, conn, cursor, statement, params, context, executemany):
        if (
            not statement.lstrip()
            .upper()
            .startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
        ):
            self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._on_execute)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    def make_counter() -> QueryCounter:
        return QueryCounter(_db.engine)

    return make_counter


# --- images and patrols -----------------------------------------------------------------------


def jpeg_bytes(
    width: int = 1600,
    height: int = 1200,
    *,
    color=(40, 120, 90),
    exif=None,
    fmt: str = "JPEG",
    **save_kwargs,
) -> bytes:
    """A real image made here (no binary fixtures); `exif` may carry GPS and orientation tags."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), color)
    ImageDraw.Draw(img).rectangle([0, 0, width // 4, height // 8], fill=(250, 250, 250))
    out = io.BytesIO()
    if exif is not None:
        save_kwargs["exif"] = exif
    img.save(out, format=fmt, **save_kwargs)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg"):
    import io

    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="image/jpeg")


@dataclass
class PatrolWorld:
    template: object
    other_template: object
    checkpoint: object
    item: object
    item2: object
    round_open: object
    round_done: object
    order: object
    photo: object
    other_photo: object


# The departments the test templates suggest for their items' findings.
SUGGESTED = {"地面卫生": "cleaning", "照明正常": "engineering"}


def make_template(
    estate, name="日常巡楼", items=("地面卫生", "照明正常"), role="assistant", times=1
):
    import secrets

    from webapp.models import CheckItem, Checkpoint, PatrolRequirement, PatrolTemplate

    template = PatrolTemplate(estate_id=estate.id, name=name, description="", active=True)
    _db.session.add(template)
    _db.session.flush()
    checkpoint = Checkpoint(
        template_id=template.id, position=1, name="1栋大堂", qr_token=secrets.token_urlsafe(16)
    )
    _db.session.add(checkpoint)
    _db.session.flush()
    _db.session.add_all(
        CheckItem(checkpoint_id=checkpoint.id, position=i, text=t, department=SUGGESTED.get(t))
        for i, t in enumerate(items)
    )
    _db.session.add(
        PatrolRequirement(template_id=template.id, role=role, period="day", times=times)
    )
    _db.session.commit()
    return template


@pytest.fixture
def patrol(world) -> PatrolWorld:
    from datetime import timedelta

    from webapp.patrols import rounds as patrols
    from webapp.workorders import services as workorders

    template = make_template(world.estate)
    other_template = make_template(world.other_estate)
    checkpoint = template.checkpoints[0]
    item, item2 = checkpoint.items
    round_open = patrols.start_round(world.assistant, template)
    patrols.record(
        world.assistant,
        round_open,
        item.id,
        outcome="issue",
        note="地砖松动",
        department="engineering",
    )
    result = patrols.add_photos(world.assistant, round_open, item.id, [upload(jpeg_bytes())])
    photo_id = patrols.photos.photos_for(patrols.RESULT, [result.id])[result.id][0].photo_id

    round_done = patrols.start_round(world.supervisor, template)
    round_done.patroller_id = world.assistant.id  # an assistant's finished round, for signing
    _db.session.flush()
    for it in (item, item2):
        patrols.record(world.assistant, round_done, it.id, outcome="ok", note="", department=None)
    patrols.finish(world.assistant, round_done)

    order = workorders.dispatch(
        world.assistant,
        estate=world.estate,
        department="cleaning",
        location="1栋大堂",
        description="大堂地面有污渍",
        due_at=clock.now() + timedelta(hours=24),
        origin_type="patrol_result",
        origin_id=result.id,
    )
    other_round = patrols.start_round(world.assistant_other, other_template)
    other_item = other_template.checkpoints[0].items[0]
    other_result = patrols.add_photos(
        world.assistant_other, other_round, other_item.id, [upload(jpeg_bytes(color=(200, 30, 30)))]
    )
    other_photo_id = patrols.photos.photos_for(patrols.RESULT, [other_result.id])[other_result.id][
        0
    ].photo_id
    _db.session.commit()
    return PatrolWorld(
        template,
        other_template,
        checkpoint,
        item,
        item2,
        round_open,
        round_done,
        order,
        photo_id,
        other_photo_id,
    )


@dataclass
class DecorationWorld:
    permit: object
    notice: object  # issued, on owner A's unit
    draft: object  # written by an assistant, not yet issued
    result: object
    notice_photo: int


def make_rules(
    estate, daily=("不得拆改承重结构", "装修垃圾及时清运"), completion=("公共部位完好",)
):
    from webapp.models import DecorationRule

    for kind, lines in (("daily", daily), ("completion", completion)):
        _db.session.add_all(
            DecorationRule(estate_id=estate.id, kind=kind, position=i, text=t)
            for i, t in enumerate(lines)
        )
    _db.session.commit()


def make_permit(world, unit=None, status="in_progress"):
    from datetime import date

    from webapp.decoration import services as decoration

    permit = decoration.register(
        world.supervisor,
        unit or world.unit_a,
        owner_name="业主甲",
        owner_phone="13900000001",
        contractor="安居家装",
        site_lead="刘师傅",
        site_lead_phone="13700001111",
        scope="水电改造、防水",
        start_date=date(2026, 11, 1),
        end_date=date(2026, 12, 31),
        workers=3,
        deposit=3000,
    )
    permit.status = status
    _db.session.commit()
    return permit


@pytest.fixture
def decoration(world) -> DecorationWorld:
    from webapp.decoration import services as decoration

    make_rules(world.estate)
    permit = make_permit(world)
    rules = decoration.rules(world.estate.id, "daily")
    answers = [
        decoration.Answer(
            rules[0].id, "violation", "拆除了客厅隔墙", [upload(jpeg_bytes(color=(120, 80, 200)))]
        ),
        decoration.Answer(rules[1].id, "ok", "", []),
    ]
    inspection = decoration.inspect(
        world.supervisor, permit, answers, note="", deadline_days=3, checked={}
    )
    notice = decoration.open_notices([permit.id])[permit.id][0]
    answers = [
        decoration.Answer(rules[0].id, "ok", "", []),
        decoration.Answer(rules[1].id, "violation", "走廊堆放建筑垃圾", []),
    ]
    decoration.inspect(world.assistant, permit, answers, note="", deadline_days=2, checked={})
    draft = next(n for n in decoration.open_notices([permit.id])[permit.id] if n.status == "draft")
    _db.session.commit()
    photo_id = decoration.photos.photos_for(decoration.NOTICE, [notice.id])[notice.id][0].photo_id
    return DecorationWorld(permit, notice, draft, inspection.results[0], photo_id)


def ticket_form(world) -> dict:
    """What the desk's intake form posts for a phone complaint about owner A's unit."""
    return {
        "kind": "complaint",
        "channel": "phone",
        "category": "noise",
        "severity": "normal",
        "reporter_name": "业主甲",
        "reporter_phone": "13900000001",
        "building": world.unit_a.building_id,
        "number": world.unit_a.number,
        "description": "楼上夜间施工噪音",
    }


def take_ticket(world, actor=None, **overrides):
    """A phone complaint by owner A about noise, taken by the assistant (any field overridden);
    returns (ticket, tracking code), not yet committed."""

    fields = dict(
        estate=world.estate,
        unit=world.unit_a,
        reporter_name="业主甲",
        reporter_phone="13900000001",
        kind="complaint",
        channel="phone",
        category="noise",
        severity="normal",
        description="楼上夜间装修噪音",
    )
    fields.update(overrides)
    return intake.create(actor or world.assistant, **fields)


@dataclass
class TicketWorld:
    ticket: object
    code: str
    reply_photo: int
    note_photo: int


@pytest.fixture
def ticket(world) -> TicketWorld:

    item, code = take_ticket(world, description="楼上夜间施工噪音")
    reply = lifecycle.add_entry(
        item,
        world.assistant,
        "reply",
        "已联系楼上",
        uploads=[upload(jpeg_bytes(color=(60, 10, 200)))],
    )
    note = lifecycle.add_entry(
        item,
        world.assistant,
        "note",
        "内部：施工方不配合",
        uploads=[upload(jpeg_bytes(color=(10, 200, 60)))],
    )
    _db.session.commit()
    links = photos.photos_for("ticket_entry", [reply.id, note.id])
    return TicketWorld(item, code, links[reply.id][0].photo_id, links[note.id][0].photo_id)
