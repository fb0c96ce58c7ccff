"""The inbox's search box: any part of a number, name, phone or description, Chinese two-character
words included, found through an index (GIN on PostgreSQL, FTS5 on SQLite) and then checked
exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from tests.fixtures.app import ON_POSTGRES
from tests.fixtures.tickets import take_ticket
from webapp import search
from webapp.extensions import db
from webapp.models import Ticket
from webapp.tickets import inbox

CARD = 'class="card row-card'


@given(st.text(alphabet="漏水电梯门噪音aBc12-3 号楼", max_size=24), st.data())
def test_every_substring_is_served_by_the_terms_kept(value, data):
    """Whatever piece of a field is typed, its terms are among the field's: the index never
    hides a match (the exact check afterwards only removes)."""
    start = data.draw(st.integers(0, len(value)))
    end = data.draw(st.integers(start, len(value)))
    kept = set(search.terms(value).split())
    assert set(search.query_terms(value[start:end])) <= kept


def test_terms_are_characters_and_neighbouring_pairs_lowercased():
    assert search.terms("电梯 Ab-1") == "电 电梯 梯 a ab b 1"
    assert search.query_terms("电梯门") == ["电梯", "梯门"]
    assert search.query_terms("门") == ["门"]
    assert search.query_terms("--") == []
    long = "漏" * 5 + "".join(chr(0x4E00 + i) for i in range(40))
    assert len(search.query_terms(long)) == search.MAX_QUERY_TERMS


def _found(world, q):
    return {t.description for t in inbox.inbox(world.supervisor, tab="all", q=q)}


def test_two_characters_one_character_digits_and_letters_are_found(app, world):
    for description, phone in [
        ("3号楼电梯门关不上", "13900001234"),
        ("厨房漏水，楼下天花板滴水", "13800005678"),
        ("电梯里有梯门广告", "13700000000"),  # 电梯 and 梯门, never 电梯门
        ("Wi-Fi 信号差", "13600000000"),
    ]:
        take_ticket(world, description=description, reporter_phone=phone)
    db.session.commit()
    assert _found(world, "漏水") == {"厨房漏水，楼下天花板滴水"}
    assert _found(world, "电梯门") == {"3号楼电梯门关不上"}
    assert _found(world, "电梯") == {"3号楼电梯门关不上", "电梯里有梯门广告"}
    assert _found(world, "滴") == {"厨房漏水，楼下天花板滴水"}
    assert _found(world, "5678") == {"厨房漏水，楼下天花板滴水"}
    assert _found(world, "3号楼") == {"3号楼电梯门关不上"}
    assert _found(world, "wi-fi") == {"Wi-Fi 信号差"}
    # No letter or digit: the exact check alone decides.
    assert _found(world, "，") == {"厨房漏水，楼下天花板滴水"}
    assert _found(world, "燃气") == set()
    # What is typed is searched for as it is: % and _ are no wildcards.
    assert _found(world, "%") == set() and _found(world, "_") == set()


def test_a_ticket_number_and_a_reporter_are_found_by_any_part(app, world):
    ticket, _ = take_ticket(world, reporter_name="王小明", description="噪音")
    take_ticket(world, reporter_name="李四", description="噪音")
    db.session.commit()
    tail = ticket.number[-6:]
    assert [t.id for t in inbox.inbox(world.supervisor, tab="all", q=tail)] == [ticket.id]
    assert [t.id for t in inbox.inbox(world.supervisor, tab="all", q="小明")] == [ticket.id]


def test_a_changed_field_is_searched_by_its_new_words(app, world):
    ticket, _ = take_ticket(world, description="空调外机噪音")
    db.session.commit()
    ticket.description = "阳台漏水"
    db.session.commit()
    assert _found(world, "漏水") == {"阳台漏水"}
    assert _found(world, "空调") == set()


def test_the_inbox_search_box_answers_through_the_index(login_as, world):
    take_ticket(world, description="地下车库漏水")
    take_ticket(world, description="楼道灯不亮")
    db.session.commit()
    page = login_as("supervisor").htmx("get", "/tickets?tab=all&q=漏水", target="ticket-list")
    html = page.get_data(as_text=True)
    assert html.count(CARD) == 1 and "地下车库漏水" in html


def _plan(statement) -> str:
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if ON_POSTGRES:
            # A test's few rows are cheaper to scan; forbid that to see what the index can do.
            conn.execute(text("SET enable_seqscan = off"))
            rows = conn.execute(text(f"EXPLAIN {compiled}")).all()
            return "\n".join(r[0] for r in rows)
        rows = conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(r[-1] for r in rows)


def test_a_two_character_query_is_answered_by_the_index(app, world):
    take_ticket(world, description="地下车库漏水")
    db.session.commit()
    plan = _plan(select(Ticket.id).where(search.candidates(Ticket, "漏水")))
    if ON_POSTGRES:
        assert "ix_ticket_search" in plan, plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan and "ticket_search" in plan, plan
