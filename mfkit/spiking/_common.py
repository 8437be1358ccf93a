"""Pieces shared by the dispatcher (:mod:`.dispatch`) and the backends (:mod:`.nest_backend`):
the unit conversion of weights and the text progress bar.  The backends import this module,
never the dispatcher."""
from __future__ import annotations

import sys
import time

__all__ = ["C_M", "psc_amplitude", "Progress", "in_notebook"]

#: Membrane capacitance (pF) of the simulated neurons, in both backends.  The
#: dynamics in mV do not depend on it: weights are given in mV and converted
#: to currents with it (see :func:`psc_amplitude`).
C_M = 1.0


def psc_amplitude(J, tau_syn, C_m=C_M):
    r"""Amplitude (pA) of the exponential PSC that carries the charge of a PSP jump ``J`` (mV).

    A delta synapse of weight ``J`` moves the membrane potential by ``J``
    instantly: it deposits the charge ``q = C_m J`` (pF mV = fC).  An
    exponential current ``w e^{-t/tau_syn}`` deposits ``q = w tau_syn``, so
    the same charge needs

    .. math:: w = \frac{J\,C_m}{\tau_\mathrm{syn}}.

    With ``tau_m dV/dt = -V + (tau_m / C_m) I`` the resulting PSP is

    .. math:: V(t) = J\,\frac{\tau_m}{\tau_m - \tau_\mathrm{syn}}
              \bigl(e^{-t/\tau_m} - e^{-t/\tau_\mathrm{syn}}\bigr),

    whose integral ``J tau_m`` equals that of the delta PSP ``J e^{-t/tau_m}``;
    it tends to the delta PSP as ``tau_syn -> 0``.  Every input therefore
    contributes the same mean and (in the diffusion limit) the same variance:
    ``mu`` and ``sigma`` of eq. 28-29 are unchanged, and only the temporal
    correlation of the input (the colored noise of Fourcaud & Brunel 2002)
    differs.
    """
    return J * C_m / tau_syn


def in_notebook() -> bool:
    """True inside a Jupyter kernel (``ipykernel`` imported)."""
    return "ipykernel" in sys.modules


class Progress:
    """A one-line text progress bar on stderr.

    Parameters
    ----------
    total_ms : float
        Biological time (ms) of the whole run (100 % of the bar).
    width : int
        Number of characters of the bar.
    """

    def __init__(self, total_ms: float, width: int = 30):
        self.total = total_ms
        self.width = width
        self.t0 = time.perf_counter()
        self.stream = sys.stderr

    def update(self, done_ms: float) -> None:
        """Redraw the bar for ``done_ms`` ms simulated (clipped to the total)."""
        done_ms = min(done_ms, self.total)
        frac = done_ms / self.total if self.total > 0 else 1.0
        fill = int(round(frac * self.width))
        el = time.perf_counter() - self.t0
        self.stream.write(f"\rsimulate [{'#' * fill}{'.' * (self.width - fill)}] "
                          f"{done_ms:8.1f}/{self.total:.1f} ms  {el:6.1f} s")
        self.stream.flush()

    def close(self) -> None:
        """End the line of the bar."""
        self.stream.write("\n")
        self.stream.flush()
