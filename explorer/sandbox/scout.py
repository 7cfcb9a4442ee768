"""The Scout side of the sandbox: the emulation contract of scout-api.md §5.

These shapes are the sandbox's own choices (Scout's API is not public); the routes, JWT login and
renewal, ASP.NET-style 401s and problem+json errors follow that contract. Paths, query-parameter
names and JSON property names match case-insensitively, as ASP.NET Core binds them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Any

from explorer.sandbox.config import Credentials, SandboxConfig
from explorer.sandbox.ids import iso, rng
from explorer.sandbox.listing import parse_datetime
from explorer.sandbox.ratelimit import SlidingWindowLimiter
from explorer.sandbox.reply import PROBLEM_JSON, Reply, empty_reply, json_reply, text_reply

ISSUER = "scout-sandbox"
AUDIENCE = "scout-api"
PREFIX = "/v1"
# Work orders are spread over the eight weeks before this instant (2026-09-01T00:00:00Z).
ANCHOR = 1788220800
DAY = 86400

Record = dict[str, Any]


# ---------------------------------------------------------------- data
@dataclass(frozen=True)
class ScoutUser:
    user_id: int
    username: str
    first_name: str
    last_name: str
    applied_hours: float
    password: str | None = None  # only HQ users who may log in have one
    api_permission: bool = False

    def public(self) -> Record:  # passwords and the permission flag are never returned
        return {
            "userID": self.user_id,
            "username": self.username,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "appliedHours": self.applied_hours,
        }


_STATIONS = (
    ("Assembly 1", "Sub-assembly cell"),
    ("Assembly 2", "Final assembly cell"),
    ("Test & Inspection", None),
    ('Paint, Cure: Line "B"', "Booth 3\nNight shift only"),
    ("Verpackung Süd", ""),
    ("Kitting", "Parts kitting AND staging"),
)
_UNITS = (
    (
        "Control Cabinet A",
        "CC-A-100",
        ("Mount DIN rail", "Wire terminal blocks", "Fit breakers", "Label wires", "Final check"),
    ),
    (
        'Pump Skid, 2" "Mini"',
        "PS-2-MINI",
        ("Weld frame", "Mount pump", "Pipe fit-up", "Pressure test: 10 bar"),
    ),
    ("Sensorgehäuse Ü-3", "SG-U3", ("Insert PCB", "Pot with resin", "Cure", "Functional test")),
    (
        "=Harness Assembly",
        "-HA-7",
        ("Cut wires", "Crimp", "Loom AND tape", "Continuity test", "Bag"),
    ),
    ("制御ボックス", "CB-JP-1", ("Assemble", "Inspect")),
)
_OPERATORS = (
    ("jdoe", "Jordan", "Doe"), ("mgarcia", "María", "García"), ("zobrien", "Zoë", "O'Brien"),
    ("lwei", "伟", "李"), ("akowalski", "Łukasz", "Kowalski"), ("pnguyen", "Phương", "Nguyễn"),
    ("tsmith", "Taylor", "Smith-Jones"), ("sivanov", "Сергей", "Иванов"),
)  # fmt: skip


class ScoutData:
    """Stations, units with steps, users and work orders; small, scaling mildly."""

    def __init__(self, seed: int, scale: float, credentials: Credentials) -> None:
        mild = max(0.2, scale) ** 0.5
        n_stations = min(len(_STATIONS), max(3, round(3 * mild)))
        n_units = min(len(_UNITS), max(3, round(3 * mild)))
        self.stations: list[Record] = [
            {"stationID": k + 1, "name": name, "description": desc}
            for k, (name, desc) in enumerate(_STATIONS[:n_stations])
        ]
        self.units: list[Record] = []
        for k, (name, part, steps) in enumerate(_UNITS[:n_units]):
            unit_id = k + 1
            r = rng(seed, "scout-unit", unit_id)
            step_list: list[Record] = [
                {
                    "stepID": unit_id * 10 + n + 1,
                    "stepNumber": n + 1,
                    "name": step,
                    "averageStepTime": round(r.uniform(2, 60), 1),
                }
                for n, step in enumerate(steps)
            ]
            self.units.append(
                {
                    "unitID": unit_id,
                    "name": name,
                    "partNumber": part,
                    "averageBuildTime": round(sum(s["averageStepTime"] for s in step_list), 1),
                    "steps": step_list,
                }
            )
        users = [
            ScoutUser(
                1,
                credentials.scout_username,
                "Sandbox",
                "API",
                0.0,
                credentials.scout_password,
                True,
            ),
            ScoutUser(
                2,
                credentials.scout_restricted_username,
                "HQ",
                "Viewer",
                12.5,
                credentials.scout_restricted_password,
                False,
            ),
        ]
        n_operators = min(len(_OPERATORS), max(4, round(6 * mild)))
        for k, (username, first, last) in enumerate(_OPERATORS[:n_operators]):
            r = rng(seed, "scout-user", k)
            users.append(ScoutUser(k + 3, username, first, last, round(r.uniform(20, 400) * 4) / 4))
        self.users = users
        self.users_by_name = {u.username.casefold(): u for u in users}
        operator_ids = [u.user_id for u in users[2:]]
        self.work_orders: list[Record] = []
        count = max(30, round(150 * mild))
        for k in range(count):
            r = rng(seed, "scout-wo", k)
            created = ANCHOR - 56 * DAY + (k * 56 * DAY) // count + r.randint(0, 8 * 3600)
            age_days = (ANCHOR - created) / DAY
            if age_days > 6:
                status = "Complete" if r.random() < 0.93 else "InProgress"
            else:
                status = r.choice(("Queued", "Queued", "InProgress", "Complete"))
            quantity = r.choice((1, 2, 5, 10, 10, 20, 50))
            start = None if status == "Queued" else created + r.randint(600, 2 * DAY)
            end = start + r.randint(3600, 3 * DAY) if status == "Complete" and start else None
            self.work_orders.append(
                {
                    "workOrderID": 1001 + k,
                    "workOrderNumber": f"WO-{1001 + k}",
                    "unitID": r.randint(1, len(self.units)),
                    "userIDs": []
                    if status == "Queued"
                    else sorted(r.sample(operator_ids, r.choice((1, 1, 2, 3)))),
                    "stationID": None
                    if status == "Queued" and r.random() < 0.2
                    else r.randint(1, len(self.stations)),
                    "status": status,
                    "quantity": quantity,
                    "quantityCompleted": quantity
                    if status == "Complete"
                    else (0 if status == "Queued" else r.randint(0, quantity - 1)),
                    "createdDate": iso(created),
                    "startDate": None if start is None else iso(start),
                    "endDate": None if end is None else iso(end),
                }
            )


# ---------------------------------------------------------------- JWT
def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    """HS256 JWTs with the claims of scout-api.md §5.2; stateless, so renewal revokes nothing."""

    def __init__(
        self, secret: bytes, ttl_s: float, clock: Callable[[], float], skew_s: float = 0.0
    ) -> None:
        self.secret, self.ttl_s, self.clock, self.skew_s = secret, ttl_s, clock, skew_s

    def issue(self, user: ScoutUser) -> Record:
        now = self.clock()
        iat = math.floor(now)  # JWT times are whole seconds
        exp = iat + math.ceil(self.ttl_s)
        claims = {
            "sub": user.username,
            "unique_name": user.username,
            "nameid": str(user.user_id),
            "iat": iat,
            "nbf": iat,
            "exp": exp,
            "iss": ISSUER,
            "aud": AUDIENCE,
        }
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = _b64url(hmac.new(self.secret, signing_input, hashlib.sha256).digest())
        return {
            "token": f"{header}.{payload}.{signature}",
            "expiration": iso(exp),
            "expiresIn": exp - iat,
        }

    def verify(self, token: str) -> tuple[Record | None, str | None]:
        """(claims, None) when valid, else (None, the WWW-Authenticate value to answer with)."""
        invalid = 'Bearer error="invalid_token"'
        parts = token.split(".")
        if len(parts) != 3:
            return None, invalid
        expected = hmac.new(self.secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            signature = _b64url_decode(parts[2])
            claims = json.loads(_b64url_decode(parts[1]))
        except (ValueError, UnicodeDecodeError):
            return None, invalid
        if not hmac.compare_digest(signature, expected) or not isinstance(claims, dict):
            return None, invalid
        if claims.get("iss") != ISSUER or claims.get("aud") != AUDIENCE:
            return None, invalid
        exp = claims.get("exp")
        if not isinstance(exp, int | float):
            return None, invalid
        if self.clock() >= exp + self.skew_s:
            when = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(exp))
            return (
                None,
                f'Bearer error="invalid_token", error_description="The token expired at \'{when}\'"',
            )
        return claims, None


# ---------------------------------------------------------------- routes
def _problem(status: int, title: str) -> Reply:
    return json_reply(status, {"title": title, "status": status}, content_type=PROBLEM_JSON)


def _validation(errors: dict[str, list[str]]) -> Reply:
    return json_reply(
        400,
        {
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": errors,
        },
        content_type=PROBLEM_JSON,
    )


def _parse_when(text: str, *, end_of_day: bool) -> float | None:
    parsed = parse_datetime(text)
    if parsed is None:
        return None
    instant, date_only = parsed
    return instant + DAY - 0.001 if date_only and end_of_day else instant


class ScoutApi:
    """Answers every request under /v1 (any letter case)."""

    def __init__(
        self,
        data: ScoutData,
        issuer: TokenIssuer,
        limiter: SlidingWindowLimiter | None,
    ) -> None:
        self.data, self.issuer, self.limiter = data, issuer, limiter

    @staticmethod
    def owns(path: str) -> bool:
        lowered = path.lower()
        return lowered == PREFIX or lowered.startswith(PREFIX + "/")

    def handle(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]],
        headers: Message,
        body: bytes,
        client: str,
    ) -> Reply:
        segments = [s.lower() for s in path[len(PREFIX) :].split("/") if s]
        query = {k.lower(): v for k, v in params}
        if segments and segments[0] == "token":
            if self.limiter is not None:
                wait = self.limiter.admit("scout-login:" + client)
                if wait is not None:
                    return text_reply(
                        429, "Too Many Requests", headers=[("Retry-After", str(wait))]
                    )
            if segments == ["token"] and method == "POST":
                return self._login(body)
            if segments == ["token", "renew"] and method == "POST":
                claims, reply = self._authenticate(headers)
                return reply or self._renew(claims)
            return self._not_found_or_405(segments, method)
        claims, reply = self._authenticate(headers)
        if reply is not None:
            return reply
        assert claims is not None
        if self.limiter is not None:
            wait = self.limiter.admit("scout-user:" + str(claims.get("sub")))
            if wait is not None:
                return text_reply(429, "Too Many Requests", headers=[("Retry-After", str(wait))])
        if method not in ("GET", "HEAD"):
            return self._not_found_or_405(segments, method)
        return self._get(segments, query)

    def _not_found_or_405(self, segments: list[str], method: str) -> Reply:
        known = segments[:1] in (["token"], ["workorders"], ["units"], ["users"], ["stations"])
        return _problem(405, "Method Not Allowed") if known else _problem(404, "Not Found")

    # ------------------------------------------------------------------ auth
    def _authenticate(self, headers: Message) -> tuple[Record | None, Reply | None]:
        value = headers.get("Authorization")
        if not value:
            return None, empty_reply(401, [("WWW-Authenticate", "Bearer")])
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, empty_reply(401, [("WWW-Authenticate", "Bearer")])
        claims, challenge = self.issuer.verify(token.strip())
        if claims is None:
            return None, empty_reply(401, [("WWW-Authenticate", challenge or "Bearer")])
        return claims, None

    def _login(self, body: bytes) -> Reply:
        try:
            raw = json.loads(body.decode() or "null")
        except (ValueError, UnicodeDecodeError):
            raw = None
        if not isinstance(raw, dict):
            return _validation({"body": ["A JSON object with username and password is required."]})
        fields = {str(k).lower(): v for k, v in raw.items()}
        username, password = fields.get("username"), fields.get("password")
        missing = {}
        if not isinstance(username, str) or not username:
            missing["Username"] = ["The Username field is required."]
        if not isinstance(password, str) or not password:
            missing["Password"] = ["The Password field is required."]
        if missing:
            return _validation(missing)
        assert isinstance(username, str)
        assert isinstance(password, str)
        user = self.data.users_by_name.get(username.casefold())
        if (
            user is None
            or user.password is None
            or not hmac.compare_digest(user.password.encode(), password.encode())
        ):
            return _problem(401, "Unauthorized")
        if not user.api_permission:
            return _problem(403, "Forbidden")
        return json_reply(200, self.issuer.issue(user))

    def _renew(self, claims: Record | None) -> Reply:
        user = self.data.users_by_name.get(str((claims or {}).get("sub", "")).casefold())
        if user is None or not user.api_permission:
            return _problem(403, "Forbidden")
        return json_reply(200, self.issuer.issue(user))

    # ------------------------------------------------------------------ data
    def _get(self, segments: list[str], query: dict[str, str]) -> Reply:
        if not segments:
            return _problem(404, "Not Found")
        head, rest = segments[0], segments[1:]
        if head == "workorders":
            return self._work_orders(rest, query)
        tables: dict[str, tuple[list[Record], str]] = {
            "units": (self.data.units, "unitID"),
            "users": ([u.public() for u in self.data.users], "userID"),
            "stations": (self.data.stations, "stationID"),
        }
        if head not in tables:
            return _problem(404, "Not Found")
        records, key = tables[head]
        if not rest:
            return json_reply(200, records)
        if len(rest) == 1:
            return self._by_id(records, key, rest[0])
        return _problem(404, "Not Found")

    @staticmethod
    def _by_id(records: list[Record], key: str, raw: str) -> Reply:
        if not raw.lstrip("-").isdigit():  # ASP.NET's {id:int} route constraint
            return _problem(404, "Not Found")
        wanted = int(raw)
        found = next((r for r in records if r[key] == wanted), None)
        return json_reply(200, found) if found is not None else _problem(404, "Not Found")

    def _work_orders(self, rest: list[str], query: dict[str, str]) -> Reply:
        orders = self.data.work_orders
        if not rest:
            return _problem(404, "Not Found")
        if len(rest) > 1:
            return _problem(404, "Not Found")
        action = rest[0]
        if action == "search":
            return self._search(orders, query)
        if action == "inprogress":
            raw = query.get("stationid")
            if raw is None or raw.strip() == "":
                return _validation({"stationID": ["The stationID field is required."]})
            station = _int_or_none(raw)
            if station is None:
                return _validation(
                    {"stationID": [f"The value '{raw}' is not valid for stationID."]}
                )
            return json_reply(
                200,
                [o for o in orders if o["status"] == "InProgress" and o["stationID"] == station],
            )
        if action == "queued":
            raw = query.get("stationid")
            queued = [o for o in orders if o["status"] == "Queued"]
            if raw is None or raw.strip() == "":
                return json_reply(200, queued)
            station = _int_or_none(raw)
            if station is None:
                return _validation(
                    {"stationID": [f"The value '{raw}' is not valid for stationID."]}
                )
            return json_reply(200, [o for o in queued if o["stationID"] == station])
        return self._by_id(orders, "workOrderID", action)

    @staticmethod
    def _search(orders: list[Record], query: dict[str, str]) -> Reply:
        errors: dict[str, list[str]] = {}
        bounds: dict[str, float] = {}
        for name, end_of_day in (("StartDate", False), ("EndDate", True)):
            raw = query.get(name.lower())
            if raw is None or raw.strip() == "":
                errors[name] = [f"The {name} field is required."]
                continue
            parsed = _parse_when(raw, end_of_day=end_of_day)
            if parsed is None:
                errors[name] = [f"The value '{raw}' is not valid for {name}."]
            else:
                bounds[name] = parsed
        if not errors and bounds["EndDate"] < bounds["StartDate"]:
            errors["EndDate"] = ["EndDate must not be earlier than StartDate."]
        if errors:
            return _validation(errors)
        low, high = bounds["StartDate"], bounds["EndDate"]
        found = []
        for order in orders:
            created = parse_datetime(order["createdDate"])
            if created is not None and low <= created[0] <= high:
                found.append(order)
        found.sort(key=lambda o: (o["createdDate"], o["workOrderID"]))
        return json_reply(200, found)


def _int_or_none(raw: str) -> int | None:
    try:
        return int(raw.strip())
    except ValueError:
        return None


def make_scout(
    config: SandboxConfig,
    credentials: Credentials,
    limiter: SlidingWindowLimiter | None,
    clock: Callable[[], float],
) -> ScoutApi:
    data = ScoutData(config.seed, config.scale, credentials)
    issuer = TokenIssuer(credentials.jwt_secret, config.token_ttl_s, clock, config.clock_skew_s)
    return ScoutApi(data, issuer, limiter)
