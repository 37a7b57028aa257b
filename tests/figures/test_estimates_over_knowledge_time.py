"""The estimate chart's overlay of an earlier knowledge time (issue 17): faint dotted lines per claimant."""

from __future__ import annotations

import pandas as pd

from dashboard.figures import estimate_chart, estimate_series


def _claims(make_events, rows):
    return make_events(
        [
            {"event_date": d, "category": "deployment", "subcategory": "in_russia", "claimant": c, "figure_best": b}
            | {"unit": "troops"}
            for d, c, b in rows
        ]
    )


def test_the_earlier_state_is_a_faint_dotted_line_in_the_claimants_colour(make_events):
    now = estimate_series(
        _claims(make_events, [("2024-10-18", "NIS", 11000), ("2024-12-01", "NIS", 12000), ("2024-11-01", "HUR", 9000)]),
        "troops_in_russia",
    )
    then = estimate_series(
        _claims(make_events, [("2024-10-18", "NIS", 10000), ("2024-11-01", "<b>x</b>", 1)]), "troops_in_russia"
    )
    before = then.copy(deep=True)
    fig = estimate_chart(now, "troops_in_russia", earlier=then, earlier_label="as known on 2024-11-15")
    pd.testing.assert_frame_equal(then, before)  # the input is left alone
    earlier = [t for t in fig.data if t.meta == "earlier"]
    assert [t.name for t in earlier] == ["NIS · as known on 2024-11-15"]  # a claimant only then is not drawn
    line = {t.name: t for t in fig.data if t.mode == "lines+markers"}["NIS"]
    assert earlier[0].line.color == line.line.color and earlier[0].line.dash == "dot" and earlier[0].opacity < 1
    assert list(earlier[0].y) == [10000] and list(line.y) == [11000, 12000]
    assert earlier[0].hovertemplate.startswith("%{fullData.name}")
    assert any(t.name == "as known on 2024-11-15" and t.line.dash == "dot" for t in fig.data)  # the legend key

    plain = estimate_chart(now, "troops_in_russia")
    assert not [t for t in plain.data if t.meta == "earlier"]
    assert len(plain.data) == len(fig.data) - 2
