"""How a sandbox is configured, and the demo credentials it accepts.

The credentials are deterministic (derived from the seed) so a demo, a test and a benchmark can
know them in advance; `EXPLORER_SANDBOX_API_KEY`, `EXPLORER_SANDBOX_SCOUT_USERNAME` and
`EXPLORER_SANDBOX_SCOUT_PASSWORD` override them. They guard fake data only: they are not secrets.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass

PRODUCTS = ("core", "quoter", "lifecycle-manager")

# The docs' example key shape: 8 groups of 8 hex digits joined by '-'.
API_KEY_PATTERN = re.compile(r"^[0-9a-f]{8}(?:-[0-9a-f]{8}){7}$")


@dataclass(frozen=True)
class SandboxConfig:
    """Everything a sandbox server is started with.

    `rate` is "LIMIT/SECONDS" (None or "0" means unlimited). `scale` multiplies every data volume
    (1 = about 10,000 hardware assets over 250 clients; fractions are allowed for fast tests).
    `unsubscribed` lists products (`core`, `quoter`, `lifecycle-manager`) that answer 402 for the
    demo key. `null_next_cursor` emits `"next_cursor": null` on last pages instead of omitting it.
    `oversize_page` is "reject" (400 for page_size above the maximum) or "clamp".
    `nonatomic_paging` makes cursor walks repeat one record and skip another, as the real API may.
    """

    port: int = 0
    scale: float = 1
    latency_ms: float = 0
    rate: str | None = "50/5"
    token_ttl_s: float = 1800
    fault_rate: float = 0.0
    seed: int = 1
    host: str = "127.0.0.1"
    unsubscribed: tuple[str, ...] = ()
    null_next_cursor: bool = False
    oversize_page: str = "reject"
    nonatomic_paging: bool = False
    clock_skew_s: float = 0.0
    api_key: str | None = None
    scout_username: str | None = None
    scout_password: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0..65535, not {self.port}")
        if not self.scale > 0:
            raise ValueError(f"scale must be greater than 0, not {self.scale}")
        if self.latency_ms < 0:
            raise ValueError("latency_ms cannot be negative")
        if self.token_ttl_s <= 0:
            raise ValueError("token_ttl_s must be greater than 0")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be between 0 and 1, not {self.fault_rate}")
        if self.oversize_page not in ("reject", "clamp"):
            raise ValueError("oversize_page must be 'reject' or 'clamp'")
        unknown = set(self.unsubscribed) - set(PRODUCTS)
        if unknown:
            raise ValueError(
                f"unknown product(s) {', '.join(sorted(unknown))}; use {', '.join(PRODUCTS)}"
            )
        parse_rate(self.rate)


def parse_rate(text: str | None) -> tuple[int, float] | None:
    """`"50/5"` -> (50, 5.0); None, "", "0", "none" or "off" -> None (no limit)."""
    if text is None:
        return None
    value = str(text).strip().lower()
    if value in ("", "0", "none", "off", "unlimited"):
        return None
    match = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?", value)
    if not match:
        raise ValueError(f"rate must look like 50/5 (requests/seconds), not {text!r}")
    limit, period = int(match.group(1)), float(match.group(2))
    if limit == 0:
        return None
    if period <= 0 or not math.isfinite(period):
        raise ValueError(f"the rate's period must be positive, not {text!r}")
    return limit, period


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def derive_api_key(seed: int, which: str = "demo") -> str:
    """A key in the documented format, the same for the same seed."""
    digest = _digest("explorer-sandbox-api-key", which, seed)
    return "-".join(digest[i : i + 8] for i in range(0, 64, 8))


@dataclass(frozen=True)
class Credentials:
    """What the sandbox accepts. `alt_api_key` is a second tenant user with its own rate budget,
    not subscribed to Lifecycle Manager; the restricted Scout user may not use the API (403)."""

    api_key: str
    alt_api_key: str
    scout_username: str
    scout_password: str
    scout_restricted_username: str
    scout_restricted_password: str
    jwt_secret: bytes

    @classmethod
    def for_config(cls, config: SandboxConfig) -> Credentials:
        seed = config.seed
        env = os.environ
        return cls(
            api_key=config.api_key or env.get("EXPLORER_SANDBOX_API_KEY") or derive_api_key(seed),
            alt_api_key=derive_api_key(seed, "alt"),
            scout_username=config.scout_username
            or env.get("EXPLORER_SANDBOX_SCOUT_USERNAME")
            or "api.sandbox",
            scout_password=config.scout_password
            or env.get("EXPLORER_SANDBOX_SCOUT_PASSWORD")
            or "Scout-" + _digest("scout-password", seed)[:12],
            scout_restricted_username="hq.viewer",
            scout_restricted_password="Viewer-" + _digest("scout-viewer", seed)[:12],
            jwt_secret=bytes.fromhex(_digest("scout-jwt-secret", seed)),
        )
