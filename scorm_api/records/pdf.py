"""The records as PDF, with ReportLab: pure Python (it runs in the PyInstaller binary and needs
no network or system library), long tables split across pages with their header repeated,
TrueType fonts embedded (subset). The font is DejaVu Sans, vendored (packaging/vendor.json):
it covers the Latin, Greek and Cyrillic names learners have, and a PDF that relied on the
reader's fonts would print differently on every machine.

Every page's footer carries the verification code; the document's keywords carry it too, where
`scorm-api verify-record` finds it when the file's bytes no longer match (an altered copy)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from scorm_api.records import shown
from scorm_api.records.figures import RESULT_RULE, TIME_RULE, Compliance, Transcript

FONTS = Path(__file__).parent / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
CODE_KEYWORD = "scorm-api-record:"  # then the code, in the document's keywords


@cache
def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    # <b> in a paragraph; there is no italic in these records
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


@cache
def _styles() -> dict:
    from reportlab.lib.styles import ParagraphStyle

    _fonts()  # before a style names them
    base = ParagraphStyle("base", fontName=REGULAR, fontSize=9, leading=11.5)
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=16, leading=20, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2", base, fontName=BOLD, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4
        ),
        "small": ParagraphStyle("small", base, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=10),
        "head": ParagraphStyle("head", base, fontName=BOLD, fontSize=8, leading=10),
    }


def _p(text: str, style: str = "cell"):
    from reportlab.platypus import Paragraph

    return Paragraph(text, _styles()[style])


def _t(text: str | None, style: str = "cell"):
    """User text (names, titles) in a paragraph: escaped, so `<b>` in a name stays text."""
    return _p(escape(text or ""), style)


def _table(rows: list[list], widths: list[float]):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    head = [[_p(escape(h), "head") if isinstance(h, str) else h for h in rows[0]]]
    body = [[_t(c) if isinstance(c, str) else c for c in r] for r in rows[1:]]
    table = Table(head + body, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), REGULAR, 8),  # a cell's default is Helvetica
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#9a9a9a")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f1f1f1")]),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _document(title: str, issuer: str, code: str, story: list, landscape_page: bool, subject: str) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    _fonts()
    size = landscape(A4) if landscape_page else A4
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=size,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=issuer,
        subject=subject,
        creator="SCORM API appliance",
        keywords=f"{CODE_KEYWORD}{code}",
        # The canvas starts in our font: its default (Helvetica) would be named, not embedded.
        initialFontName=REGULAR,
    )

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 7.5)
        y = 11 * mm
        canvas.drawString(16 * mm, y, f"Verification code {code}  ·  issued by {issuer[:80]}")
        canvas.drawRightString(size[0] - 16 * mm, y, f"Page {document.page}")
        canvas.drawString(
            16 * mm,
            y - 9,
            "Check it: scorm-api verify-record FILE, or the dashboard's Verify a record page, "
            "on the issuing appliance.",
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _heading(title: str, lines: list[str], code: str) -> list:
    from reportlab.platypus import Spacer

    story = [_p(escape(title), "title")]
    story += [_p(line, "base") for line in lines]
    story += [_p(f"Verification code: <b>{escape(code)}</b>", "base"), Spacer(1, 6)]
    return story


def _rules(extra: list[str]) -> list:
    return [
        _p("How this record was counted", "h2"),
        *(_p(escape(r), "small") for r in [TIME_RULE, RESULT_RULE, *extra]),
    ]


def transcript(t: Transcript, issuer: str, code: str) -> bytes:
    from reportlab.lib.units import mm

    who = escape(t.name or t.learner_id)
    story = _heading(
        "Training transcript",
        [
            f"Learner: <b>{who}</b> (id {escape(t.learner_id)})" if t.name else f"Learner: <b>{who}</b>",
            f"Issued by {escape(issuer)} on {shown.when(t.generated_at)} (all times UTC)",
            f"Courses: {len(t.courses)}  ·  completed or passed: {t.completed}  ·  passed: {t.passed}  ·  "
            f"total time: <b>{shown.duration(t.total_seconds)}</b>",
        ],
        code,
    )
    rows: list[list] = [["Course", "Result", "Score", "Completed", "Attempts", "Time"]]
    for c in t.courses:
        b = c.best
        rows.append(
            [
                c.title,
                b.result,
                shown.score(b.score_scaled, b.score_raw),
                shown.minute(b.completed_at),
                str(len(c.attempts)),
                shown.duration(c.seconds),
            ]
        )
    rows.append(
        [
            _p("<b>Total</b>"),
            "",
            "",
            "",
            str(sum(len(c.attempts) for c in t.courses)),
            _p(f"<b>{shown.duration(t.total_seconds)}</b>"),
        ]
    )
    story += [_p("Courses", "h2"), _table(rows, [70 * mm, 18 * mm, 14 * mm, 32 * mm, 21 * mm, 20 * mm])]
    detail: list[list] = [["Course", "#", "Started", "Completed", "Result", "Score", "Time"]]
    for c in t.courses:
        for a in c.attempts:
            detail.append(
                [
                    c.title,
                    str(a.number),
                    shown.minute(a.started_at),
                    shown.minute(a.completed_at),
                    a.result,
                    shown.score(a.score_scaled, a.score_raw),
                    shown.duration(a.seconds) if a.time_reported else "not reported",
                ]
            )
    story += [
        _p("Attempts", "h2"),
        _table(detail, [56 * mm, 8 * mm, 32 * mm, 32 * mm, 16 * mm, 14 * mm, 20 * mm]),
    ]
    if not t.courses:
        story.append(_p("No course attempts are recorded for this learner.", "base"))
    story += _rules([])
    return _document(
        f"Training transcript: {t.name or t.learner_id}", issuer, code, story, False, t.learner_id
    )


def compliance(r: Compliance, issuer: str, code: str) -> bytes:
    from reportlab.lib.units import mm

    period = shown.period(r.since, r.until)
    story = _heading(
        r.title,
        [
            f"Issued by {escape(issuer)} on {shown.when(r.generated_at)} (all times UTC)",
            f"Period: <b>{escape(period)}</b>  ·  required courses: {len(r.courses)}  ·  "
            f"learners: {len(r.rows)}  ·  compliant: <b>{r.compliant}</b>  ·  "
            f"total time: {shown.duration(r.total_seconds)}",
        ],
        code,
    )
    story.append(_p("Required courses", "h2"))
    story.append(
        _table(
            [["#", "Course"], *([str(i + 1), title] for i, (_, title) in enumerate(r.courses))],
            [10 * mm, 150 * mm],
        )
    )
    n = len(r.courses)
    # Landscape A4 less margins is 265 mm: learner 60, hours 16, missing 40, the rest shared.
    course_w = min(32.0, (265 - 60 - 16 - 40) / max(n, 1)) * mm
    head = ["Learner", *(f"#{i + 1}" for i in range(n)), "Hours", "Missing"]
    rows: list[list] = [head]
    for row in r.rows:
        cells = [_cell_text(c) for c in row.cells]
        # By number: the numbered list above names them, and a row stays one line high.
        missing = [f"#{i + 1}" for i, c in enumerate(row.cells) if not c.met]
        rows.append(
            [
                _t(f"{row.name} ({row.learner_id})" if row.name else row.learner_id),
                *cells,
                shown.hours(row.seconds),
                _t(" ".join(missing) if missing else "nothing"),
            ]
        )
    story += [_p("Learners", "h2"), _table(rows, [60 * mm, *([course_w] * n), 16 * mm, 40 * mm])]
    if not r.rows:
        story.append(_p("No learners are recorded.", "base"))
    story += _rules(
        [
            "A required course is met when an attempt was completed or passed, and its completion "
            "falls inside the period. Hours are the time of the attempts active in the period, "
            "counted whole; each cell shows the result, the completion date and the score.",
        ]
    )
    return _document(r.title, issuer, code, story, True, period)


def _cell_text(c) -> object:
    mark = "✓ " if c.met else "✗ "
    parts = [f"<b>{mark}{escape(c.result)}</b>"]
    if c.completed_at:
        parts.append(shown.day(c.completed_at))
    if c.score_scaled is not None:
        parts.append(shown.score(c.score_scaled))
    return _p("<br/>".join(parts))
