"""Related records: cells that point at another resource, drawn as links, and where they lead.

`endpoint.links` says which fields hold ids of other resources (`client.id`, `unitID`, `userIDs`,
...). A link either opens one record (a SINGLE endpoint with the id as path parameter) or a list
filtered on the id (`filter[client.id]=eq:...`, or a query parameter such as Scout's `stationID`).
A list value (`userIDs`) offers each id, and an `in` filter when the target list allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from explorer.core.catalog import Catalog, Endpoint, Link, LinkMode, Operator
from explorer.core.flatten import cell_text
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


def value_at(record: Any, dotted: str) -> Any:
    """The value at a dotted path of a raw record (`client.id`), or None."""
    value = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _resource_label(link: Link, catalog: Catalog | None) -> str:
    if link.label:
        return link.label
    target = catalog.find(link.target_endpoint) if catalog is not None else None
    if target is not None and target.summary:
        return target.summary
    return link.target_endpoint.split(" ", 1)[-1]


def targets_for_link(link: Link, value: Any, catalog: Catalog | None) -> list[RelatedTarget]:
    """Where a link with this value leads (empty when the value is empty)."""
    if value is None or value == "" or value == []:
        return []
    label = _resource_label(link, catalog)
    values = [cell_text(v) for v in value] if isinstance(value, list) else [cell_text(value)]
    values = [v for v in values if v]
    if not values:
        return []
    targets: list[RelatedTarget] = []
    if link.mode is LinkMode.RECORD:
        for v in values:
            query = Query(endpoint_id=link.target_endpoint, path_params={link.target_param: v})
            targets.append(RelatedTarget(f"{label} {v}", link.target_endpoint, query))
        return targets
    if link.as_query_param:
        for v in values:
            query = Query(endpoint_id=link.target_endpoint, params={link.target_param: v})
            targets.append(
                RelatedTarget(
                    f"{label} with {link.target_param} = {v}", link.target_endpoint, query
                )
            )
        return targets
    if len(values) > 1 and _allows_in(link, catalog):
        condition = FilterCondition(link.target_param, Operator.IN, tuple(values))
        query = Query(endpoint_id=link.target_endpoint, filters=(condition,))
        targets.append(
            RelatedTarget(
                f"{label}: all {len(values)} ({link.target_param} in …)",
                link.target_endpoint,
                query,
            )
        )
    for v in values:
        condition = FilterCondition(link.target_param, Operator.EQ, (v,))
        query = Query(endpoint_id=link.target_endpoint, filters=(condition,))
        targets.append(
            RelatedTarget(f"{label} with {link.target_param} = {v}", link.target_endpoint, query)
        )
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
    links = [lk for lk in endpoint.links if lk.source_field == field]
    return [t for lk in links for t in targets_for_link(lk, value, catalog)]


def targets_for_record(
    endpoint: Endpoint, record: Any, catalog: Catalog | None
) -> list[RelatedTarget]:
    """Every related record or list reachable from one record (for "Open related" menus)."""
    targets: list[RelatedTarget] = []
    for link in endpoint.links:
        targets.extend(targets_for_link(link, value_at(record, link.source_field), catalog))
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
