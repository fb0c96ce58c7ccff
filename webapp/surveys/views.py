"""Satisfaction surveys: the manager's questionnaire, its results, the owner's answer on their
account, and the public page a survey's link and QR code open."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from webapp import workflow
from webapp.access import MANAGER, OWNER, PUBLIC, SUPERVISOR_UP, allow
from webapp.dashboard.charts import Chart, Point
from webapp.exports import Column, xlsx_response
from webapp.extensions import db, limiter
from webapp.forms import ActionForm, choices, save
from webapp.i18n import format_when
from webapp.labels import SCALE_LABELS, SURVEY_VIA_LABELS, label
from webapp.links import qr_data_uri
from webapp.models import QuestionKind, Survey
from webapp.scoping import asked_estate, building_names, get_or_404, get_unit_or_404
from webapp.surveys import forms, services
from webapp.web import no_store, render, render_form, see_other

bp = Blueprint("surveys", __name__)


def _estate():
    return asked_estate(current_user)


def _survey(survey_id: int) -> Survey:
    return get_or_404(services.visible_surveys(current_user), Survey, survey_id)


def _building_choices(estate_id: int):
    return choices(building_names(estate_id))


def _settings(form: forms.SurveyForm) -> dict:
    return {
        "title": form.title.data,
        "intro": form.intro.data or "",
        "building_ids": form.buildings.data or [],
        "closes_on": form.closes_on.data,
    }


@bp.get("/surveys")
@allow(SUPERVISOR_UP)
def index():
    """An estate's surveys, newest first, with how many have answered."""
    estate = _estate()
    found = services.surveys_of(current_user, estate.id)
    return render(
        "surveys/index.html",
        estate=estate,
        estates=current_user.estates,
        surveys=found,
        answered=services.response_counts([s.id for s in found]),
    )


@bp.route("/surveys/new", methods=["GET", "POST"])
@allow(MANAGER)
def new():
    estate = _estate()
    form = forms.SurveyForm()
    form.buildings.choices = _building_choices(estate.id)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.create(current_user, estate, **_settings(form)),
        )
        if outcome.ok:
            flash(_("已新建调查草稿，请添加问题。"), "success")
            return see_other(url_for("surveys.show", survey_id=outcome.value.id))
    return render_form("surveys/new.html", None, form, estate=estate, estates=current_user.estates)


@bp.get("/surveys/<int:survey_id>")
@allow(SUPERVISOR_UP)
def show(survey_id: int):
    """A draft: its questions and the forms that write it. Sent: its results."""
    survey = _survey(survey_id)
    if survey.status == services.DRAFT:
        return _draft_page(survey)
    return _results_page(survey)


def _draft_page(survey: Survey, form=None, question_form=None, status: int = 200):
    if form is None:
        form = forms.SurveyForm(obj=survey, formdata=None)
        form.buildings.data = list(survey.building_ids)
    form.buildings.choices = _building_choices(survey.estate_id)
    return render(
        "surveys/draft.html",
        status=status,
        survey=survey,
        form=form,
        question_form=question_form or forms.QuestionForm(formdata=None),
        units=services.scope_size(survey),
        action_form=ActionForm(formdata=None),
    )


def _results_page(survey: Survey):
    found = services.results(survey)
    return render(
        "surveys/results.html",
        survey=survey,
        results=found,
        charts=_charts(found),
        low=services.low_scores(survey),
        link=services.link_of(survey),
        past_last_day=survey.status == services.OPEN and not services.accepting(survey),
        copy_form=forms.CopyForm(formdata=None, title=survey.title),
        action_form=ActionForm(formdata=None),
    )


def _charts(found: services.Results) -> dict:
    """Per question its distribution; the buildings' response rates; the trend."""
    out = {}
    for r in found.questions:
        if r.question.kind == QuestionKind.TEXT:
            continue
        out[r.question.id] = Chart(
            f"q{r.question.id}",
            r.question.text,
            _("各选项的回答户数"),
            [
                Point(
                    f"{option} {label(SCALE_LABELS, int(option))}"
                    if r.question.kind == QuestionKind.SCALE
                    else option,
                    count,
                )
                for option, count in r.counts
            ],
            measure=_("户数"),
        )
    out["buildings"] = Chart(
        "buildings",
        _("各楼栋回复率（%）"),
        _("每栋楼已回答的户数占调查户数的百分比"),
        [Point(b.building.name, b.rate) for b in found.buildings],
        measure=_("回复率（%）"),
        scale=100,
    )
    out["trend"] = Chart(
        "trend",
        _("满意率走势（%）"),
        _("本次及之前各次调查中，评分为 4 分或 5 分的比例"),
        [Point(format_when(s.sent_at, "yy-MM-dd"), share) for s, share in found.trend],
        measure=_("满意率（%）"),
        scale=100,
    )
    return out


@bp.post("/surveys/<int:survey_id>")
@allow(MANAGER)
def update(survey_id: int):
    survey = _survey(survey_id)
    form = forms.SurveyForm()
    form.buildings.choices = _building_choices(survey.estate_id)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.update(current_user, survey, **_settings(form)),
        )
        if outcome.ok:
            flash(_("已保存。"), "success")
            return see_other(url_for("surveys.show", survey_id=survey.id))
        return _draft_page(survey, form=form, status=outcome.status)
    return _draft_page(survey, form=form, status=422)


@bp.post("/surveys/<int:survey_id>/questions")
@allow(MANAGER)
def add_question(survey_id: int):
    survey = _survey(survey_id)
    form = forms.QuestionForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.add_question(
                current_user,
                survey,
                kind=form.kind.data,
                text=form.text.data,
                options=form.options.data or "",
            ),
        )
        if outcome.ok:
            return see_other(url_for("surveys.show", survey_id=survey.id, _anchor="questions"))
        return _draft_page(survey, question_form=form, status=outcome.status)
    return _draft_page(survey, question_form=form, status=422)


@bp.route("/surveys/<int:survey_id>/questions/<int:question_id>", methods=["GET", "POST"])
@allow(MANAGER)
def edit_question(survey_id: int, question_id: int):
    """Reword a draft's question; a sent survey's questions stay as they were asked."""
    survey = _survey(survey_id)
    question = next((q for q in survey.questions if q.id == question_id), None) or abort(404)
    if request.method == "GET":
        if not workflow.may(current_user, "edit", survey):  # sent meanwhile: as it was asked
            return see_other(url_for("surveys.show", survey_id=survey.id))
        form = forms.QuestionForm(obj=question, formdata=None)
        form.options.data = "\n".join(question.options)
        return render("surveys/question.html", survey=survey, question=question, form=form)
    form = forms.QuestionForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.edit_question(
                current_user,
                survey,
                question.id,
                kind=form.kind.data,
                text=form.text.data,
                options=form.options.data or "",
            ),
        )
        if outcome.ok:
            flash(_("已保存。"), "success")
            return see_other(
                url_for("surveys.show", survey_id=survey.id, _anchor=f"question-{question.id}")
            )
        status = outcome.status
    else:
        status = 422
    return render(
        "surveys/question.html", status=status, survey=survey, question=question, form=form
    )


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/move")
@allow(MANAGER)
def move_question(survey_id: int, question_id: int):
    step = 1 if request.form.get("to") == "down" else -1
    return _step(
        survey_id,
        lambda actor, survey: services.move_question(actor, survey, question_id, step),
        anchor=f"question-{question_id}",
    )


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/delete")
@allow(MANAGER)
def remove_question(survey_id: int, question_id: int):
    return _step(
        survey_id,
        lambda actor, survey: services.remove_question(actor, survey, question_id),
        anchor="questions",
    )


def _step(survey_id: int, action, message: str | None = None, anchor: str | None = None):
    """One button's step on a survey: done, or flashed why not (sent meanwhile, …)."""
    survey = _survey(survey_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = save(form, lambda: action(current_user, survey))
    if outcome.status == 422:  # not one of this survey's (a question, an answer)
        abort(404)
    if outcome.ok and message:
        flash(message, "success")
    for e in form.form_errors:
        flash(e, "error")
    return see_other(url_for("surveys.show", survey_id=survey.id, _anchor=anchor))


@bp.post("/surveys/<int:survey_id>/send")
@allow(MANAGER)
def send(survey_id: int):
    return _step(survey_id, services.send, _("调查已发出：业主首页可以填写，链接和二维码已生效。"))


@bp.post("/surveys/<int:survey_id>/close")
@allow(MANAGER)
def close(survey_id: int):
    return _step(survey_id, services.close, _("调查已结束，链接已失效。"))


@bp.post("/surveys/<int:survey_id>/copy")
@allow(MANAGER)
def copy(survey_id: int):
    """A new draft with this survey's questions (next year's survey compares like with like)."""
    survey = _survey(survey_id)
    form = forms.CopyForm()
    if not form.validate_on_submit():
        flash(_("请填写新调查的标题。"), "error")
        return see_other(url_for("surveys.show", survey_id=survey.id))
    outcome = save(
        form,
        lambda: services.create(
            current_user,
            survey.estate,
            title=form.title.data,
            intro=survey.intro,
            building_ids=survey.building_ids,
            copy_of=survey,
        ),
    )
    flash(_("已复制为新的调查草稿。"), "success")
    return see_other(url_for("surveys.show", survey_id=outcome.value.id))


@bp.get("/surveys/<int:survey_id>/poster")
@allow(SUPERVISOR_UP)
def poster(survey_id: int):
    """The survey's link as a QR code on an A4 sheet, for lobbies and notice boards."""
    survey = _survey(survey_id)
    link = services.link_of(survey)
    if link is None:
        abort(404)
    return render("surveys/poster.html", survey=survey, link=link, qr=qr_data_uri)


@bp.get("/surveys/<int:survey_id>/answers.xlsx")
@allow(SUPERVISOR_UP)
def export(survey_id: int):
    """Every unit's answer, a column per question."""
    survey = _survey(survey_id)
    questions, rows = services.answer_rows(survey)
    columns = [
        Column(_("楼栋"), lambda row: row[0].unit.building.name, 10),
        Column(_("房号"), lambda row: row[0].unit.number, 10),
        Column(_("填写时间"), lambda row: row[0].created_at, 18),
        Column(_("方式"), lambda row: label(SURVEY_VIA_LABELS, row[0].via), 12),
    ] + [
        Column(q.text, lambda row, q=q: services.shown(q, row[1].get(q.id)), 24) for q in questions
    ]
    return xlsx_response(
        f"survey-{survey.number}.xlsx", f"{survey.number} {survey.title}", columns, rows
    )


@bp.post("/surveys/<int:survey_id>/answers/<int:answer_id>/ticket")
@allow(SUPERVISOR_UP)
def follow_up(survey_id: int, answer_id: int):
    """A low score becomes a ticket in one tap (a second tap finds the same ticket)."""
    survey = _survey(survey_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = save(form, lambda: services.to_ticket(current_user, survey, answer_id))
    if not outcome.ok:
        abort(404)
    flash(_("已转为工单 %(number)s。", number=outcome.value.number), "success")
    return see_other(url_for("surveys.show", survey_id=survey.id, _anchor="low"))


# --- answering -----------------------------------------------------------------------------------


@bp.get("/my/surveys/<int:survey_id>")
@allow(OWNER)
def mine(survey_id: int):
    """Where an owner's bell leads: the survey's form for their unit, or their home's list of
    surveys when it asks several of their units (or none is left to answer)."""
    units = [u for s, u in services.open_for_owner(current_user) if s.id == survey_id]
    if len(units) == 1:
        return see_other(url_for("surveys.answer", survey_id=survey_id, unit_id=units[0].id))
    return see_other(url_for("home.index", _anchor="duty-surveys"))


@bp.route("/surveys/<int:survey_id>/answer/<int:unit_id>", methods=["GET", "POST"])
@allow(OWNER)
def answer(survey_id: int, unit_id: int):
    """An owner answers for one of their units."""
    unit = get_unit_or_404(current_user, unit_id)
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.status == services.DRAFT or not services.asks(survey, unit):
        abort(404)
    form = forms.answer_form(survey.questions)
    if not services.accepting(survey) or services.answered(survey, unit):
        return render("surveys/answer.html", survey=survey, unit=unit, form=None)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.answer(survey, unit, form.given(survey.questions), user=current_user),
        )
        if outcome.ok:
            flash(_("谢谢你的意见！"), "success")
            return see_other(url_for("home.index"))
        return render(
            "surveys/answer.html", status=outcome.status, survey=survey, unit=unit, form=form
        )
    return render_form("surveys/answer.html", None, form, survey=survey, unit=unit)


def _check_key() -> str:
    """Failed checks are counted per client and survey: a neighbour's typos on a shared
    address do not lock others out of every survey."""
    token = (request.view_args or {}).get("token", "")[:80]
    return f"survey-check:{get_remote_address()}:{token}"


def _check_failed(response) -> bool:
    """Only a failed unit and phone check counts against the limit."""
    return bool(g.get("survey_check_failed"))


def _checks_refused(_limit):
    """Too many wrong unit and phone checks: the answers come back as they were given, with
    the reason, instead of an error page that loses them."""
    survey = services.by_token((request.view_args or {}).get("token", ""))
    if survey is None:
        return no_store(_gone())
    form = _public_form(survey)
    form.form_errors.append(_("核对失败次数太多，请 15 分钟后再提交。你填写的回答还在。"))
    return no_store(render("surveys/public.html", status=429, survey=survey, form=form))


def _public_form(survey: Survey):
    form = forms.answer_form(survey.questions, public=True)
    form.building.choices = [("", _("请选择"))] + services.building_choices(survey)
    return form


@bp.route("/q/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(
    lambda: current_app.config.get("SURVEY_CHECK_LIMIT", "10/15 minutes"),
    methods=["POST"],
    key_func=_check_key,
    deduct_when=_check_failed,
    on_breach=_checks_refused,
)
def public(token: str):
    """The page a survey's link or QR code opens: no account; the unit and the phone the owner
    roll has for it prove who answers."""
    survey = services.by_token(token)
    if survey is None:
        return no_store(_gone())
    form = _public_form(survey)
    if not services.accepting(survey):
        return no_store(render("surveys/public.html", survey=survey, form=None))
    if request.method == "POST" and form.validate_on_submit():
        if form.website.data:  # a robot filled the hidden field: thank it, keep nothing
            return see_other(url_for("surveys.public_done", token=token))
        outcome = save(
            form,
            lambda: services.answer(
                survey,
                services.unit_by_phone(
                    survey, form.building.data, form.number.data, form.phone.data
                ),
                form.given(survey.questions),
                phone=form.phone.data,
            ),
        )
        if outcome.ok:
            session["survey_done"] = survey.id
            return see_other(url_for("surveys.public_done", token=token))
        g.survey_check_failed = bool(form.phone.errors)
        return no_store(
            render("surveys/public.html", status=outcome.status, survey=survey, form=form)
        )
    status = 422 if form.errors else 200
    return no_store(render("surveys/public.html", status=status, survey=survey, form=form))


@bp.get("/q/<token>/done")
@allow(PUBLIC)
def public_done(token: str):
    survey = services.by_token(token)
    if survey is None:
        return no_store(_gone())
    return no_store(render("surveys/public_done.html", survey=survey))


def _gone():
    return render(
        "errors/error.html",
        status=404,
        code=404,
        message=_("这个调查链接已失效。谢谢关注，如有意见请联系物业服务中心。"),
    )
