"""Welcome page: the four ways in, by button and by clicking the card; busy while starting."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from explorer.ui.welcome import WelcomePage

CARDS = (
    ("scalepad", "scalepad_requested", "Connect to ScalePad"),
    ("scout", "scout_requested", "Connect to Scout"),
    ("openapi", "openapi_requested", "Any OpenAPI API"),
    ("demo", "demo_requested", "Try the offline demo"),
)


@pytest.fixture
def page(qtbot):
    widget = WelcomePage()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    return widget


@pytest.mark.parametrize(("card", "signal", "title"), CARDS)
def test_each_button_asks_for_its_way_in(page, qtbot, card, signal, title):
    panel = getattr(page, card)
    assert title in panel.findChild(type(page.status)).text()
    with qtbot.waitSignal(getattr(page, signal), timeout=1000):
        qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize(("card", "signal", "title"), CARDS)
def test_a_click_anywhere_on_the_card_works_too(page, qtbot, card, signal, title):
    panel = getattr(page, card)
    with qtbot.waitSignal(getattr(page, signal), timeout=1000):
        qtbot.mouseClick(panel, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))


def test_the_demo_is_the_default_action(page):
    assert page.demo.button.isDefault()


def test_busy_disables_the_cards_and_says_why(page, qtbot):
    page.set_busy("Starting the demo server…")
    assert page.status.text() == "Starting the demo server…"
    assert not page.demo.isEnabled()
    with qtbot.assertNotEmitted(page.demo_requested):
        qtbot.mouseClick(page.demo.button, Qt.MouseButton.LeftButton)
    page.set_busy("")
    assert page.demo.isEnabled()
    assert page.status.text() == ""
