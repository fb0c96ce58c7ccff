"""The permission matrix: every route × method × principal → the status it must answer.

A test fails when a registered route has no row here, so every new route joins the matrix.
URL templates name records of the test world: {estate}, {owner_a}, {unit_a} …
"""

from __future__ import annotations

from dataclasses import dataclass

PRINCIPALS = (
    "anonymous",
    "owner_a",
    "owner_b",
    "assistant",
    "assistant_other",
    "supervisor",
    "manager",
)
STAFF = ("assistant", "assistant_other", "supervisor", "manager")


@dataclass(frozen=True)
class Case:
    rule: str
    method: str
    url: str
    expect: dict

    @property
    def id(self) -> str:
        return f"{self.method} {self.url}"


def _anon(method: str) -> int:
    # Not logged in: a page asks you to log in; a form post is refused with 401.
    return 302 if method == "GET" else 401


def public(code: int) -> dict:
    return dict.fromkeys(PRINCIPALS, code)


def signed_in(method: str, code: int) -> dict:
    return {**dict.fromkeys(PRINCIPALS, code), "anonymous": _anon(method)}


def staff(method: str, code: int, other_estate: int | None = None) -> dict:
    """Any staff member; the other estate's assistant gets `other_estate` (404 for A's records)."""
    expect = {p: code for p in STAFF}
    expect.update(anonymous=_anon(method), owner_a=403, owner_b=403)
    if other_estate is not None:
        expect["assistant_other"] = other_estate
    return expect


def manager(method: str, code: int) -> dict:
    expect = dict.fromkeys(PRINCIPALS, 403)
    expect.update(anonymous=_anon(method), manager=code)
    return expect


def supervisor_up(method: str, code: int, other_role_code: int = 403) -> dict:
    expect = dict.fromkeys(PRINCIPALS, 403)
    expect.update(anonymous=_anon(method), supervisor=code, manager=code)
    return expect


def photo(code: int) -> dict:
    """Photos: any signed-in user may ask; only those who may see the record get it."""
    return {
        **dict.fromkeys(PRINCIPALS, 404),
        "anonymous": 302,
        "assistant": code,
        "supervisor": code,
        "manager": code,
    }


def owners_own(code: int, staff_code: int | None = None) -> dict:
    """Owner A's own record: staff of the estate and owner A see it; owner B and others get 404."""
    expect = {**dict.fromkeys(PRINCIPALS, 404), "anonymous": 302, "owner_a": code}
    for p in ("assistant", "supervisor", "manager"):
        expect[p] = code if staff_code is None else staff_code
    return expect


def owner_only(method: str, code: int) -> dict:
    expect = dict.fromkeys(PRINCIPALS, 403)
    expect.update(anonymous=_anon(method), owner_a=code, owner_b=code)
    return expect


CASES = [
    # public
    Case("/login", "GET", "/login", {**public(200), **dict.fromkeys(PRINCIPALS[1:], 303)}),
    Case("/login", "POST", "/login", public(422)),
    Case("/invite/<token>", "GET", "/invite/not-a-real-token", public(404)),
    Case("/invite/<token>", "POST", "/invite/not-a-real-token", public(404)),
    Case("/locale", "POST", "/locale", public(400)),
    Case("/manifest.webmanifest", "GET", "/manifest.webmanifest", public(200)),
    Case("/sw.js", "GET", "/sw.js", public(200)),
    Case("/offline", "GET", "/offline", public(200)),
    Case("/favicon.ico", "GET", "/favicon.ico", public(200)),
    Case("/healthz", "GET", "/healthz", public(200)),
    Case("/static/<path:filename>", "GET", "/static/css/app.css", public(200)),
    Case("/vendor/<name>", "GET", "/vendor/htmx.min.js", public(200)),
    Case("/vendor/<name>", "GET", "/vendor/not-a-library.js", public(404)),
    # any signed-in user
    Case("/", "GET", "/", signed_in("GET", 200)),
    Case("/account", "GET", "/account", signed_in("GET", 200)),
    Case("/account", "POST", "/account", signed_in("POST", 422)),
    Case("/logout", "POST", "/logout", signed_in("POST", 303)),
    Case("/session/csrf", "GET", "/session/csrf", signed_in("GET", 200)),
    # staff: owners of their estates
    Case("/owners", "GET", "/owners", staff("GET", 200)),
    Case("/owners/new", "GET", "/owners/new", staff("GET", 200)),
    Case("/owners/new", "POST", "/owners/new", staff("POST", 422)),
    Case("/owners/<int:owner_id>", "GET", "/owners/{owner_a}", staff("GET", 200, 404)),
    Case("/owners/<int:owner_id>", "POST", "/owners/{owner_a}", staff("POST", 422, 404)),
    Case("/owners/<int:owner_id>", "GET", "/owners/{assistant}", staff("GET", 404)),
    Case(
        "/owners/<int:owner_id>/units", "POST", "/owners/{owner_a}/units", staff("POST", 422, 404)
    ),
    Case(
        "/owners/<int:owner_id>/units/<int:unit_id>/remove",
        "POST",
        "/owners/{owner_a}/units/{unit_a}/remove",
        staff("POST", 303, 404),
    ),
    Case(
        "/owners/<int:owner_id>/invite",
        "POST",
        "/owners/{owner_a}/invite",
        {**staff("POST", 200, 404), "assistant": 409},  # owner A has a password: a reset
    ),
    Case("/units/<int:unit_id>", "GET", "/units/{unit_a}", owners_own(200)),
    Case(
        "/units/<int:unit_id>/people/<int:person_id>/phone",
        "POST",
        "/units/{unit_a}/people/{owner_a}/phone",
        staff("POST", 200, 404),
    ),
    # 扫码报修: the printed codes, and the form a code opens (no account)
    Case(
        "/tickets/<int:ticket_id>/phone",
        "POST",
        "/tickets/{ticket}/phone",
        staff("POST", 200, 404),
    ),
    Case(
        "/t/<number>/notices/<int:notice_id>/reply",
        "POST",
        "/t/{ticket_number}/notices/{notice}/reply",
        public(404),
    ),
    Case("/scan-codes", "GET", "/scan-codes", supervisor_up("GET", 200)),
    Case("/scan-codes", "POST", "/scan-codes", supervisor_up("POST", 303)),
    Case("/scan-codes/replace", "POST", "/scan-codes/replace", supervisor_up("POST", 400)),
    Case("/s/<token>", "GET", "/s/{scan_token}", public(200)),
    Case("/s/<token>/done", "GET", "/s/{scan_token}/done", public(303)),
    Case("/s/<token>", "POST", "/s/{scan_token}", public(422)),
    # return-visit plans
    Case("/visits", "GET", "/visits", staff("GET", 200)),
    Case(
        "/visits/units/<int:unit_id>",
        "POST",
        "/visits/units/{unit_a}",
        staff("POST", 303, 404),
    ),
    Case(
        "/visits/<int:visit_id>/withdraw",
        "POST",
        "/visits/{visit}/withdraw",
        staff("POST", 303, 404),
    ),
    Case("/visits/areas", "GET", "/visits/areas", supervisor_up("GET", 200)),
    Case("/visits/areas", "POST", "/visits/areas", supervisor_up("POST", 303)),
    # announcements
    Case("/announcements", "GET", "/announcements", staff("GET", 200)),
    Case("/announcements/new", "GET", "/announcements/new", supervisor_up("GET", 200)),
    Case("/announcements/new", "POST", "/announcements/new", supervisor_up("POST", 422)),
    Case(
        "/announcements/<int:announcement_id>",
        "GET",
        "/announcements/{announcement}",
        staff("GET", 200, 404),
    ),
    Case(
        "/announcements/<int:announcement_id>/withdraw",
        "POST",
        "/announcements/{announcement}/withdraw",
        supervisor_up("POST", 303),
    ),
    Case("/announcements/boards", "GET", "/announcements/boards", supervisor_up("GET", 200)),
    Case("/announcements/boards", "POST", "/announcements/boards", supervisor_up("POST", 303)),
    Case(
        "/my/announcements/<int:announcement_id>",
        "GET",
        "/my/announcements/{announcement}",
        {**owner_only("GET", 200), "owner_b": 200},
    ),
    Case(
        "/my/announcements/<int:announcement_id>",
        "GET",
        "/my/announcements/{announcement_three}",
        {**owner_only("GET", 404)},
    ),
    Case("/b/<token>", "GET", "/b/{board_token}", public(200)),
    Case("/b/<token>", "GET", "/b/forged-token", public(404)),
    Case(
        "/b/<token>/<int:announcement_id>",
        "GET",
        "/b/{board_token}/{announcement}",
        public(200),
    ),
    Case(
        "/b/<token>/<int:announcement_id>",
        "GET",
        "/b/{board_token}/{announcement_three}",
        public(404),
    ),
    Case(
        "/b/<token>/photos/<int:photo_id>",
        "GET",
        "/b/{board_token}/photos/{announcement_photo}",
        public(200),
    ),
    Case(
        "/b/<token>/photos/<int:photo_id>",
        "GET",
        "/b/{board_token}/photos/{other_photo}",
        public(404),
    ),
    # satisfaction surveys
    Case("/surveys", "GET", "/surveys", supervisor_up("GET", 200)),
    Case("/surveys/new", "GET", "/surveys/new", manager("GET", 200)),
    Case("/surveys/new", "POST", "/surveys/new", manager("POST", 422)),
    Case("/surveys/<int:survey_id>", "GET", "/surveys/{survey}", supervisor_up("GET", 200)),
    Case("/surveys/<int:survey_id>", "GET", "/surveys/{survey_draft}", supervisor_up("GET", 200)),
    Case("/surveys/<int:survey_id>", "POST", "/surveys/{survey_draft}", manager("POST", 422)),
    Case(
        "/surveys/<int:survey_id>/questions",
        "POST",
        "/surveys/{survey_draft}/questions",
        manager("POST", 422),
    ),
    Case(
        "/surveys/<int:survey_id>/questions/<int:question_id>",
        "GET",
        "/surveys/{survey_draft}/questions/{survey_question}",
        manager("GET", 200),
    ),
    Case(
        "/surveys/<int:survey_id>/questions/<int:question_id>",
        "POST",
        "/surveys/{survey_draft}/questions/{survey_question}",
        manager("POST", 422),
    ),
    Case(
        "/surveys/<int:survey_id>/questions/<int:question_id>/move",
        "POST",
        "/surveys/{survey_draft}/questions/{survey_question}/move",
        manager("POST", 303),
    ),
    Case(
        "/surveys/<int:survey_id>/questions/<int:question_id>/delete",
        "POST",
        "/surveys/{survey_draft}/questions/{survey_question}/delete",
        manager("POST", 303),
    ),
    Case(
        "/surveys/<int:survey_id>/send",
        "POST",
        "/surveys/{survey_draft}/send",
        manager("POST", 303),
    ),
    Case("/surveys/<int:survey_id>/close", "POST", "/surveys/{survey}/close", manager("POST", 303)),
    Case("/surveys/<int:survey_id>/copy", "POST", "/surveys/{survey}/copy", manager("POST", 303)),
    Case(
        "/surveys/<int:survey_id>/poster",
        "GET",
        "/surveys/{survey}/poster",
        supervisor_up("GET", 200),
    ),
    Case(
        "/surveys/<int:survey_id>/answers.xlsx",
        "GET",
        "/surveys/{survey}/answers.xlsx",
        supervisor_up("GET", 200),
    ),
    Case(
        "/surveys/<int:survey_id>/answers/<int:answer_id>/ticket",
        "POST",
        "/surveys/{survey}/answers/{survey_answer}/ticket",
        supervisor_up("POST", 303),
    ),
    Case("/my/surveys/<int:survey_id>", "GET", "/my/surveys/{survey}", owner_only("GET", 303)),
    Case(
        "/surveys/<int:survey_id>/answer/<int:unit_id>",
        "GET",
        "/surveys/{survey}/answer/{unit_a}",
        {**owner_only("GET", 200), "owner_b": 404},
    ),
    Case(
        "/surveys/<int:survey_id>/answer/<int:unit_id>",
        "POST",
        "/surveys/{survey}/answer/{unit_a}",
        {**owner_only("POST", 422), "owner_b": 404},
    ),
    Case("/q/<token>", "GET", "/q/{survey_token}", public(200)),
    Case("/q/<token>", "POST", "/q/{survey_token}", public(422)),
    Case("/q/<token>", "GET", "/q/forged-token", public(404)),
    Case("/q/<token>/done", "GET", "/q/{survey_token}/done", public(200)),
    # The move-in inspection (收楼验房)
    Case("/movein", "GET", "/movein", staff("GET", 200)),
    Case("/movein/units", "GET", "/movein/units", staff("GET", 200)),
    Case("/movein/defects", "GET", "/movein/defects", staff("GET", 200)),
    Case("/movein/defects.xlsx", "GET", "/movein/defects.xlsx", staff("GET", 200)),
    Case("/movein/checklist", "GET", "/movein/checklist", supervisor_up("GET", 200)),
    Case("/movein/checklist", "POST", "/movein/checklist", supervisor_up("POST", 422)),
    Case(
        "/movein/units/<int:unit_id>/inspect",
        "GET",
        "/movein/units/{unit_b}/inspect",
        staff("GET", 200, 404),
    ),
    Case(
        "/movein/units/<int:unit_id>/inspect",
        "POST",
        "/movein/units/{unit_b}/inspect",
        staff("POST", 422, 404),
    ),
    Case("/movein/<int:move_in_id>", "GET", "/movein/{move_in}", owners_own(200)),
    Case(
        "/movein/<int:move_in_id>/sign",
        "POST",
        "/movein/{move_in}/sign",
        {**owners_own(422), "anonymous": 401},
    ),
    Case("/owners/invites", "GET", "/owners/invites", supervisor_up("GET", 200)),
    Case("/owners/invites", "POST", "/owners/invites", supervisor_up("POST", 422)),
    Case(
        "/owners/invites/texts.xlsx",
        "POST",
        "/owners/invites/texts.xlsx",
        supervisor_up("POST", 303),  # no links sent back: back to the page, with why
    ),
    Case("/owners/import", "GET", "/owners/import", supervisor_up("GET", 200)),
    Case("/owners/import", "POST", "/owners/import", supervisor_up("POST", 422)),
    Case(
        "/owners/import/template.xlsx",
        "GET",
        "/owners/import/template.xlsx",
        supervisor_up("GET", 200),
    ),
    Case(
        "/owners/import/<int:import_id>",
        "GET",
        "/owners/import/{record_import}",
        supervisor_up("GET", 200),
    ),
    Case(
        "/owners/import/<int:import_id>/apply",
        "POST",
        "/owners/import/{record_import}/apply",
        # The supervisor imports it; for the manager after them it is already imported.
        {**supervisor_up("POST", 303), "manager": 409},
    ),
    Case(
        "/owners/<int:owner_id>/login",
        "POST",
        "/owners/{owner_a}/login",
        {**supervisor_up("POST", 422), "assistant_other": 403},
    ),
    Case(
        "/history/<target_type>/<int:target_id>",
        "GET",
        "/history/user/{owner_a}",
        staff("GET", 200, 404),
    ),
    Case(
        "/history/<target_type>/<int:target_id>",
        "GET",
        "/history/estate/{estate}",
        staff("GET", 200, 404),
    ),
    Case(
        "/history/<target_type>/<int:target_id>",
        "GET",
        "/history/estate/{other_estate}",
        {**staff("GET", 404), "assistant_other": 200},
    ),
    Case("/history/<target_type>/<int:target_id>", "GET", "/history/nonsense/1", staff("GET", 404)),
    # the manager: staff accounts and places
    Case("/admin/users", "GET", "/admin/users", manager("GET", 200)),
    Case("/admin/users/new", "GET", "/admin/users/new", manager("GET", 200)),
    Case("/admin/users/new", "POST", "/admin/users/new", manager("POST", 422)),
    Case("/admin/users/<int:user_id>", "GET", "/admin/users/{assistant}", manager("GET", 200)),
    Case("/admin/users/<int:user_id>", "POST", "/admin/users/{assistant}", manager("POST", 422)),
    Case(
        "/admin/users/<int:user_id>", "GET", "/admin/users/{assistant_other}", manager("GET", 404)
    ),
    Case("/admin/users/<int:user_id>", "GET", "/admin/users/{owner_a}", manager("GET", 404)),
    Case(
        "/admin/users/<int:user_id>/active",
        "POST",
        "/admin/users/{assistant}/active",
        manager("POST", 303),
    ),
    Case(
        "/admin/users/<int:user_id>/active",
        "POST",
        "/admin/users/{assistant_other}/active",
        manager("POST", 404),
    ),
    Case(
        "/admin/users/<int:user_id>/reset",
        "POST",
        "/admin/users/{assistant}/reset",
        manager("POST", 200),
    ),
    Case(
        "/admin/users/<int:user_id>/reset",
        "POST",
        "/admin/users/{assistant_other}/reset",
        manager("POST", 404),
    ),
    Case("/admin/estates", "GET", "/admin/estates", manager("GET", 200)),
    Case("/admin/estates", "POST", "/admin/estates", manager("POST", 422)),
    Case("/admin/estates/<int:estate_id>", "GET", "/admin/estates/{estate}", manager("GET", 200)),
    Case("/admin/estates/<int:estate_id>", "POST", "/admin/estates/{estate}", manager("POST", 422)),
    Case(
        "/admin/estates/<int:estate_id>",
        "GET",
        "/admin/estates/{other_estate}",
        manager("GET", 404),
    ),
    Case(
        "/admin/estates/<int:estate_id>/buildings",
        "POST",
        "/admin/estates/{estate}/buildings",
        manager("POST", 422),
    ),
    Case(
        "/admin/estates/<int:estate_id>/buildings",
        "POST",
        "/admin/estates/{other_estate}/buildings",
        manager("POST", 404),
    ),
    Case(
        "/admin/estates/<int:estate_id>/areas",
        "POST",
        "/admin/estates/{estate}/areas",
        manager("POST", 422),
    ),
    Case(
        "/admin/buildings/<int:building_id>",
        "GET",
        "/admin/buildings/{building}",
        manager("GET", 200),
    ),
    Case(
        "/admin/buildings/<int:building_id>",
        "POST",
        "/admin/buildings/{building}",
        manager("POST", 422),
    ),
    Case(
        "/admin/buildings/<int:building_id>",
        "GET",
        "/admin/buildings/{other_building}",
        manager("GET", 404),
    ),
    Case(
        "/admin/buildings/<int:building_id>/units",
        "POST",
        "/admin/buildings/{building}/units",
        manager("POST", 422),
    ),
    Case("/admin/areas/<int:area_id>", "GET", "/admin/areas/{area}", manager("GET", 200)),
    Case("/admin/areas/<int:area_id>", "POST", "/admin/areas/{area}", manager("POST", 422)),
    Case("/admin/areas/<int:area_id>", "GET", "/admin/areas/{other_area}", manager("GET", 404)),
    # patrols
    Case("/patrols", "GET", "/patrols", staff("GET", 200)),
    Case("/patrols/history", "GET", "/patrols/history", staff("GET", 200)),
    Case("/patrols/compliance", "GET", "/patrols/compliance", supervisor_up("GET", 200)),
    Case(
        "/patrols/start/<int:template_id>",
        "POST",
        "/patrols/start/{template}",
        staff("POST", 303, 404),
    ),
    Case(
        "/patrols/rounds/<int:round_id>",
        "GET",
        "/patrols/rounds/{round_open}",
        staff("GET", 200, 404),
    ),
    Case(
        "/patrols/rounds/<int:round_id>/items/<int:item_id>",
        "POST",
        "/patrols/rounds/{round_open}/items/{item}",
        {**staff("POST", 409, 404), "assistant": 303},
    ),
    Case(
        "/patrols/rounds/<int:round_id>/items/<int:item_id>/photos",
        "POST",
        "/patrols/rounds/{round_open}/items/{item}/photos",
        {**staff("POST", 409, 404), "assistant": 422},
    ),
    Case(
        "/patrols/rounds/<int:round_id>/rest-ok",
        "POST",
        "/patrols/rounds/{round_open}/rest-ok",
        {**staff("POST", 409, 404), "assistant": 303},
    ),
    Case(
        "/patrols/rounds/<int:round_id>/finish",
        "POST",
        "/patrols/rounds/{round_open}/finish",
        staff("POST", 303, 404),
    ),
    Case(
        "/patrols/rounds/<int:round_id>/sign",
        "POST",
        "/patrols/rounds/{round_done}/sign",
        {**supervisor_up("POST", 303), "manager": 422},
    ),
    Case(
        "/patrols/rounds/<int:round_id>/items/<int:item_id>/amend",
        "POST",
        "/patrols/rounds/{round_done}/items/{item}/amend",
        staff("POST", 422, 404),
    ),
    Case("/patrols/scan/<token>", "GET", "/patrols/scan/{qr}", staff("GET", 200, 404)),
    Case("/patrols/scan/<token>", "POST", "/patrols/scan/{qr}", staff("POST", 303, 404)),
    Case("/patrols/scan/<token>", "GET", "/patrols/scan/forged-token", staff("GET", 404)),
    Case("/patrols/templates", "GET", "/patrols/templates", manager("GET", 200)),
    Case("/patrols/templates", "POST", "/patrols/templates", manager("POST", 422)),
    Case(
        "/patrols/templates/<int:template_id>",
        "GET",
        "/patrols/templates/{template}",
        manager("GET", 200),
    ),
    Case(
        "/patrols/templates/<int:template_id>",
        "POST",
        "/patrols/templates/{template}",
        manager("POST", 422),
    ),
    Case(
        "/patrols/templates/<int:template_id>",
        "GET",
        "/patrols/templates/{other_template}",
        manager("GET", 404),
    ),
    Case(
        "/patrols/templates/<int:template_id>/checkpoints",
        "POST",
        "/patrols/templates/{template}/checkpoints",
        manager("POST", 422),
    ),
    Case(
        "/patrols/templates/<int:template_id>/checkpoints/<int:checkpoint_id>",
        "POST",
        "/patrols/templates/{template}/checkpoints/{checkpoint}",
        manager("POST", 422),
    ),
    Case(
        "/patrols/templates/<int:template_id>/requirements",
        "POST",
        "/patrols/templates/{template}/requirements",
        manager("POST", 422),
    ),
    Case(
        "/patrols/templates/<int:template_id>/qr",
        "GET",
        "/patrols/templates/{template}/qr",
        manager("GET", 200),
    ),
    # photos follow the record they belong to
    Case("/photos/<int:photo_id>", "GET", "/photos/{photo}", photo(200)),
    Case("/photos/<int:photo_id>/thumb", "GET", "/photos/{photo}/thumb", photo(200)),
    Case(
        "/photos/<int:photo_id>",
        "GET",
        "/photos/{other_photo}",
        {**photo(404), "assistant_other": 200},
    ),
    # work orders
    Case("/workorders", "GET", "/workorders", staff("GET", 200)),
    Case("/workorders/export.xlsx", "GET", "/workorders/export.xlsx", staff("GET", 200)),
    Case("/patrols/history.xlsx", "GET", "/patrols/history.xlsx", staff("GET", 200)),
    Case(
        "/patrols/findings.xlsx",
        "GET",
        "/patrols/findings.xlsx?result=issues",
        staff("GET", 200),
    ),
    Case("/decoration/inspections.xlsx", "GET", "/decoration/inspections.xlsx", staff("GET", 200)),
    Case("/decoration/notices.xlsx", "GET", "/decoration/notices.xlsx", staff("GET", 200)),
    Case(
        "/decoration/notices.xlsx",
        "GET",
        "/decoration/notices.xlsx?state=overdue&estate={estate}",
        staff("GET", 200),
    ),
    Case("/decoration/notices", "GET", "/decoration/notices", staff("GET", 200)),
    # Another estate's id is not mine: every notice of my estates in that state.
    Case(
        "/decoration/notices",
        "GET",
        "/decoration/notices?state=draft&estate={other_estate}",
        staff("GET", 200),
    ),
    Case(
        "/decoration/inspections/<int:inspection_id>/print",
        "GET",
        "/decoration/inspections/{inspection}/print",
        staff("GET", 200, 404),
    ),
    Case(
        "/patrols/rounds/<int:round_id>/print",
        "GET",
        "/patrols/rounds/{round_done}/print",
        staff("GET", 200, 404),
    ),
    Case("/workorders/<int:order_id>", "GET", "/workorders/{order}", staff("GET", 200, 404)),
    Case(
        "/workorders/<int:order_id>/fix", "POST", "/workorders/{order}/fix", staff("POST", 422, 404)
    ),
    Case(
        "/workorders/<int:order_id>/reinspect",
        "POST",
        "/workorders/{order}/reinspect",
        staff("POST", 422, 404),
    ),
    Case("/workorders/new", "GET", "/workorders/new?ticket={ticket}", staff("GET", 200, 404)),
    Case("/workorders/new", "POST", "/workorders/new?ticket={ticket}", staff("POST", 422, 404)),
    Case(
        "/workorders/<int:order_id>/resume",
        "POST",
        "/workorders/{order}/resume",
        supervisor_up("POST", 422),
    ),
    Case(
        "/workorders/<int:order_id>/link/revoke",
        "POST",
        "/workorders/{order}/link/revoke",
        supervisor_up("POST", 303),
    ),
    Case(
        "/workorders/<int:order_id>/link/renew",
        "POST",
        "/workorders/{order}/link/renew",
        supervisor_up("POST", 303),
    ),
    # the department's link: anyone holding it, and only for its one work order
    Case("/d/<token>", "GET", "/d/{dept_token}", public(200)),
    Case("/d/<token>", "GET", "/d/{forged_token}", public(404)),
    Case("/d/<token>/fix", "POST", "/d/{dept_token}/fix", public(422)),
    Case("/d/<token>/hold", "POST", "/d/{dept_token}/hold", public(422)),
    Case(
        "/d/<token>/photos/<int:photo_id>",
        "GET",
        "/d/{dept_token}/photos/{photo}",
        public(200),
    ),
    Case(
        "/d/<token>/photos/<int:photo_id>",
        "GET",
        "/d/{dept_token}/photos/{other_photo}",
        public(404),
    ),
    # departments, their robots, and the outbox (the manager)
    Case(
        "/admin/estates/<int:estate_id>/departments",
        "GET",
        "/admin/estates/{estate}/departments",
        manager("GET", 200),
    ),
    Case(
        "/admin/estates/<int:estate_id>/departments/<code>",
        "GET",
        "/admin/estates/{estate}/departments/engineering",
        manager("GET", 200),
    ),
    Case(
        "/admin/estates/<int:estate_id>/departments/<code>",
        "POST",
        "/admin/estates/{estate}/departments/landscaping",
        manager("POST", 422),
    ),
    Case(
        "/admin/estates/<int:estate_id>/departments/<code>/test",
        "POST",
        "/admin/estates/{estate}/departments/engineering/test",
        manager("POST", 303),
    ),
    Case("/admin/outbox", "GET", "/admin/outbox", manager("GET", 200)),
    Case(
        "/admin/outbox/<int:message_id>/retry",
        "POST",
        "/admin/outbox/{outbox_message}/retry",
        manager("POST", 303),
    ),
    # the duty log
    Case("/duty", "GET", "/duty", staff("GET", 200)),
    Case("/duty/start", "POST", "/duty/start", staff("POST", 422)),
    Case("/duty/history", "GET", "/duty/history", staff("GET", 200)),
    Case(
        "/duty/history",
        "GET",
        "/duty/history?show=major&since=2026-01-01&until=2026-12-31&estate={estate}",
        staff("GET", 200),
    ),
    Case("/duty/<int:duty_id>", "GET", "/duty/{duty}", staff("GET", 200, 404)),
    Case("/duty/<int:duty_id>/events", "POST", "/duty/{duty}/events", staff("POST", 422, 404)),
    Case("/duty/<int:duty_id>/calls", "POST", "/duty/{duty}/calls", staff("POST", 422, 404)),
    Case(
        "/duty/<int:duty_id>/checks/<item>",
        "POST",
        "/duty/{duty}/checks/lights_on",
        staff("POST", 303, 404),
    ),
    Case("/duty/events/<int:event_id>", "GET", "/duty/events/{duty_event}", staff("GET", 200, 404)),
    Case(
        "/duty/events/<int:event_id>/resolve",
        "POST",
        "/duty/events/{duty_event}/resolve",
        staff("POST", 422, 404),
    ),
    Case(
        "/duty/events/<int:event_id>/report",
        "POST",
        "/duty/events/{duty_major}/report",
        staff("POST", 422, 404),
    ),
    Case(
        "/duty/events/<int:event_id>/dispatch",
        "POST",
        "/duty/events/{duty_event}/dispatch",
        staff("POST", 422, 404),
    ),
    Case("/photos/<int:photo_id>", "GET", "/photos/{duty_photo}", photo(200)),
    # A notification is opened only by the person it was for (the manager: the major event).
    Case(
        "/notifications/<int:notification_id>",
        "GET",
        "/notifications/{manager_notification}",
        {**signed_in("GET", 404), "manager": 303},
    ),
    Case("/duty/history.xlsx", "GET", "/duty/history.xlsx?month=2026-12", staff("GET", 200)),
    Case("/duty/<int:duty_id>/handover", "GET", "/duty/{duty}/handover", staff("GET", 200, 404)),
    # Held back: the shift's major event is still open (and only its own person hands over).
    Case("/duty/<int:duty_id>/handover", "POST", "/duty/{duty}/handover", staff("POST", 409, 404)),
    Case(
        "/duty/handovers/<int:handover_id>",
        "GET",
        "/duty/handovers/{handover}",
        staff("GET", 200, 404),
    ),
    Case(
        "/duty/handovers/<int:handover_id>/accept",
        "POST",
        "/duty/handovers/{handover}/accept",
        staff("POST", 422, 404),
    ),
    Case(
        "/duty/handovers/<int:handover_id>/refuse",
        "POST",
        "/duty/handovers/{handover}/refuse",
        staff("POST", 422, 404),
    ),
    Case(
        "/tickets/new", "GET", "/tickets/new?from=duty_event:{duty_event}", staff("GET", 200, 404)
    ),
    # the key register
    Case("/keys", "GET", "/keys", staff("GET", 200)),
    Case("/keys/loans.xlsx", "GET", "/keys/loans.xlsx", staff("GET", 200)),
    Case("/keys/new", "POST", "/keys/new", supervisor_up("POST", 422)),
    Case("/keys/<int:key_id>", "GET", "/keys/{key}", staff("GET", 200, 404)),
    Case("/keys/<int:key_id>/lend", "POST", "/keys/{key_in}/lend", staff("POST", 422, 404)),
    Case("/keys/loans/<int:loan_id>", "GET", "/keys/loans/{loan}", staff("GET", 303, 404)),
    Case(
        "/keys/loans/<int:loan_id>/return",
        "POST",
        "/keys/loans/{loan}/return",
        staff("POST", 422, 404),
    ),
    # decoration sites
    Case("/decoration", "GET", "/decoration", staff("GET", 200)),
    Case("/decoration/permits", "GET", "/decoration/permits", staff("GET", 200)),
    Case("/decoration/permits/new", "GET", "/decoration/permits/new", staff("GET", 200)),
    Case("/decoration/permits/new", "POST", "/decoration/permits/new", staff("POST", 422)),
    Case(
        "/decoration/permits/<int:permit_id>",
        "GET",
        "/decoration/permits/{permit}",
        staff("GET", 200, 404),
    ),
    Case(
        "/decoration/permits/<int:permit_id>/transition",
        "POST",
        "/decoration/permits/{permit}/transition",
        staff("POST", 422, 404),
    ),
    Case(
        "/decoration/permits/<int:permit_id>/inspect",
        "GET",
        "/decoration/permits/{permit}/inspect",
        staff("GET", 200, 404),
    ),
    Case(
        "/decoration/permits/<int:permit_id>/inspect",
        "POST",
        "/decoration/permits/{permit}/inspect",
        staff("POST", 422, 404),
    ),
    Case(
        "/decoration/permits/<int:permit_id>/completion",
        "GET",
        "/decoration/permits/{permit}/completion",
        supervisor_up("GET", 200),
    ),
    Case(
        "/decoration/permits/<int:permit_id>/completion",
        "POST",
        "/decoration/permits/{permit}/completion",
        supervisor_up("POST", 409),
    ),
    Case(
        "/decoration/notices/<int:notice_id>",
        "GET",
        "/decoration/notices/{notice}",
        owners_own(200),
    ),
    Case(
        "/decoration/notices/<int:notice_id>",
        "GET",
        "/decoration/notices/{draft}",
        {**owners_own(200), "owner_a": 404},
    ),
    Case(
        "/decoration/notices/<int:notice_id>/issue",
        "POST",
        "/decoration/notices/{draft}/issue",
        supervisor_up("POST", 422),
    ),
    Case(
        "/decoration/notices/<int:notice_id>/reply",
        "POST",
        "/decoration/notices/{notice}/reply",
        {**owner_only("POST", 422), "owner_b": 404},
    ),
    Case(
        "/decoration/results/<int:result_id>/workorder",
        "POST",
        "/decoration/results/{result}/workorder",
        staff("POST", 303, 404),
    ),
    Case(
        "/decoration/units/<int:unit_id>/timeline",
        "GET",
        "/decoration/units/{unit_a}/timeline",
        staff("GET", 200, 404),
    ),
    Case("/decoration/rules", "GET", "/decoration/rules", manager("GET", 200)),
    Case("/decoration/rules", "POST", "/decoration/rules", manager("POST", 422)),
    Case("/decoration/mine", "GET", "/decoration/mine", owner_only("GET", 200)),
    Case("/photos/<int:photo_id>", "GET", "/photos/{notice_photo}", owners_own(200)),
    Case(
        "/decoration/permits/<int:permit_id>/photos",
        "POST",
        "/decoration/permits/{permit}/photos",
        staff("POST", 303, 404),
    ),
    # tickets
    Case("/tickets", "GET", "/tickets", staff("GET", 200)),
    Case("/tickets.xlsx", "GET", "/tickets.xlsx?tab=all", staff("GET", 200)),
    Case(
        "/tickets/<int:ticket_id>/print",
        "GET",
        "/tickets/{ticket}/print",
        staff("GET", 200, 404),
    ),
    Case("/tickets/visits", "GET", "/tickets/visits", supervisor_up("GET", 200)),
    Case("/tickets/new", "GET", "/tickets/new", staff("GET", 200)),
    Case("/tickets/new", "POST", "/tickets/new", staff("POST", 422)),
    Case("/tickets/new", "GET", "/tickets/new?from=work_order:{order}", staff("GET", 200, 404)),
    Case(
        "/tickets/new",
        "GET",
        "/tickets/new?from=rectification_notice:{notice}",
        staff("GET", 200, 404),
    ),
    Case("/tickets/new", "GET", "/tickets/new?from=patrol_round:{round_done}", staff("GET", 404)),
    Case("/tickets/link", "POST", "/tickets/link", staff("POST", 404)),
    Case("/tickets/summary", "GET", "/tickets/summary", supervisor_up("GET", 200)),
    Case("/tickets/summary.xlsx", "GET", "/tickets/summary.xlsx", supervisor_up("GET", 200)),
    Case(
        "/tickets/summary",
        "GET",
        "/tickets/summary?estate={other_estate}",
        supervisor_up("GET", 404),
    ),
    Case("/dashboard", "GET", "/dashboard", supervisor_up("GET", 200)),
    Case(
        "/dashboard",
        "GET",
        "/dashboard?estate={estate}&period=month",
        supervisor_up("GET", 200),
    ),
    # Another estate's id is not mine: the board of all my estates (no figure of theirs).
    Case(
        "/dashboard",
        "GET",
        "/dashboard?estate={other_estate}&period=week",
        supervisor_up("GET", 200),
    ),
    Case("/dashboard/review", "GET", "/dashboard/review", manager("GET", 200)),
    Case(
        "/dashboard/review",
        "GET",
        "/dashboard/review?at=round-{round_done}",
        manager("GET", 200),
    ),
    # The manager's opinion must say something: refused beside the field.
    Case(
        "/dashboard/review/<kind>/<int:record_id>/sign",
        "POST",
        "/dashboard/review/round/{round_done}/sign",
        manager("POST", 422),
    ),
    Case(
        "/dashboard/review/<kind>/<int:record_id>/sign",
        "POST",
        "/dashboard/review/nothing/{round_done}/sign",
        manager("POST", 404),
    ),
    Case(
        "/dashboard/review/<kind>/<int:record_id>/sign",
        "POST",
        "/dashboard/review/inspection/999999/sign",
        manager("POST", 404),
    ),
    Case("/notifications", "GET", "/notifications", signed_in("GET", 200)),
    Case("/notifications/read", "POST", "/notifications/read", signed_in("POST", 303)),
    Case("/notifications/bell", "GET", "/notifications/bell", signed_in("GET", 200)),
    Case("/tickets/<int:ticket_id>", "GET", "/tickets/{ticket}", staff("GET", 200, 404)),
    Case("/tickets/<int:ticket_id>/act", "POST", "/tickets/{ticket}/act", staff("POST", 422, 404)),
    Case(
        "/tickets/<int:ticket_id>/entries",
        "POST",
        "/tickets/{ticket}/entries",
        staff("POST", 422, 404),
    ),
    Case("/my/tickets", "GET", "/my/tickets", owner_only("GET", 200)),
    Case("/my/tickets/new", "GET", "/my/tickets/new", owner_only("GET", 200)),
    Case("/my/tickets/new", "POST", "/my/tickets/new", owner_only("POST", 422)),
    Case(
        "/my/tickets/<int:ticket_id>",
        "GET",
        "/my/tickets/{ticket}",
        {**owner_only("GET", 200), "owner_b": 404},
    ),
    Case(
        "/my/tickets/<int:ticket_id>/info",
        "POST",
        "/my/tickets/{ticket}/info",
        {**owner_only("POST", 422), "owner_b": 404},
    ),
    Case(
        "/my/tickets/<int:ticket_id>/visit",
        "POST",
        "/my/tickets/{ticket}/visit",
        {**owner_only("POST", 409), "owner_b": 404},
    ),
    Case("/t/<number>", "GET", "/t/{ticket_number}?code={tracking_code}", public(200)),
    Case("/t/<number>", "GET", "/t/{ticket_number}?code=00000000", public(404)),
    # The caller's own steps: without the link's code they find nothing.
    Case("/t/<number>/check", "POST", "/t/{ticket_number}/check", public(404)),
    Case("/t/<number>/info", "POST", "/t/{ticket_number}/info", public(404)),
    Case("/t/<number>/visit", "POST", "/t/{ticket_number}/visit", public(404)),
    Case("/photos/<int:photo_id>", "GET", "/photos/{reply_photo}", owners_own(200)),
    Case(
        "/photos/<int:photo_id>", "GET", "/photos/{note_photo}", {**owners_own(200), "owner_a": 404}
    ),
]
