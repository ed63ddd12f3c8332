"""One punctuation table for every line breaker: screens, receipt and PDFs read the same sets."""
from __future__ import annotations

from catalog import punctuation


def test_screen_receipt_and_pdf_breakers_share_the_one_table():
    import reportlab.lib.textsplit
    import reportlab.platypus.paragraph

    import pdfparts  # noqa: F401  (teaches reportlab the table on import)
    from peripherals.printer import layout
    from screens import linebreak

    assert linebreak.NO_LINE_START is layout.NO_LINE_START is punctuation.NO_LINE_START
    assert linebreak.NO_LINE_END is layout.NO_LINE_END is punctuation.NO_LINE_END
    for module in (reportlab.lib.textsplit, reportlab.platypus.paragraph):
        assert punctuation.NO_LINE_START <= set(module.ALL_CANNOT_START)


def test_the_chinese_marks_are_in_the_table_and_no_mark_is_both_opening_and_closing():
    assert set("，。、；：！？）》”") <= punctuation.NO_LINE_START
    assert set("（《“") <= punctuation.NO_LINE_END
    assert not punctuation.NO_LINE_START & punctuation.NO_LINE_END
