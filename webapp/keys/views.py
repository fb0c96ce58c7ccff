"""The key register: the estate's keys, lending one, its return, and a key's history."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp import clock, deadlines
from webapp.access import STAFF, SUPERVISOR_UP, allow
from webapp.exports import Column, xlsx_response
from webapp.forms import choices, save
from webapp.keys import forms, services
from webapp.labels import BORROWER_KIND_LABELS, KEY_KIND_LABELS
from webapp.scoping import building_choices, get_estate_or_404
from webapp.web import render, see_other

bp = Blueprint("keys", __name__, url_prefix="/keys")


def _key_form(form=None):
    form = form or forms.KeyForm(formdata=None)
    form.estate.choices = choices((e.id, e.name) for e in current_user.estates)
    form.kind.choices = choices(services.kind_choices())
    form.building.choices = choices([("", "—"), *building_choices(current_user)])
    return form


def _lend_form(key, form=None):
    if form is None:
        form = forms.LendForm(formdata=None)
        zone = ZoneInfo(key.estate.timezone)
        form.due.data = (
            (clock.now() + services.DEFAULT_LOAN)
            .astimezone(zone)
            .replace(tzinfo=None, second=0, microsecond=0)
        )
    form.borrower_kind.choices = choices(services.borrower_choices())
    return form


def _register(status: int = 200, key_form=None):
    now = clock.now()
    loans = services.out(current_user)
    return render(
        "keys/index.html",
        status=status,
        keys=services.keys(current_user),
        loans=loans,
        states={loan.id: deadlines.state(loan.due_at, now) for loan in loans},
        overnight={loan.id for loan in loans if services.overnight(loan, now)},
        key_form=_key_form(key_form),
    )


@bp.get("")
@allow(STAFF)
def index():
    """The register (钥匙借(领)用登记): keys out first (overdue, overnight), then every key."""
    return _register()


@bp.post("/new")
@allow(SUPERVISOR_UP)
def create():
    """A new key in the register."""
    form = _key_form(forms.KeyForm())
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.add_key(
                current_user,
                get_estate_or_404(current_user, form.estate.data),
                label=form.label.data,
                kind=form.kind.data,
                building_id=form.building.data,
                unit_number=form.unit.data or "",
                note=form.note.data or "",
            ),
        )
        if outcome.ok:
            flash(_("已登记钥匙：%(k)s。", k=outcome.value.label), "success")
            return see_other(url_for("keys.index"))
        return _register(outcome.status, form)
    return _register(422, form)


def _key_page(key, status: int = 200, lend_form=None, return_form=None):
    now = clock.now()
    loan = key.loan
    if return_form is None and loan is not None:
        return_form = forms.ReturnForm(formdata=None)
        return_form.version.data = loan.version
    return render(
        "keys/key.html",
        "keys/_loans.html",
        rows_fragment="keys/_loan_rows.html",
        status=status,
        key=key,
        loan=loan,
        state=deadlines.state(loan.due_at, now) if loan else None,
        overnight=loan is not None and services.overnight(loan, now),
        loans=services.loans_of(key, after=request.args.get("after")),
        lend_form=_lend_form(key, lend_form),
        return_form=return_form,
    )


LOAN_COLUMNS = [
    Column(_l("钥匙"), lambda loan: loan.key.label, 18),
    Column(_l("类型"), lambda loan: str(KEY_KIND_LABELS.get(loan.key.kind, "")), 10),
    Column(_l("借用人"), lambda loan: loan.borrower_name, 10),
    Column(_l("身份"), lambda loan: str(BORROWER_KIND_LABELS.get(loan.borrower_kind, "")), 12),
    Column(_l("联系电话"), lambda loan: loan.borrower_phone, 14),
    Column(_l("借用事由"), lambda loan: loan.purpose, 24),
    Column(_l("借出时间"), lambda loan: loan.lent_at, 17),
    Column(_l("经手人"), lambda loan: loan.lent_by.display_name, 10),
    Column(_l("应还时间"), lambda loan: loan.due_at, 17),
    Column(_l("归还时间"), lambda loan: loan.returned_at, 17),
    Column(
        _l("接收人"), lambda loan: loan.returned_to.display_name if loan.returned_to else "", 10
    ),
    Column(_l("归还备注"), lambda loan: loan.return_note, 20),
]


@bp.get("/loans.xlsx")
@allow(STAFF)
def loans_xlsx():
    """The register (every loan, or those still out with ?out=1) as an Excel workbook."""
    out_only = request.args.get("out") == "1"
    return xlsx_response(
        "key-loans-out.xlsx" if out_only else "key-loans.xlsx",
        _("钥匙借用登记"),
        LOAN_COLUMNS,
        services.all_loans(current_user, out_only=out_only),
    )


@bp.get("/<int:key_id>")
@allow(STAFF)
def key(key_id: int):
    """One key: who has it now, lending or taking it back, and every loan before."""
    return _key_page(services.get_key_or_404(current_user, key_id))


@bp.post("/<int:key_id>/lend")
@allow(STAFF)
def lend(key_id: int):
    """Lend the key: who, why, until when."""
    item = services.get_key_or_404(current_user, key_id)
    form = _lend_form(item, forms.LendForm())
    if form.validate_on_submit():
        due = form.due.data.replace(tzinfo=ZoneInfo(item.estate.timezone))
        outcome = save(
            form,
            lambda: services.lend(
                current_user,
                item,
                borrower_kind=form.borrower_kind.data,
                borrower_name=form.borrower_name.data,
                borrower_phone=form.borrower_phone.data or "",
                purpose=form.purpose.data,
                due_at=due,
            ),
        )
        if outcome.ok:
            flash(_("已登记借出：%(k)s。", k=item.label), "success")
            return see_other(url_for("keys.key", key_id=item.id))
        item.loan = services.current_loan(item)
        return _key_page(item, outcome.status, lend_form=form)
    return _key_page(item, 422, lend_form=form)


@bp.get("/loans/<int:loan_id>")
@allow(STAFF)
def loan(loan_id: int):
    """Where a notification about a loan leads: its key's page."""
    found = services.get_loan_or_404(current_user, loan_id)
    return see_other(url_for("keys.key", key_id=found.key_id))


@bp.post("/loans/<int:loan_id>/return")
@allow(STAFF)
def give_back(loan_id: int):
    """The key is back: received by me, now."""
    found = services.get_loan_or_404(current_user, loan_id)
    form = forms.ReturnForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.give_back(
                current_user, found, note=form.note.data or "", version=form.version_value()
            ),
        )
        if outcome.ok:
            flash(_("已登记归还：%(k)s。", k=found.key.label), "success")
            return see_other(url_for("keys.key", key_id=found.key_id))
        item = services.get_key_or_404(current_user, found.key_id)
        return _key_page(item, outcome.status, return_form=form)
    item = services.get_key_or_404(current_user, found.key_id)
    return _key_page(item, 422, return_form=form)
