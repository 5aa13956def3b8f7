"""The network-of-minima JSON schema (pydantic), shared by readers and writers of networks.

A network file describes minima and the first-order saddles (transition states) joining them,
the input of the master equation (:mod:`pelkit.theory.master_equation`). Validation is strict:
an unknown key anywhere is an error (a misspelt ``"transition_state"`` or a ``"rates"`` list
must not be silently ignored), numbers must be finite numbers (not strings or booleans), and
free-form data goes under a ``"metadata"`` object at the top level or in any entry.

    from pelkit.theory.network_schema import NetworkModel, validate_network_data
    model = validate_network_data(json.loads(text))   # InputError naming the first problem
    NetworkModel.model_json_schema()                   # the JSON Schema document

Units: energies in the file's ``energy_unit`` (eps for pelkit's models), temperature in the same
unit (k_B = 1), prefactors and frequencies in 1/time (1/tau).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
)

from pelkit.errors import InputError

__all__ = [
    "SCHEMA_SUMMARY",
    "MinimumModel",
    "NetworkModel",
    "TransitionStateModel",
    "validate_network_data",
]

Identifier = StrictStr | StrictInt
Finite = Annotated[float, Field(allow_inf_nan=False, strict=True)]
Positive = Annotated[float, Field(allow_inf_nan=False, strict=True, gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class MinimumModel(_Strict):
    """A minimum: ``id``, ``energy``; optional ``degeneracy`` (> 0, equivalent copies),
    ``prefactor`` (> 0, attempt frequency nu_alpha, 1/time), ``frequencies`` (> 0, the non-zero
    normal-mode angular frequencies), ``metadata`` (free-form)."""

    id: Identifier
    energy: Finite
    degeneracy: Positive = 1.0
    prefactor: Positive | None = None
    frequencies: list[Positive] | None = Field(default=None, min_length=1)
    metadata: dict[str, Any] | None = None


class TransitionStateModel(_Strict):
    """A first-order saddle joining two minima: ``between`` (two minimum ids), ``energy``;
    optional ``id``, ``prefactor`` (> 0, rate prefactor or transmission factor, default 1),
    ``degeneracy`` (> 0), ``frequencies`` (the real ones; one non-positive entry for the
    unstable mode is accepted and dropped), ``metadata`` (free-form)."""

    between: list[Identifier] = Field(min_length=2, max_length=2)
    energy: Finite
    id: Identifier | None = None
    prefactor: Positive | None = None
    degeneracy: Positive = 1.0
    frequencies: list[Finite] | None = Field(default=None, min_length=1)
    metadata: dict[str, Any] | None = None


class NetworkModel(_Strict):
    """A network of minima: ``minima`` (>= 1) and ``transition_states`` (required, may be empty;
    alias ``saddles``); optional ``name``, ``energy_unit``, ``temperature`` (> 0, k_B = 1),
    ``prefactor_model`` (auto | symmetric | attempt | harmonic), ``metadata``."""

    minima: list[MinimumModel] = Field(min_length=1)
    transition_states: list[TransitionStateModel] = Field(
        validation_alias=AliasChoices("transition_states", "saddles")
    )
    name: StrictStr | None = None
    energy_unit: StrictStr | None = None
    temperature: Positive | None = None
    prefactor_model: Literal["auto", "symmetric", "attempt", "harmonic"] = "auto"
    metadata: dict[str, Any] | None = None


#: The schema in words, for ``pelkit theory master-equation --help`` and the docs.
SCHEMA_SUMMARY = (
    "Network JSON: an object with 'minima' (list, >= 1) and 'transition_states' (list, may be "
    "empty; alias 'saddles'), optional 'name', 'energy_unit', 'temperature' (> 0), "
    "'prefactor_model' (auto|symmetric|attempt|harmonic) and 'metadata' (free-form). A minimum: "
    "'id' (string or integer, unique), 'energy'; optional 'degeneracy' (> 0), 'prefactor' (> 0, "
    "attempt frequency), 'frequencies' (> 0), 'metadata'. A transition state: 'between' (two "
    "minimum ids), 'energy'; optional 'id', 'prefactor' (> 0), 'degeneracy' (> 0), "
    "'frequencies', 'metadata'. Unknown keys are errors."
)


def _where(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "the network"


def _message(exc: ValidationError) -> str:
    """The first validation error as one line naming the place."""
    err = exc.errors(include_url=False)[0]
    loc = tuple(err.get("loc", ()))
    kind = str(err.get("type", ""))
    if loc and loc[-1] in ("str", "int"):  # a member of the id union (string or integer)
        loc = loc[:-1]
        kind = "id"
    if kind == "id":
        return f"network: {_where(loc)} must be a string or an integer (got {err.get('input')!r})"
    where = _where(loc)
    shown = repr(err.get("input"))
    if len(shown) > 40:
        shown = shown[:37] + "..."
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return (f"network: unknown key {where!r}"
                + (f" (allowed: {', '.join(allowed)})" if allowed else ""))
    if kind == "missing":
        parent = _where(loc[:-1]) if len(loc) > 1 else "the network"
        return f"network: {parent} has no '{loc[-1]}'"
    if loc and loc[-1] == "between" and kind in ("too_short", "too_long", "list_type"):
        return f"network: {where} must be a list of two minimum ids (got {shown})"
    if kind in ("too_short", "too_long") and loc and loc[-1] == "minima":
        return "network: 'minima' must be a non-empty list"
    if kind == "greater_than":
        return f"network: {where} must be positive (got {shown})"
    if kind == "finite_number":
        return f"network: {where} must be finite (got {shown})"
    if kind.startswith(("float", "int", "string", "list", "dict", "model")):
        expected = {"float": "a number", "int": "a number", "string": "a string",
                    "list": "a list", "dict": "an object", "model": "an object"}
        kind_name = next(v for k, v in expected.items() if kind.startswith(k))
        return f"network: {where} must be {kind_name} (got {shown})"
    return f"network: {where}: {err.get('msg', 'invalid')} (got {shown})"


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    names = [p for p in parent if isinstance(p, str)]
    model: type[BaseModel] = NetworkModel
    if names and names[-1] == "minima":
        model = MinimumModel
    elif names and names[-1] in ("transition_states", "saddles"):
        model = TransitionStateModel
    return list(model.model_fields)


def validate_network_data(data: Any) -> NetworkModel:
    """Validate a decoded network JSON object; raises :class:`InputError` with one line naming
    the first problem (an unknown key, a missing field, a wrong type or value)."""
    if not isinstance(data, dict):
        raise InputError("a network must be a JSON object with 'minima' and 'transition_states'.")
    try:
        return NetworkModel.model_validate(data)
    except ValidationError as exc:
        raise InputError(_message(exc)) from None
