"""Related records: cells that point at another resource, drawn as links, and where they lead.

`endpoint.links` says which fields hold ids of other resources (`client.id`, `unitID`, `userIDs`,
...). A link either opens one record (a SINGLE endpoint with the id as path parameter) or a list
filtered on the id (`filter[client.id]=eq:...`, or a query parameter such as Scout's `stationID`).
A list value (`userIDs`) offers each id, and an `in` filter when the target list allows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from explorer.core.catalog import Catalog, Endpoint, Link, LinkMode, Operator
from explorer.core.flatten import cell_text, value_at
from explorer.core.names import carried_name, link_noun, own_name, singular
from explorer.core.query import FilterCondition, Query
from explorer.ui.results.table_model import LinkRole

_LINK_LIGHT = QColor("#1a5fb4")
_LINK_DARK = QColor("#8cb4ff")


@dataclass(frozen=True)
class RelatedTarget:
    """One place a link can lead: a menu label, the target endpoint id and its query."""

    label: str
    endpoint_id: str
    query: Query
    title: str = ""  # the tab's title: "Client: Wonka Logistics", "Unit 42 · Work order WO-1007"


def _resource_label(link: Link, catalog: Catalog | None) -> str:
    if link.label:
        return link.label
    target = catalog.find(link.target_endpoint) if catalog is not None else None
    if target is not None and target.summary:
        return target.summary
    return link.target_endpoint.split(" ", 1)[-1]


def record_title(endpoint: Endpoint, record: Any, catalog: Catalog | None) -> str:
    """What a record is called in a title: `Work order WO-1007`, `Client: Wonka Logistics`."""
    noun = singular(_resource_name(endpoint, catalog))
    name = own_name(record, endpoint.id_field)
    if name:
        # A number-like name reads as one ("Work order WO-1007"), a proper name after a colon.
        code_like = " " not in name and any(c.isdigit() for c in name)
        return f"{noun} {name}" if code_like else f"{noun}: {name}"
    ident = value_at(record, endpoint.id_field)
    return f"{noun} {cell_text(ident)}" if ident not in (None, "") else noun


def _resource_name(endpoint: Endpoint, catalog: Catalog | None) -> str:
    if catalog is not None:
        for product in catalog.products:
            for resource in product.resources:
                if any(e.id == endpoint.id for e in resource.endpoints):
                    return resource.name
    return endpoint.summary or endpoint.path.rstrip("/").rsplit("/", 1)[-1]


def targets_for_link(
    link: Link,
    value: Any,
    catalog: Catalog | None,
    record: Any = None,
    origin: str = "",
) -> list[RelatedTarget]:
    """Where a link with this value leads (empty when the value is empty).

    With the `record` the value came from, menus and titles use the names it carries; `origin`
    (the record's own title) is added to the titles of records opened from it.
    """
    if value is None or value == "" or value == []:
        return []
    label = _resource_label(link, catalog)
    values = [cell_text(v) for v in value] if isinstance(value, list) else [cell_text(value)]
    values = [v for v in values if v]
    if not values:
        return []
    targets: list[RelatedTarget] = []
    if link.mode is LinkMode.RECORD:
        noun = link_noun(label)
        noun = singular(noun) if noun else None  # "Open the users" opens one user each
        name = carried_name(record, link.source_field) if len(values) == 1 else None
        for v in values:
            query = Query(endpoint_id=link.target_endpoint, path_params={link.target_param: v})
            shown = name or v
            if noun:
                text = f"Open {noun} {shown}"
                title = f"{noun[:1].upper()}{noun[1:]}" + (f": {name}" if name else f" {v}")
            else:
                text = title = f"{label} {shown}"
            if origin:
                title += f" · {origin}"
            targets.append(RelatedTarget(text, link.target_endpoint, query, title))
        return targets
    # A list of records related to this one: "Hardware assets of Wonka Logistics".
    own = own_name(record) if link.source_field == "id" else None
    named = bool(own) and re.search(r"\bthis \w+", label) is not None
    if named:
        label = re.sub(r"\bthis \w+", str(own), label, count=1)

    def target(text_when_unnamed: str, query: Query) -> RelatedTarget:
        text = label if named and len(values) == 1 else text_when_unnamed
        return RelatedTarget(text, link.target_endpoint, query, text)

    if link.as_query_param:
        for v in values:
            query = Query(endpoint_id=link.target_endpoint, params={link.target_param: v})
            targets.append(target(f"{label} with {link.target_param} = {v}", query))
        return targets
    if len(values) > 1 and _allows_in(link, catalog):
        condition = FilterCondition(link.target_param, Operator.IN, tuple(values))
        query = Query(endpoint_id=link.target_endpoint, filters=(condition,))
        targets.append(target(f"{label}: all {len(values)} ({link.target_param} in …)", query))
    for v in values:
        condition = FilterCondition(link.target_param, Operator.EQ, (v,))
        query = Query(endpoint_id=link.target_endpoint, filters=(condition,))
        targets.append(target(f"{label} with {link.target_param} = {v}", query))
    return targets


def _allows_in(link: Link, catalog: Catalog | None) -> bool:
    target = catalog.find(link.target_endpoint) if catalog is not None else None
    if target is None:
        return False
    field = target.filter_field(link.target_param)
    return field is not None and Operator.IN in field.operators


def targets_for_field(
    endpoint: Endpoint, field: str, record: Any, catalog: Catalog | None
) -> list[RelatedTarget]:
    """Every target of every link from one field of a record."""
    value = value_at(record, field)
    origin = record_title(endpoint, record, catalog)
    links = [lk for lk in endpoint.links if lk.source_field == field]
    return [t for lk in links for t in targets_for_link(lk, value, catalog, record, origin)]


def targets_for_record(
    endpoint: Endpoint, record: Any, catalog: Catalog | None
) -> list[RelatedTarget]:
    """Every related record or list reachable from one record (for "Open related" menus)."""
    targets: list[RelatedTarget] = []
    origin = record_title(endpoint, record, catalog)
    for link in endpoint.links:
        value = value_at(record, link.source_field)
        targets.extend(targets_for_link(link, value, catalog, record, origin))
    return targets


def link_color(palette: QPalette) -> QColor:
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    return _LINK_DARK if dark else _LINK_LIGHT


class LinkDelegate(QStyledItemDelegate):
    """Draws cells whose LinkRole is true in the link color, underlined."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.data(LinkRole):
            font = QFont(option.font)
            font.setUnderline(True)
            option.font = font
            color = link_color(option.palette)
            option.palette.setColor(QPalette.ColorRole.Text, color)


# The cursor shown over a link cell.
LINK_CURSOR = Qt.CursorShape.PointingHandCursor
