"""Render the app icon's PNG sizes, .ico and .icns from its SVG source (and a contact sheet).

    .venv/bin/python scripts/make_icons.py            # rewrite resources/icons/{png/,explorer.ico,explorer.icns}
    .venv/bin/python scripts/make_icons.py --sheet /tmp/icons.png   # also draw every icon on one image

The generated files are committed, so building the app never needs this script. It uses only
PySide6 (QtSvg renders, QtGui writes PNG); the .ico and .icns containers are written here because
both simply wrap PNG data: ICO entries may be PNG since Windows Vista, ICNS entries since macOS 10.7.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
APP_SVG = ICONS / "explorer.svg"
# Hand-simplified drawing for the tiny sizes, where the full drawing's detail turns to mush.
APP_SVG_SMALL = ICONS / "explorer-small.svg"
SMALL_SIZES = frozenset({16, 24})
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS entry types that may hold PNG data, with their pixel size (the @2x types repeat sizes).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG file")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def app_icon(size: int) -> QImage:
    return render(APP_SVG_SMALL if size in SMALL_SIZES else APP_SVG, size)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 6.12 wants str here although its stubs say bytes.
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise SystemExit("Qt could not encode a PNG image")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file with one PNG-compressed entry per size (256 is written as 0, per the format)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, payload = b"", b""
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset + len(payload))
        payload += png
    return header + entries + payload


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file: big-endian 4-byte type + length (including the 8-byte header) per entry."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_if_changed(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    sys.stdout.write(f"wrote {path.relative_to(ICONS.parent.parent)}\n")


def generate() -> None:
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: png_bytes(app_icon(size)) for size in sizes}
    for size in PNG_SIZES:
        write_if_changed(ICONS / "png" / f"explorer-{size}.png", pngs[size])
    write_if_changed(ICONS / "explorer.ico", ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    write_if_changed(ICONS / "explorer.icns", icns_bytes(pngs))


def contact_sheet(out: Path) -> None:
    """The app icon at each size, then the toolbar icons at 16, 24 and 48 px on three backgrounds."""
    toolbar = sorted((ICONS / "toolbar").glob("*.svg"))
    cell, band, margin, app_height = 112, 92, 16, 300
    width = len(toolbar) * cell + 2 * margin
    sheet = QImage(width, app_height + 3 * band, QImage.Format.Format_ARGB32_Premultiplied)
    sheet.fill(QColor("#ffffff"))
    painter = QPainter(sheet)
    painter.setFont(QFont("sans", 8))
    painter.setPen(QColor("#6b7280"))
    x = margin
    for size in PNG_SIZES[:-1]:
        painter.drawImage(x, margin, app_icon(size))
        painter.drawText(x, margin + 272, f"{size} px")
        x += max(size, 40) + 24
    for row, background in enumerate(("#ffffff", "#e5e7eb", "#1f2937")):
        top = app_height + row * band
        painter.fillRect(0, top, width, band, QColor(background))
        painter.setPen(QColor("#9ca3af"))
        for column, svg in enumerate(toolbar):
            left = margin + column * cell
            for size, dx in ((16, 0), (24, 22), (48, 54)):
                painter.drawImage(left + dx, top + 10, render(svg, size))
            painter.drawText(left, top + 80, svg.stem)
    painter.end()
    if not sheet.save(str(out)):
        raise SystemExit(f"could not write {out}")
    sys.stdout.write(f"wrote {out}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheet", type=Path, help="also draw every icon onto this PNG file")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window is shown
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    generate()
    if args.sheet:
        contact_sheet(args.sheet)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
