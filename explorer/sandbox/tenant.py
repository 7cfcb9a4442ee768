"""The generated ScalePad tenant: every Core, Quoter and Lifecycle Manager collection.

Nothing is generated up front. Record i of a collection is built on demand from (seed, i), so an
unfiltered page costs the same at any scale and memory stays flat. Records of one client are
contiguous blocks of each collection (sizes drawn once per collection), which keeps client
counts (`num_hardware_assets`, `num_contacts`) consistent with the collections themselves.
"""

from __future__ import annotations

import bisect
import random
import threading
from collections.abc import Callable
from typing import Any

from explorer.sandbox import words as w
from explorer.sandbox.ids import IdScheme, iso, iso_date, rng

Record = dict[str, Any]

# Every timestamp lies before this instant (2026-09-01T00:00:00Z), so data never depends on today.
ANCHOR = 1788220800
DAY = 86400

# Volumes at scale 1; each is multiplied by the scale.
BASE_VOLUMES = {
    "clients": 250,
    "contacts": 2500,
    "members": 40,
    "opportunities": 500,
    "sites": 400,
    "hardware": 10_000,
    "saas": 750,
    "contracts": 500,
    "tickets": 5000,
    "quoter_categories": 313,
    "quoter_items": 297,
    "quoter_contacts": 131,
    "quotes": 207,
    "initiatives": 600,
    "assessments": 300,
}


class Collection:
    """A lazily generated list of records with reversible ids.

    Recently built records are kept (a bounded, first-in-first-out cache), so repeated filter
    scans of a small tenant are cheap while a huge one still uses flat memory. Callers must not
    modify the records they get.
    """

    CACHE_SIZE = 5000

    def __init__(
        self, name: str, count: int, ids: IdScheme, make: Callable[[int, str], Record]
    ) -> None:
        self.name, self.count, self.ids, self._make = name, count, ids, make
        self._cache: dict[int, Record] = {}
        self._cache_lock = threading.Lock()

    def id_of(self, i: int) -> str:
        return self.ids.id_of(i)

    def record(self, i: int) -> Record:
        found = self._cache.get(i)
        if found is not None:
            return found
        built = self._make(i, self.ids.id_of(i))
        with self._cache_lock:
            if len(self._cache) >= self.CACHE_SIZE:
                del self._cache[next(iter(self._cache))]
            self._cache[i] = built
        return built

    def find(self, record_id: str) -> Record | None:
        i = self.ids.index_of(record_id)
        if i is None or i >= self.count:
            return None
        return self.record(i)


class Blocks:
    """Splits `total` records into contiguous per-client blocks of uneven, seeded sizes."""

    def __init__(self, seed: int, kind: str, owners: int, total: int) -> None:
        r = rng(seed, kind + "#blocks", 0)
        weights = [min(r.paretovariate(1.5), 12.0) for _ in range(owners)]
        scale = total / sum(weights)
        sizes = [int(wt * scale) for wt in weights]
        for k in range(total - sum(sizes)):  # hand out the rounding remainder
            sizes[k % owners] += 1
        self.starts: list[int] = []
        acc = 0
        for size in sizes:
            self.starts.append(acc)
            acc += size
        self.total = total

    def owner_of(self, i: int) -> int:
        return bisect.bisect_right(self.starts, i) - 1

    def range_of(self, owner: int) -> range:
        end = self.starts[owner + 1] if owner + 1 < len(self.starts) else self.total
        return range(self.starts[owner], end)


def _stamps(r: Any, oldest_days: int = 1400) -> tuple[str, str]:
    created = ANCHOR - r.randint(20 * DAY, oldest_days * DAY)
    updated = created + r.randint(0, ANCHOR - created)
    return iso(created), iso(updated)


def _operating_system(r: random.Random, maker: str, hw_type: str) -> str | None:
    if hw_type == "MOBILE":
        return "iOS 17.3" if maker == "apple" else "Android 14"
    if hw_type not in ("WORKSTATION", "SERVER", "VIRTUAL"):
        return None
    if maker == "apple":
        return "macOS 14.4"
    if hw_type == "SERVER":
        return r.choice(
            ("Windows Server 2022 Standard", "Windows Server 2016", "Ubuntu 22.04.4 LTS")
        )
    return r.choice(w.OPERATING_SYSTEMS)


class Tenant:
    """One emulated ScalePad tenant, fully determined by (seed, scale)."""

    def __init__(self, seed: int, scale: float) -> None:
        self.seed, self.scale = seed, scale
        self.volumes = {k: max(1, round(v * scale)) for k, v in BASE_VOLUMES.items()}
        self._lock = threading.Lock()
        self._blocks: dict[str, Blocks] = {}
        self._client_refs: dict[int, tuple[str, str]] = {}
        self._prefixes: dict[int, str] = {}
        self._make_integrations()
        v = self.volumes

        def coll(
            name: str, make: Callable[[int, str], Record], style: str = "uuid", prefix: str = ""
        ) -> Collection:
            return Collection(name, v[name], IdScheme(seed, name, style, prefix), make)

        self.clients = coll("clients", self._client)
        self.contacts = coll("contacts", self._contact)
        self.members = coll("members", self._member)
        self.opportunities = coll("opportunities", self._opportunity)
        self.sites = coll("sites", self._site)
        self.hardware = coll("hardware", self._hardware)
        self.saas = coll("saas", self._saas)
        self.contracts = coll("contracts", self._contract)
        self.tickets = coll("tickets", self._ticket)
        self.quoter_categories = coll("quoter_categories", self._q_category, "prefixed", "cat_")
        self.quoter_items = coll("quoter_items", self._q_item, "prefixed", "item_")
        self.quoter_contacts = coll("quoter_contacts", self._q_contact, "prefixed", "cont_")
        self.quotes = coll("quotes", self._quote, "prefixed", "quot_")
        self.hardware_lifecycles = Collection(
            "hardware_lifecycles", v["hardware"], IdScheme(seed, "hwlc", "uuid"), self._lifecycle
        )
        self.installed_software = Collection(
            "installed_software",
            v["hardware"] * w.SOFTWARE_PER_DEVICE,
            IdScheme(seed, "installed_software", "uuid"),
            self._installed_software,
        )
        self.initiatives = coll("initiatives", self._initiative, "short")
        self.assessments = coll("assessments", self._assessment)

    # ------------------------------------------------------------------ shared pieces
    def blocks(self, name: str) -> Blocks:
        found = self._blocks.get(name)
        if found is None:
            with self._lock:
                found = self._blocks.get(name)
                if found is None:
                    found = Blocks(self.seed, name, self.volumes["clients"], self.volumes[name])
                    self._blocks[name] = found
        return found

    def client_name(self, c: int) -> str:
        ref = self._client_refs.get(c)
        if ref is None:
            ref = (self.clients.id_of(c), self._make_client_name(c))
            self._client_refs[c] = ref
        return ref[1]

    def client_ref(self, c: int) -> Record:
        self.client_name(c)
        cid, name = self._client_refs[c]
        return {"id": cid, "name": name}

    def _name_prefix(self, c: int) -> str:
        """Three capital letters from the client's name, for device names (SS-WO-00042)."""
        found = self._prefixes.get(c)
        if found is None:
            letters = [ch for ch in self.client_name(c).upper() if "A" <= ch <= "Z"]
            found = self._prefixes[c] = "".join(letters[:3]) or "X"
        return found

    def _make_client_name(self, c: int) -> str:
        # Every other one of the first clients has an awkward name (so even a tiny tenant has
        # each of them once), then every seventh, numbered so names stay unique.
        count = len(w.AWKWARD_NAMES)
        if c < 2 * count and c % 2 == 1:
            return w.AWKWARD_NAMES[c // 2]
        if c >= 2 * count and c % 7 == 3:
            return f"{w.AWKWARD_NAMES[(c // 7) % count]} {c // 7}"
        r = rng(self.seed, "client-name", c)
        form = r.choice(w.COMPANY_FORMS)
        sep = "" if form.startswith(",") else " "
        return f"{r.choice(w.COMPANY_HEADS)} {r.choice(w.COMPANY_TRADES)}{sep}{form}"

    def _make_integrations(self) -> None:
        ids = IdScheme(self.seed, "integrations", "uuid")
        vendor_ids = IdScheme(self.seed, "vendors", "uuid")
        self.integrations = [
            {
                "id": ids.id_of(k),
                "vendor": {"id": vendor_ids.id_of(k), "brand_name": brand, "category": category},
            }
            for k, (brand, category) in enumerate(w.VENDORS)
        ]

    def _lineage(self, r: Any) -> list[Record]:
        out = []
        for cfg in r.sample(self.integrations, r.choice((1, 1, 1, 2))):
            source = (
                str(r.randint(1000, 999_999)) if r.random() < 0.8 else f"src-{r.randint(1, 99)}"
            )
            vendor = cfg["vendor"]
            out.append(
                {
                    "source_record_id": source,
                    "integration_configuration": {
                        "id": cfg["id"],
                        "vendor": {"id": vendor["id"], "brand_name": vendor["brand_name"]},
                    },
                }
            )
        return out

    def _person(self, r: Any) -> tuple[str, str, str | None]:
        first, last = r.choice(w.FIRST_NAMES), r.choice(w.LAST_NAMES)
        local = "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and ch not in " '")
        email = f"{local or 'user'}{r.randint(1, 99)}@example.com" if r.random() < 0.92 else None
        return first, last, email

    def _member_ref(self, r: Any) -> Record:
        return {"id": self.members.id_of(r.randrange(self.members.count))}

    def _contact_ref(self, r: Any, c: int) -> Record | None:
        span = self.blocks("contacts").range_of(c)
        if not span or r.random() < 0.15:
            return None
        return {"id": self.contacts.id_of(r.choice(span))}

    def site_name(self, s: int) -> str:
        r = rng(self.seed, "site-name", s)
        return r.choice(
            (
                "Head Office",
                "Main Site",
                "Warehouse",
                "Branch",
                "Plant 2, North",
                "Filiale Köln",
                "Satellite: East",
            )
        )

    # ------------------------------------------------------------------ Core
    def _client(self, c: int, cid: str) -> Record:
        r = rng(self.seed, "clients", c)
        created, updated = _stamps(r)
        name = self.client_name(c)
        domain_base = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:20]
        return {
            "id": cid,
            "name": name,
            "lifecycle": r.choice(
                ("Active", "Active", "Active", "Onboarding", "Inactive", "Prospect")
            ),
            "num_contacts": len(self.blocks("contacts").range_of(c)),
            "num_hardware_assets": len(self.blocks("hardware").range_of(c)),
            "primary_domain": f"{domain_base or 'client' + str(c)}.com"
            if r.random() < 0.85
            else None,
            "record_lineage": self._lineage(r),
            "record_created_at": created,
            "record_updated_at": updated,
        }

    def _contact(self, i: int, cid: str) -> Record:
        r = rng(self.seed, "contacts", i)
        c = self.blocks("contacts").owner_of(i)
        first, last, email = self._person(r)
        created, updated = _stamps(r)
        return {
            "id": cid,
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": f"+1 555-{r.randint(100, 999)}-{r.randint(1000, 9999)}"
            if r.random() < 0.7
            else None,
            "title": r.choice(w.TITLES),
            "client": self.client_ref(c),
            "record_lineage": self._lineage(r),
            "record_created_at": created,
            "record_updated_at": updated,
        }

    def _member(self, i: int, mid: str) -> Record:
        r = rng(self.seed, "members", i)
        first, last, email = self._person(r)
        created, updated = _stamps(r)
        boss = None if i == 0 else {"id": self.members.id_of(r.randrange(0, max(1, i // 4 + 1)))}
        return {
            "id": mid,
            "first_name": first,
            "last_name": last,
            "email": email,
            "title": r.choice(w.MEMBER_TITLES),
            "hired_at": iso_date(ANCHOR - r.randint(60, 4000) * DAY),
            "is_scalepad_user": r.random() < 0.6,
            "reports_to_member": boss,
            "hourly_cost": {"amount": round(r.uniform(28, 95), 2), "iso_currency_code": "USD"},
            "daily_capacity": r.choice((6, 7, 7.5, 8, 8)),
            "record_lineage": self._lineage(r),
            "record_created_at": created,
            "record_updated_at": updated,
        }

    def _opportunity(self, i: int, oid: str) -> Record:
        r = rng(self.seed, "opportunities", i)
        c = self.blocks("opportunities").owner_of(i)
        created, updated = _stamps(r, 700)
        stage = r.choice(w.OPPORTUNITY_STAGES)
        return {
            "id": oid,
            "title": r.choice(w.OPPORTUNITY_TITLES),
            "description": r.choice(
                (None, "", "Follow up after QBR.", "Budget: approved, AND signed off")
            ),
            "source_status": "Closed" if stage in ("Won", "Lost") else "Open",
            "source_stage": stage,
            "is_active": stage not in ("Won", "Lost"),
            "probability": {"Won": 100, "Lost": 0}.get(stage, r.choice((10, 25, 50, 75, 90))),
            "client": self.client_ref(c),
            "contact": self._contact_ref(r, c),
            "responsible_member": self._member_ref(r),
            "record_lineage": self._lineage(r),
            "record_created_at": created,
            "record_updated_at": updated,
        }

    def _site(self, i: int, sid: str) -> Record:
        r = rng(self.seed, "sites", i)
        created, updated = _stamps(r)
        return {
            "id": sid,
            "name": self.site_name(i),
            "client": self.client_ref(self.blocks("sites").owner_of(i)),
            "record_lineage": self._lineage(r),
            "record_created_at": created,
            "record_updated_at": updated,
        }

    def _hardware(self, i: int, hid: str) -> Record:
        r = rng(self.seed, "hardware", i)
        c = self.blocks("hardware").owner_of(i)
        hw_type = r.choices(w.HARDWARE_TYPES, w.HARDWARE_TYPE_WEIGHTS)[0]
        m_key, m_name, models = r.choice(
            [m for m in w.MANUFACTURERS if any(x[0] == hw_type for x in m[2])]
        )
        _, number, description = r.choice([x for x in models if x[0] == hw_type])
        cpu_name, cpu_maker = r.choice(w.CPUS)
        created, updated = _stamps(r)
        site_span = self.blocks("sites").range_of(c)
        site = None
        if site_span and r.random() < 0.8:
            s = r.choice(site_span)
            site = {"id": self.sites.id_of(s), "name": self.site_name(s)}
        person = r.choice(w.FIRST_NAMES) + " " + r.choice(w.LAST_NAMES)
        prefix = self._name_prefix(c)
        name = f"{prefix}-{hw_type[:2]}-{i:05d}"
        if r.random() < 0.03:
            name = r.choice(
                (
                    "Reception PC, front",
                    "Boss's Laptop",
                    "=cmd|' /C calc'!A0",
                    "-old-nas",
                    "サーバー1",
                    "Print: Floor 2",
                )
            )
        if r.random() < 0.005:
            hw_type = hw_type + "  "  # the real API sometimes pads the type
        is_computer = hw_type.strip() in ("WORKSTATION", "SERVER", "VIRTUAL")
        return {
            "id": hid,
            "name": name,
            "serial_number": ""
            if r.random() < 0.03
            else "".join(r.choices("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", k=10)),
            "type": hw_type,
            "location_name": r.choice(w.LOCATIONS),
            "client": self.client_ref(c),
            "contact": self._contact_ref(r, c),
            "manufacturer": {"id": f"mfr-{m_key}", "name": m_name},
            "model": {"number": number, "description": description},
            "configuration": {
                "cpu": {
                    "name": cpu_name,
                    "manufacturer_name": cpu_maker,
                    "manufacturer_id": f"mfr-{cpu_maker.lower()}",
                }
                if is_computer
                else None,
                "ram_bytes": r.choice((4, 8, 8, 16, 16, 32, 64)) * 1024**3 if is_computer else None,
                "disks": {"total_bytes": r.choice((128, 256, 512, 512, 1024, 2048)) * 1000**3}
                if is_computer
                else None,
            },
            "software": {
                "operating_system": _operating_system(r, m_key, hw_type),
                "antivirus_info": {
                    "status": r.choice(("RUNNING", "RUNNING", "DISABLED", "UNKNOWN")),
                    "definition_status": r.choice(("UPTODATE", "UPTODATE", "OUTOFDATE", "UNKNOWN")),
                }
                if is_computer
                else None,
                "office_suite_info": {
                    "name": "Microsoft Office 365",
                    "version": f"16.0.{r.randint(14000, 17999)}.{r.randint(20000, 20999)}",
                }
                if is_computer and r.random() < 0.7
                else None,
            },
            "site": site,
            "assigned_user_name": person if r.random() < 0.6 else None,
            "last_login_user": person.lower().replace(" ", ".")
            if is_computer and r.random() < 0.7
            else None,
            "record_lineage": self._lineage(r),
            "record_created_at": created,
            "record_updated_at": updated,
        }

    def _saas(self, i: int, sid: str) -> Record:
        r = rng(self.seed, "saas", i)
        c = self.blocks("saas").owner_of(i)
        name, category, maker, sku = r.choice(w.SAAS_PRODUCTS)
        starts = ANCHOR - r.randint(30, 700) * DAY
        term = {
            "starts_at": iso(starts),
            "ends_at": iso(starts + 365 * DAY - 1),
            "is_auto_renewed": r.random() < 0.8,
        }
        capacity = r.randint(1, 120)
        client = self.client_ref(c)
        domain = (
            "".join(ch for ch in client["name"].lower() if ch.isascii() and ch.isalnum())[:16]
            or f"tenant{c}"
        )
        sku_id = "sku_" + sku.lower()
        return {
            "id": sid,
            "client": client,
            "status": r.choice(w.SAAS_STATUSES),
            "tenant_domain": f"{domain}.onmicrosoft.com"
            if maker == "Microsoft"
            else f"{domain}.com",
            "product": {
                "id": "prod_" + sku.lower(),
                "name": name,
                "category": category,
                "manufacturer": {"id": "mfr_" + maker.lower(), "name": maker},
                "manufacturer_sku": {"id": sku_id, "name": sku},
            },
            "term": term,
            "pool": {"capacity": capacity, "utilized": r.randint(0, capacity)},
            "subscriptions": [
                {
                    "id": f"sub_{sid[:8]}_{k}",
                    "friendly_name": name,
                    "license_count": capacity,
                    "term": dict(term),
                    "billing_cycle_name": r.choice(("Monthly", "Annual")),
                    "provider_name": r.choice(("Pax8", "Ingram Micro", "TD SYNNEX", "Direct")),
                }
                for k in range(r.choice((1, 1, 2)))
            ],
        }

    def _contract(self, i: int, cid: str) -> Record:
        r = rng(self.seed, "contracts", i)
        span = self.blocks("contracts")
        c = span.owner_of(i)
        starts = ANCHOR - r.randint(0, 900) * DAY
        first = span.range_of(c).start
        parent = None
        if i > first and r.random() < 0.2:
            parent = {"id": self.contracts.id_of(first), "name": self._contract_name(first)}
        return {
            "id": cid,
            "name": self._contract_name(i),
            "description": r.choice(
                (None, "", "Covers servers, workstations AND network.", "Per-seat, billed monthly")
            ),
            "status": r.choice(w.CONTRACT_STATUSES),
            "type": r.choice(w.CONTRACT_TYPES),
            "is_recurring": r.random() < 0.75,
            "is_addendum": parent is not None,
            "source_type": r.choice(("PSA", "PSA", "MANUAL")),
            "client": self.client_ref(c),
            "contact": self._contact_ref(r, c),
            "parent_contract": parent,
            "term": {
                "starts_at": iso(starts),
                "ends_at": iso(starts + 365 * DAY) if r.random() < 0.9 else None,
                "is_auto_renew": r.random() < 0.6,
                "billing_period": r.choice(w.BILLING_PERIODS),
            },
            "total_price": {"amount": round(r.uniform(150, 25000), 2), "iso_currency_code": "USD"},
        }

    def _contract_name(self, i: int) -> str:
        r = rng(self.seed, "contract-name", i)
        kind = r.choice(
            (
                "Managed Services Agreement",
                "Block Hours",
                "Backup Add-on",
                "Project: Migration",
                "Support, Premium",
            )
        )
        return f"{kind} {2023 + i % 4}"

    def _ticket(self, i: int, tid: str) -> Record:
        r = rng(self.seed, "tickets", i)
        c = self.blocks("tickets").owner_of(i)
        opened = ANCHOR - r.randint(1, 500 * 24 * 60) * 60
        contracts = self.blocks("contracts").range_of(c)
        contract = None
        if contracts and r.random() < 0.7:
            k = r.choice(contracts)
            contract = {"id": self.contracts.id_of(k), "name": self._contract_name(k)}
        board_id, board_name = r.choice(w.BOARDS)
        return {
            "id": tid,
            "summary": r.choice(w.TICKET_SUMMARIES),
            "category": r.choice(w.TICKET_CATEGORIES),
            "is_child_ticket": r.random() < 0.1,
            "is_long_ticket": r.random() < 0.05,
            "client": self.client_ref(c),
            "contact": self._contact_ref(r, c),
            "contract": contract,
            "board": {"id": board_id, "name": board_name},
            "owner_member": self._member_ref(r),
            "responsible_member": self._member_ref(r),
            "timeline": {
                "created_at": iso(opened),
                "updated_at": iso(opened + r.randint(0, 20 * DAY)),
                "responded_at": iso(opened + r.randint(60, 8 * 3600)) if r.random() < 0.9 else None,
            },
        }

    # ------------------------------------------------------------------ Quoter
    def _root_categories(self) -> int:
        return min(len(w.QUOTER_CATEGORY_ROOTS), self.quoter_categories.count)

    def _category_name(self, i: int) -> str:
        if i < self._root_categories():
            return w.QUOTER_CATEGORY_ROOTS[i]
        return w.QUOTER_CATEGORY_LEAVES[
            i % len(w.QUOTER_CATEGORY_LEAVES)
        ]  # leaf names repeat, as live

    def _q_category(self, i: int, cid: str) -> Record:
        r = rng(self.seed, "quoter_categories", i)
        created, updated = _stamps(r, 500)
        parent = None if i < self._root_categories() else r.randrange(self._root_categories())
        return {
            "id": cid,
            "name": self._category_name(i),
            "parent_category": None if parent is None else self._category_name(parent),
            "parent_category_id": None if parent is None else self.quoter_categories.id_of(parent),
            "record_created_at": created,
            "record_updated_at": updated,
        }

    def _q_item(self, i: int, iid: str) -> Record:
        r = rng(self.seed, "quoter_items", i)
        created, updated = _stamps(r, 500)
        cat = r.randrange(self.quoter_categories.count)
        price = r.choice((None, "0", "49.99", "101", "1250.00", "15", "89.5"))
        cost = None if price is None else f"{float(price) * r.choice((0.4, 0.5, 0.7)):.2f}"
        maker = r.choice(
            (None, None, ("mfg_dell", "Dell"), ("mfg_hp", "HP"), ("mfg_cisco", "Cisco"))
        )
        base = w.QUOTER_ITEM_NAMES[i % len(w.QUOTER_ITEM_NAMES)]
        return {
            "allow_decimal_quantities": r.random() < 0.2,
            "category": self._category_name(cat),
            "category_id": self.quoter_categories.id_of(cat),
            "code": r.choice((None, "MGS", "HW", "LAB", "LIC", f"C{i:03d}")),
            "cost_decimal": cost,
            "cost_type": "amount",
            "description": r.choice(
                (
                    None,
                    "",
                    "<p>Priced per seat/user.</p>",
                    "Line 1\nLine 2, with comma",
                    '<p>Includes "premium" support</p>',
                )
            ),
            "id": iid,
            "internal_note": r.choice((None, None, "Check stock: ask Pat")),
            "manufacturer": None if maker is None else maker[1],
            "manufacturer_id": None if maker is None else maker[0],
            "name": base
            if i < len(w.QUOTER_ITEM_NAMES)
            else f"{base} {i // len(w.QUOTER_ITEM_NAMES) + 1}",
            "percentage_price_category_ids": None,
            "percentage_price_decimal": None,
            "price_decimal": price,
            "pricing_scheme": "" if price is None else "per_unit",
            "quantity_help_tip": None,
            "record_created_at": created,
            "record_updated_at": updated,
            "recurring": r.random() < 0.4,
            "recurring_interval": r.choice(("monthly", "annually", None)),
            "restrict_discounting": r.random() < 0.1,
            "show_option_prices": False,
            "sku": None if r.random() < 0.3 else str(r.randint(100, 9999)),
            "supplier": r.choice((None, "Example Supplier Co.", "Ingram Micro", "TD SYNNEX")),
            "supplier_id": r.choice((None, "sup_2zvQahWa1ICaMtwskfjay5iLFKE")),
            "taxable": r.random() < 0.7,
            "weight_decimal": None,
        }

    def _q_contact(self, i: int, cid: str) -> Record:
        r = rng(self.seed, "quoter_contacts", i)
        first, last, email = self._person(r)
        created, updated = _stamps(r, 500)
        client = self.client_ref(r.randrange(self.clients.count)) if r.random() < 0.8 else None
        address = {
            "address_line_1": f"{r.randint(1, 999)} {r.choice(('Main St', 'Rue de la Paix', 'Königstraße', 'High Street, Unit 4'))}",
            "address_line_2": None,
            "address_line_3": None,
            "city": r.choice(("Los Angeles", "Toronto", "München", "Montréal", "Sydney")),
            "state_prov_code": r.choice(("CA", "ON", "BY", "QC", "NSW")),
            "postal_code": r.choice(("90045", "M5V 2T6", "80331", "H2X 1Y4", "2000")),
            "country_code": r.choice(("US", "CA", "DE", "AU")),
        }
        return {
            "id": cid,
            "first_name": first,
            "last_name": last,
            "email": email,
            "billing_email": email,
            "title": r.choice(w.TITLES),
            "organization": None if client is None else client["name"],
            "phone": f"+1 555-{r.randint(100, 999)}-{r.randint(1000, 9999)}",
            "website": None,
            "client": client,
            "address": address["address_line_1"],
            "city": address["city"],
            "region": address["state_prov_code"],
            "country": address["country_code"],
            "postal_code": address["postal_code"],
            "billing_address": address,
            "record_created_at": created,
            "record_updated_at": updated,
        }

    def _quote(self, i: int, qid: str) -> Record:
        r = rng(self.seed, "quotes", i)
        created, updated = _stamps(r, 400)
        contact = self._q_contact(r.randrange(self.quoter_contacts.count), "")
        contact_id = self.quoter_contacts.id_of(r.randrange(self.quoter_contacts.count))
        linked = r.random() < 0.7
        client_name = contact["organization"] or "Example Client"
        draft = r.random() < 0.3
        lines = []
        subtotal = 0.0
        for k in range(r.randint(0, 3)):
            item = self._q_item(r.randrange(self.quoter_items.count), "")
            qty = r.randint(1, 20)
            unit = float(item["price_decimal"] or 0)
            subtotal += unit * qty
            lines.append(
                {
                    "id": f"litm_{qid[5:25]}{k}",
                    "name": item["name"],
                    "category": {"id": item["category_id"], "name": item["category"]},
                    "quantity_decimal": str(qty),
                    "unit_price_decimal": item["price_decimal"],
                    "optional": False,
                    "taxable": item["taxable"],
                }
            )
        total = f"{subtotal:.2f}"
        return {
            "id": qid,
            "uuid": self.quotes.ids.id_of(i).replace("quot_", "")[:8] + f"-{i:04d}",
            "number": str(1000 + i),
            "custom_number": r.choice((None, f"Q-{2026}-{i:04d}", f"TEST, {i}")),
            "name": r.choice(
                (
                    "Balloons",
                    "Server Refresh",
                    "Managed Services: Renewal",
                    'Firewall "Plus"',
                    "Laptops AND Docks",
                )
            ),
            "draft": draft,
            "primary": r.random() < 0.5,
            "stage": r.choice(("draft", "pending", "accepted", "declined", "expired")),
            "email_status": r.choice(("not_sent", "sent", "opened")),
            "currency_iso": "USD",
            "client": {
                "id": self.clients.id_of(r.randrange(self.clients.count)) if linked else None,
                "name": client_name,
            },
            "contacts": [
                {
                    "id": contact_id,
                    "first_name": contact["first_name"],
                    "last_name": contact["last_name"],
                    "email": contact["email"],
                    "organization": contact["organization"],
                    "primary": True,
                }
            ],
            "lm_initiative_id": self.initiatives.id_of(r.randrange(self.initiatives.count))
            if r.random() < 0.2
            else None,
            "recurring_interval": r.choice((None, "monthly", "annually")),
            "template_id": "tmpl_32CqUL7Iloih2Xgx68JvjptGYXy",
            "expired_at": None if r.random() < 0.6 else iso(ANCHOR + r.randint(-60, 60) * DAY),
            "won_at": iso(ANCHOR - r.randint(1, 300) * DAY) if r.random() < 0.3 else None,
            "internal_notes": r.choice((None, "Discount approved by Sam", "")),
            "sections": [{"id": f"{qid[5:30]}s", "name": "Items", "line_items": lines}]
            if lines
            else None,
            "totals": {"one_time": {"subtotal_decimal": total, "total_decimal": total}},
            "record_created_at": created,
            "record_updated_at": updated,
        }

    # ------------------------------------------------------------------ Lifecycle Manager
    def _lifecycle(self, i: int, lid: str) -> Record:
        hw = self.hardware.record(i)
        r = rng(self.seed, "hwlc", i)
        purchased = ANCHOR - r.randint(60, 2500) * DAY
        return {
            "id": lid,
            "hardware_asset_id": hw["id"],
            "client_id": hw["client"]["id"],
            "serial_number": hw["serial_number"],
            "manufacturer": hw["manufacturer"]["name"],
            "model": hw["model"]["number"],
            "name": hw["name"],
            "purchase_date": iso_date(purchased) if r.random() < 0.9 else None,
            "warranty_expiry_date": iso_date(purchased + r.choice((1, 3, 3, 5)) * 365 * DAY)
            if r.random() < 0.85
            else None,
            "manufacturer_expiry_date": iso_date(purchased + 7 * 365 * DAY)
            if r.random() < 0.5
            else None,
            "warranty_source": r.choice(("Manufacturer", "ScalePad", "Manual", None)),
        }

    def _installed_software(self, j: int, sid: str) -> Record:
        """One row per product per device: device j // 3 has rows j = 3i, 3i+1, 3i+2."""
        device = self.hardware.record(j // w.SOFTWARE_PER_DEVICE)
        r = rng(self.seed, "installed_software", j)
        name, category, kind, edition, publisher = r.choice(w.SOFTWARE)
        major = r.randint(1, 24)
        latest = r.random() < 0.6
        return {
            "id": sid,
            "client": {"id": device["client"]["id"], "label": device["client"]["name"]},
            "hardware_asset": {
                "id": device["id"],
                "name": device["name"],
                "serial_number": device["serial_number"],
                "type": device["type"],
            },
            "product": {"name": name, "category": category, "type": kind, "edition": edition},
            "publisher": {"name": publisher},
            "version": {
                "display": f"{major}.{r.randint(0, 9)}.{r.randint(0, 9999)}",
                "build": str(r.randint(1000, 99999)) if r.random() < 0.7 else None,
                "status": "Current" if latest else r.choice(("Outdated", "EndOfLife", "Unknown")),
                "is_latest": latest,
            },
        }

    def _initiative(self, i: int, iid: str) -> Record:
        r = rng(self.seed, "initiatives", i)
        c = self.blocks("initiatives").owner_of(i)
        created = ANCHOR - r.randint(10, 800) * DAY
        scheduled = r.random() < 0.75
        return {
            "id": iid,
            "name": r.choice(w.INITIATIVE_NAMES),
            "executive_summary": r.choice(
                (
                    None,
                    "Replace aging hardware and refresh warranty coverage.",
                    "Phase 1: audit\nPhase 2: roll out",
                )
            ),
            "status": r.choice(w.INITIATIVE_STATUSES),
            "priority": r.choice(w.INITIATIVE_PRIORITIES),
            "fiscal_quarter": {"year": r.choice((2025, 2026, 2027)), "quarter": r.randint(1, 4)}
            if scheduled
            else None,
            "asset_count": r.randint(0, 40),
            "assigned_user_id": None if r.random() < 0.3 else f"usr_{r.randint(1000, 9999)}",
            "client": {"id": self.clients.id_of(c), "label": self.client_name(c)},
            "budget": {
                "currency": {"code_alpha": "USD", "subunit_ratio": 100},
                "line_items": [
                    {
                        "label": "Hardware & migration",
                        "cost_subunits": r.randint(10, 2000) * 1000,
                        "cost_type": r.choice(("Fixed", "PerAsset")),
                        "unit_count": r.randint(1, 20),
                    }
                ],
                "recurring_line_items": [
                    {
                        "label": "Managed support",
                        "cost_subunits": r.randint(5, 500) * 100,
                        "cost_type": "Fixed",
                        "frequency": r.choice(("Monthly", "Yearly")),
                        "unit_count": 1,
                    }
                ]
                if r.random() < 0.5
                else [],
            },
            "created_at": iso(created),
            "updated_at": iso(created + r.randint(0, ANCHOR - created)),
        }

    def _assessment(self, i: int, aid: str) -> Record:
        r = rng(self.seed, "assessments", i)
        c = self.blocks("assessments").owner_of(i)
        completed = r.random() < 0.6
        total = r.randint(10, 60)
        return {
            "id": aid,
            "title": r.choice(w.ASSESSMENT_TITLES),
            "status": "Completed" if completed else "InProgress",
            "overall_score": round(r.uniform(20, 100), 1) if completed else None,
            "evaluated_at": iso(ANCHOR - r.randint(1, 700) * DAY) if completed else None,
            "question_count": total,
            "answered_question_count": total if completed else r.randint(0, total),
            "assessment_template_id": f"atpl_{r.randint(1, 6)}",
            "client": {"id": self.clients.id_of(c), "label": self.client_name(c)},
        }

    def assessment_detail(self, record: Record) -> Record:
        r = rng(self.seed, "assessment-detail:" + str(record["id"]), 0)
        detail = dict(record)
        detail["category_list"] = [
            {
                "title": category,
                "question_list": [
                    {
                        "title": question,
                        "description": "Answer for the whole organisation.",
                        "remediation_tips": r.choice(
                            (None, "Enable it in the admin centre, then verify.")
                        ),
                        "scoring_instructions": "Yes = 10, Partly = 5, No = 0",
                        "public_comment": r.choice((None, "", "Done, see ticket #4411")),
                        "internal_comments": r.choice((None, 'Client said: "soon"')),
                        "linked_initiatives": [{"initiative_name": r.choice(w.INITIATIVE_NAMES)}]
                        if r.random() < 0.3
                        else [],
                        "criteria_list": [
                            {
                                "label_key": key,
                                "display_label": label,
                                "is_selected": r.random() < 0.4,
                            }
                            for key, label in (("yes", "Yes"), ("partly", "Partly"), ("no", "No"))
                        ],
                    }
                    for question in r.sample(w.ASSESSMENT_QUESTIONS, 2)
                ],
            }
            for category in r.sample(w.ASSESSMENT_CATEGORIES, 3)
        ]
        return detail
