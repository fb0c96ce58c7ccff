"""Phone numbers: read however people type them, kept in E.164, shown the local way; owners
log in with theirs in any of those forms; a workbook's numbers go through the same door."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.fixtures.app import PASSWORD
from webapp import phones
from webapp.extensions import db
from webapp.models import User


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("13912345678", "+8613912345678", "139 1234 5678"),
        ("139-1234-5678", "+8613912345678", "139 1234 5678"),
        ("+86 139 1234 5678", "+8613912345678", "139 1234 5678"),
        ("008613912345678", "+8613912345678", "139 1234 5678"),
        ("010-88888888", "+861088888888", "010 8888 8888"),
        ("（0755）8888 8888", "+8675588888888", "0755 8888 8888"),
        ("+852 6123 4567", "+85261234567", "+852 6123 4567"),
        ("00853 6612 3456", "+85366123456", "+853 6612 3456"),
        ("+886 912 345 678", "+886912345678", "+886 912 345 678"),
        ("+44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),
    ],
)
def test_numbers_are_kept_in_e164_and_shown_the_local_way(typed, stored, shown):
    assert phones.normalise(typed) == stored
    assert phones.display(stored) == shown


@pytest.mark.parametrize(
    "typed", ["", "12345", "1391234567", "852 61234567", "abc", "139\x0012345678", "9" * 40]
)
def test_what_no_one_could_dial_is_refused(typed):
    with pytest.raises(phones.NotAPhone):
        phones.normalise(typed)


def test_masks_keep_the_first_three_and_last_four_digits():
    assert phones.mask("+8613912345678") == "139 **** 5678"
    assert phones.mask("+85261234567") == "+852 61** 4567"
    assert phones.mask("前台转 8001") == "前*******"  # not a number: hidden all the same
    assert phones.mask(None) == ""


def test_an_owner_registered_with_a_hong_kong_number_logs_in_typing_it_any_way(
    world, login_as, client
):
    staff = login_as("assistant")
    response = staff.post(
        "/owners/new",
        data={
            "display_name": "何家明",
            "phone": "+852 6123 4567",
            "building": world.unit_a.building_id,
            "number": world.unit_a.number,
            "relation": "owner",
        },
    )
    assert response.status_code == 200 and "/invite/" in response.get_data(as_text=True)
    owner = db.session.scalar(select(User).where(User.display_name == "何家明"))
    assert (owner.phone, owner.username) == ("+85261234567", "+85261234567")
    owner.password_hash = db.session.scalar(
        select(User.password_hash).where(User.id == world.owner_a.id)
    )
    db.session.commit()
    for typed in (
        "+852 6123 4567",
        "0085261234567",
        "+85261234567",
        "(852) 6123 4567",
        "85261234567",
    ):
        client.refresh_csrf("/login")
        answer = client.post("/login", data={"username": typed, "password": PASSWORD})
        assert answer.status_code == 303, typed
        client.refresh_csrf("/account")
        assert client.post("/logout").status_code == 303


def test_a_mainland_landline_is_accepted_and_a_bad_number_says_what_to_type(world, login_as):
    staff = login_as("assistant")
    form = {
        "display_name": "钱多多",
        "building": world.unit_a.building_id,
        "number": world.unit_a.number,
        "relation": "tenant",
    }
    refused = staff.post("/owners/new", data={**form, "phone": "852 6123 4567"})
    assert refused.status_code == 422 and "+852" in refused.get_data(as_text=True)
    assert staff.post("/owners/new", data={**form, "phone": "010-6552 9988"}).status_code == 200
    assert db.session.scalar(select(User.phone).where(User.display_name == "钱多多")) == (
        "+861065529988"
    )
