"""The network drawing: nodes filled by activation, edges coloured by weight, gradient or update.

The view composes the parts in ``gui/network/``: the layout (geometry, no Qt), the edges, the
nodes, the captions, the overlays (stage shading, selection), the check's marks and the colour
bars. It collects what each part shows from the controller's snapshot and forwards the mouse.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from engine import GradstepError, ParameterRef, Snapshot
from gui.colormap import BUCKETS, position_indices
from gui.network import editing
from gui.network.captions import Captions
from gui.network.chain_labels import ChainLabels
from gui.network.chain_terms import ChainTerm, chain_terms
from gui.network.color_bar import ColorBar
from gui.network.edges import Edges, qrect
from gui.network.fitting import fit_rect, view_stretch
from gui.network.header import NetworkHeader
from gui.network.hits import Hit, hit_test
from gui.network.label_board import LabelBoard, TextLabel, ViewScale
from gui.network.layout import NetworkLayout, layout_network
from gui.network.marks import CheckMarks, check_marks_fit
from gui.network.nodes import Nodes
from gui.network.overlays import Selection, StageShading
from gui.network.painting import uncached
from gui.network.style import SMOOTH_EDGES, Theme, theme_for
from gui.network.tooltips import describe
from gui.network.values import (
    COLOR_MODES,
    DEFAULT_SCALE_MODE,
    SCALE_MODES,
    ColorScale,
    Values,
    color_scale,
    colored_values,
    deltas,
    node_scale,
    node_values,
    scale_kind,
)
from gui.png import save_png, save_svg

if TYPE_CHECKING:
    from engine.core.records import Params
    from engine.learner.check import LayerMarks
    from gui.controller import SessionController

Array = NDArray[np.float64]

HOVER_PIXELS = 5.0  # how near the pointer must be to an edge to pick it

__all__ = ["COLOR_MODES", "SCALE_MODES", "Hit", "NetworkView"]


class NetworkView(QWidget):
    """The network of the controller's session, redrawn from each snapshot."""

    scale_mode_changed = Signal(str)  # "layer" | "symlog": how gradients and updates are scaled

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.digits = 6  # significant digits in tooltips (the window's number format)
        self._layout: NetworkLayout | None = None
        self._activations: tuple[str, ...] = ()
        self._loss = ""  # the loss the drawing was made for (its header names it)
        self._snapshot: Snapshot | None = None
        self._edge_values: Values = {}
        self._node_values: dict[int, Array | None] = {}
        self._scale: ColorScale | None = None
        self._scale_mode = DEFAULT_SCALE_MODE
        self._theme: Theme | None = None
        self._marks: tuple[LayerMarks, ...] | None = None
        self.header = NetworkHeader()
        self._build_drawing()
        self.header.color_box.currentIndexChanged.connect(self._on_color_box_changed)
        self.header.scale_box.currentIndexChanged.connect(self._on_scale_box_changed)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_palette_changed)
        self.header.sample_box.valueChanged.connect(self._on_sample_box_changed)
        self.header.fit_button.clicked.connect(self.fit)
        scene = self.plot.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)
        controller.stage_changed.connect(self._on_stage_changed)
        controller.session_replaced.connect(self._on_session_replaced)
        controller.selection_changed.connect(self._on_selection_changed)
        controller.color_by_changed.connect(self._on_color_by_changed)
        controller.sample_changed.connect(self._on_sample_changed)
        controller.running_changed.connect(self._on_running_changed)
        self.view_box.sigRangeChanged.connect(self._on_view_changed)
        self.view_box.sigResized.connect(self._on_view_resized)
        self.view_box.sigRangeChangedManually.connect(self._on_view_moved)
        self._on_session_replaced()
        self._apply_theme()

    # ---- building ----

    def _build_drawing(self) -> None:
        """The plot, the parts drawn in it (they live as long as the view), the colour bars."""
        self.plot = pg.PlotWidget(background="w")
        self.plot.setAntialiasing(True)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseTracking(True)
        self.view_box: pg.ViewBox = self.plot.getViewBox()
        self.view_box.setAspectLocked(True)
        self.view_box.setDefaultPadding(0.02)
        self.shading = StageShading(self.view_box)
        self.edges = Edges(self.view_box)
        self.selection = Selection(self.view_box)
        self.nodes = Nodes(self.view_box)
        self.captions = Captions(self.view_box)
        self.check_marks = CheckMarks(self.view_box)
        self.chain = ChainLabels(self.view_box)
        self.labels = LabelBoard()
        self._arranged: object = None  # what the labels were last placed for
        self._fitted = True  # the view shows the whole network: a resize fits it again
        self._fitted_size = (0.0, 0.0)  # the view box's size at the last fit
        # A resize lays the network out again only once the event loop is back: the resize may
        # come while Qt paints or grabs the scene, and the drawing's items must not go then.
        # A single-shot 0 ms timer also makes one re-layout of a burst of resizes.
        self._restretch_timer = QTimer(self)
        self._restretch_timer.setSingleShot(True)
        self._restretch_timer.setInterval(0)
        self._restretch_timer.timeout.connect(self._on_restretch_due)
        self.edge_bar = ColorBar()
        self.node_bar = ColorBar(legend=True)  # with the legend of the bias squares and the loss
        bars = QVBoxLayout()
        bars.setContentsMargins(0, 4, 4, 4)
        for bar in (self.edge_bar, self.node_bar):
            # below this a bar paints its title but no gradient: the view keeps the room instead
            bar.setMinimumHeight(bar.minimumSizeHint().height())
            bars.addWidget(bar, 1)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.plot, 1)
        body.addLayout(bars)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addLayout(body, 1)

    def set_network(
        self, sizes: tuple[int, ...], activations: tuple[str, ...], biased: tuple[bool, ...] | None = None
    ) -> None:
        """Lay out a network of ``sizes`` (input first) with one activation per layer, biases
        where ``biased`` says (None: every layer)."""
        if len(activations) != len(sizes) - 1:
            raise ValueError("one activation per layer expected")
        layout = layout_network(sizes, biased)
        stretch = view_stretch(layout, self.view_box.width(), self.view_box.height())
        drawn = self._layout
        loss = self._controller.config.loss
        # A network of the same shape (Apply of new data or a new learning rate, a file of the
        # same network opened) keeps its drawing: the next snapshot recolours it. Making it anew
        # took 30-50 ms of the window's thread.
        if not (
            drawn is not None
            and (drawn.sizes, drawn.biased, drawn.stretch) == (layout.sizes, layout.biased, stretch)
            and (self._activations, self._loss) == (activations, loss)
        ):
            self._activations, self._loss = activations, loss
            self._lay_out(layout if stretch == layout.stretch else layout_network(sizes, biased, stretch))
        self.header.reset()
        self.fit()

    def _lay_out(self, layout: NetworkLayout) -> None:
        """Make every part of the drawing for ``layout`` (a new network, or the same stretched)."""
        self._layout = layout
        self.captions.clear()
        self.chain.clear()
        self.labels.forget()
        self._arranged = None
        self.edges.set_layout(layout)
        for layer in layout.band_rects:
            self.captions.add_band_caption(layout, layer)
        self.nodes.set_layout(layout)
        for column in range(len(layout.sizes)):
            self.captions.add_header(layout, column, self._activations)
            self.nodes.add_labels(layout, column)
        self.nodes.add_loss_labels(layout)
        self.captions.add_loss_header(layout, self._loss)
        self.shading.reset()
        self.selection.set_layout(layout, layout.x0.size <= SMOOTH_EDGES)
        self.selection.draw(layout, self._controller.selection)  # depends on the layout alone

    def scene_bounds(self) -> QRectF:
        """The rectangle the network occupies (view coordinates)."""
        return QRectF(0, 0, 1, 1) if self._layout is None else qrect(self._layout.scene_bounds())

    def fit(self) -> None:
        """Show the whole network, its gaps stretched to the view's shape, with room for its
        headers and captions at this size (and again whenever the view is resized, until the user
        zooms or pans)."""
        self._fitted = True
        self._restretch_timer.stop()  # done now
        if not self.isVisible():  # fitted when shown (showEvent), at the size it is shown at
            self.view_box.disableAutoRange()  # as a fit does: the range is the fit's, not the items'
            return
        self._restretch()
        self._fit_range()
        self.arrange_labels()  # (a range unchanged by a new layout signals nothing)

    def _fit_range(self) -> None:
        """Show the network as laid out now, with room for its headers and captions."""
        width, height = self._fitted_size = (self.view_box.width(), self.view_box.height())
        shown = self.scene_bounds() if self._layout is None else qrect(fit_rect(self._layout, width, height))
        self.view_box.setRange(rect=shown, padding=0.02)

    def _restretch(self) -> bool:
        """Lay the network out again when the view's shape calls for other horizontal gaps,
        keeping what it shows (the stretch is quantised: most resizes change nothing); whether
        it did. Never from within a resize or a paint: it replaces items of the scene."""
        layout = self._layout
        if layout is None:
            return False
        stretch = view_stretch(layout, self.view_box.width(), self.view_box.height())
        if stretch == layout.stretch:
            return False
        self._lay_out(layout_network(layout.sizes, layout.biased, stretch))
        self.check_marks.draw(self._layout, self._marks)
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)
        return True

    # ---- drawing a snapshot ----

    def show_snapshot(self, snap: Snapshot) -> None:
        """Redraw from ``snap`` and the controller's colour mode and sample (what is unchanged stays)."""
        layout = self._layout
        if layout is None:
            return
        self._snapshot = snap
        mode = self._controller.color_by
        record = snap.record
        sample = min(self._controller.sample, record.inputs.shape[0] - 1)
        edge_values, bias_values = colored_values(snap, mode, self._controller.last_update())
        self._edge_values = edge_values
        self._scale = color_scale(edge_values, bias_values, scale_kind(mode, self._scale_mode))
        self.edge_bar.set_color_scale(COLOR_MODES[mode], self._scale)
        self.edges.draw(
            edge_values, bias_values, self._scale or ColorScale("linear", 1.0), self._glowing(snap)
        )
        self._node_values = node_values(record, sample)
        scale = node_scale(self._node_values)
        self.node_bar.set_scale("activation a (sample)", scale)
        loss = None if record.loss is None else record.loss.loss
        self.nodes.draw(self._node_values, scale, deltas(record, sample), loss)
        self.shading.draw(layout, snap, self._controller.breakpoint_hit)
        self.header.show_snapshot(snap, sample)
        self._show_chain(snap, sample)
        self.arrange_labels()

    def _show_chain(self, snap: Snapshot, sample: int) -> None:
        """Label the selected parameter's path with its factors (the chain panel's explanation)."""
        layout = self._layout
        ref = self._controller.selection
        terms: list[ChainTerm] = []
        # (a selection may change while a new session is replacing the one drawn: no chain then)
        if (
            layout is not None
            and ref is not None
            and not self._controller.running
            and layout.sizes == self._controller.config.sizes
        ):
            try:
                explanation = self._controller.explain(ref)
            except GradstepError:  # a selection the session no longer has: no chain to show
                explanation = None
            if explanation is not None:
                terms = chain_terms(explanation, sample, layout, snap.shown_record())
        self.chain.show(terms)

    # ---- labels ----

    def arrange_labels(self) -> None:
        """Place every label clear of the others and of the nodes, at the current zoom."""
        layout = self._layout
        if layout is None:
            return
        if not self.isVisible():  # placed when shown (showEvent), at the size it is shown at
            self._arranged = None
            return
        scale = ViewScale.of(self.view_box)
        if not scale.pixels or not np.isfinite([scale.sx, scale.sy, scale.ox, scale.oy]).all():
            return  # not laid out on screen yet
        labels = [
            *self.captions.text_labels(scale),
            *self.nodes.name_labels(),
            *self.chain.text_labels(),
            *self.nodes.loss_label(),
            *self.nodes.value_labels(),
            *self._stage_label(layout),  # last: it changes every step, the labels before it keep their places
        ]
        bounds = self.view_box.sceneBoundingRect()
        placed_for = (scale, bounds, tuple((x.key, x.variants, x.anchor) for x in labels))
        if placed_for == self._arranged:
            return
        self._arranged = placed_for
        self.labels.arrange(layout, scale, labels, bounds=bounds)

    def _stage_label(self, layout: NetworkLayout) -> list[TextLabel]:
        """The name of the stage just run, under its shaded columns."""
        snap = self._snapshot
        item = self.shading.stage_text
        last = None if snap is None else snap.last_stage
        if last is None or not item.toPlainText():
            return []
        left, right = layout.stage_span(last.kind, last.layer)
        anchor = ((left + right) / 2, layout.scene_bounds().y)
        return [TextLabel("stage", "stage", item, anchor, (item.toPlainText(),), ("above",))]

    def text_labels(self) -> list[tuple[TextLabel, QRectF]]:
        """Every label shown, with its box in scene pixels (for tests and tooltips)."""
        return self.labels.shown()

    @property
    def chain_terms(self) -> list[ChainTerm]:
        """The factors the drawing labels along the selected parameter's path."""
        return self.chain.terms

    # ---- colour scale and theme ----

    @property
    def theme(self) -> Theme | None:
        """The colours drawn with: light, or dark when the palette is (None before the first draw)."""
        return self._theme

    @property
    def scale_mode(self) -> str:
        """How gradients and updates are scaled: "layer" (each layer its own) or "symlog"."""
        return self._scale_mode

    def set_scale_mode(self, mode: str) -> None:
        """Scale gradients, updates and δ rings by ``mode`` ("layer" or "symlog") and redraw."""
        if mode not in SCALE_MODES:
            raise ValueError(f"unknown colour scale {mode!r} (expected one of: {', '.join(SCALE_MODES)})")
        if mode == self._scale_mode:
            return
        self._scale_mode = mode
        self.header.set_scale_mode(mode)
        self.nodes.set_scale_mode(mode)
        self.show_snapshot(self._controller.snapshot())
        self.scale_mode_changed.emit(mode)

    def _apply_theme(self) -> None:
        """Follow the palette: a dark one gets the dark background and the dark map."""
        theme = theme_for(self.palette())
        if theme != self._theme:
            self._theme = theme
            self.plot.setBackground(theme.background)
            self.edges.set_theme(theme)
            self.nodes.set_theme(theme)
            self.shading.set_theme(theme)
            self.captions.set_color(theme.caption)
            for bar in (self.edge_bar, self.node_bar):
                bar.set_theme(theme)
        self.show_snapshot(self._controller.snapshot())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        # hidden, the view neither fits nor places labels: a launch builds it before it has a size
        if self._fitted:
            self.fit()  # places the labels too
        else:
            self.arrange_labels()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._on_palette_changed()

    def _on_palette_changed(self) -> None:
        self._apply_theme()

    def _glowing(self, snap: Snapshot) -> Params | None:
        """The last update's change while the update is the stage just run, else None."""
        if snap.last_stage is None or snap.last_stage.kind != "update":
            return None
        update = self._controller.last_update()
        return None if update is None else update[1]

    # ---- reading what is drawn (tests, tooltips, exports) ----

    @property
    def network_layout(self) -> NetworkLayout | None:
        """The geometry of the network drawn (None before the first network)."""
        return self._layout

    @property
    def relayout_pending(self) -> bool:
        """Whether a resize's new gaps are still to be laid out (they wait for the event loop)."""
        return self._restretch_timer.isActive()

    @property
    def sizes(self) -> tuple[int, ...]:
        return () if self._layout is None else self._layout.sizes

    def edge_values(self, layer: int) -> Array | None:
        """The values layer ``layer``'s edges are coloured by (None: pending)."""
        return self._edge_values.get(layer)

    def node_values(self, column: int) -> Array | None:
        """The activations filling column ``column``'s nodes (None: pending)."""
        return self._node_values.get(column)

    def edge_buckets(self, layer: int) -> NDArray[np.intp] | None:
        """The colour bucket of each of layer ``layer``'s edges, shaped like its weights."""
        values = self._edge_values.get(layer)
        if values is None or self._scale is None:
            return None
        return position_indices(self._scale.positions(values, layer), BUCKETS)

    @property
    def color_scale(self) -> float | None:
        """The largest magnitude the edges show (None: pending)."""
        return None if self._scale is None else self._scale.peak

    @property
    def edge_color_scale(self) -> ColorScale | None:
        """The scale the edges and biases are coloured on (None: pending)."""
        return self._scale

    def parameter_point(self, ref: ParameterRef) -> QPointF:
        """Where ``ref`` is drawn, in view coordinates (a point on its edge, pixel or square)."""
        if self._layout is None:
            return QPointF()
        return QPointF(*self._layout.parameter_point(ref))

    def viewport_point(self, ref: ParameterRef) -> QPoint:
        """Where ``ref`` is on screen, in the plot's viewport coordinates."""
        scene = self.view_box.mapViewToScene(self.parameter_point(ref))
        point: QPoint = self.plot.mapFromScene(scene)
        return point

    def hit_test(self, point: QPointF, tolerance: float) -> Hit | None:
        """What is drawn at ``point`` (view coordinates), within ``tolerance`` for thin edges."""
        if self._layout is None:
            return None
        return hit_test(self._layout, point.x(), point.y(), tolerance)

    def hover_tolerance(self) -> float:
        """How near the pointer must be to an edge to pick it, in view units."""
        px, _ = self.view_box.viewPixelSize()
        return float(HOVER_PIXELS * px)

    def describe(self, hit: Hit) -> str:
        """The tooltip text of ``hit``: value, gradient and last update."""
        snap = self._snapshot or self._controller.snapshot()
        sample = min(self._controller.sample, snap.record.inputs.shape[0] - 1)
        update = self._controller.last_update()
        return describe(hit, snap, sample, update, self._activations, self.digits)

    # ---- check marks (File > Check my code) ----

    @property
    def marks(self) -> tuple[LayerMarks, ...] | None:
        """The gradient elements marked as disagreeing with the learner's code."""
        return self._marks

    def set_marks(self, marks: tuple[LayerMarks, ...] | None) -> None:
        """Mark the weights and biases whose gradient disagrees (None clears the marks)."""
        if marks is not None:
            check_marks_fit(marks, self.sizes)
        self._marks = marks
        self.check_marks.draw(self._layout, marks)

    def mark_segments(self) -> Array:
        """The marked line edges as drawn: one row (x0, y0, x1, y1) per edge, view coordinates."""
        return self.check_marks.segments()

    # ---- exports ----

    def export_png(self, path: Path) -> None:
        """Save the drawing with its colour bars as a PNG; raises GradstepError."""
        save_png(self.grab().toImage(), path)

    def export_svg(self, path: Path) -> None:
        """Save the drawing as an SVG (vector edges and nodes); raises GradstepError."""

        def render(painter: QPainter) -> None:
            with uncached(self.plot.scene()):
                self.plot.render(painter)

        save_svg(render, self.plot.viewport().size(), "Gradstep network", path)

    # ---- handlers ----

    def _on_session_replaced(self) -> None:
        config = self._controller.config
        self.set_network(config.sizes, tuple(layer.activation for layer in config.layers), config.biased)

    def _on_stage_changed(self) -> None:
        self.show_snapshot(self._controller.snapshot())

    def _on_selection_changed(self, ref: object) -> None:
        self.selection.draw(self._layout, self._controller.selection)
        self._refresh_chain()

    def _on_running_changed(self, running: bool) -> None:
        if running:  # the chain goes while a run goes; at its end stage_changed redraws it all
            self._refresh_chain()

    def _refresh_chain(self) -> None:
        """The chain of a new selection, or none while a run goes (the rest of the drawing stands)."""
        if self._snapshot is not None:
            snap = self._controller.snapshot()  # the record the controller explains
            self._show_chain(snap, min(self._controller.sample, snap.record.inputs.shape[0] - 1))
            self.arrange_labels()

    def _on_view_changed(self, *args: object) -> None:
        if self._fitted and (self.view_box.width(), self.view_box.height()) != self._fitted_size:
            return  # resized: sigResized follows, fits the network again and places the labels then
        self.arrange_labels()

    def _on_view_resized(self) -> None:
        # the labels keep their pixel size: a fitted network is fitted again to keep their room,
        # as laid out now; new gaps for the new shape wait for the event loop (_restretch_timer)
        if self._fitted:
            self._fit_range()
            self._restretch_timer.start()
        self.arrange_labels()

    def _on_restretch_due(self) -> None:
        """After a resize: the gaps for the view's new shape, unless the user has zoomed or panned since."""
        if self._fitted and self._restretch():
            self._fit_range()
            self.arrange_labels()

    def _on_view_moved(self, *args: object) -> None:
        self._fitted = False  # the user's zoom or pan stays: no fit, no new gaps under them
        self._restretch_timer.stop()

    def _on_color_by_changed(self, mode: str) -> None:
        self.header.set_color_mode(mode)
        self.show_snapshot(self._controller.snapshot())

    def _on_sample_changed(self, sample: int) -> None:
        self.show_snapshot(self._controller.snapshot())

    def _on_color_box_changed(self, index: int) -> None:
        self._controller.set_color_by(str(self.header.color_box.itemData(index)))

    def _on_scale_box_changed(self, index: int) -> None:
        self.set_scale_mode(str(self.header.scale_box.itemData(index)))

    def _on_sample_box_changed(self, value: int) -> None:
        self._controller.set_sample(value)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if not self.plot.sceneBoundingRect().contains(scene_pos):
            return
        label = self.labels.label_at(scene_pos)
        if label is not None and label.tooltip and not self._controller.running:
            QToolTip.showText(QCursor.pos(), label.tooltip, self.plot)
            return
        hit = self.hit_test(self.view_box.mapSceneToView(scene_pos), self.hover_tolerance())
        if hit is None or self._controller.running:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), self.describe(hit), self.plot)

    def _on_mouse_clicked(self, event: MouseClickEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.view_box.mapSceneToView(event.scenePos())
        hit = self.hit_test(point, self.hover_tolerance())
        ref = None if hit is None else hit.ref
        if event.double():
            if ref is not None:
                self.edit_parameter(ref)
            return
        self._controller.select(ref)

    def edit_parameter(self, ref: ParameterRef) -> None:
        """Ask for a new value of ``ref`` and hand it to the engine."""
        editing.edit_parameter(self, self._controller, ref, self.digits)
