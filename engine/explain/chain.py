"""The chain rule for one parameter, made explicit: micrograd's "what produced this value"
record, with every factor named, valued and explained."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from engine.core.losses import LOSSES, batch_scale
from engine.core.records import ParameterRef as ParameterRef
from engine.core.records import parse_parameter as parse_parameter
from engine.explain import render
from engine.explain.notes import Notes, factor_notes, gradient_note
from engine.explain.render import latex_parameter as latex_parameter
from engine.explain.samples import Factor as Factor
from engine.explain.samples import FactorColumn, SampleList, UpstreamRows
from engine.explain.samples import SampleTerms as SampleTerms
from engine.explain.samples import UpstreamTerm as UpstreamTerm
from engine.explain.update import AdamTerms as AdamTerms
from engine.explain.update import MomentumTerms as MomentumTerms
from engine.explain.update import UpdateLine as UpdateLine
from engine.explain.update import update_line
from engine.notebook import text_html, text_markdown

if TYPE_CHECKING:
    from engine.core.config import SessionConfig
    from engine.core.records import IterationRecord, Params

Array = NDArray[np.float64]

FD_TOLERANCE = 1e-5


@dataclass(frozen=True)
class ChainExplanation:
    """The whole story of one parameter's gradient in one iteration.

    ``mistake`` is teaching mode's injected mistake (None normally); ``gradient_note`` says how
    it makes the gradient differ from the reduction of the per-sample contributions ("" when
    it does not).
    """

    ref: ParameterRef
    iteration: int
    value: float
    loss_name: str
    activation: str
    reduction: str
    scale: float
    samples: Sequence[SampleTerms]  # a SampleList: each made when read
    gradient: float | None
    finite_difference: float
    relative_error: float | None
    passed: bool | None
    update: UpdateLine | None
    mistake: str | None = None
    gradient_note: str = ""

    @property
    def pending_factors(self) -> bool:
        """Whether some factor or contribution waits for a stage that has not run."""
        if isinstance(self.samples, SampleList):
            return self.samples.pending
        return any(s.contribution is None or any(f.value is None for f in s.factors) for s in self.samples)

    def example_row(self) -> int:
        """The row of the batch a worked example ("with numbers") goes through.

        The first sample whose contribution is not zero: a sample with input 0 into the weight
        contributes ``… · 0 = 0`` and shows nothing of the chain rule. While a contribution is
        pending, a sample counts as contributing unless a factor already known is zero. When
        every sample contributes zero, row 0.
        """
        if isinstance(self.samples, SampleList):
            row = self.samples.first_contributing()
            return 0 if row is None else row
        for row, sample in enumerate(self.samples):
            if sample.contribution is not None:
                if sample.contribution != 0:
                    return row
            elif all(f.value != 0 for f in sample.factors if f.value is not None):
                return row
        return 0

    def sample_rows(self, start: int, stop: int) -> list[int]:
        """The data-set rows of the batch's samples ``start`` to ``stop`` (without making a
        SampleList's terms)."""
        if isinstance(self.samples, SampleList):
            return self.samples.rows(start, stop)
        return [s.sample for s in self.samples[start:stop]]

    def all_contribute_zero(self) -> bool:
        """Whether every sample's contribution is known and 0."""
        if isinstance(self.samples, SampleList):
            return self.samples.all_contribute_zero()
        return all(s.contribution == 0 for s in self.samples)

    def to_json(self) -> dict[str, Any]:
        """The ``gradstep chain --json`` document."""
        return render.chain_json(self)

    def to_text(self, max_samples: int | None = None) -> str:
        """A plain-text breakdown, one line per factor."""
        return render.chain_text(self, max_samples)

    def _repr_html_(self) -> str:
        """Jupyter's display: what ``gradstep chain`` prints, typeset."""
        return text_html(self._notebook_title(), self.to_text(max_samples=10))

    def _repr_markdown_(self) -> str:
        """Jupyter's display as Markdown: the LaTeX breakdown as display math, then the text."""
        return text_markdown(self._notebook_title(), self.to_text(max_samples=10), self.to_latex())

    def _notebook_title(self) -> str:
        return f"Chain rule for {self.ref.label}, iteration {self.iteration}"

    def to_latex(self, max_samples: int | None = None) -> str:
        """The breakdown as LaTeX: an ``aligned`` block (for $$ ... $$ or an equation), the
        first ``max_samples`` samples (None: all) and a line counting the rest.

        Indices are 0-based as everywhere in Gradstep: w^{(k)}_{j,i} is W[k][j,i].
        """
        return render.chain_latex(self, max_samples)


def _fused_column(record: IterationRecord, unit: int) -> Array | None:
    """dℓ/dz of a fused output: the backward stage's δ, or before it the loss stage's."""
    backward = record.backward_of(len(record.params) - 1)
    if backward is not None:
        return backward.delta[:, unit]
    if record.loss is not None and record.loss.delta is not None:
        return record.loss.delta[:, unit]
    return None


def _next_weights(record: IterationRecord, config: SessionConfig, ref: ParameterRef) -> Array | None:
    """The weights the backward pass used to reach unit j from each unit k of the next layer."""
    if ref.layer == len(config.layers) - 1:
        return None
    nxt = record.params[ref.layer + 1].weights
    upper = record.backward_of(ref.layer + 1)
    if config.mistake == "transposed_weights":
        return nxt[ref.unit, :]
    if config.mistake == "updated_weights_backprop" and upper is not None:
        return (nxt - config.optimizer.learning_rate * upper.dW)[:, ref.unit]
    return nxt[:, ref.unit]


def _column(array: Array | None, unit: int) -> Array | None:
    return None if array is None else array[:, unit]


def upstream_terms(record: IterationRecord, ref: ParameterRef, config: SessionConfig) -> UpstreamRows | None:
    """Each sample's w_kj · δ_k terms of a hidden unit's dℓ/da (None for an output unit).

    They depend on the record's parameters and the next layer's backward record only, so the
    stages of an iteration after that backward stage (and all before it) share them.
    """
    w_next = _next_weights(record, config, ref)
    if w_next is None:
        return None
    upper = record.backward_of(ref.layer + 1)
    return UpstreamRows(w_next, None if upper is None else upper.delta, int(record.inputs.shape[0]))


def _sample_terms(
    record: IterationRecord, ref: ParameterRef, notes: Notes, upstream: UpstreamRows | None
) -> SampleList:
    """Every sample's factors, upstream terms (a hidden unit) and contribution, as columns."""
    layer, unit = ref.layer, ref.unit
    a_sym, z_sym = f"a[{layer}]_{unit}", f"z[{layer}]_{unit}"
    backward = record.backward_of(layer)
    a_in = record.activation_in(layer)
    rows = int(record.inputs.shape[0])
    dz_dw = np.ones(rows) if ref.input is None else _column(a_in, ref.input)
    if notes.fused:
        factors = [FactorColumn("dl_dz", f"∂ℓ/∂{z_sym}", _fused_column(record, unit), notes.fused_note)]
    else:
        # the backward record holds dℓ/da as the backward pass used it (teaching mode may
        # inject a wrong one); before that stage, an output's comes from the loss stage
        dl_da = _column(backward.dl_da if backward is not None else None, unit)
        if upstream is None and backward is None and record.loss is not None:
            dl_da = _column(record.loss.dl_da, unit)
        if upstream is not None and dl_da is None and not notes.dl_mistaken:
            # a hidden unit's dℓ/da = Σ_k w_kj δ_k once the next layer's backward stage has its
            # δ: the same sum the unit's own backward stage computes (teaching mode aside)
            dl_da = upstream.sums
        da_dz = _column(backward.da_dz if backward is not None else None, unit)
        factors = [
            FactorColumn("dl_da", f"∂ℓ/∂{a_sym}", dl_da, notes.dl_note, notes.dl_mistaken),
            FactorColumn("da_dz", f"∂{a_sym}/∂{z_sym}", da_dz, notes.da_note, notes.da_mistaken),
        ]
    factors.append(FactorColumn("dz_dw", f"∂{z_sym}/∂{ref.label}", dz_dw, notes.dz_note))
    contribution = None if backward is None or dz_dw is None else backward.delta[:, unit] * dz_dw
    return SampleList(record.batch, factors, contribution, upstream)


def _fd_verdict(gradient: float | None, fd: float) -> tuple[float | None, bool | None]:
    """(relative error, PASS) of the gradient against its finite difference; None while pending."""
    if gradient is None:
        return None, None
    scale = max(abs(gradient), abs(fd))
    diff = abs(gradient - fd)
    relative = diff / scale if scale > 0 else 0.0
    return relative, relative <= FD_TOLERANCE or diff <= 1e-9


def explain(
    record: IterationRecord,
    ref: ParameterRef,
    config: SessionConfig,
    batch_loss: Callable[[SessionConfig, Params, Array, Array], float],
    fd: float | None = None,
    upstream: UpstreamRows | None = None,
) -> ChainExplanation:
    """Break one parameter's gradient in ``record`` into per-sample chain-rule factors.

    ``fd`` and ``upstream`` are :func:`finite_difference` and :func:`upstream_terms` of the same
    parameter in a record with the same parameters, batch and next-layer backward record, when
    the caller has them already; None computes them.

    Factors whose stage has not run yet in ``record`` are None (pending). In teaching mode
    (``config.mistake``) the factors are the ones the mistaken backward pass computed, and
    those it computes differently from the chain rule are marked and say so. A bias of a
    layer without biases is refused (GradstepError naming the layer).
    """
    ref.check(config.sizes, config.biased)
    value = ref.value_in(record.params)
    backward = record.backward_of(ref.layer)
    notes = factor_notes(config, ref)
    if upstream is None:
        upstream = upstream_terms(record, ref, config)
    samples = _sample_terms(record, ref, notes, upstream)
    gradient = None if backward is None else ref.gradient_in(backward)
    if fd is None:
        fd = finite_difference(record, ref, config, batch_loss)
    relative, passed = _fd_verdict(gradient, fd)
    reduction = LOSSES[config.loss].reduction
    return ChainExplanation(
        ref=ref,
        iteration=record.iteration,
        value=value,
        loss_name=config.loss,
        activation=config.layers[ref.layer].activation,
        reduction=reduction,
        scale=batch_scale(config.loss, record.inputs.shape[0]),
        samples=samples,
        gradient=gradient,
        finite_difference=fd,
        relative_error=relative,
        passed=passed,
        update=None if gradient is None else update_line(record, ref, config, value, gradient),
        mistake=config.mistake,
        gradient_note=gradient_note(config.mistake, ref, reduction),
    )


def finite_difference(
    record: IterationRecord,
    ref: ParameterRef,
    config: SessionConfig,
    batch_loss: Callable[[SessionConfig, Params, Array, Array], float],
) -> float:
    """Central difference (L(w + h) - L(w - h)) / 2h on the record's batch and parameters."""
    value = ref.value_in(record.params)
    h = 1e-5 * max(1.0, abs(value))

    def loss_with(v: float) -> float:
        return batch_loss(config, ref.replaced_in(record.params, v), record.inputs, record.targets)

    plus, minus = value + h, value - h
    with np.errstate(all="ignore"):
        result = (loss_with(plus) - loss_with(minus)) / (plus - minus)
    return result if math.isfinite(result) else float("nan")
