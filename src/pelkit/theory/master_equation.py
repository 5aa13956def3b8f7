"""Master equation on a network of minima (Stillinger 1984, eqs 3.1-3.12;
docs/physics/landscape.md).

p_alpha(t) is the probability of basin alpha (sum p = 1, Stillinger 1984, eq 3.1) and
dp_alpha/dt = sum_{gamma != alpha} [K_{gamma->alpha} p_gamma - K_{alpha->gamma} p_alpha] (3.2),
written dp/dt = -K p with the rate matrix (3.7): K[gamma, alpha] = -K_{alpha->gamma}
(gamma != alpha), K[alpha, alpha] = sum_gamma K_{alpha->gamma}.

Rates from a network of minima and transition states (docs/physics/landscape.md). A transition
state s (first-order saddle, energy E_s) joining minima alpha and gamma gives
K_{alpha->gamma} = nu_{alpha gamma} exp[-beta (E_s - E_alpha)], beta = 1/T (k_B = 1). Detailed
balance (3.4) K_{alpha->gamma} = (M_gamma/M_alpha)^{1/2} A_{alpha gamma}, A symmetric, holds by
construction with the basin weights M_alpha below; with g the degeneracies (numbers of
equivalent copies) and kappa_s the saddle's "prefactor" field (default 1):

- ``symmetric``: nu = kappa_s g_s/g_alpha;  M_alpha = g_alpha exp(-beta E_alpha);
  A = kappa_s g_s exp{-beta [E_s - (E_alpha + E_gamma)/2]} / sqrt(g_alpha g_gamma).
  Equal degeneracies give M ∝ exp(-beta E) (identical basin shapes, Stillinger's postulate).
- ``attempt``: nu = kappa_s (g_s/g_alpha) nu_alpha with a per-minimum attempt frequency
  nu_alpha (the minimum's "prefactor" field); M_alpha = g_alpha exp(-beta E_alpha)/nu_alpha.
- ``harmonic`` (Vineyard):
  nu = kappa_s (g_s/g_alpha) prod_i omega_i^alpha / (2 pi prod'_j omega_j^s), omega the non-zero
  normal-mode angular frequencies of the minimum and the real ones of the saddle; the
  vibrational factor goes into M_alpha = g_alpha exp(-beta E_alpha) / prod_i omega_i^alpha
  (the classical harmonic partition function, common factors of T dropped).
- ``auto`` (default): harmonic if every minimum and saddle has frequencies, else attempt if every
  minimum has a prefactor, else symmetric.

Several saddles between the same pair are parallel channels: their rates add. Equilibrium
populations are M_alpha/sum M. The relaxation spectrum comes from the symmetric
S = D^{-1/2} K D^{1/2}, D = diag(M), whose off-diagonal entries are -A (3.6); all lambda >= 0,
lambda = 0 for equilibrium. Time evolution is p(t) = expm(-K t) p0. All work is done in log form
(ln K, ln M), so energies of any magnitude are safe. Eigenvalues below ~1e-15 times the fastest
rate (``MasterEquation.resolution``) are not resolved by double precision.

Network JSON format (``load_network``)::

    {
      "name": "three minima",              optional, free text
      "energy_unit": "epsilon",            optional, free text
      "temperature": 0.5,                  optional default temperature (k_B = 1)
      "prefactor_model": "auto",           optional: auto | symmetric | attempt | harmonic
      "metadata": {...},                   optional, free-form (also allowed in every entry)
      "minima": [                          required, >= 1 entries
        {"id": "A",                        required, string or integer, unique
         "energy": -3.0,                   required, finite (total energy of the minimum)
         "degeneracy": 1,                  optional, > 0 (equivalent copies, e.g. permutations)
         "prefactor": 1.0,                 optional, > 0: attempt frequency nu_alpha (1/time)
         "frequencies": [...]},            optional, > 0: the non-zero normal-mode angular
                                           frequencies (3N - 3 under periodic boundaries)
      ],
      "transition_states": [               required (alias "saddles"), may be empty
        {"between": ["A", "B"],            required, two minimum ids
         "energy": -1.0,                   required (a warning if below either minimum)
         "id": "TS1",                      optional
         "prefactor": 1.0,                 optional, > 0: rate prefactor nu (symmetric model) or
                                           transmission factor kappa (attempt/harmonic), default 1
         "degeneracy": 1,                  optional, > 0 (number of equivalent saddles)
         "frequencies": [...]}             optional: the saddle's real frequencies (3N - 4); one
                                           extra non-positive entry (the imaginary mode, stored
                                           as -sqrt|lambda|) is accepted and dropped
      ]
    }

The schema is validated with pydantic (:mod:`pelkit.theory.network_schema`): unknown keys are
errors; free-form data (file names, path lengths, ...) goes under a ``"metadata"`` object at the
top level or in any entry, and is kept. Bad content raises :class:`pelkit.errors.InputError`;
a saddle joining a minimum to itself is skipped with a warning; a disconnected network gives a
:class:`NetworkWarning` and its spectrum has one zero eigenvalue per connected component.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.linalg import eigh, expm
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import eigsh, expm_multiply
from scipy.special import logsumexp

from pelkit.errors import InputError

PREFACTOR_MODELS = ("auto", "symmetric", "attempt", "harmonic")
#: Networks up to this many minima use dense linear algebra (eigh, expm).
DENSE_MAX = 2000


class NetworkWarning(UserWarning):
    """Something in a network is suspicious but usable (disconnected, self-loop saddles)."""


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Minimum:
    """A minimum: id, energy (energy unit), degeneracy (> 0), optional attempt frequency
    ``prefactor`` (1/time) and angular ``frequencies`` (1/time, shape (n_modes,))."""

    id: str
    energy: float
    degeneracy: float = 1.0
    prefactor: float | None = None
    frequencies: tuple[float, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class TransitionState:
    """A first-order saddle between minima ``between`` = (id_a, id_b) with energy ``energy``;
    ``prefactor`` (default 1), ``degeneracy``, real angular ``frequencies`` (n_modes - 1,)."""

    between: tuple[str, str]
    energy: float
    prefactor: float | None = None
    degeneracy: float = 1.0
    frequencies: tuple[float, ...] | None = None
    id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Network:
    """Minima and the transition states joining them (validated by :func:`network_from_dict`)."""

    minima: tuple[Minimum, ...]
    transition_states: tuple[TransitionState, ...]
    temperature: float | None = None
    prefactor_model: str = "auto"
    name: str | None = None
    energy_unit: str | None = None

    @property
    def n_minima(self) -> int:
        return len(self.minima)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.minima]

    @property
    def energies(self) -> np.ndarray:
        """Minimum energies, shape (n_minima,)."""
        return np.array([m.energy for m in self.minima], dtype=float)

    def index(self, min_id: str | int) -> int:
        """Position of minimum ``min_id`` in :attr:`minima`."""
        key = str(min_id)
        for i, m in enumerate(self.minima):
            if m.id == key:
                return i
        raise InputError(f"unknown minimum id {min_id!r}.")

    def components(self) -> np.ndarray:
        """Connected-component label of each minimum, shape (n_minima,), labels 0, 1, ..."""
        n = self.n_minima
        if not self.transition_states:
            return np.arange(n)
        pos = {m.id: i for i, m in enumerate(self.minima)}
        a = [pos[t.between[0]] for t in self.transition_states]
        b = [pos[t.between[1]] for t in self.transition_states]
        adj = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        _, labels = connected_components(adj, directed=False)
        return labels


# --------------------------------------------------------------------------------------------
# Parsing and validation
# --------------------------------------------------------------------------------------------


def _number(value: Any, what: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{what} must be a number, got {value!r}.")
    x = float(value)
    if not math.isfinite(x):
        raise InputError(f"{what} must be finite, got {value!r}.")
    if positive and x <= 0:
        raise InputError(f"{what} must be positive, got {value!r}.")
    return x


def _ident(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError(f"{what} must be a string or an integer, got {value!r}.")
    return str(value)


def _freqs(value: Any, what: str) -> tuple[float, ...]:
    if not isinstance(value, list) or not value:
        raise InputError(f"{what} must be a non-empty list of numbers.")
    return tuple(_number(v, what) for v in value)


_MIN_KEYS = {"id", "energy", "degeneracy", "prefactor", "frequencies"}
_TS_KEYS = {"id", "between", "energy", "degeneracy", "prefactor", "frequencies"}


def _parse_minimum(entry: Any, k: int) -> Minimum:
    if not isinstance(entry, dict):
        raise InputError(f"minima[{k}] must be an object with 'id' and 'energy'.")
    for key in ("id", "energy"):
        if key not in entry:
            raise InputError(f"minima[{k}] has no '{key}'.")
    mid = _ident(entry["id"], f"minima[{k}].id")
    energy = _number(entry["energy"], f"energy of minimum {mid!r}")
    deg = _number(entry.get("degeneracy", 1.0), f"degeneracy of minimum {mid!r}", positive=True)
    pref = entry.get("prefactor")
    pref = None if pref is None else _number(pref, f"prefactor of minimum {mid!r}", positive=True)
    fr = entry.get("frequencies")
    if fr is not None:
        fr = _freqs(fr, f"frequencies of minimum {mid!r}")
        if min(fr) <= 0:
            raise InputError(f"frequencies of minimum {mid!r} must all be positive.")
    extra = {key: v for key, v in entry.items() if key not in _MIN_KEYS}
    return Minimum(mid, energy, deg, pref, fr, extra)


def _parse_ts(entry: Any, k: int, energies: dict[str, float]) -> TransitionState | None:
    if not isinstance(entry, dict):
        raise InputError(f"transition_states[{k}] must be an object with 'between' and 'energy'.")
    for key in ("between", "energy"):
        if key not in entry:
            raise InputError(f"transition_states[{k}] has no '{key}'.")
    tid = entry.get("id")
    label = f"transition state {tid!r}" if tid is not None else f"transition_states[{k}]"
    tid = None if tid is None else _ident(tid, f"{label} id")
    btw = entry["between"]
    if not isinstance(btw, list) or len(btw) != 2:
        raise InputError(f"{label}: 'between' must be a list of two minimum ids.")
    a, b = (_ident(v, f"{label} minimum id") for v in btw)
    for v in (a, b):
        if v not in energies:
            raise InputError(f"{label} refers to unknown minimum id {v!r}.")
    energy = _number(entry["energy"], f"energy of {label}")
    deg = _number(entry.get("degeneracy", 1.0), f"degeneracy of {label}", positive=True)
    pref = entry.get("prefactor")
    pref = None if pref is None else _number(pref, f"prefactor of {label}", positive=True)
    fr = entry.get("frequencies")
    if fr is not None:
        fr = _freqs(fr, f"frequencies of {label}")
    if a == b:
        warnings.warn(
            f"{label} joins minimum {a!r} to itself; it cannot change populations: skipped.",
            NetworkWarning,
            stacklevel=3,
        )
        return None
    extra = {key: v for key, v in entry.items() if key not in _TS_KEYS}
    return TransitionState((a, b), energy, pref, deg, fr, tid, extra)


def network_from_dict(data: Any) -> Network:
    """Validate a decoded network JSON object (format in the module docstring) into a Network."""
    from pelkit.theory.network_schema import validate_network_data

    validate_network_data(data)  # the schema: types, required keys, no unknown keys
    if "minima" not in data:
        raise InputError("the network has no 'minima' list.")
    mins_raw = data["minima"]
    if not isinstance(mins_raw, list) or not mins_raw:
        raise InputError("'minima' must be a non-empty list.")
    minima = [_parse_minimum(e, k) for k, e in enumerate(mins_raw)]
    energies: dict[str, float] = {}
    for m in minima:
        if m.id in energies:
            raise InputError(f"minimum id {m.id!r} appears more than once.")
        energies[m.id] = m.energy
    ts_key = "transition_states" if "transition_states" in data else "saddles"
    ts_raw = data.get(ts_key, [])
    if not isinstance(ts_raw, list):
        raise InputError(f"'{ts_key}' must be a list.")
    with warnings.catch_warnings():
        warnings.simplefilter("always", NetworkWarning)
        ts = [t for k, e in enumerate(ts_raw) if (t := _parse_ts(e, k, energies)) is not None]
    low = [
        t
        for t in ts
        if t.energy
        < max(energies[t.between[0]], energies[t.between[1]]) - 1e-9 * (1 + abs(t.energy))
    ]
    if low:
        t = low[0]
        warnings.warn(
            f"{len(low)} transition state(s) lie below a minimum they join (first: "
            f"{t.id or list(t.between)} at {t.energy!r}); rates still obey detailed balance, "
            "but a NEB saddle should not lie below its end points.",
            NetworkWarning,
            stacklevel=2,
        )
    temp = data.get("temperature")
    if temp is not None:
        temp = _number(temp, "temperature", positive=True)
    model = data.get("prefactor_model", "auto")
    if model not in PREFACTOR_MODELS:
        raise InputError(f"prefactor_model must be one of {', '.join(PREFACTOR_MODELS)}.")
    net = Network(
        tuple(minima),
        tuple(ts),
        temp,
        model,
        None if data.get("name") is None else str(data.get("name")),
        None if data.get("energy_unit") is None else str(data.get("energy_unit")),
    )
    ncomp = int(net.components().max()) + 1
    if ncomp > 1:
        warnings.warn(
            f"the network has {ncomp} disconnected components: populations do not mix between "
            "them, and the relaxation spectrum has one zero rate per component.",
            NetworkWarning,
            stacklevel=2,
        )
    return net


def load_network(path: str | Path) -> Network:
    """Read and validate a network JSON file (format in the module docstring)."""
    p = Path(path)
    try:
        text = p.read_text()
    except UnicodeDecodeError as exc:
        raise InputError(f"{p} is not a text (JSON) file.") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p} is not valid JSON: {exc.msg} (line {exc.lineno}).") from exc
    return network_from_dict(data)


def network_to_dict(net: Network) -> dict[str, Any]:
    """Inverse of :func:`network_from_dict` (JSON-ready)."""

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if v is not None}

    out: dict[str, Any] = clean(
        {
            "name": net.name,
            "energy_unit": net.energy_unit,
            "temperature": net.temperature,
            "prefactor_model": net.prefactor_model,
        }
    )
    out["minima"] = [
        clean(
            {
                "id": m.id,
                "energy": m.energy,
                "degeneracy": m.degeneracy,
                "prefactor": m.prefactor,
                "frequencies": None if m.frequencies is None else list(m.frequencies),
            }
        )
        | m.extra
        for m in net.minima
    ]
    out["transition_states"] = [
        clean(
            {
                "id": t.id,
                "between": list(t.between),
                "energy": t.energy,
                "degeneracy": t.degeneracy,
                "prefactor": t.prefactor,
                "frequencies": None if t.frequencies is None else list(t.frequencies),
            }
        )
        | t.extra
        for t in net.transition_states
    ]
    return out


def network_from_arrays(
    energies: np.ndarray,
    pairs: np.ndarray,
    saddle_energies: np.ndarray,
    prefactors: np.ndarray | None = None,
    temperature: float | None = None,
) -> Network:
    """Build a symmetric-prefactor network from arrays (ids "0", "1", ...).

    energies (n,), pairs (m, 2) integer minimum indices, saddle_energies (m,), prefactors (m,).
    """
    energies = np.asarray(energies, dtype=float)
    pairs = np.asarray(pairs, dtype=int).reshape(-1, 2)
    saddle_energies = np.asarray(saddle_energies, dtype=float).reshape(-1)
    if saddle_energies.size != pairs.shape[0]:
        raise InputError("pairs and saddle_energies must have the same length.")
    data: dict[str, Any] = {
        "minima": [{"id": i, "energy": float(e)} for i, e in enumerate(energies)],
        "transition_states": [
            {"between": [int(a), int(b)], "energy": float(es)}
            | ({} if prefactors is None else {"prefactor": float(prefactors[k])})
            for k, ((a, b), es) in enumerate(zip(pairs, saddle_energies, strict=True))
        ],
        "prefactor_model": "symmetric",
    }
    if temperature is not None:
        data["temperature"] = temperature
    return network_from_dict(data)


# --------------------------------------------------------------------------------------------
# The master equation
# --------------------------------------------------------------------------------------------


def resolve_model(net: Network, model: str | None = None) -> str:
    """The prefactor model actually used ("auto" resolved; missing data raises InputError)."""
    model = net.prefactor_model if model is None else model
    if model not in PREFACTOR_MODELS:
        raise InputError(f"prefactor model must be one of {', '.join(PREFACTOR_MODELS)}.")
    have_min_fr = all(m.frequencies is not None for m in net.minima)
    have_ts_fr = all(t.frequencies is not None for t in net.transition_states)
    have_pref = all(m.prefactor is not None for m in net.minima)
    if model == "auto":
        if have_min_fr and have_ts_fr:
            return "harmonic"
        return "attempt" if have_pref else "symmetric"
    if model == "harmonic" and not (have_min_fr and have_ts_fr):
        raise InputError("the harmonic model needs 'frequencies' on every minimum and saddle.")
    if model == "attempt" and not have_pref:
        raise InputError("the attempt model needs a 'prefactor' on every minimum.")
    return model


def _saddle_log_freq(t: TransitionState, n_modes: int) -> float:
    fr = np.asarray(t.frequencies, dtype=float)
    if fr.size == n_modes and np.sum(fr <= 0) == 1:
        fr = fr[fr > 0]
    if fr.size != n_modes - 1 or np.any(fr <= 0):
        raise InputError(
            f"saddle {t.id or t.between} needs {n_modes - 1} positive frequencies "
            f"(minima have {n_modes}), optionally plus one non-positive imaginary entry."
        )
    return float(np.sum(np.log(fr)))


class MasterEquation:
    """The master equation of a network at temperature T (docs/physics/landscape.md; Stillinger
    1984, eqs 3.2 to 3.7).

    Attributes: ``beta``; ``model`` (resolved prefactor model); ``log_m`` (n,) ln M_alpha;
    ``src``, ``dst`` (e,) directed edges alpha -> gamma (both directions of every channel);
    ``log_rate`` (e,) ln K_{alpha->gamma} from the rate formula; ``log_flux`` (e,) the symmetric
    ln(K M) per channel; ``K`` (n, n) sparse rate matrix with dp/dt = -K p.
    """

    def __init__(
        self, network: Network, temperature: float | None = None, model: str | None = None
    ):
        temp = network.temperature if temperature is None else temperature
        if temp is None:
            raise InputError("no temperature given (use --temperature or the network's field).")
        temp = _number(temp, "temperature", positive=True)
        self.network = network
        self.temperature = temp
        self.beta = 1.0 / temp
        self.model = resolve_model(network, model)
        n = network.n_minima
        self.n = n
        beta = self.beta
        e = network.energies
        g = np.array([m.degeneracy for m in network.minima])
        log_m = np.log(g) - beta * e
        log_vib = np.zeros(n)
        n_modes = 0
        if self.model == "attempt":
            log_vib = np.log(np.array([m.prefactor for m in network.minima], dtype=float))
        elif self.model == "harmonic":
            sizes = {len(m.frequencies or ()) for m in network.minima}
            if len(sizes) != 1:
                raise InputError("all minima must list the same number of frequencies.")
            n_modes = sizes.pop()
            log_vib = np.array([np.sum(np.log(m.frequencies)) for m in network.minima])
        self.log_m = log_m - log_vib
        pos = {m.id: i for i, m in enumerate(network.minima)}
        src, dst, lrate, lflux = [], [], [], []
        for t in network.transition_states:
            a, b = pos[t.between[0]], pos[t.between[1]]
            kappa = 1.0 if t.prefactor is None else t.prefactor
            base = math.log(kappa) + math.log(t.degeneracy)
            if self.model == "harmonic":
                base -= math.log(2.0 * math.pi) + _saddle_log_freq(t, n_modes)
            for x, y in ((a, b), (b, a)):
                # ln K_{x->y} = ln(kappa g_s / g_x) - beta (E_s - E_x)
                #               [+ ln nu_x] or [+ sum ln w_x - ln 2pi - sum' ln w_s]
                src.append(x)
                dst.append(y)
                lrate.append(base - math.log(g[x]) + log_vib[x] - beta * (t.energy - e[x]))
                lflux.append(base - beta * t.energy)
        self.src = np.array(src, dtype=int)
        self.dst = np.array(dst, dtype=int)
        self.log_rate = np.array(lrate, dtype=float)
        self.log_flux = np.array(lflux, dtype=float)
        if np.any(self.log_rate > 700) or np.any(self.log_rate < -700):
            warnings.warn(
                "some rates overflow or underflow double precision at this temperature "
                "(|ln K| > 700); shift the time unit or check the energies.",
                NetworkWarning,
                stacklevel=2,
            )
        rate = np.exp(self.log_rate)
        out = np.bincount(self.src, weights=rate, minlength=n)
        self.escape_rates = out
        rows = np.concatenate([self.dst, np.arange(n)])
        cols = np.concatenate([self.src, np.arange(n)])
        self.K = sp.csr_matrix((np.concatenate([-rate, out]), (rows, cols)), shape=(n, n))
        self.components = network.components()

    # -- equilibrium and checks --------------------------------------------------------------

    def equilibrium(self) -> np.ndarray:
        """Equilibrium populations M_alpha / sum M (the lambda = 0 eigenvector); shape (n,)."""
        return np.exp(self.log_m - logsumexp(self.log_m))

    def equilibrium_from(self, p0: np.ndarray) -> np.ndarray:
        """t -> infinity limit of p(t) from p0: Boltzmann within each connected component."""
        p0 = self._check_p0(p0)
        out = np.zeros(self.n)
        for c in np.unique(self.components):
            sel = self.components == c
            lm = self.log_m[sel]
            out[sel] = p0[sel].sum() * np.exp(lm - logsumexp(lm))
        return out

    def detailed_balance_error(self) -> float:
        """max over channels |ln(K_{a->b} M_a) - ln(K_{b->a} M_b)| (round-off, ~1e-15 |ln K M|).

        Edges are stored in forward/backward pairs (2j, 2j+1), so both rates of a channel are
        compared after being computed independently from the rate formula.
        """
        if self.src.size == 0:
            return 0.0
        fwd = self.log_rate[0::2] + self.log_m[self.src[0::2]]
        bwd = self.log_rate[1::2] + self.log_m[self.src[1::2]]
        return float(np.max(np.abs(fwd - bwd)))

    def stationary_residual(self) -> float:
        """max |K p_eq| / max(escape rate * p_eq), should be ~1e-16."""
        p = self.equilibrium()
        r = self.K @ p
        scale = np.max(self.escape_rates * p)
        return float(np.max(np.abs(r)) / scale) if scale > 0 else 0.0

    # -- spectrum ----------------------------------------------------------------------------

    def symmetric_matrix(self) -> sp.csr_matrix:
        """S = D^{-1/2} K D^{1/2}, D = diag(M): symmetric, S_ab = -A_ab = -sqrt(K_ab K_ba)."""
        n = self.n
        # for edge a->b: S[b, a] = K[b, a] sqrt(M_a/M_b) = -exp(ln K_{a->b} + (ln M_a - ln M_b)/2)
        off = -np.exp(self.log_rate + 0.5 * (self.log_m[self.src] - self.log_m[self.dst]))
        rows = np.concatenate([self.dst, np.arange(n)])
        cols = np.concatenate([self.src, np.arange(n)])
        S = sp.csr_matrix((np.concatenate([off, self.escape_rates]), (rows, cols)), shape=(n, n))
        return (S + S.T) * 0.5

    @property
    def resolution(self) -> float:
        """Absolute accuracy of the computed rates, ~ n eps max|S| (rates below it are noise)."""
        return float(self.n * np.finfo(float).eps * 2.0 * np.max(self.escape_rates, initial=0.0))

    def spectrum(self) -> tuple[np.ndarray, np.ndarray]:
        """All relaxation rates (ascending, shape (n,)) and right eigenvectors of K (n, n).

        Eigenvectors a_k = D^{1/2} v_k with v_k the orthonormal eigenvectors of S (3.6); the
        zero mode is scaled to the equilibrium populations. Dense (n up to a few thousand).
        """
        S = self.symmetric_matrix().toarray()
        lam, v = eigh(S)
        half = np.exp(0.5 * (self.log_m - np.max(self.log_m)))
        a = half[:, None] * v
        a[:, 0] *= 1.0 / a[:, 0].sum()
        return lam, a

    def relaxation_rates(self) -> np.ndarray:
        """Eigenvalues of K, ascending, shape (n,) (1/time). Dense: n up to a few thousand."""
        return np.linalg.eigvalsh(self.symmetric_matrix().toarray())

    def lowest_rates(self, k: int, dense_max: int = DENSE_MAX) -> np.ndarray:
        """The k lowest rates, ascending, shape (k,).

        Dense ``eigvalsh`` for n <= dense_max, else shift-invert Lanczos (ARPACK) on the sparse S
        with a small negative shift (S is positive semi-definite, so S - sigma I is regular).
        """
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InputError(f"the number of rates must be a positive integer, got {k!r}.")
        k = min(int(k), self.n)
        if self.n <= dense_max or k >= self.n - 1:
            return self.relaxation_rates()[:k]
        S = self.symmetric_matrix().tocsc()
        slow = np.min(self.escape_rates[self.escape_rates > 0], initial=1.0)
        vals = eigsh(S, k=k, sigma=-1e-3 * slow, which="LM", return_eigenvectors=False, tol=0)
        return np.sort(vals)

    # -- time evolution ----------------------------------------------------------------------

    def _check_p0(self, p0: np.ndarray) -> np.ndarray:
        p0 = np.asarray(p0, dtype=float)
        if p0.shape != (self.n,):
            raise InputError(f"the initial populations must have shape ({self.n},).")
        if not np.all(np.isfinite(p0)) or np.any(p0 < 0) or not math.isclose(p0.sum(), 1.0):
            raise InputError("the initial populations must be non-negative and sum to 1.")
        return p0

    def evolve(self, p0: np.ndarray, times: np.ndarray) -> np.ndarray:
        """p(t) = expm(-K t) p0 for each t; p0 (n,), times (n_t,) >= 0; returns (n_t, n)."""
        p0 = self._check_p0(p0)
        times = np.asarray(times, dtype=float).reshape(-1)
        if not np.all(np.isfinite(times)) or np.any(times < 0):
            raise InputError("times must be finite and non-negative.")
        if self.n > DENSE_MAX:
            negK = (-self.K).tocsc()
            return np.array([expm_multiply(negK * t, p0) for t in times])
        Kd = self.K.toarray()
        return np.array([expm(-Kd * t) @ p0 for t in times])

    def start_vector(self, start: str | int | None = None) -> np.ndarray:
        """Initial populations: all on minimum ``start`` (default: the highest-energy minimum)."""
        p0 = np.zeros(self.n)
        idx = int(np.argmax(self.network.energies)) if start is None else self.network.index(start)
        p0[idx] = 1.0
        return p0


def solve_network(
    network: Network,
    temperature: float | None = None,
    times: np.ndarray | None = None,
    start: str | int | None = None,
    model: str | None = None,
    n_rates: int | None = None,
) -> dict[str, Any]:
    """Everything the CLI reports: equilibrium, rates, checks and (with times) p(t); JSON-ready.

    ``n_rates``: how many of the lowest relaxation rates to report (default: all for networks of
    at most DENSE_MAX minima, else 20).
    """
    me = MasterEquation(network, temperature, model)
    if n_rates is None and me.n <= DENSE_MAX:
        rates = me.relaxation_rates()
    else:
        rates = me.lowest_rates(20 if n_rates is None else n_rates)
    eq = me.equilibrium()
    ncomp = int(me.components.max()) + 1
    result: dict[str, Any] = {
        "name": network.name,
        "temperature": me.temperature,
        "beta": me.beta,
        "prefactor_model": me.model,
        "n_minima": me.n,
        "n_transition_states": len(network.transition_states),
        "n_components": ncomp,
        "connected": ncomp == 1,
        "ids": network.ids,
        "energies": network.energies,
        "equilibrium": dict(zip(network.ids, eq, strict=True)),
        "relaxation_rates": rates,
        "relaxation_times": [None if r <= me.resolution else 1.0 / r for r in rates],
        "rate_resolution": me.resolution,
        "detailed_balance_error": me.detailed_balance_error(),
        "stationary_residual": me.stationary_residual(),
        "rates": [
            {
                "from": network.ids[a],
                "to": network.ids[b],
                "rate": math.exp(lr),
            }
            for a, b, lr in zip(me.src, me.dst, me.log_rate, strict=True)
        ],
    }
    if times is not None:
        p0 = me.start_vector(start)
        pt = me.evolve(p0, times)
        result["start"] = network.ids[int(np.argmax(p0))]
        result["times"] = np.asarray(times, dtype=float)
        result["populations"] = {i: pt[:, k] for k, i in enumerate(network.ids)}
        result["equilibrium_from_start"] = dict(
            zip(network.ids, me.equilibrium_from(p0), strict=True)
        )
    return result
