"""Chinese first, English one tap away and remembered; the English catalog is complete."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import force_locale, format_datetime

from tests.fixtures.app import reload
from webapp.i18n import format_when

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "webapp" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]+")


def _switch(client, locale: str, next_url: str = "/"):
    return client.post("/locale", data={"locale": locale, "next": next_url})


def test_chinese_by_default(client, world):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "登录" in html


def test_switch_to_english_before_login_uses_a_cookie(client, world):
    client.refresh_csrf()
    r = _switch(client, "en", "/login")
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html


def test_language_is_remembered_per_user(client, new_client, world):
    client.login(world.assistant)
    _switch(client, "en")
    assert reload(world.assistant).locale == "en"
    other_phone = new_client()
    other_phone.login(world.assistant)  # a new device, no cookie: the account remembers
    assert "Renovation inspections" in other_phone.get("/").get_data(as_text=True)
    _switch(other_phone, "zh_CN")
    assert "今日巡查" in other_phone.get("/").get_data(as_text=True)


def test_unsupported_locale_is_refused(client, world):
    client.refresh_csrf()
    assert _switch(client, "fr").status_code == 400


def test_locale_switch_never_redirects_off_site(client, world):
    client.refresh_csrf()
    r = _switch(client, "en", "//evil.example/")
    assert r.headers["Location"] == "/"


def test_english_pages_carry_no_untranslated_chinese(login_as, world, patrol, decoration, duty):
    """Only people's and places' names may stay Chinese; every label is translated."""
    allowed = {"中文"}  # the language switch names itself
    # Data people typed stays as typed: template, checkpoint and item names, notes.
    allowed |= {
        "日常巡楼",
        "1栋大堂",
        "地面卫生",
        "照明正常",
        "地砖松动",
        "大堂地面有污渍",
        "地面卫生：地砖松动",
        "业主甲",
        "安居家装",
        "刘师傅",
        "水电改造、防水",
        "不得拆改承重结构",
        "装修垃圾及时清运",
        "公共部位完好",
        "拆除了客厅隔墙",
        "1栋大堂地面有积水",
        "3栋电梯困人，已通知维保",
        "询问停水时间",
        "王先生",
        "3栋水泵房",
        "1栋样板间",
        "李师傅",
        "水泵检修",
        "检查 3栋电梯",
        "走廊堆放建筑垃圾",
        "不得拆改承重结构：拆除了客厅隔墙",
    }
    for name in (world.estate.name, world.other_estate.name):
        allowed.add(name)
    for role, pages in {
        "manager": [
            "/",
            "/account",
            "/admin/users",
            "/admin/users/new",
            "/admin/estates",
            f"/admin/estates/{world.estate.id}",
            f"/admin/buildings/{world.unit_a.building_id}",
            f"/admin/users/{world.assistant.id}",
            f"/history/user/{world.assistant.id}",
            "/patrols/compliance",
            "/patrols/templates",
            f"/patrols/templates/{patrol.template.id}",
            f"/patrols/rounds/{patrol.round_done.id}",
            "/decoration/rules",
            f"/decoration/permits/{decoration.permit.id}/completion",
            f"/decoration/notices/{decoration.draft.id}",
            f"/duty/{duty.duty.id}",
            f"/duty/events/{duty.major.id}",
            f"/history/duty_event/{duty.major.id}",
            "/admin/outbox",
            f"/admin/estates/{world.estate.id}/departments",
            f"/admin/estates/{world.estate.id}/departments/engineering",
            "/dashboard?period=month",
            "/dashboard/review",
            "/decoration/notices?state=all",
            "/duty/history?show=refused&since=2026-01-01",
            f"/tickets?tab=handled&since=2026-01-01&until=2026-12-31&severity=major&awaiting=investigation&unit={world.unit_a.id}",
            f"/workorders?age=older&estate={world.estate.id}",
            f"/patrols/history?finished=1&estate={world.estate.id}&item={patrol.item.id}",
        ],
        "supervisor": [
            "/",
            "/duty",
            "/duty/history",
            "/keys",
            f"/keys/{duty.key.id}",
            f"/keys/{duty.key_in.id}",
            f"/duty/handovers/{duty.handover.id}",
        ],
        "assistant": [
            "/duty",
            f"/duty/{duty.duty.id}/handover",
            f"/duty/handovers/{duty.handover.id}",
            f"/duty/events/{duty.call.id}",
            f"/duty/events/{duty.event.id}",
            "/",
            "/owners",
            "/owners/new",
            f"/owners/{world.owner_a.id}",
            "/patrols",
            "/patrols/history",
            f"/patrols/rounds/{patrol.round_open.id}",
            "/workorders",
            f"/workorders/{patrol.order.id}",
            f"/history/work_order/{patrol.order.id}",
            "/decoration",
            "/decoration/permits",
            "/decoration/permits/new",
            f"/decoration/permits/{decoration.permit.id}",
            f"/decoration/permits/{decoration.permit.id}/inspect",
            f"/decoration/units/{decoration.permit.unit_id}/timeline",
        ],
        "owner_a": [
            "/",
            "/account",
            "/decoration/mine",
            f"/decoration/notices/{decoration.notice.id}",
        ],
    }.items():
        c = login_as(role)
        _switch(c, "en")
        names = {
            p.display_name
            for p in (
                world.assistant,
                world.supervisor,
                world.manager,
                world.owner_a,
                world.owner_b,
                world.assistant_other,
            )
        }
        unit_words = {"栋"}
        for url in pages:
            html = c.get(url).get_data(as_text=True)
            assert '<html lang="en">' in html
            text = re.sub(r"<[^>]+>", " ", html)
            leftovers = {
                w
                for w in CJK.findall(text)
                if w not in allowed
                and w not in names
                and not set(w) <= unit_words
                and not any(w in n for n in names | allowed)
            }
            assert not leftovers, f"{url} as {role}: {leftovers}"


def test_english_catalog_is_complete_and_current(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted = {m.id for m in read_po(pot.open("rb")) if m.id}
    catalog = read_po(PO.open("rb"))
    translated = {m.id: m for m in catalog if m.id}
    missing = sorted(str(i) for i in extracted - set(translated))
    assert not missing, f"not in the English catalog (run pybabel update): {missing[:10]}"
    untranslated = sorted(str(i) for i in extracted if not all(_forms(translated[i].string)))
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    fuzzy = sorted(str(i) for i in extracted if translated[i].fuzzy)
    assert not fuzzy, f"fuzzy translations: {fuzzy[:10]}"
    # Placeholders must survive translation (in every plural form too).
    for msgid in extracted:
        ours = set(re.findall(r"%\(\w+\)\w", " ".join(_forms(msgid))))
        for form in _forms(translated[msgid].string):
            assert set(re.findall(r"%\(\w+\)\w", form)) == ours, msgid


def _forms(text) -> tuple[str, ...]:
    """A message's text, or each of its plural forms."""
    return tuple(text) if isinstance(text, tuple | list) else (text,)


def test_times_are_shown_in_the_estates_zone(app, world):
    from datetime import UTC, datetime

    from flask_login import login_user

    from webapp.i18n import format_when

    with app.test_request_context("/"):
        login_user(world.assistant)
        # 16:30 UTC is half past midnight the next day in Shanghai.
        assert format_when(datetime(2026, 11, 22, 16, 30, tzinfo=UTC)) == "2026-11-23 00:30"


def test_times_in_digits_read_as_babel_writes_them_in_the_estates_zone(app):
    """format_when's short way (strftime for digits-only patterns) gives Babel's own answer."""
    moments = [datetime(2026, 12, 31, 16, 5, 9, tzinfo=UTC), datetime(2026, 3, 1, 0, 0, tzinfo=UTC)]
    patterns = ["yyyy-MM-dd HH:mm", "HH:mm", "yyyy-MM-dd", "MM-dd HH:mm:ss", "yyyy-MM-dd EEEE"]
    for language in ("zh_CN", "en"):
        with app.test_request_context(), force_locale(language):
            for moment in moments:
                for pattern in patterns:
                    assert format_when(moment, pattern) == format_datetime(moment, pattern)
            # Shanghai: the last evening of the year in UTC is already the new year there.
            assert format_when(moments[0]) == "2027-01-01 00:05"


def test_the_department_link_page_reads_in_english(client, world, patrol):
    """The technician's page, without an account, in the language they chose."""
    from webapp import signedlinks
    from webapp.workorders import services as workorders

    token = signedlinks.token_of(workorders.department_link(patrol.order))
    client.refresh_csrf(f"/d/{token}")
    _switch(client, "en", f"/d/{token}")
    html = client.get(f"/d/{token}").get_data(as_text=True)
    assert "Fixed" in html and "Your name" in html
    text = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])
    left = {
        m
        for m in re.findall(r"[\u4e00-\u9fff][\u4e00-\u9fff0-9：]*", text)
        if m not in {"大堂地面有污渍", "栋大堂", world.estate.name, "中文"}
    }
    assert not left, left
