"""What records are called: the names they carry beside ids."""

from __future__ import annotations

from explorer.core.names import carried_name, link_noun, name_fields_for, own_name, singular


def test_the_name_beside_an_id_is_found_in_every_common_shape() -> None:
    asset = {"id": "a1", "client": {"id": "c1", "name": "Wonka Logistics"}}
    assert carried_name(asset, "client.id") == "Wonka Logistics"
    order = {"workOrderID": 1007, "unitID": 42, "unitName": "Rotor assembly"}
    assert carried_name(order, "unitID") == "Rotor assembly"
    assert carried_name({"owner_id": 5, "owner_name": "Ana"}, "owner_id") == "Ana"
    assert carried_name({"stationID": 3}, "stationID") is None  # no name: the id is used
    assert carried_name({"client": {"id": "c1", "name": "  "}}, "client.id") is None
    assert carried_name("not a record", "client.id") is None


def test_a_records_own_name_or_number() -> None:
    assert own_name({"id": "c1", "name": "Wonka Logistics"}) == "Wonka Logistics"
    assert own_name({"workOrderID": 1007, "workOrderNumber": "WO-1007"}, "workOrderID") == "WO-1007"
    assert own_name({"id": 7}) is None


def test_nouns_and_candidate_fields() -> None:
    assert link_noun("Open the client") == "client"
    assert link_noun("Open the client (LM uses Core client ids)") == "client"
    assert link_noun("Hardware assets of this client") is None
    assert singular("Work orders") == "Work order"
    assert singular("Categories") == "Category"
    assert singular("Business") == "Business"
    assert name_fields_for("client.id")[0] == "client.name"
    assert "unitName" in name_fields_for("unitID")
    assert name_fields_for("name") == []
