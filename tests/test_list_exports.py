"""Lists to Excel: the inbox and the work orders, with the list's current filters, every row,
headers in the reader's language, times in the estate's zone, numbers as numbers."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from tests.fixtures.tickets import take_ticket
from webapp import clock
from webapp.extensions import db
from webapp.workorders import services as workorders


def _sheet(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    return sheet, [list(r) for r in sheet.iter_rows(values_only=True)]


def _tickets(world, repairs: int, complaints: int) -> None:
    for i in range(repairs):
        take_ticket(world, kind="repair", category="engineering", description=f"漏水 {i}")
    for i in range(complaints):
        take_ticket(world, description=f"噪音 {i}")
    db.session.commit()


def test_the_inbox_exports_with_its_filters(login_as, world, count_queries):
    _tickets(world, repairs=3, complaints=2)
    staff = login_as("assistant")
    page = staff.get("/tickets?tab=all&kind=repair").get_data(as_text=True)
    assert 'href="/tickets.xlsx?tab=all&amp;kind=repair"' in page
    sheet, rows = _sheet(staff.get("/tickets.xlsx?tab=all&kind=repair"))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["编号", "受理时间", "类型", "类别"]
    assert len(body) == 3 and {r[2] for r in body} == {"报修"}
    assert all(isinstance(r[1], datetime) for r in body)  # a real date, not text
    assert sheet.freeze_panes == "A2"
    assert all("****" in r[9] for r in body)  # phone numbers masked as on the page
    # Every row, not a page of them, and a bounded number of statements whatever the count.
    with count_queries() as few:
        staff.get("/tickets.xlsx?tab=all")
    _tickets(world, repairs=30, complaints=30)
    with count_queries() as many:
        _sheet_rows = _sheet(staff.get("/tickets.xlsx?tab=all"))[1]
    assert len(_sheet_rows) == 1 + 65
    assert many.count == few.count, "\n".join(many.statements)
    # Another estate's assistant gets their own estate's tickets only.
    _other, rows = _sheet(login_as("assistant_other").get("/tickets.xlsx?tab=all"))
    assert rows[1:] == []


def test_the_inbox_export_reads_in_english(login_as, world):
    _tickets(world, repairs=1, complaints=0)
    staff = login_as("assistant")
    staff.post("/locale", data={"locale": "en", "next": "/"})
    _sheet_, rows = _sheet(staff.get("/tickets.xlsx?tab=all"))
    assert rows[0][:3] == ["Number", "Taken", "Kind"]
    assert rows[1][2] == "Repair"


def test_work_orders_export_with_their_filters(login_as, world, patrol):
    for department in ("engineering", "engineering", "cleaning"):
        workorders.dispatch(
            world.assistant,
            estate=world.estate,
            department=department,
            location="2栋",
            description="=HYPERLINK(1)",  # typed text stays text, never a formula
            due_at=clock.now() + timedelta(hours=4),
            origin_type="patrol_result",
            origin_id=1,
        )
    db.session.commit()
    staff = login_as("assistant")
    page = staff.get("/workorders?department=engineering").get_data(as_text=True)
    assert 'href="/workorders/export.xlsx?department=engineering"' in page
    _s, rows = _sheet(staff.get("/workorders/export.xlsx?department=engineering"))
    assert rows[0][:3] == ["编号", "项目", "交由部门"]
    assert len(rows) == 1 + 2 and {r[2] for r in rows[1:]} == {"工程部"}
    assert all(isinstance(r[6], datetime) and isinstance(r[12], int) for r in rows[1:])
    assert rows[1][4].startswith("=HYPERLINK")
    _s, everything = _sheet(staff.get("/workorders/export.xlsx"))
    assert len(everything) == 1 + 4  # the patrol's work order too
    _s, none = _sheet(login_as("assistant_other").get("/workorders/export.xlsx"))
    assert none[1:] == []


def test_patrol_rounds_and_their_findings_export(login_as, world, patrol):
    staff = login_as("supervisor")
    page = staff.get("/patrols/history?result=issues").get_data(as_text=True)
    assert 'href="/patrols/history.xlsx?result=issues"' in page
    assert 'href="/patrols/findings.xlsx?result=issues"' in page
    _s, rounds = _sheet(staff.get("/patrols/history.xlsx"))
    assert rounds[0][:2] == ["巡查表", "巡查人"]
    # The patrol fixture: one round under way, one done (and a third in the other estate).
    assert len(rounds) == 1 + 2
    assert all(isinstance(r[4], int) for r in rounds[1:])
    _s, with_issues = _sheet(staff.get("/patrols/history.xlsx?result=issues"))
    _s, findings = _sheet(staff.get("/patrols/findings.xlsx?result=issues"))
    assert len(findings) - 1 == sum(r[5] for r in with_issues[1:])
    assert findings[0][:4] == ["巡查时间", "巡查人", "巡查点", "检查项"]
    assert all(r[3] for r in findings[1:])


def test_decoration_inspections_and_notices_export(login_as, world, decoration):
    staff = login_as("assistant")
    page = staff.get("/decoration/permits").get_data(as_text=True)
    assert 'href="/decoration/inspections.xlsx"' in page
    _s, inspections = _sheet(staff.get("/decoration/inspections.xlsx"))
    assert inspections[0][:3] == ["巡查时间", "房屋", "施工单位"]
    assert len(inspections) >= 2 and any(r[5] for r in inspections[1:])  # a violation counted
    assert any("不得拆改承重结构" in (r[6] or "") for r in inspections[1:])
    _s, notices = _sheet(staff.get("/decoration/notices.xlsx"))
    assert {r[5] for r in notices[1:]} >= {"整改中", "待签发"}
    # Another estate sees none of them.
    _s, none = _sheet(login_as("assistant_other").get("/decoration/notices.xlsx"))
    assert none[1:] == []


def test_the_notices_list_by_state_and_its_export(login_as, world, decoration):
    """Issued (running, then past its deadline), drafts: each state lists its notices, and the
    export takes the list's filters."""
    staff = login_as("supervisor")
    page = staff.get("/decoration/notices").get_data(as_text=True)  # running ones by default
    assert f'data-row="{decoration.notice.id}"' in page
    assert f'data-row="{decoration.draft.id}"' not in page
    drafts = staff.get("/decoration/notices?state=draft").get_data(as_text=True)
    assert f'data-row="{decoration.draft.id}"' in drafts
    assert f'data-row="{decoration.notice.id}"' not in drafts
    assert 'href="/decoration/notices.xlsx?state=draft"' in drafts
    _s, rows = _sheet(staff.get("/decoration/notices.xlsx?state=draft"))
    assert [r[5] for r in rows[1:]] == ["待签发"]

    clock.travel(timedelta(days=4))  # past the three days the first notice was given
    try:
        staff = login_as("supervisor")  # a new day, a new login
        overdue = staff.get("/decoration/notices?state=overdue").get_data(as_text=True)
        assert f'data-row="{decoration.notice.id}"' in overdue and "已逾期" in overdue
        running = staff.get("/decoration/notices").get_data(as_text=True)
        assert f'data-row="{decoration.notice.id}"' not in running
    finally:
        clock.travel(timedelta(days=-4))
    # Another estate's staff see none of them, in any state.
    other = login_as("assistant_other").get("/decoration/notices?state=all")
    assert "data-row=" not in other.get_data(as_text=True)
