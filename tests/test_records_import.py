"""业户档案 from a workbook: the template, a preview that refuses exactly the bad rows, an import
in one transaction that a second run of the same file leaves alone, edits applied in place."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from webapp.errors import Conflict, Invalid
from webapp.extensions import db
from webapp.models import Building, RecordImport, Role, Unit, UnitOwnership, User
from webapp.owners import imports

ROWS = 5000
HEADERS = ["楼栋", "房号", "姓名", "电话", "身份"]


def workbook(residents, buildings=("1栋", "5栋", "6栋"), headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "楼栋"
    sheet.append(["楼栋"])
    for name in buildings:
        sheet.append([name])
    rows = book.create_sheet("房屋与住户")
    rows.append(headers)
    for row in residents:
        rows.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def generated(rows: int = ROWS):
    """`rows` residents over four buildings, one unit each, every tenth a unit without people;
    with every 50 rows one bad phone, one unknown building and one repeat of the row before.
    Returns the rows and {sheet row: column letter} of the rows that must be refused."""
    out, refused = [], {}
    for i in range(rows):
        building = ("1栋", "3栋", "5栋", "6栋")[i % 4]
        number = str(5000 + i)
        name, phone = f"住户{i}", 13700000000 + i  # typed as a number, as Excel keeps it
        relation = ("业主", "租户", "家属", "")[i % 4]
        if i % 10 == 3:
            name = phone = relation = None
        if i % 50 == 5:
            phone = "12345"
            refused[i + 2] = "D"
        if i % 50 == 17:
            building = "99栋"
            refused[i + 2] = "A"
        if i % 50 == 30:
            out.append(out[-1])
            refused[i + 2] = "D"
            continue
        out.append((building, number, name, phone, relation))
    return out, refused


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_generated_workbook_refuses_exactly_its_bad_rows_and_imports_once(world, count_queries):
    rows, refused = generated()
    content = workbook(rows)
    with count_queries() as counter:
        plan = imports.plan(world.estate, content)
    assert counter.count <= 25  # by batches, not by rows
    assert {r.row: r.cell[0] for r in plan.refused} == refused
    assert all(r.cell == f"{r.cell[0]}{r.row}" for r in plan.refused)
    reasons = {r.row: r.reason for r in plan.refused}
    assert "12345" in reasons[7] and "99栋" in reasons[19] and "第 31 行" in reasons[32]
    accepted = ROWS - len(refused)
    alone = sum(1 for i in range(ROWS) if i % 10 == 3)
    assert plan.counts() == {
        "buildings": 2,
        "units": accepted,
        "people": accepted - alone,
        "renamed": 0,
        "links": accepted - alone,
        "relinked": 0,
        "unchanged": 1,  # 1栋, listed and already there
        "refused": len(refused),
        "rows": ROWS + 3,
    }

    units_before, people_before = _count(Unit), _count(User)
    record, _ = imports.upload(world.manager, world.estate, "档案.xlsx", content)
    imports.apply(world.manager, record)
    db.session.commit()
    assert _count(Unit) == units_before + accepted
    assert _count(User) == people_before + accepted - alone
    tenant = db.session.scalar(select(User).where(User.phone == "+8613700000001"))
    assert (tenant.display_name, tenant.username, tenant.role) == (
        "住户1",
        "+8613700000001",
        Role.OWNER,
    )
    assert tenant.password_hash is None  # they set it through an invite
    link = db.session.scalar(select(UnitOwnership).where(UnitOwnership.user_id == tenant.id))
    assert (link.unit.label, link.relation) == ("3栋-5001", "tenant")

    # The same file again: nothing to do, and applying it changes no row.
    again, _ = imports.upload(world.manager, world.estate, "档案.xlsx", content)
    plan = imports.plan(world.estate, content)
    assert plan.changes == 0 and len(plan.refused) == len(refused)
    counts = (_count(Building), _count(Unit), _count(User), _count(UnitOwnership))
    imports.apply(world.manager, again)
    db.session.commit()
    assert (_count(Building), _count(Unit), _count(User), _count(UnitOwnership)) == counts

    # An edited file: a new name and a new relation, changed in place.
    rows[0] = ("1栋", "5000", "住户零", 13700000000, "租户")
    edited = imports.plan(world.estate, workbook(rows))
    assert [(before, after) for _id, before, after in edited.renamed] == [("住户0", "住户零")]
    assert [(c.label, c.before, c.after) for c in edited.relinked] == [
        ("1栋-5000", "owner", "tenant")
    ]
    assert edited.people == [] and edited.links == []


def test_a_phone_of_staff_or_someone_elses_login_is_refused(world):
    content = workbook(
        [
            ("1栋", "101", "冒名", world.assistant.phone, "业主"),
            ("1栋", "102", "新人", "+852 6123 4567", "租户"),
            ("1栋", "102", "新人", "+852 6123 4567", "家属"),
        ]
    )
    plan = imports.plan(world.estate, content)
    assert [(r.cell, "员工" in r.reason) for r in plan.refused] == [("D2", True), ("D4", False)]
    assert plan.people == [("新人", "+85261234567")]


def test_a_name_that_differs_for_one_phone_is_refused(world):
    plan = imports.plan(
        world.estate,
        workbook(
            [("1栋", "101", "王一", "13711112222", ""), ("1栋", "102", "王二", "137 1111 2222", "")]
        ),
    )
    assert [(r.cell, r.reason) for r in plan.refused] == [
        ("C3", "同一电话在第 2 行的姓名是“王一”。")
    ]


def test_english_headers_and_relations_are_read(world):
    content = workbook(
        [("1栋", "101", "Lee", "+853 6612 3456", "Tenant")],
        buildings=(),
        headers=["Building", "Unit", "Name", "Phone", "Relation"],
    )
    plan = imports.plan(world.estate, content)
    assert plan.refused == [] and plan.links == [("+85366123456", "1栋", "101", "tenant")]


@pytest.mark.parametrize(
    "content", [b"", b"not a workbook", b"PK\x03\x04broken zip", workbook([], headers=["a", "b"])]
)
def test_what_is_not_our_workbook_is_refused_with_a_reason(world, content):
    with pytest.raises(Invalid):
        imports.plan(world.estate, content)


def test_records_changed_since_the_preview_are_not_imported_blindly(world):
    content = workbook([("1栋", "101", "赵六", "13722223333", "业主")])
    record, _ = imports.upload(world.manager, world.estate, "a.xlsx", content)
    other, _ = imports.upload(world.manager, world.estate, "b.xlsx", content)
    imports.apply(world.manager, other)
    with pytest.raises(Conflict):
        imports.apply(world.manager, record)


def test_the_template_has_both_sheets_in_the_readers_language(world, login_as):
    client = login_as("manager")
    template = client.get("/owners/import/template.xlsx").data
    zh = load_workbook(io.BytesIO(template))
    assert zh.sheetnames == ["楼栋", "房屋与住户", "填写说明"]
    assert [c.value for c in zh["房屋与住户"][1]] == HEADERS
    client.post("/locale", data={"locale": "en"})
    en = load_workbook(io.BytesIO(client.get("/owners/import/template.xlsx").data))
    sheet = en.worksheets[1]
    assert [c.value for c in sheet[1]] == ["Building", "Unit number", "Name", "Phone", "Relation"]
    assert [c.value for c in en.worksheets[0][1]] == ["Building"]
    assert en.sheetnames[0] == "Buildings"
    # Uploaded as it comes, the template changes nothing: its example is on the notes sheet.
    plan = imports.plan(world.estate, template)
    assert plan.refused == [] and plan.changes == 0 and plan.rows == 0


def test_a_supervisor_uploads_previews_and_imports_through_the_pages(world, login_as):
    client = login_as("supervisor")
    content = workbook(
        [("1栋", "101", "孙七", "139-1111-0000", "业主"), ("8栋", "101", "错楼", "13911110001", "")]
    )
    response = client.post(
        "/owners/import",
        data={"estate": world.estate.id, "file": (io.BytesIO(content), "records.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A3" in page and "8栋" in page and "孙七" in page
    record = db.session.scalar(select(RecordImport).order_by(RecordImport.id.desc()))
    response = client.post(f"/owners/import/{record.id}/apply")
    assert response.status_code == 303
    assert (
        db.session.scalar(select(User.display_name).where(User.phone == "+8613911110000")) == "孙七"
    )
    page = client.get(f"/owners/import/{record.id}").get_data(as_text=True)
    assert "已于" in page
    assert client.post(f"/owners/import/{record.id}/apply").status_code == 409


def test_an_upload_that_is_not_a_workbook_answers_422_beside_the_field(world, login_as):
    client = login_as("manager")
    response = client.post(
        "/owners/import",
        data={"estate": world.estate.id, "file": (io.BytesIO(b"\x00" * 100), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "无法读取这个文件" in response.get_data(as_text=True)


def test_another_estates_import_is_not_found(world, login_as, make):
    record, _ = imports.upload(world.manager, world.other_estate, "x.xlsx", imports.template())
    db.session.commit()
    assert login_as("manager").get(f"/owners/import/{record.id}").status_code == 404


def test_a_preview_older_than_the_records_says_so_and_offers_no_confirm(world, login_as):
    content = workbook([("1栋", "101", "赵六", "13722223333", "业主")])
    older, _ = imports.upload(world.manager, world.estate, "a.xlsx", content)
    newer, _ = imports.upload(world.manager, world.estate, "b.xlsx", content)
    imports.apply(world.manager, newer)
    db.session.commit()
    page = login_as("manager").get(f"/owners/import/{older.id}").get_data(as_text=True)
    assert 'id="stale"' in page and "确认导入" not in page
    assert re.search(r"新建住户</dt><dd>0<", page)  # today's counts, not the upload's
