"""Which record types have a history page, and how to find one for a viewer."""

from __future__ import annotations

from webapp import audit, scoping


def register_targets() -> None:
    audit.register_target("user", scoping.get_person_or_404)
    audit.register_target("estate", scoping.get_estate_or_404)
    audit.register_target("building", scoping.get_building_or_404)
    audit.register_target("area", scoping.get_area_or_404)


register_targets()
