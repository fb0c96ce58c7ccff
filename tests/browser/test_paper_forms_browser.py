"""The department's paper forms, as a person prints them: reached by taps from the records they
belong to, printed by headless Chromium to A4 PDF, one page or more each, nothing but the form
(no navigation, no buttons). The PDFs are kept with the screenshots to look at."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import PHONE, SCREENS, log_in
from webapp.decoration import services as decoration
from webapp.extensions import db
from webapp.models import DecorationPermit, PatrolTemplate, User
from webapp.patrols import rounds
from webapp.tickets import intake, lifecycle

pytestmark = pytest.mark.browser

A4_WIDTH_POINTS = 595  # 210 mm


@pytest.fixture(scope="module")
def records(live_app):
    """A finished round, a renovation inspection with a violation, and a ticket that was
    handled and visited: what the forms are printed from."""
    with live_app.app_context():
        assistant = db.session.scalar(select(User).where(User.username == "assistant"))
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
        template = db.session.scalars(select(PatrolTemplate).order_by(PatrolTemplate.id)).first()
        patrol_round = rounds.start_round(assistant, template)
        items = [i for cp in template.checkpoints for i in cp.items if i.active]
        for n, item in enumerate(items):
            rounds.record(
                assistant,
                patrol_round,
                item.id,
                outcome="issue" if n == 0 else "ok",
                note="大堂吊灯一盏不亮" if n == 0 else "",
                department="engineering" if n == 0 else None,
            )
        rounds.finish(assistant, patrol_round)
        permit = db.session.scalars(select(DecorationPermit).order_by(DecorationPermit.id)).first()
        rules = decoration.rules(permit.estate_id, "daily")
        answers = [decoration.Answer(rules[0].id, "violation", "阳台堆放水泥", [])] + [
            decoration.Answer(r.id, "ok", "", []) for r in rules[1:]
        ]
        inspection = decoration.inspect(
            supervisor, permit, answers, note="", deadline_days=3, checked={}
        )
        ticket, _code = intake.create(
            assistant,
            estate=permit.estate,
            unit=permit.unit,
            reporter_name="陈先生",
            reporter_phone="13912345678",
            kind="complaint",
            channel="phone",
            category="noise",
            severity="normal",
            description="楼上装修中午施工噪音",
        )
        lifecycle.transition(ticket, "resolve", assistant, version=ticket.version, reply="已约谈")
        lifecycle.transition(
            ticket, "visit", assistant, version=ticket.version, rating="satisfied", comment="好"
        )
        db.session.commit()
        ids = {
            "round": patrol_round.id,
            "permit": permit.id,
            "inspection": inspection.id,
            "ticket": ticket.number,
        }
        db.session.remove()
    return ids


def _print(page, tmp_path, name: str) -> bytes:
    """Print the page as the browser does (print media, A4) and keep the PDF to look at."""
    page.emulate_media(media="print")
    expect(page.locator("nav.tabbar")).to_be_hidden()
    expect(page.locator(".print-form .signature-lines")).to_be_visible()
    path = tmp_path / f"{name}.pdf"
    page.pdf(path=str(path), format="A4", print_background=True)
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SCREENS / path.name)
    data = path.read_bytes()
    page.emulate_media(media="screen")
    return data


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_each_paper_form_prints_to_a4(browser, live_server, records, tmp_path, screenshot):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "supervisor")

    # 巡查记录表: from the patrol history, the round, then its form.
    page.locator("nav.tabbar").get_by_role("link", name="巡查", exact=True).click()
    page.locator("nav.subnav").get_by_role("link", name="巡查记录").click()
    page.locator(f"a[href='/patrols/rounds/{records['round']}']").first.click()
    page.locator("#print-form").click()
    expect(page.locator("#round-form")).to_contain_text("大堂吊灯一盏不亮")
    screenshot("form-patrol", target=page)
    pdf = _print(page, tmp_path, "form-patrol")
    assert pdf.startswith(b"%PDF") and _pages(pdf) >= 1
    assert f"/MediaBox [0 0 {A4_WIDTH_POINTS}".encode() in pdf

    # 装修巡查表: the renovation, its inspection's form.
    page.locator("nav.tabbar").get_by_role("link", name="装修", exact=True).click()
    page.locator("nav.subnav").get_by_role("link", name="装修登记").click()
    page.locator(f"a[href='/decoration/permits/{records['permit']}']").first.click()
    page.locator(f"a[href='/decoration/inspections/{records['inspection']}/print']").click()
    expect(page.locator("#inspection-form")).to_contain_text("阳台堆放水泥")
    screenshot("form-decoration", target=page)
    assert _pages(_print(page, tmp_path, "form-decoration")) >= 1

    # 投诉受理单: the ticket from the inbox, its form.
    page.locator("nav.tabbar").get_by_role("link", name="投诉", exact=True).click()
    page.locator("nav.tabs a[href*='tab=all']").click()  # handled and visited: not "open"
    page.locator("#ticket-list a", has_text=records["ticket"]).first.click()
    page.locator("#print-form").click()
    expect(page.locator("#ticket-form")).to_contain_text("楼上装修中午施工噪音")
    expect(page.locator("#ticket-form")).to_contain_text("满意")
    screenshot("form-ticket", target=page)
    assert _pages(_print(page, tmp_path, "form-ticket")) >= 1

    # 回访记录表: from the monthly summary.
    page.locator("nav.tabbar").get_by_role("link", name="投诉", exact=True).click()
    page.get_by_role("link", name="汇总表").click()
    page.locator("#visits-link").click()
    expect(page.locator("#visits")).to_contain_text(records["ticket"])
    screenshot("form-visits", target=page)
    assert _pages(_print(page, tmp_path, "form-visits")) >= 1
    context.close()
