"""Satisfaction surveys (满意度调查, seed 001 5.3 and 6; seed 003 二).

A manager writes a questionnaire for an estate or some of its buildings (single choice, a 1–5
scale, free text) and sends it: owners see it on their home and answer on their account; a
link and its QR code (posted in the lobbies, sent to groups) reach the rest, who name their unit
and the phone the owner roll has for it. One answer per unit, whichever way it comes.

The results are counted by the database: response rate, each question's distribution, per
building, and the trend of the share satisfied against the estate's earlier surveys. A low score
becomes a ticket in one tap, through the normal intake, linked back to the answer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import abort, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from webapp import audit, clock, escalation, periods, phones, signedlinks
from webapp.access import may_visit
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.inputs import fold_width
from webapp.links import external_url
from webapp.models import (
    Building,
    Estate,
    QuestionKind,
    SignedLink,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    Ticket,
    Unit,
    UnitOwnership,
    User,
)
from webapp.numbering import next_number
from webapp.scoping import buildings_of, estate_ids_of
from webapp.tickets import intake
from webapp.tickets.intake import Finding
from webapp.workflow import SUPERVISORS, Rule, Workflow, roles, step

TARGET = "survey"
ANSWER = "survey_answer"  # a low score, as the finding a follow-up ticket starts from
PURPOSE = "survey"  # the signed link anyone with the QR code answers through
VIA = "survey_link"
DRAFT, OPEN, CLOSED = SurveyStatus.DRAFT, SurveyStatus.OPEN, SurveyStatus.CLOSED
KINDS = tuple(QuestionKind)
SCALE = (1, 2, 3, 4, 5)
LOW = 2  # a score at or below this is worth a call (and a ticket)
SATISFIED = 4  # a score at or above this counts as satisfied
MAX_QUESTIONS = 30
MAX_OPTIONS = 8
LINK_LIFETIME = timedelta(days=730)
TREND = 6  # surveys in the trend chart, this one included

MANAGER_ONLY = roles("manager", message=_l("只有客服经理可以编辑和发出调查。"))
HAS_QUESTIONS = Rule(lambda _user, s: bool(s.questions), _l("请先添加至少一个问题。"))
SURVEY = Workflow(
    "survey",
    Survey,
    [
        step("send", (DRAFT,), OPEN, rules=[MANAGER_ONLY], holds=[HAS_QUESTIONS]),
        step("close", (OPEN,), CLOSED, rules=[MANAGER_ONLY]),
        step("edit", (DRAFT,), rules=[MANAGER_ONLY]),
        step("follow_up", (OPEN, CLOSED), rules=[roles(*SUPERVISORS)]),
    ],
    status_message=_l("调查已发出，问题不能再修改。"),
)


# --- who sees what -----------------------------------------------------------------------------


def visible_surveys(user: User) -> Select:
    """Staff: their estates' surveys. Owners answer theirs through their own pages."""
    if user.is_owner:
        return select(Survey).where(false())  # owners never list surveys
    return select(Survey).where(Survey.estate_id.in_(estate_ids_of(user)))


def surveys_of(user: User, estate_id: int) -> list[Survey]:
    return list(
        db.session.scalars(
            visible_surveys(user)
            .where(Survey.estate_id == estate_id)
            .order_by(Survey.created_at.desc(), Survey.id.desc())
        )
    )


def response_counts(survey_ids: list[int]) -> dict[int, int]:
    """How many units have answered each of these surveys."""
    if not survey_ids:
        return {}
    return dict(
        db.session.execute(
            select(SurveyResponse.survey_id, func.count())
            .where(SurveyResponse.survey_id.in_(survey_ids))
            .group_by(SurveyResponse.survey_id)
        ).all()
    )


# --- writing the questionnaire -------------------------------------------------------------------


def create(
    actor: User,
    estate: Estate,
    *,
    title: str,
    intro: str = "",
    building_ids=(),
    closes_on: date | None = None,
    copy_of: Survey | None = None,
) -> Survey:
    """A draft; `copy_of` starts it with an earlier survey's questions (the trend compares
    like with like)."""
    if not title.strip():
        raise Invalid("title", _("请填写标题。"))
    _check_closes_on(estate, closes_on)
    now = clock.now()
    survey = Survey(
        number=next_number("DC", estate, now),
        estate_id=estate.id,
        title=title.strip(),
        intro=intro.strip(),
        building_ids=buildings_of(estate, building_ids),
        closes_on=closes_on,
        status=DRAFT,
        created_by_id=actor.id,
        created_at=now,
    )
    if copy_of is not None:
        survey.questions = [
            SurveyQuestion(position=q.position, kind=q.kind, text=q.text, options=list(q.options))
            for q in copy_of.questions
        ]
    db.session.add(survey)
    db.session.flush()
    audit.record(
        actor,
        "survey.create",
        TARGET,
        survey.id,
        estate_id=estate.id,
        after={"title": survey.title, "copy_of": copy_of.number if copy_of else None},
    )
    return survey


def _today(estate: Estate) -> date:
    return periods.today(ZoneInfo(estate.timezone))


def _check_closes_on(estate: Estate, closes_on: date | None) -> None:
    if closes_on is not None and closes_on < _today(estate):
        raise Invalid("closes_on", _("截止日期不能早于今天。"))


def update(
    actor: User,
    survey: Survey,
    *,
    title: str,
    intro: str,
    building_ids,
    closes_on: date | None,
) -> None:
    SURVEY.check(actor, survey, "edit")
    if not title.strip():
        raise Invalid("title", _("请填写标题。"))
    _check_closes_on(survey.estate, closes_on)
    survey.title, survey.intro = title.strip(), intro.strip()
    survey.building_ids = buildings_of(survey.estate, building_ids)
    survey.closes_on = closes_on
    audit.record(actor, "survey.update", TARGET, survey.id, estate_id=survey.estate_id)


def parse_options(text: str) -> list[str]:
    """One option a line; blank lines dropped, repeats refused."""
    options = [line.strip()[:60] for line in (text or "").splitlines() if line.strip()]
    if len(set(options)) != len(options):
        raise Invalid("options", _("选项不能重复。"))
    return options


def _content(kind: str, text: str, options: str) -> tuple[str, str, list[str]]:
    """A question as asked: its kind, its words and (a single choice's) options, checked."""
    if kind not in KINDS:
        raise Invalid("kind", _("请选择题型。"))
    if not text.strip():
        raise Invalid("text", _("请填写问题。"))
    listed = parse_options(options) if kind == QuestionKind.CHOICE else []
    if kind == QuestionKind.CHOICE and not 2 <= len(listed) <= MAX_OPTIONS:
        raise Invalid("options", _("单选题需要 2 到 %(n)d 个选项，每行一个。", n=MAX_OPTIONS))
    return kind, text.strip(), listed


def _question(survey: Survey, question_id: int) -> SurveyQuestion:
    question = next((q for q in survey.questions if q.id == question_id), None)
    if question is None:
        raise Invalid("question", _("没有这个问题。"))
    return question


def add_question(actor: User, survey: Survey, *, kind: str, text: str, options: str = "") -> None:
    SURVEY.check(actor, survey, "edit")
    kind, text, listed = _content(kind, text, options)
    if len(survey.questions) >= MAX_QUESTIONS:
        raise Invalid("text", _("一份调查最多 %(n)d 个问题。", n=MAX_QUESTIONS))
    position = max((q.position for q in survey.questions), default=0) + 1
    survey.questions.append(SurveyQuestion(position=position, kind=kind, text=text, options=listed))
    audit.record(
        actor,
        "survey.question",
        TARGET,
        survey.id,
        estate_id=survey.estate_id,
        after={"text": text, "kind": kind},
    )


def edit_question(
    actor: User, survey: Survey, question_id: int, *, kind: str, text: str, options: str = ""
) -> None:
    """Reword a draft's question (its kind and options too), in its place."""
    SURVEY.check(actor, survey, "edit")
    question = _question(survey, question_id)
    before = {"text": question.text, "kind": question.kind, "options": list(question.options)}
    question.kind, question.text, question.options = _content(kind, text, options)
    audit.record(
        actor,
        "survey.question_edited",
        TARGET,
        survey.id,
        estate_id=survey.estate_id,
        before=before,
        after={"text": question.text, "kind": question.kind, "options": list(question.options)},
    )


def move_question(actor: User, survey: Survey, question_id: int, step: int) -> None:
    """Move a draft's question one place up (-1) or down (+1); at either end it stays."""
    SURVEY.check(actor, survey, "edit")
    question = _question(survey, question_id)
    ordered = sorted(survey.questions, key=lambda q: (q.position, q.id))
    at = ordered.index(question)
    to = at + (1 if step > 0 else -1)
    if not 0 <= to < len(ordered):
        return
    ordered[at], ordered[to] = ordered[to], ordered[at]
    for n, q in enumerate(ordered, start=1):
        q.position = n  # renumbered whole: positions left equal by older drafts are put right
    audit.record(
        actor,
        "survey.question_moved",
        TARGET,
        survey.id,
        estate_id=survey.estate_id,
        after={"text": question.text, "position": question.position},
    )


def remove_question(actor: User, survey: Survey, question_id: int) -> None:
    SURVEY.check(actor, survey, "edit")
    question = _question(survey, question_id)
    survey.questions.remove(question)
    audit.record(
        actor,
        "survey.question_removed",
        TARGET,
        survey.id,
        estate_id=survey.estate_id,
        before={"text": question.text},
    )


# --- sending and closing -------------------------------------------------------------------------


def units_in_scope(survey: Survey) -> Select:
    """The units asked: the estate's, or the chosen buildings'."""
    query = (
        select(Unit.id)
        .join(Building, Unit.building_id == Building.id)
        .where(Building.estate_id == survey.estate_id)
    )
    if survey.building_ids:
        query = query.where(Building.id.in_(survey.building_ids))
    return query


def scope_size(survey: Survey) -> int:
    """How many units it asks (fixed when it is sent)."""
    if survey.status != DRAFT:
        return survey.units_asked
    return db.session.scalar(select(func.count()).select_from(units_in_scope(survey).subquery()))


def building_choices(survey: Survey) -> list[tuple[int, str]]:
    """The buildings it asks, for the public form's select."""
    query = select(Building.id, Building.name).where(Building.estate_id == survey.estate_id)
    if survey.building_ids:
        query = query.where(Building.id.in_(survey.building_ids))
    return [(b_id, name) for b_id, name in db.session.execute(query.order_by(Building.sort_key))]


def send(actor: User, survey: Survey) -> SignedLink:
    """Open it for answers: its questions are fixed, owners see it on their home, and the link
    (and QR code) works until it closes."""
    SURVEY.check(actor, survey, "send")
    survey.units_asked = scope_size(survey)  # while a draft: counted now, then kept
    survey.status = OPEN
    survey.sent_at = clock.now()
    link = signedlinks.issue(
        PURPOSE,
        TARGET,
        survey.id,
        # Revoked when the survey closes; answers after its last day are refused anyway.
        expires_at=clock.now() + LINK_LIFETIME,
        estate_id=survey.estate_id,
        actor=actor,
    )
    escalation.notify(
        escalation.owners_of(units_in_scope(survey)),
        kind="survey_sent",
        key=f"{TARGET}:{survey.id}:sent",
        target_type=TARGET,
        target_id=survey.id,
        estate_id=survey.estate_id,
        title=survey.title,
    )
    audit.record(
        actor,
        "survey.send",
        TARGET,
        survey.id,
        estate_id=survey.estate_id,
        after={"units": survey.units_asked},
    )
    return link


def close(actor: User | None, survey: Survey) -> None:
    if actor is not None:
        SURVEY.check(actor, survey, "close")
    survey.status = CLOSED
    survey.closed_at = clock.now()
    link = signedlinks.current(PURPOSE, TARGET, survey.id)
    if link is not None:
        signedlinks.revoke(link)
    audit.record(actor, "survey.close", TARGET, survey.id, estate_id=survey.estate_id)


def accepting(survey: Survey, today: date | None = None) -> bool:
    """Open, and its last day (in the estate's calendar) not passed."""
    if survey.status != OPEN:
        return False
    return survey.closes_on is None or (today or _today(survey.estate)) <= survey.closes_on


def link_of(survey: Survey) -> str | None:
    link = signedlinks.current(PURPOSE, TARGET, survey.id)
    if link is None or survey.status != OPEN:
        return None
    return external_url("surveys.public", token=signedlinks.token_of(link))


def by_token(token: str) -> Survey | None:
    link = signedlinks.resolve(token, PURPOSE)
    if link is None or link.target_type != TARGET:
        return None
    return db.session.get(Survey, link.target_id)


# --- answering -----------------------------------------------------------------------------------


def open_for_owner(user: User) -> list[tuple[Survey, Unit]]:
    """Surveys waiting for this owner's answer, one line per unit of theirs it asks."""
    units = list(
        db.session.scalars(
            select(Unit)
            .join(UnitOwnership, UnitOwnership.unit_id == Unit.id)
            .where(UnitOwnership.user_id == user.id)
            .options(joinedload(Unit.building))
        )
    )
    if not units:
        return []
    estates = {u.building.estate_id for u in units}
    surveys = list(
        db.session.scalars(
            select(Survey)
            .where(Survey.estate_id.in_(estates), Survey.status == OPEN)
            .order_by(Survey.sent_at)
        )
    )
    if not surveys:
        return []
    answered = set(
        db.session.execute(
            select(SurveyResponse.survey_id, SurveyResponse.unit_id).where(
                SurveyResponse.survey_id.in_([s.id for s in surveys]),
                SurveyResponse.unit_id.in_([u.id for u in units]),
            )
        ).all()
    )
    return [
        (s, u)
        for s in surveys
        if accepting(s)
        for u in units
        if u.building.estate_id == s.estate_id
        and (not s.building_ids or u.building_id in s.building_ids)
        and (s.id, u.id) not in answered
    ]


def asks(survey: Survey, unit: Unit) -> bool:
    return unit.building.estate_id == survey.estate_id and (
        not survey.building_ids or unit.building_id in survey.building_ids
    )


def unit_by_phone(survey: Survey, building_id: int | None, number: str, phone: str) -> Unit:
    """The unit someone answering through the link names, if the phone they give is one the
    owner roll has for it. One message for every mismatch: the form tells no one who lives
    where."""
    normal = phones.normalise_or_none(phone)
    number = fold_width(number).strip()
    unit = None
    if building_id and number and normal:
        unit = db.session.scalar(
            select(Unit)
            .join(UnitOwnership, UnitOwnership.unit_id == Unit.id)
            .join(User, User.id == UnitOwnership.user_id)
            .where(
                Unit.building_id == building_id,
                Unit.number == number,
                User.phone == normal,
            )
            .limit(1)
        )
    if unit is None or not asks(survey, unit):
        raise Invalid(
            "phone", _("房号和手机号与物业登记的业主信息不符。请核对，或联系物业服务中心。")
        )
    return unit


@dataclass
class Given:
    """One question's answer as typed: the option's index, the score, or the words."""

    question: SurveyQuestion
    choice: int | None = None
    score: int | None = None
    text: str = ""


def answer(
    survey: Survey,
    unit: Unit,
    given: list[Given],
    *,
    user: User | None = None,
    phone: str = "",
) -> SurveyResponse:
    """Record one unit's answer; a second one for the unit is refused."""
    if not accepting(survey):
        raise Invalid("", _("这次调查已结束，谢谢关注。"))
    if not asks(survey, unit):
        raise Invalid("", _("这次调查不包括这户。"))
    missing = [g.question for g in given if g.question.required and _empty(g)]
    if missing:
        raise Invalid([f"q{q.id}" for q in missing], _("请回答这一题。"))
    if answered(survey, unit):
        raise Invalid("", _("这户已经填写过本次调查，谢谢！"))
    response = SurveyResponse(
        survey_id=survey.id,
        unit_id=unit.id,
        user_id=user.id if user is not None else None,
        phone=phones.normalise_or_none(phone) or "",
        via="account" if user is not None else "link",
        created_at=clock.now(),
        answers=[
            SurveyAnswer(
                question_id=g.question.id, choice=g.choice, score=g.score, text=g.text.strip()
            )
            for g in given
            if not _empty(g)
        ],
    )
    try:
        # Two answers for one unit at the same moment: the database keeps the first.
        with db.session.begin_nested():
            db.session.add(response)
            db.session.flush()
    except IntegrityError:
        raise Invalid("", _("这户已经填写过本次调查，谢谢！")) from None
    audit.record(
        user,
        "survey.answer",
        TARGET,
        survey.id,
        estate_id=survey.estate_id,
        after={"unit": unit.label},
        via=None if user is not None else VIA,
        via_name=None if user is not None else phones.mask(phone),
    )
    return response


def _empty(g: Given) -> bool:
    return g.choice is None and g.score is None and not g.text.strip()


def answered(survey: Survey, unit: Unit) -> bool:
    return bool(
        db.session.scalar(
            select(func.count()).where(
                SurveyResponse.survey_id == survey.id, SurveyResponse.unit_id == unit.id
            )
        )
    )


# --- results -------------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: SurveyQuestion
    counts: list[tuple[str, int]] = field(default_factory=list)  # (option or score, answers)
    answered: int = 0
    mean: float | None = None  # scale questions
    satisfied: int | None = None  # scale: answers of 4 or 5
    texts: list[tuple[str, str]] = field(default_factory=list)  # (unit, words), newest first


@dataclass
class BuildingResult:
    building: Building
    units: int
    responses: int
    mean: float | None  # of every scale answer of the building's responses

    @property
    def rate(self) -> int:
        return round(100 * self.responses / self.units) if self.units else 0


@dataclass
class Results:
    survey: Survey
    units: int
    responses: int
    questions: list[QuestionResult]
    buildings: list[BuildingResult]
    trend: list[tuple[Survey, int | None]]  # (survey, % satisfied), oldest first

    @property
    def rate(self) -> float:
        """In percent; one decimal under 10 % (1 of 240 is not 0 %)."""
        if not self.units:
            return 0
        value = 100 * self.responses / self.units
        return round(value, 1) if value < 10 else round(value)


TEXTS_SHOWN = 50


def satisfied_share(survey_ids: list[int]) -> dict[int, int]:
    """Per survey, the share of its 1–5 answers that are 4 or 5, in percent."""
    if not survey_ids:
        return {}
    rows = db.session.execute(
        select(
            SurveyResponse.survey_id,
            func.count(SurveyAnswer.id),
            func.sum(case((SurveyAnswer.score >= SATISFIED, 1), else_=0)),
        )
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.survey_id.in_(survey_ids), SurveyAnswer.score.is_not(None))
        .group_by(SurveyResponse.survey_id)
    ).all()
    return {sid: round(100 * (good or 0) / total) for sid, total, good in rows if total}


def results(survey: Survey) -> Results:
    """Everything the results page shows, counted by the database (a fixed number of statements
    however many units answered)."""
    responses = db.session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id))
    # Each question's answers grouped by option and by score.
    tally = db.session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.choice, SurveyAnswer.score, func.count())
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id)
        .group_by(SurveyAnswer.question_id, SurveyAnswer.choice, SurveyAnswer.score)
    ).all()
    by_question: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for question_id, choice, score, count in tally:
        key = ("c", choice) if choice is not None else ("s", score) if score is not None else None
        if key is not None:
            by_question[question_id][key] += count
    text_ids = [q.id for q in survey.questions if q.kind == QuestionKind.TEXT]
    texts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    text_counts: dict[int, int] = {}
    if text_ids:
        text_counts = dict(
            db.session.execute(
                select(SurveyAnswer.question_id, func.count())
                .where(SurveyAnswer.question_id.in_(text_ids), SurveyAnswer.text != "")
                .group_by(SurveyAnswer.question_id)
            ).all()
        )
        for question_id, words, building, number in db.session.execute(
            select(SurveyAnswer.question_id, SurveyAnswer.text, Building.name, Unit.number)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .join(Unit, Unit.id == SurveyResponse.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .where(SurveyAnswer.question_id.in_(text_ids), SurveyAnswer.text != "")
            .order_by(SurveyAnswer.id.desc())
            .limit(TEXTS_SHOWN * len(text_ids))
        ):
            if len(texts[question_id]) < TEXTS_SHOWN:
                texts[question_id].append((f"{building}-{number}", words))
    questions = []
    for q in survey.questions:
        counted = by_question.get(q.id, {})
        result = QuestionResult(q)
        if q.kind == QuestionKind.CHOICE:
            result.counts = [(o, counted.get(("c", i), 0)) for i, o in enumerate(q.options)]
            result.answered = sum(n for _o, n in result.counts)
        elif q.kind == QuestionKind.SCALE:
            result.counts = [(str(s), counted.get(("s", s), 0)) for s in SCALE]
            result.answered = sum(n for _o, n in result.counts)
            if result.answered:
                total = sum(s * counted.get(("s", s), 0) for s in SCALE)
                result.mean = round(total / result.answered, 2)
                result.satisfied = sum(counted.get(("s", s), 0) for s in SCALE if s >= SATISFIED)
        else:
            result.answered = text_counts.get(q.id, 0)
            result.texts = texts.get(q.id, [])
        questions.append(result)
    return Results(
        survey,
        scope_size(survey),
        responses,
        questions,
        _per_building(survey),
        _trend(survey),
    )


def _per_building(survey: Survey) -> list[BuildingResult]:
    buildings = list(
        db.session.scalars(
            select(Building)
            .where(Building.estate_id == survey.estate_id)
            .where(Building.id.in_(survey.building_ids) if survey.building_ids else True)
            .order_by(Building.sort_key)
        )
    )
    units = dict(
        db.session.execute(
            select(Unit.building_id, func.count())
            .where(Unit.building_id.in_([b.id for b in buildings]))
            .group_by(Unit.building_id)
        ).all()
    )
    answered = dict(
        db.session.execute(
            select(Unit.building_id, func.count())
            .join(SurveyResponse, SurveyResponse.unit_id == Unit.id)
            .where(SurveyResponse.survey_id == survey.id)
            .group_by(Unit.building_id)
        ).all()
    )
    means = {
        building_id: float(mean)
        for building_id, mean in db.session.execute(
            select(Unit.building_id, func.avg(SurveyAnswer.score))
            .join(SurveyResponse, SurveyResponse.unit_id == Unit.id)
            .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
            .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.score.is_not(None))
            .group_by(Unit.building_id)
        ).all()
    }
    return [
        BuildingResult(
            b,
            units.get(b.id, 0),
            answered.get(b.id, 0),
            round(means[b.id], 2) if b.id in means else None,
        )
        for b in buildings
    ]


def _trend(survey: Survey) -> list[tuple[Survey, int | None]]:
    """This survey and the estate's earlier sent ones, oldest first, with their share satisfied."""
    if survey.sent_at is None:
        return []
    earlier = list(
        db.session.scalars(
            select(Survey)
            .where(
                Survey.estate_id == survey.estate_id,
                Survey.status != DRAFT,
                Survey.sent_at <= survey.sent_at,
            )
            .order_by(Survey.sent_at.desc(), Survey.id.desc())
            .limit(TREND * 4)
        )
    )
    # Like with like: surveys of the same buildings, and only those with scores to compare.
    alike = [s for s in earlier if sorted(s.building_ids) == sorted(survey.building_ids)]
    shares = satisfied_share([s.id for s in alike])
    return [(s, shares[s.id]) for s in alike if s.id in shares][:TREND][::-1]


# --- low scores ----------------------------------------------------------------------------------


@dataclass
class Low:
    answer: SurveyAnswer
    unit: Unit
    comment: str  # the same response's free-text answers


def low_scores(survey: Survey) -> list[Low]:
    """Each answer of 1 or 2, with its unit and the response's own words (3 statements)."""
    found = list(
        db.session.scalars(
            select(SurveyAnswer)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.score <= LOW)
            .options(
                joinedload(SurveyAnswer.response)
                .joinedload(SurveyResponse.unit)
                .joinedload(Unit.building),
                joinedload(SurveyAnswer.question),
            )
            .order_by(SurveyAnswer.id)
        )
    )
    words: dict[int, list[str]] = defaultdict(list)
    if found:
        for response_id, text in db.session.execute(
            select(SurveyAnswer.response_id, SurveyAnswer.text).where(
                SurveyAnswer.response_id.in_({a.response_id for a in found}),
                SurveyAnswer.text != "",
            )
        ):
            words[response_id].append(text)
    return [Low(a, a.response.unit, "；".join(words.get(a.response_id, []))) for a in found]


def _low_answers(response: SurveyResponse) -> list[SurveyAnswer]:
    return sorted(
        (a for a in response.answers if a.score is not None and a.score <= LOW),
        key=lambda a: a.question.position,
    )


def as_finding(user: User, answer_id: int) -> Finding:
    """A household's low scores as the ticket that follows them up starts from it: every low
    score of the response and its own words, once (404 unless the survey is visible)."""
    found = db.session.scalar(
        select(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(
            SurveyAnswer.id == answer_id,
            SurveyAnswer.score <= LOW,
            SurveyResponse.survey_id.in_(visible_surveys(user).with_only_columns(Survey.id)),
        )
    )
    if found is None:
        abort(404)
    response, survey = found.response, found.response.survey
    scores = "；".join(
        _("%(question)s：%(score)d 分", question=a.question.text, score=a.score)
        for a in _low_answers(response)
    )
    description = _("满意度调查「%(title)s」%(scores)s。", title=survey.title, scores=scores)
    comment = "；".join(a.text for a in response.answers if a.text)
    if comment:
        description += " " + _("业主意见：%(words)s", words=comment)
    person = response.user or _owner_of(response.unit_id, response.phone)
    return Finding(
        ANSWER,
        found,
        survey.number,
        survey.estate_id,
        response.unit,
        "other",
        description,
        survey.created_by,
        ANSWER,
        url_for("surveys.show", survey_id=survey.id, _anchor="low")
        if may_visit(user, "surveys.show")
        else "",
        # The owner's opinion followed up, not a complaint they filed: it stays out of the
        # effective-complaint rate.
        ticket_kind="suggestion",
        channel="survey",
        reporter_name=person.display_name if person else response.unit.label,
        reporter_phone=(person.phone if person else response.phone) or "",
    )


def to_ticket(actor: User, survey: Survey, answer_id: int) -> Ticket:
    """A low score followed up: one ticket for the household through the normal intake (its
    low scores and words in it, the caller the person who answered), linked both ways; another
    low score of the same household, or a second tap, finds the same ticket."""
    SURVEY.check(actor, survey, "follow_up")
    found = db.session.scalar(
        select(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(
            SurveyAnswer.id == answer_id,
            SurveyResponse.survey_id == survey.id,
            SurveyAnswer.score <= LOW,
        )
        .with_for_update()
    )
    if found is None:
        raise Invalid("answer", _("没有这个低分答案。"))
    if found.ticket_id is not None:
        return db.session.get(Ticket, found.ticket_id)
    low = _low_answers(found.response)
    ticket_id = next((a.ticket_id for a in low if a.ticket_id is not None), None)
    if ticket_id is not None:  # the household's ticket, from another of its low scores
        ticket = db.session.get(Ticket, ticket_id)
    else:
        finding = as_finding(actor, found.id)
        ticket, _code = intake.create_from_finding(
            actor,
            finding,
            unit=finding.unit,
            reporter_name=finding.reporter_name,
            reporter_phone=finding.reporter_phone,
            kind=finding.ticket_kind,
            channel=finding.channel,
            category=finding.category,
            severity="normal",
            description=finding.description,
        )
    for answer in low:
        if answer.ticket_id is None:
            answer.ticket_id = ticket.id
    audit.record(
        actor,
        "survey.follow_up",
        TARGET,
        survey.id,
        estate_id=survey.estate_id,
        after={"ticket": ticket.number, "unit": found.response.unit.label},
    )
    return ticket


def _owner_of(unit_id: int, phone: str) -> User | None:
    query = (
        select(User)
        .join(UnitOwnership, UnitOwnership.user_id == User.id)
        .where(UnitOwnership.unit_id == unit_id)
    )
    if phone:
        query = query.where(User.phone == phone)
    return db.session.scalar(query.order_by(User.id).limit(1))


# --- the export ----------------------------------------------------------------------------------


def answer_rows(survey: Survey) -> tuple[list[SurveyQuestion], list[tuple[SurveyResponse, dict]]]:
    """Every response with its answers by question id (2 statements)."""
    found = list(
        db.session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.survey_id == survey.id)
            .options(
                joinedload(SurveyResponse.unit).joinedload(Unit.building),
            )
            .order_by(SurveyResponse.created_at, SurveyResponse.id)
        )
    )
    answers: dict[int, dict[int, SurveyAnswer]] = defaultdict(dict)
    if found:
        for a in db.session.scalars(
            select(SurveyAnswer).where(
                SurveyAnswer.response_id.in_(
                    select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id)
                )
            )
        ):
            answers[a.response_id][a.question_id] = a
    return list(survey.questions), [(r, answers.get(r.id, {})) for r in found]


def shown(question: SurveyQuestion, a: SurveyAnswer | None) -> str | int:
    """An answer as a cell: the option's words, the score, or the text."""
    if a is None:
        return ""
    if question.kind == QuestionKind.CHOICE and a.choice is not None:
        return question.options[a.choice] if a.choice < len(question.options) else ""
    if question.kind == QuestionKind.SCALE and a.score is not None:
        return a.score
    return a.text
