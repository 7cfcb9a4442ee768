"""The Scout emulation contract (scout-api.md §5): JWT login, renew, expiry, routes, errors."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import httpx
import pytest

from tests.sandbox.helpers import FakeClock


def login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/v1/Token", json={"username": username, "password": password})


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture(scope="module")
def scout(sandbox):
    """A client for the shared sandbox logged in as the API user."""
    with httpx.Client(base_url=sandbox.url) as client:
        token = login(client, sandbox.scout_username, sandbox.scout_password).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def test_token_is_a_jwt_with_the_documented_claims(anonymous, sandbox):
    response = login(anonymous, sandbox.scout_username, sandbox.scout_password)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiration", "expiresIn"}
    assert body["expiresIn"] == 1800
    header = json.loads(base64.urlsafe_b64decode(body["token"].split(".")[0] + "=="))
    assert header == {"alg": "HS256", "typ": "JWT"}
    claims = claims_of(body["token"])
    assert claims["sub"] == claims["unique_name"] == sandbox.scout_username
    assert claims["nameid"] == "1"
    assert (claims["iss"], claims["aud"]) == ("scout-sandbox", "scout-api")
    assert claims["exp"] - claims["iat"] == 1800
    assert (
        datetime.fromtimestamp(claims["exp"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        == body["expiration"]
    )


def test_login_property_names_are_case_insensitive(anonymous, sandbox):
    response = anonymous.post(
        "/V1/token", json={"UserName": sandbox.scout_username, "PASSWORD": sandbox.scout_password}
    )
    assert response.status_code == 200


def test_wrong_password_is_401_problem(anonymous, sandbox):
    response = login(anonymous, sandbox.scout_username, "wrong")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == {"title": "Unauthorized", "status": 401}
    assert login(anonymous, "nobody", "x").status_code == 401


def test_user_without_api_permission_gets_403(anonymous, sandbox):
    response = login(
        anonymous, sandbox.scout_restricted_username, sandbox.scout_restricted_password
    )
    assert response.status_code == 403
    assert response.json() == {"title": "Forbidden", "status": 403}


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[]", b'{"username": "x"}', b'{"password": "x"}']
)
def test_malformed_login_is_a_validation_problem(anonymous, body):
    response = anonymous.post(
        "/v1/Token", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    problem = response.json()
    assert problem["title"] == "One or more validation errors occurred."
    assert problem["status"] == 400
    assert isinstance(problem["errors"], dict)


def test_data_routes_need_a_bearer_token(anonymous):
    response = anonymous.get("/v1/Units")
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"])
def test_an_invalid_token_is_401_invalid_token(anonymous, token):
    response = anonymous.get("/v1/Units", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_tampered_token_is_rejected(anonymous, scout):
    token = scout.headers["Authorization"].split()[1]
    head, _payload, sig = token.split(".")
    claims = claims_of(token)
    claims["sub"] = "someone.else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    response = anonymous.get(
        "/v1/Units", headers={"Authorization": f"Bearer {head}.{forged}.{sig}"}
    )
    assert response.status_code == 401


def test_scheme_word_is_case_insensitive(anonymous, scout):
    token = scout.headers["Authorization"].split()[1]
    assert (
        anonymous.get("/v1/Units", headers={"Authorization": f"bearer {token}"}).status_code == 200
    )


def test_expired_token_and_renewal(make_sandbox):
    clock = FakeClock(1_800_000_000.25)
    sb = make_sandbox(token_ttl_s=60, clock=clock)
    with httpx.Client(base_url=sb.url) as client:
        body = login(client, sb.scout_username, sb.scout_password).json()
        assert body["expiresIn"] == 60
        first = body["token"]
        auth = {"Authorization": f"Bearer {first}"}
        clock.now += 30
        renewed = client.post("/v1/Token/Renew", headers=auth)
        assert renewed.status_code == 200
        second = renewed.json()["token"]
        assert second != first
        assert claims_of(second)["exp"] > claims_of(first)["exp"]
        clock.now += 31  # the first token has expired, the renewed one has not
        expired = client.get("/v1/Units", headers=auth)
        assert expired.status_code == 401
        assert expired.content == b""
        exp = datetime.fromtimestamp(claims_of(first)["exp"], UTC).strftime("%m/%d/%Y %H:%M:%S")
        assert expired.headers["www-authenticate"] == (
            f'Bearer error="invalid_token", error_description="The token expired at \'{exp}\'"'
        )
        assert client.post("/v1/Token/Renew", headers=auth).status_code == 401  # log in again
        assert (
            client.get("/v1/Units", headers={"Authorization": f"Bearer {second}"}).status_code
            == 200
        )


def test_short_ttl_in_real_time(make_sandbox):
    sb = make_sandbox(token_ttl_s=1)
    with httpx.Client(base_url=sb.url) as client:
        body = login(client, sb.scout_username, sb.scout_password).json()
        assert body["expiresIn"] == 1
        auth = {"Authorization": f"Bearer {body['token']}"}
        deadline = time.monotonic() + 3
        while client.get("/v1/Stations", headers=auth).status_code == 200:
            assert time.monotonic() < deadline, "a 1-second token was still accepted after 3 s"
            time.sleep(0.1)
        assert "expired" in client.get("/v1/Stations", headers=auth).headers["www-authenticate"]


def test_renew_needs_a_token(anonymous):
    response = anonymous.post("/v1/Token/Renew")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_lists_are_plain_arrays(scout):
    stations = scout.get("/v1/Stations").json()
    units = scout.get("/v1/Units").json()
    users = scout.get("/v1/Users").json()
    assert isinstance(stations, list)
    assert len(stations) >= 3
    assert isinstance(units, list)
    assert len(units) >= 3
    assert {"stationID", "name", "description"} == set(stations[0])
    assert {"unitID", "name", "partNumber", "averageBuildTime", "steps"} == set(units[0])
    assert {"stepID", "stepNumber", "name", "averageStepTime"} == set(units[0]["steps"][0])
    assert {"userID", "username", "firstName", "lastName", "appliedHours"} == set(users[0])
    assert not any("password" in json.dumps(u).lower() for u in users)


def test_single_records_and_404s(scout):
    unit = scout.get("/v1/Units/2").json()
    assert unit["unitID"] == 2
    assert scout.get("/v1/Users/1").json()["userID"] == 1
    assert scout.get("/v1/Stations/3").json()["stationID"] == 3
    for path in (
        "/v1/Units/999",
        "/v1/Users/abc",
        "/v1/WorkOrders/1",
        "/v1/WorkOrders/x",
        "/v1/Nothing",
    ):
        response = scout.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"title": "Not Found", "status": 404}


def test_paths_are_case_insensitive(scout):
    assert scout.get("/v1/workorders/queued").json() == scout.get("/V1/WorkOrders/Queued").json()
    assert scout.get("/v1/UNITS/1").status_code == 200


def test_work_order_by_id(scout):
    order = scout.get("/v1/WorkOrders/1001").json()
    assert set(order) == {
        "workOrderID",
        "workOrderNumber",
        "unitID",
        "userIDs",
        "stationID",
        "status",
        "quantity",
        "quantityCompleted",
        "createdDate",
        "startDate",
        "endDate",
    }
    assert order["workOrderNumber"] == "WO-1001"


def all_orders(scout):
    return scout.get(
        "/v1/WorkOrders/Search", params={"StartDate": "2000-01-01", "EndDate": "2100-01-01"}
    ).json()


def test_search_by_date_range_is_inclusive_and_ordered(scout):
    everything = all_orders(scout)
    assert len(everything) >= 30
    assert {o["status"] for o in everything} == {"Queued", "InProgress", "Complete"}
    day = everything[10]["createdDate"][:10]
    same_day = scout.get("/v1/WorkOrders/Search", params={"startDate": day, "enddate": day}).json()
    assert same_day
    assert all(o["createdDate"].startswith(day) for o in same_day)
    assert [o for o in everything if o["createdDate"].startswith(day)] == same_day
    exact = everything[10]["createdDate"]
    at_instant = scout.get(
        "/v1/WorkOrders/Search", params={"StartDate": exact, "EndDate": exact}
    ).json()
    assert everything[10] in at_instant
    created = [o["createdDate"] for o in everything]
    assert created == sorted(created)


def test_search_with_no_match_is_an_empty_array(scout):
    assert (
        scout.get(
            "/v1/WorkOrders/Search", params={"StartDate": "1990-01-01", "EndDate": "1990-02-01"}
        ).json()
        == []
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"StartDate": "2026-01-01"},
        {"StartDate": "soon", "EndDate": "2026-01-01"},
        {"StartDate": "2026-02-01", "EndDate": "2026-01-01"},
    ],
)
def test_search_validation(scout, params):
    response = scout.get("/v1/WorkOrders/Search", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"]


def test_in_progress_at_a_station(scout):
    everything = all_orders(scout)
    for station in (1, 2, 3):
        got = scout.get("/v1/WorkOrders/InProgress", params={"stationID": station}).json()
        expected = [
            o for o in everything if o["status"] == "InProgress" and o["stationID"] == station
        ]
        assert sorted(o["workOrderID"] for o in got) == sorted(o["workOrderID"] for o in expected)
    assert any(
        scout.get("/v1/WorkOrders/InProgress", params={"stationID": s}).json() for s in (1, 2, 3)
    )
    assert scout.get("/v1/WorkOrders/InProgress", params={"stationID": 99}).json() == []
    assert scout.get("/v1/WorkOrders/InProgress").status_code == 400
    assert scout.get("/v1/WorkOrders/InProgress", params={"stationID": "two"}).status_code == 400


def test_queued_with_and_without_station(scout):
    queued = scout.get("/v1/WorkOrders/Queued").json()
    assert queued
    assert {o["status"] for o in queued} == {"Queued"}
    at_one = scout.get("/v1/WorkOrders/Queued", params={"StationId": 1}).json()
    assert at_one == [o for o in queued if o["stationID"] == 1]


def test_work_orders_reference_existing_units_users_and_stations(scout):
    units = {u["unitID"] for u in scout.get("/v1/Units").json()}
    users = {u["userID"] for u in scout.get("/v1/Users").json()}
    stations = {s["stationID"] for s in scout.get("/v1/Stations").json()}
    for order in all_orders(scout):
        assert order["unitID"] in units
        assert set(order["userIDs"]) <= users
        assert order["stationID"] is None or order["stationID"] in stations
