"""Label placement without Qt: boxes clear of each other and of the nodes, shorter text when tight."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gui.network.label_layout import (
    PAD,
    Box,
    Discs,
    LabelSpec,
    Placement,
    candidate_box,
    place_labels,
    shared_widths,
)
from tests.helpers import assert_imports_without_qt


def test_boxes_sit_on_the_side_asked() -> None:
    assert candidate_box((100, 50), (40, 10), "above", 2) == Box(80, 38, 40, 10)
    assert candidate_box((100, 50), (40, 10), "below", 2) == Box(80, 52, 40, 10)
    assert candidate_box((100, 50), (40, 10), "right", 2) == Box(102, 45, 40, 10)
    assert candidate_box((100, 50), (40, 10), "left", 2) == Box(58, 45, 40, 10)
    assert candidate_box((100, 50), (40, 10), "center", 2) == Box(80, 45, 40, 10)
    assert candidate_box((100, 50), (40, 10), "above right", 10) == Box(107.071, 32.929, 40, 10)
    assert candidate_box((100, 50), (40, 10), "below left", 10) == Box(52.929, 57.071, 40, 10)
    with pytest.raises(ValueError, match="unknown side 'under'"):
        candidate_box((0, 0), (1, 1), "under", 0)


def test_touching_boxes_do_not_meet_but_closer_than_the_pad_do() -> None:
    a = Box(0, 0, 10, 10)
    assert not a.intersects(Box(10, 0, 10, 10))
    assert a.intersects(Box(9.9, 0, 10, 10))
    assert a.intersects(Box(12, 0, 10, 10), pad=3)
    assert not a.intersects(Box(0, 14, 10, 10), pad=3)


def test_a_second_label_on_the_same_anchor_takes_its_next_side() -> None:
    sides = ("below", "above", "right", "left")
    specs = [LabelSpec(k, (100, 100), ((40, 12),), sides, gap=10) for k in "abcd"]
    placed = place_labels(specs)
    assert [placed[k].side for k in "abcd"] == ["below", "above", "right", "left"]
    crowded = [LabelSpec(k, (100, 100), ((40, 12),), sides, gap=2) for k in "abc"]
    assert set(place_labels(crowded)) == {"a", "b"}  # beside, 2 pixels out, would cover both


def test_no_side_free_drops_the_label_and_shorter_text_is_tried_first() -> None:
    wall = Box(0, 0, 200, 200)
    tight = LabelSpec("x", (100, 100), ((40, 12),), ("below",))
    assert place_labels([tight], fixed=[wall]) == {}
    # a long first variant meets the neighbour; the short one fits
    neighbour = Box(100, 95, 30, 10)
    spec = LabelSpec("v", (50, 100), ((70, 10), (30, 10)), ("right",), gap=2)
    placement = place_labels([spec], fixed=[neighbour])["v"]
    assert placement.variant == 1
    assert placement.box == Box(52, 95, 30, 10)


def test_a_label_moves_along_its_alternatives_when_its_anchor_is_crowded() -> None:
    taken = Box(0, 90, 200, 30)  # everything around (100, 100)
    spec = LabelSpec("w·δ", (100, 100), ((30, 12),), ("below", "above"), 2, alternatives=((100, 200),))
    placement = place_labels([spec], fixed=[taken])["w·δ"]
    assert placement.box == Box(85, 202, 30, 12)


def test_labels_keep_clear_of_discs_but_may_cover_their_own() -> None:
    discs = Discs(np.array([100.0, 100.0]), np.array([100.0, 130.0]), np.array([8.0, 8.0]))
    below = LabelSpec("value", (100, 100), ((30, 14),), ("below", "right"), gap=8 + PAD + 1)
    placement = place_labels([below], discs)["value"]
    assert placement.side == "right"  # below would run into the second node
    name = LabelSpec("name", (100, 100), ((12, 12),), ("center",), own_disc=0)
    assert place_labels([name], discs)["name"].side == "center"
    stranger = LabelSpec("name", (100, 100), ((12, 12),), ("center",), own_disc=1)
    assert place_labels([stranger], discs) == {}


def test_many_crowded_labels_never_overlap() -> None:
    rng = np.random.default_rng(3)
    anchors = rng.uniform(0, 300, size=(80, 2))
    discs = Discs(anchors[:40, 0].copy(), anchors[:40, 1].copy(), np.full(40, 6.0))
    specs = [
        LabelSpec(i, (float(x), float(y)), ((48, 14), (30, 14)), ("below", "above", "right", "left"))
        for i, (x, y) in enumerate(anchors)
    ]
    placed = place_labels(specs, discs)
    assert 0 < len(placed) < len(specs)  # crowded: some go, some stay
    for a, b in itertools.combinations(placed.values(), 2):
        assert not a.box.intersects(b.box, PAD - 1e-9)
    for p in placed.values():
        assert not discs.meeting(p.box, PAD - 1e-9).any()


def test_a_label_without_text_or_with_an_unknown_side_is_refused() -> None:
    with pytest.raises(ValueError, match="no text"):
        LabelSpec("k", (0, 0), (), ("below",))
    with pytest.raises(ValueError, match="unknown side 'top'"):
        LabelSpec("k", (0, 0), ((1, 1),), ("top",))


def test_a_row_of_headers_shares_the_gaps_the_narrow_ones_leave() -> None:
    # wide enough apart: every text keeps its width
    assert shared_widths([0, 100, 200], [60, 60, 60], pad=0) == [60, 60, 60]
    # a narrow neighbour leaves its half of the gap to the wide one
    assert shared_widths([0, 40], [20, 100], pad=0) == [20, 60]
    # two wide ones split the gap evenly
    assert shared_widths([0, 40], [100, 100], pad=4) == [36, 36]
    widths = shared_widths([0, 60, 150, 190], [44, 110, 110, 30])
    for k in range(3):  # centred texts of these widths never meet
        assert [0, 60, 150, 190][k] + widths[k] / 2 + PAD <= [0, 60, 150, 190][k + 1] - widths[
            k + 1
        ] / 2 + 1e-9


def test_labels_stay_inside_the_view() -> None:
    view = Box(0, 0, 100, 100)
    spec = LabelSpec("x₀ value", (15, 50), ((30, 12),), ("left", "below"), gap=8)
    placement = place_labels([spec], bounds=view)["x₀ value"]
    assert placement.side == "below"  # left of a node at the view's edge would leave the view
    assert place_labels([LabelSpec("far", (500, 50), ((30, 12),), ("left", "below"))], bounds=view) == {}


def test_placement_and_the_chain_s_terms_need_no_qt() -> None:
    assert_imports_without_qt("gui.network.label_layout", "gui.network.chain_terms")


def test_a_text_shorter_but_taller_is_still_tried_everywhere() -> None:
    # the second variant is narrower but taller: it may fit where the first does not
    taken = Box(0, 60, 200, 30)
    spec = LabelSpec("k", (100, 50), ((80, 10), (20, 40)), ("above", "below"), gap=2)
    placement = place_labels([spec], fixed=[taken])["k"]
    assert (placement.variant, placement.side) == (0, "above")
    tall_room = Box(0, 0, 200, 45)  # nothing fits above now; below, only the narrow one beside the wall
    spec = LabelSpec("k", (100, 50), ((80, 10), (20, 40)), ("above", "below"), gap=2)
    assert place_labels([spec], fixed=[tall_room, Box(0, 52, 85, 60), Box(115, 52, 85, 60)])["k"].variant == 1


def test_labels_before_the_first_changed_one_keep_their_places() -> None:
    sides = ("below", "above")
    first = [LabelSpec(k, (100.0 * i, 0), ((40, 12),), sides) for i, k in enumerate("abc")]
    placed = place_labels(first)
    changed = [*first[:2], LabelSpec("c", (100, 0), ((40, 12),), sides)]  # c moves onto b
    # a stale result for the unchanged prefix is reused as it is (a and b are not placed anew)
    stale = {**placed, "b": Placement(Box(500, 500, 40, 12), 0, "below")}
    again = place_labels(changed, previous=(first, stale))
    assert again["b"].box == Box(500, 500, 40, 12)
    assert again["c"].side == "below"  # placed anew, around the reused boxes
    assert place_labels(changed)["c"].side == "above"  # (from scratch b takes the place below)


def test_checking_many_boxes_at_once_agrees_with_checking_each() -> None:
    """The placement tests a label's every side and anchor in one comparison of arrays: the same
    answers as one box at a time, bounds, boxes taken, discs and the label's own disc included."""
    from gui.network.label_layout import _Board

    rng = np.random.default_rng(5)
    for trial in range(20):
        centres = rng.uniform(0, 200, size=(12, 2))
        discs = Discs(centres[:, 0].copy(), centres[:, 1].copy(), rng.uniform(2, 9, 12))
        taken = [Box(*rng.uniform(0, 200, 2), *rng.uniform(5, 40, 2)) for _ in range(trial % 6)]
        board = _Board(discs, taken, Box(10.0, 5.0, 180.0, 190.0) if trial % 2 else None)
        boxes = [Box(*rng.uniform(-20, 210, 2), *rng.uniform(1, 50, 2)) for _ in range(60)]
        boxes.append(Box(0.0, 0.0, 0.0, 0.0))
        for own in (None, trial % 12):
            each = [board.free(box, own) for box in boxes]
            assert board.free_all(boxes, own).tolist() == each
            assert any(each)
            assert not all(each)
