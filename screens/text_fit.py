"""A button whose text would not fit its size (a long service name in large text) gets smaller type, to a floor."""
from __future__ import annotations

from kivy.clock import Clock

STEP = 2  # px: tried from the nominal size down
MARGIN = 8  # px kept clear above and below the text


def shrink_to_fit(button, floor: float) -> None:
    """Keep the button's font size, or the largest below it (not under `floor`) at which its text fits in full.

    Measured again from the nominal size each time the button is resized (after its kv rules have set the wrapping
    width), so a size seen while the layout settles leaves no smaller type behind."""
    nominal = button.font_size

    def fits() -> bool:
        width, height = button.texture_size
        return height <= button.height - MARGIN and width <= button.width

    def fit(*_args) -> None:
        button.font_size = nominal
        button.texture_update()
        while not fits() and button.font_size - STEP >= floor:
            button.font_size -= STEP
            button.texture_update()

    trigger = Clock.create_trigger(fit)
    button.bind(size=lambda *_args: trigger())
    trigger()
