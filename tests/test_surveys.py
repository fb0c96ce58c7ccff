"""Satisfaction surveys (满意度调查) through HTTP: the manager writes and sends a questionnaire,
owners answer on their account and others through the link after naming their unit and its
phone, once per unit; the results equal a hand count (200 units), the export opens with
openpyxl, and a low score becomes one ticket."""

from __future__ import annotations

import io
import random
import re
from collections import Counter

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.fixtures.app import Client, reload
from webapp import signedlinks
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Building,
    Notification,
    Role,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    Ticket,
    Unit,
    UnitOwnership,
    User,
)
from webapp.surveys import services as surveys


def _new_survey(c, world, **extra):
    data = {"title": "2026 年度满意度调查", "intro": "感谢参与。", **extra}
    made = c.post(f"/surveys/new?estate={world.estate.id}", data=data)
    assert made.status_code == 303, made.get_data(as_text=True)[:2000]
    return int(re.search(r"/surveys/(\d+)", made.headers["Location"]).group(1))


def _questions(c, survey_id):
    for q in (
        {"kind": "scale", "text": "你对客服服务满意吗？"},
        {"kind": "choice", "text": "你最常用的报修方式？", "options": "电话\n扫码\n前台"},
        {"kind": "text", "text": "你的意见和建议"},
    ):
        added = c.post(f"/surveys/{survey_id}/questions", data=q)
        assert added.status_code == 303, added.get_data(as_text=True)[:2000]
    return db.session.get(Survey, survey_id).questions


def _public_token(survey):
    return signedlinks.token_of(signedlinks.current(surveys.PURPOSE, surveys.TARGET, survey.id))


@pytest.fixture
def sent(login_as, world):
    """A sent survey of the whole estate (three questions) and the manager's client."""
    c = login_as("manager")
    survey_id = _new_survey(c, world)
    questions = _questions(c, survey_id)
    assert c.post(f"/surveys/{survey_id}/send").status_code == 303
    survey = reload(db.session.get(Survey, survey_id))
    return survey, questions, c


def test_a_manager_writes_and_sends_a_survey_that_then_stays_as_sent(login_as, world):
    c = login_as("manager")
    listing = c.get(f"/surveys?estate={world.estate.id}").get_data(as_text=True)
    assert 'id="new-survey"' in listing
    # A title is needed; a last day in the past is refused.
    assert c.post(f"/surveys/new?estate={world.estate.id}", data={"title": ""}).status_code == 422
    past = c.post(
        f"/surveys/new?estate={world.estate.id}", data={"title": "x", "closes_on": "2020-01-01"}
    )
    assert past.status_code == 422 and "截止日期不能早于今天" in past.get_data(as_text=True)
    survey_id = _new_survey(c, world)
    # Nothing to send yet: the page says why instead of a button.
    draft = c.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "请先添加至少一个问题" in draft
    assert c.post(f"/surveys/{survey_id}/send").status_code == 303
    assert reload(db.session.get(Survey, survey_id)).status == "draft"
    # A single choice needs two options at least, and no repeats.
    one = c.post(
        f"/surveys/{survey_id}/questions",
        data={"kind": "choice", "text": "哪个？", "options": "甲"},
    )
    assert one.status_code == 422 and "2 到 8 个选项" in one.get_data(as_text=True)
    twice = c.post(
        f"/surveys/{survey_id}/questions",
        data={"kind": "choice", "text": "哪个？", "options": "甲\n甲"},
    )
    assert twice.status_code == 422 and "选项不能重复" in twice.get_data(as_text=True)
    questions = _questions(c, survey_id)
    assert [q.kind for q in questions] == ["scale", "choice", "text"]
    assert questions[1].options == ["电话", "扫码", "前台"]
    # A question removed before sending is gone.
    extra = c.post(f"/surveys/{survey_id}/questions", data={"kind": "scale", "text": "多余的"})
    assert extra.status_code == 303
    last = reload(db.session.get(Survey, survey_id)).questions[-1]
    assert c.post(f"/surveys/{survey_id}/questions/{last.id}/delete").status_code == 303
    assert len(reload(db.session.get(Survey, survey_id)).questions) == 3
    # Only one building asked.
    three = db.session.scalar(select(Building).where(Building.name == "3栋"))
    saved = c.post(
        f"/surveys/{survey_id}", data={"title": "3栋满意度调查", "buildings": [three.id]}
    )
    assert saved.status_code == 303
    # A supervisor sees the draft but may not write it.
    s = login_as("supervisor")
    assert s.get(f"/surveys/{survey_id}").status_code == 200
    assert (
        s.post(f"/surveys/{survey_id}/questions", data={"kind": "text", "text": "x"}).status_code
        == 403
    )
    assert s.post(f"/surveys/{survey_id}/send").status_code == 403
    sent = c.post(f"/surveys/{survey_id}/send")
    assert sent.status_code == 303
    survey = reload(db.session.get(Survey, survey_id))
    assert survey.status == "open" and survey.sent_at is not None
    units_of_three = db.session.scalar(
        select(func.count()).select_from(Unit).where(Unit.building_id == three.id)
    )
    assert survey.units_asked == units_of_three == 24
    # Sent: the questions are fixed.
    late = c.post(f"/surveys/{survey_id}/questions", data={"kind": "text", "text": "晚了"})
    assert late.status_code == 409
    assert len(reload(db.session.get(Survey, survey_id)).questions) == 3
    results = c.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert 'id="poster"' in results and "/q/" in results
    poster = c.get(f"/surveys/{survey_id}/poster")
    assert poster.status_code == 200 and "data:image/svg+xml" in poster.get_data(as_text=True)
    actions = set(
        db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.target_type == "survey", AuditEvent.target_id == survey_id
            )
        )
    )
    assert {"survey.create", "survey.question", "survey.update", "survey.send"} <= actions
    # Other estates' staff see nothing of it.
    assert login_as("assistant_other").get(f"/surveys/{survey_id}").status_code in (403, 404)


def test_owners_answer_from_their_home_once_per_unit(login_as, world, sent, make):
    survey, questions, _manager = sent
    scale, choice, text = questions
    o = login_as("owner_a")
    # Sent: the owners of the units asked were told on their bell, which leads to their home.
    told = db.session.scalars(
        select(Notification).where(
            Notification.kind == "survey_sent", Notification.target_id == survey.id
        )
    ).all()
    assert {n.user_id for n in told} >= {world.owner_a.id, world.owner_b.id}
    assert all(db.session.get(User, n.user_id).is_owner for n in told)
    mine = next(n for n in told if n.user_id == world.owner_a.id)
    bell = o.get(f"/notifications/{mine.id}").headers["Location"]
    assert bell == f"/my/surveys/{survey.id}"
    # It opens the form for their one unit the survey asks; other people's surveys: their home.
    answer_url = f"/surveys/{survey.id}/answer/{world.unit_a.id}"
    assert o.get(bell).headers["Location"] == answer_url
    assert o.get("/my/surveys/999999").headers["Location"] == "/#duty-surveys"
    home = o.get("/").get_data(as_text=True)
    answer_url = f"/surveys/{survey.id}/answer/{world.unit_a.id}"
    assert answer_url in home and survey.title in home
    page = o.get(answer_url).get_data(as_text=True)
    assert f'name="q{scale.id}"' in page and "很满意" in page
    # The scale and the choice must be answered; the text may stay empty.
    missing = o.post(answer_url, data={f"q{text.id}": "不错"})
    assert missing.status_code == 422 and "请回答这一题" in missing.get_data(as_text=True)
    bad = o.post(answer_url, data={f"q{scale.id}": "9", f"q{choice.id}": "0"})
    assert bad.status_code == 422
    done = o.post(answer_url, data={f"q{scale.id}": "4", f"q{choice.id}": "1"})
    assert done.status_code == 303
    response = db.session.scalar(
        select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
    )
    assert response.unit_id == world.unit_a.id and response.via == "account"
    assert {(a.score, a.choice, a.text) for a in response.answers} == {
        (4, None, ""),
        (None, 1, ""),
    }
    # Answered: the home no longer asks, the page says so, a second post is refused.
    assert answer_url not in o.get("/").get_data(as_text=True)
    assert 'id="closed"' in o.get(answer_url).get_data(as_text=True)
    again = o.post(answer_url, data={f"q{scale.id}": "1", f"q{choice.id}": "0"})
    assert again.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    # A second person of the same unit (a tenant) finds it answered too; another's unit is 404.
    tenant = make.owner(world.unit_a)
    assert answer_url not in login_as_user(world, tenant, o).get("/").get_data(as_text=True)
    assert o.get(f"/surveys/{survey.id}/answer/{world.unit_b.id}").status_code == 404
    # Staff cannot answer for an owner.
    assert login_as("assistant").get(answer_url).status_code == 403


def login_as_user(world, user, client):
    """A fresh client logged in as someone outside the world's named people."""
    c = client.application.test_client()
    assert c.login(user).status_code == 303
    return c


def _public_post(c, token, building, number, phone, answers, **extra):
    return c.post(
        f"/q/{token}",
        data={"building": building, "number": number, "phone": phone, **answers, **extra},
    )


def test_the_link_needs_the_unit_and_its_owners_phone_and_throttles_wrong_ones(
    app, world, sent, login_as
):
    survey, questions, _manager = sent
    scale, choice, _text = questions
    token = _public_token(survey)
    visitor = login_as("anonymous")
    page = visitor.get(f"/q/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "1栋" in page.get_data(as_text=True)
    answers = {f"q{scale.id}": "5", f"q{choice.id}": "2"}
    unit = world.unit_b
    building = unit.building_id
    # A phone that is not the unit's owner's: one message for every mismatch.
    wrong = _public_post(visitor, token, building, unit.number, "13900000001", answers)
    assert wrong.status_code == 422 and "不符" in wrong.get_data(as_text=True)
    nobody = _public_post(visitor, token, building, "9999", "13900000002", answers)
    assert nobody.status_code == 422 and "不符" in nobody.get_data(as_text=True)
    # The robot's hidden field: thanked, nothing kept.
    robot = _public_post(visitor, token, building, unit.number, "13900000002", answers, website="x")
    assert robot.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    # Digits typed full-width (a Chinese keyboard) are the same unit number.
    wide = unit.number.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    ok = _public_post(visitor, token, building, f" {wide} ", "139 0000 0002", answers)
    assert ok.status_code == 303 and ok.headers["Location"].endswith(f"/q/{token}/done")
    assert "谢谢" in visitor.get(ok.headers["Location"]).get_data(as_text=True)
    response = db.session.scalar(select(SurveyResponse))
    assert (response.unit_id, response.via, response.phone) == (unit.id, "link", "+8613900000002")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.answer"))
    assert event.via == "survey_link" and event.actor_id is None
    # The same unit again, through the link or the owner's account: refused.
    again = _public_post(visitor, token, building, unit.number, "13900000002", answers)
    assert again.status_code == 422 and "已经填写过" in again.get_data(as_text=True)
    owner = login_as("owner_b")
    assert f"/surveys/{survey.id}/answer/{unit.id}" not in owner.get("/").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    # A made-up token and a closed survey's link answer 404 with words, not a bare page.
    assert visitor.get("/q/1-AAAA").status_code == 404
    manager = login_as("manager")
    assert manager.post(f"/surveys/{survey.id}/close").status_code == 303
    gone = visitor.get(f"/q/{token}")
    assert gone.status_code == 404 and "已失效" in gone.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"SURVEY_CHECK_LIMIT": "3/15 minutes"}])
def test_wrong_unit_and_phone_checks_are_throttled(world, sent, login_as, app_config):
    survey, questions, _manager = sent
    scale, choice, _text = questions
    token = _public_token(survey)
    visitor = login_as("anonymous")
    answers = {f"q{scale.id}": "5", f"q{choice.id}": "0"}
    unit = world.unit_b
    # A form with a question left out costs nothing: only a failed check counts.
    for _ in range(4):
        assert (
            _public_post(visitor, token, unit.building_id, unit.number, "139", {}).status_code
            == 422
        )
    for _ in range(3):
        assert (
            _public_post(
                visitor, token, unit.building_id, unit.number, "13911112222", answers
            ).status_code
            == 422
        )
    refused = _public_post(visitor, token, unit.building_id, unit.number, "13900000002", answers)
    assert refused.status_code == 429
    # The answers come back as given, with the reason: nothing typed is lost.
    page = refused.get_data(as_text=True)
    assert "核对失败次数太多" in page and 'value="13900000002"' in page
    assert re.search(rf'<input checked[^>]*name="q{scale.id}"[^>]*value="5"', page)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def _owners_for_every_unit(estate):
    """An owner on the roll (with a phone) for every unit of the estate, in one commit."""
    units = db.session.scalars(
        select(Unit).join(Building).where(Building.estate_id == estate.id).order_by(Unit.id)
    ).all()
    people = {}
    for i, unit in enumerate(units):
        phone = f"+86137{i:08d}"
        user = User(
            username=phone, display_name=f"业主{i}", phone=phone, role=Role.OWNER, active=True
        )
        user.ownerships = [UnitOwnership(unit_id=unit.id, relation="owner")]
        db.session.add(user)
        people[unit.id] = user
    db.session.commit()
    return units, people


def test_a_survey_of_200_units_counts_as_a_hand_count_and_exports(app, make, count_queries):
    estate = make.estate(
        "二百户花园",
        "EB",
        buildings=(("1栋", 10, 5), ("2栋", 10, 5), ("3栋", 10, 5), ("5栋", 10, 5)),
    )
    manager = make.staff("manager", [estate])
    units, people = _owners_for_every_unit(estate)
    assert len(units) == 200
    app.test_client_class = Client
    c = app.test_client()
    assert c.login(manager).status_code == 303
    survey_id = _new_survey(c, type("W", (), {"estate": estate}))
    scale, choice, text = _questions(c, survey_id)
    assert c.post(f"/surveys/{survey_id}/send").status_code == 303
    survey = db.session.get(Survey, survey_id)
    assert survey.units_asked == 200
    token = _public_token(survey)
    rng = random.Random(18)
    expected_scores, expected_choices, expected_texts = Counter(), Counter(), 0
    by_building = Counter()
    answered = rng.sample(units, 150)
    visitor = app.test_client()
    visitor.refresh_csrf("/login")
    for i, unit in enumerate(answered):
        score, pick = rng.randint(1, 5), rng.randrange(3)
        words = f"意见{i}" if i % 3 == 0 else ""
        if i % 5 == 0:  # every fifth through the public link, the rest on the owner's account
            posted = _public_post(
                visitor,
                token,
                unit.building_id,
                unit.number,
                people[unit.id].phone,
                {f"q{scale.id}": str(score), f"q{choice.id}": str(pick), f"q{text.id}": words},
            )
            assert posted.status_code == 303, posted.get_data(as_text=True)[:1500]
        else:
            given = [
                surveys.Given(scale, score=score),
                surveys.Given(choice, choice=pick),
                surveys.Given(text, text=words),
            ]
            surveys.answer(survey, unit, given, user=people[unit.id])
            db.session.commit()
        expected_scores[score] += 1
        expected_choices[pick] += 1
        expected_texts += bool(words)
        by_building[unit.building_id] += 1
    # Twenty units tried a second time, both ways: every one refused.
    for unit in answered[:20]:
        again = _public_post(
            visitor,
            token,
            unit.building_id,
            unit.number,
            people[unit.id].phone,
            {f"q{scale.id}": "1", f"q{choice.id}": "0"},
        )
        assert again.status_code == 422
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.survey_id == survey_id)
        )
        == 150
    )

    found = surveys.results(reload(survey))
    assert (found.units, found.responses, found.rate) == (200, 150, 75)
    scale_result, choice_result, text_result = found.questions
    assert dict(scale_result.counts) == {str(s): expected_scores[s] for s in range(1, 6)}
    hand_mean = sum(s * n for s, n in expected_scores.items()) / 150
    assert scale_result.mean == round(hand_mean, 2)
    assert scale_result.satisfied == expected_scores[4] + expected_scores[5]
    assert [n for _o, n in choice_result.counts] == [expected_choices[i] for i in range(3)]
    assert text_result.answered == expected_texts
    assert {b.building.id: b.responses for b in found.buildings} == {
        b: by_building[b] for b in {u.building_id for u in units}
    }
    assert all(b.units == 50 for b in found.buildings)
    shares = surveys.satisfied_share([survey_id])
    assert shares[survey_id] == round(100 * (expected_scores[4] + expected_scores[5]) / 150)
    # The page shows those figures, in a fixed number of statements.
    with count_queries() as counter:
        page = c.get(f"/surveys/{survey_id}")
    assert page.status_code == 200
    assert counter.count <= 20, counter.statements
    html = page.get_data(as_text=True)
    assert re.search(r'data-figure="responses"><span class="figure-value">150<', html)
    assert re.search(r'data-figure="rate"><span class="figure-value">75%<', html)
    low = expected_scores[1] + expected_scores[2]
    assert 'id="low"' in html and html.count('data-answer="') == low

    exported = c.get(f"/surveys/{survey_id}/answers.xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 150
    assert header[4:] == (scale.text, choice.text, text.text)
    assert Counter(r[4] for r in body) == Counter({s: n for s, n in expected_scores.items()})
    assert Counter(r[5] for r in body) == Counter(
        {choice.options[i]: n for i, n in expected_choices.items()}
    )
    assert sum(1 for r in body if r[6]) == expected_texts
    assert sorted(f"{r[0]}-{r[1]}" for r in body) == sorted(u.label for u in answered)


def test_a_low_score_becomes_one_ticket_for_its_unit(login_as, world, sent):
    survey, questions, _manager = sent
    scale, choice, text = questions
    surveys.answer(
        survey,
        world.unit_a,
        [
            surveys.Given(scale, score=1),
            surveys.Given(choice, choice=0),
            surveys.Given(text, text="电梯经常坏"),
        ],
        user=world.owner_a,
    )
    surveys.answer(
        survey,
        world.unit_b,
        [surveys.Given(scale, score=5), surveys.Given(choice, choice=1)],
        user=world.owner_b,
    )
    db.session.commit()
    s = login_as("supervisor")
    page = s.get(f"/surveys/{survey.id}").get_data(as_text=True)
    ids = re.findall(r'data-answer="(\d+)"', page)
    assert len(ids) == 1 and "电梯经常坏" in page
    # Assistants read nothing of it.
    assert (
        login_as("assistant").post(f"/surveys/{survey.id}/answers/{ids[0]}/ticket").status_code
        == 403
    )
    made = s.post(f"/surveys/{survey.id}/answers/{ids[0]}/ticket")
    assert made.status_code == 303
    ticket = db.session.scalar(select(Ticket))
    # An opinion followed up, not a complaint filed: it stays out of the complaint rate.
    assert (ticket.channel, ticket.kind, ticket.unit_id, ticket.owner_id) == (
        "survey",
        "suggestion",
        world.unit_a.id,
        world.owner_a.id,
    )
    assert ticket.reporter_phone == world.owner_a.phone
    assert "1 分" in ticket.description and "电梯经常坏" in ticket.description
    # A second tap finds the same ticket; the page links to it.
    assert s.post(f"/surveys/{survey.id}/answers/{ids[0]}/ticket").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    assert f"/tickets/{ticket.id}" in s.get(f"/surveys/{survey.id}").get_data(as_text=True)
    # The ticket names the survey it came from: a link for those who may open it.
    detail = s.get(f"/tickets/{ticket.id}").get_data(as_text=True).split('id="findings"')[1]
    assert f'href="/surveys/{survey.id}#low">{survey.number}</a>' in detail
    seen = login_as("assistant").get(f"/tickets/{ticket.id}")
    assert seen.status_code == 200
    findings = seen.get_data(as_text=True).split('id="findings"')[1].split("</p>")[0]
    assert survey.number in findings and "/surveys/" not in findings
    # A score above 2 is not a low score.
    high = db.session.scalar(
        select(SurveyResponse).where(SurveyResponse.unit_id == world.unit_b.id)
    ).answers[0]
    assert s.post(f"/surveys/{survey.id}/answers/{high.id}/ticket").status_code == 404


def test_the_trend_compares_with_the_estates_earlier_surveys(login_as, world, sent):
    first, questions, manager = sent
    scale, choice, _text = questions
    surveys.answer(
        first,
        world.unit_a,
        [surveys.Given(scale, score=2), surveys.Given(choice, choice=0)],
        user=world.owner_a,
    )
    surveys.answer(
        first,
        world.unit_b,
        [surveys.Given(scale, score=5), surveys.Given(choice, choice=0)],
        user=world.owner_b,
    )
    db.session.commit()
    assert manager.post(f"/surveys/{first.id}/close").status_code == 303
    copied = manager.post(f"/surveys/{first.id}/copy", data={"title": "第二次调查"})
    assert copied.status_code == 303
    second_id = int(re.search(r"/surveys/(\d+)", copied.headers["Location"]).group(1))
    second = db.session.get(Survey, second_id)
    assert [q.text for q in second.questions] == [q.text for q in questions]
    assert manager.post(f"/surveys/{second_id}/send").status_code == 303
    second = reload(second)
    s_scale, s_choice, _ = second.questions
    surveys.answer(
        second,
        world.unit_a,
        [surveys.Given(s_scale, score=4), surveys.Given(s_choice, choice=1)],
        user=world.owner_a,
    )
    db.session.commit()
    found = surveys.results(reload(second))
    assert [(s.id, share) for s, share in found.trend] == [(first.id, 50), (second_id, 100)]
    page = manager.get(f"/surveys/{second_id}").get_data(as_text=True)
    assert 'id="chart-trend"' in page


def test_a_question_of_a_sent_survey_is_not_removed_and_says_why(login_as, world, sent):
    survey, questions, manager = sent
    gone = manager.post(f"/surveys/{survey.id}/questions/{questions[0].id}/delete")
    assert gone.status_code == 303
    assert "调查已发出" in manager.get(gone.headers["Location"]).get_data(as_text=True)
    assert len(reload(survey).questions) == 3
    # Sent: the step is refused before the question is looked for.
    assert manager.post(f"/surveys/{survey.id}/questions/999999/delete").status_code == 303


def test_a_question_not_in_the_draft_is_not_found(login_as, world):
    c = login_as("manager")
    survey_id = _new_survey(c, world)
    assert c.post(f"/surveys/{survey_id}/questions/999999/delete").status_code == 404


def test_a_drafts_questions_are_reworded_and_reordered_until_it_is_sent(login_as, world):
    c = login_as("manager")
    survey_id = _new_survey(c, world)
    first, second, third = _questions(c, survey_id)
    # Reworded in place: a scale becomes a single choice with its options.
    form = c.get(f"/surveys/{survey_id}/questions/{first.id}").get_data(as_text=True)
    assert first.text in form
    bad = c.post(
        f"/surveys/{survey_id}/questions/{first.id}",
        data={"kind": "choice", "text": "你从哪里知道？", "options": "甲"},
    )
    assert bad.status_code == 422 and "2 到 8 个选项" in bad.get_data(as_text=True)
    done = c.post(
        f"/surveys/{survey_id}/questions/{first.id}",
        data={"kind": "choice", "text": "你从哪里知道？", "options": "公告\n邻居"},
    )
    assert done.status_code == 303 and done.headers["Location"].endswith(f"#question-{first.id}")
    edited = db.session.get(SurveyQuestion, first.id)
    db.session.refresh(edited)
    assert (edited.kind, edited.text, edited.options) == (
        "choice",
        "你从哪里知道？",
        ["公告", "邻居"],
    )
    # Moved: the last one up, the first one down; at an end nothing moves.
    assert (
        c.post(f"/surveys/{survey_id}/questions/{third.id}/move", data={"to": "up"}).status_code
        == 303
    )
    assert (
        c.post(f"/surveys/{survey_id}/questions/{first.id}/move", data={"to": "down"}).status_code
        == 303
    )
    assert (
        c.post(f"/surveys/{survey_id}/questions/{second.id}/move", data={"to": "down"}).status_code
        == 303
    )
    assert [q.id for q in reload(db.session.get(Survey, survey_id)).questions] == [
        third.id,
        first.id,
        second.id,
    ]
    page = c.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert page.index(f'id="question-{third.id}"') < page.index(f'id="question-{second.id}"')
    # The public form asks them in that order.
    assert c.post(f"/surveys/{survey_id}/send").status_code == 303
    survey = reload(db.session.get(Survey, survey_id))
    assert [q.id for q in survey.questions] == [third.id, first.id, second.id]
    # Sent: the questions stay as asked; the form is not offered and a post is refused.
    assert c.get(f"/surveys/{survey_id}/questions/{first.id}").status_code == 303
    late = c.post(
        f"/surveys/{survey_id}/questions/{first.id}", data={"kind": "text", "text": "晚了"}
    )
    assert late.status_code == 409
    assert (
        c.post(f"/surveys/{survey_id}/questions/{first.id}/move", data={"to": "up"}).status_code
        == 303
    )
    assert [q.id for q in reload(survey).questions] == [third.id, first.id, second.id]
    assert (
        login_as("supervisor").get(f"/surveys/{survey_id}/questions/{first.id}").status_code == 403
    )
    actions = set(
        db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.target_type == "survey", AuditEvent.target_id == survey_id
            )
        )
    )
    assert {"survey.question_edited", "survey.question_moved"} <= actions


def test_a_households_low_scores_make_one_ticket_with_its_words_once(login_as, world):
    survey = surveys.create(world.manager, world.estate, title="年度调查")
    for text in ("客服满意吗？", "保洁满意吗？"):
        surveys.add_question(world.manager, survey, kind="scale", text=text)
    surveys.add_question(world.manager, survey, kind="text", text="意见")
    db.session.flush()
    surveys.send(world.manager, survey)
    first, second, words = survey.questions
    surveys.answer(
        survey,
        world.unit_a,
        [
            surveys.Given(first, score=1),
            surveys.Given(second, score=2),
            surveys.Given(words, text="垃圾没人收"),
        ],
        user=world.owner_a,
    )
    db.session.commit()
    s = login_as("supervisor")
    ids = re.findall(r'data-answer="(\d+)"', s.get(f"/surveys/{survey.id}").get_data(as_text=True))
    assert len(ids) == 2
    assert s.post(f"/surveys/{survey.id}/answers/{ids[1]}/ticket").status_code == 303
    ticket = db.session.scalar(select(Ticket))
    assert "客服满意吗？：1 分" in ticket.description and "保洁满意吗？：2 分" in ticket.description
    assert ticket.description.count("垃圾没人收") == 1
    # Both low scores point at the one ticket; the other's tap finds it.
    page = s.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert page.count(f"/tickets/{ticket.id}") == 2 and '/ticket"' not in page
    assert s.post(f"/surveys/{survey.id}/answers/{ids[0]}/ticket").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    findings = s.get(f"/tickets/{ticket.id}").get_data(as_text=True).split('id="findings"')[1]
    assert findings.split("</p>")[0].count(survey.number) == 1
