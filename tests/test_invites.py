"""Invites for many at once: slips with a QR code per unit and an .xlsx of texts for everyone
of a building without a password; issuing again replaces the links only when asked to."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.test_records_import import workbook
from webapp.extensions import db
from webapp.models import Building
from webapp.owners import imports

TOKEN = re.compile(r'name="token" value="([^"]+)"')


def _imported(world, rows, buildings=("5栋",)):
    record, _ = imports.upload(world.manager, world.estate, "a.xlsx", workbook(rows, buildings))
    imports.apply(world.manager, record)
    db.session.commit()
    return db.session.scalar(
        db.select(Building).where(Building.estate_id == world.estate.id, Building.name == "5栋")
    )


def test_a_building_gets_slips_its_owners_activate_and_texts_to_send(world, login_as, client):
    building = _imported(
        world,
        [
            ("5栋", "101", "甲", "13711110001", "业主"),
            ("5栋", "101", "乙", "13711110002", "家属"),
            ("5栋", "102", "丙", "+852 6123 4567", "租户"),
        ],
    )
    manager = login_as("manager")
    page = manager.get(f"/owners/invites?estate={world.estate.id}&building={building.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "生成邀请（3 人）" in html
    sheet = manager.post(
        "/owners/invites", data={"estate": world.estate.id, "building": building.id}
    )
    html = sheet.get_data(as_text=True)
    tokens = TOKEN.findall(html)
    assert sheet.status_code == 200 and len(tokens) == 3
    assert html.count('class="qr-card invite-slip"') == 3 and "5栋-102" in html

    texts = manager.post("/owners/invites/texts.xlsx", data={"token": [*tokens, "forged"]})
    rows = list(load_workbook(io.BytesIO(texts.data)).active.iter_rows(values_only=True))
    assert [r[:3] for r in rows[1:]] == [
        ("5栋-101", "甲", "137 1111 0001"),
        ("5栋-101", "乙", "137 1111 0002"),
        ("5栋-102", "丙", "+852 6123 4567"),
    ]
    assert all(
        f"/invite/{t}" in r[3] and r[4].endswith(t) for t, r in zip(tokens, rows[1:], strict=True)
    )

    # 丙 scans the slip, sets a password, and is logged in.
    client.refresh_csrf(f"/invite/{tokens[2]}")
    done = client.post(
        f"/invite/{tokens[2]}", data={"password": "Qiu-shui 2026!", "confirm": "Qiu-shui 2026!"}
    )
    assert done.status_code == 303
    # Now two are waiting in the building.
    html = manager.get(f"/owners/invites?estate={world.estate.id}&building={building.id}")
    assert "生成邀请（2 人）" in html.get_data(as_text=True)


def test_issuing_again_replaces_earlier_links_only_when_asked(world, login_as):
    building = _imported(world, [("5栋", "201", "丁", "13711112222", "")])
    manager = login_as("manager")
    form = {"estate": world.estate.id, "building": building.id}
    first = TOKEN.findall(manager.post("/owners/invites", data=form).get_data(as_text=True))
    again = manager.post("/owners/invites", data=form)
    assert again.status_code == 422
    assert "还有未用的邀请" in again.get_data(as_text=True)
    assert manager.get(f"/invite/{first[0]}").status_code == 200  # still works
    replaced = manager.post("/owners/invites", data={**form, "replace": "y"})
    second = TOKEN.findall(replaced.get_data(as_text=True))
    assert replaced.status_code == 200 and second != first
    assert manager.get(f"/invite/{first[0]}").status_code == 404
    assert manager.get(f"/invite/{second[0]}").status_code == 200


def test_a_building_of_another_estate_or_too_many_people_makes_no_batch(world, login_as):
    rows = [("5栋", str(1000 + i), f"人{i}", f"1371000{i:04d}", "") for i in range(301)]
    building = _imported(world, rows)
    manager = login_as("manager")
    page = manager.get(f"/owners/invites?estate={world.estate.id}&building={building.id}")
    assert "一次最多 300 人" in page.get_data(as_text=True)
    refused = manager.post(
        "/owners/invites", data={"estate": world.estate.id, "building": building.id}
    )
    assert refused.status_code == 422
    other = world.other_unit.building_id
    assert (
        manager.get(f"/owners/invites?estate={world.estate.id}&building={other}").status_code == 422
    )


def test_texts_of_links_that_no_longer_work_send_back_to_the_page(world, login_as):
    response = login_as("supervisor").post(
        "/owners/invites/texts.xlsx", data={"token": ["x" * 200, "forged"]}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/owners/invites")
