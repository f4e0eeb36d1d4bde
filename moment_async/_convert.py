"""
The one cattrs converter between wire JSON and the attrs models.

Wire names are decided here and nowhere else: every field's wire name is its
camelCase spelling, except where ``_WIRE_NAMES`` says otherwise.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Callable
from typing import Any, Final

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from .models import (
    Audience,
    AudienceSpec,
    AudienceSummary,
    CustomerFile,
    CustomerFileUpload,
    Location,
    Targeting,
)

#: The API sends dates without an offset; they are Korea Standard Time.
KST: Final = dt.timezone(dt.timedelta(hours=9), "KST")

#: Wire spellings that are not the camelCase of the field name. The first
#: spelling is the documented one (sent when encoding); the others are
#: accepted when decoding.
_WIRE_NAMES: Final[dict[tuple[type, str], tuple[str, ...]]] = {
    # The tables say customerFileStatus; the edit-by-URL sample sends "status".
    (CustomerFile, "status"): ("customerFileStatus", "status"),
    (CustomerFileUpload, "status"): ("customerFileStatus", "status"),
    # The upload and edit-with-file samples spell "createDate".
    (CustomerFileUpload, "created_date"): ("createdDate", "createDate"),
    (AudienceSummary, "status"): ("audienceStatus",),
    (Audience, "status"): ("audienceStatus",),
    # The create and edit samples spell "depth2locations".
    (Audience, "depth2_locations"): ("depth2Locations", "depth2locations"),
    (AudienceSpec, "depth2_locations"): ("depth2Locations", "depth2locations"),
    # The depth-2/3 entries of the create and edit samples spell "desrciption".
    (Location, "description"): ("description", "desrciption"),
}

#: Spec fields the API requires even at their default value.
_ALWAYS_SENT: Final = frozenset(
    {"name", "type", "age_type", "gender_type", "location_type"}
)


def to_camel(name: str) -> str:
    """
    Return the camelCase spelling of a snake_case field name.
    """
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _wire_names(cl: type, field: str) -> tuple[str, ...]:
    for klass in cl.__mro__:
        names = _WIRE_NAMES.get((klass, field))
        if names is not None:
            return names
    return (to_camel(field),)


def _structure_datetime(value: object, _: object) -> dt.datetime:
    if type(value) is str:
        # 3.11's fromisoformat reads all the forms the API sends:
        # "2020-01-01 00:00", "2024-02-06T00:03:59", "2024-01-25T19:31:41.571411".
        # Appending the offset is cheaper than replace(tzinfo=...) afterwards;
        # a string that has an offset already fails and is read as it is.
        # A date alone would read "+09:00" as its time (any character may
        # separate date and time), and come back naive: it is read again.
        try:
            parsed = dt.datetime.fromisoformat(value + "+09:00")
        except ValueError:
            parsed = dt.datetime.fromisoformat(value)
        else:
            if parsed.tzinfo is not None:
                return parsed
            parsed = dt.datetime.fromisoformat(value)
    elif isinstance(value, dt.datetime):
        parsed = value
    else:
        msg = f"expected a date string, got {type(value).__name__}"
        raise TypeError(msg)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=KST)


def _structure_optional_datetime(value: object, _: object) -> dt.datetime | None:
    if value is None or value == "":
        return None
    return _structure_datetime(value, _)


# The converters below are the slow paths, taken only when the wire value
# is not already of the field's type. Each takes the other JSON scalars a
# server may plausibly send instead (a number as a string, a string as a
# number) and refuses arrays and objects with TypeError: the session turns
# that into DecodeError, where str() would have made a Python repr of it.


def _structure_bool(value: object, _: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    if isinstance(value, int | float):
        return bool(value)
    msg = f"expected a boolean, got {type(value).__name__}"
    raise TypeError(msg)


def _structure_str(value: object, _: object) -> str:
    if isinstance(value, str | int | float):
        return value if isinstance(value, str) else str(value)
    msg = f"expected a string, got {type(value).__name__}"
    raise TypeError(msg)


def _structure_int(value: object, _: object) -> int:
    # Not bool (JSON true is no number) and not 1.5; "7" and 7.0 are 7.
    if value.__class__ is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value)
    msg = f"expected an integer, got {type(value).__name__}"
    raise TypeError(msg)


def _structure_str_tuple(value: object, _: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if value.__class__ is not list:
        msg = f"expected an array of strings, got {type(value).__name__}"
        raise TypeError(msg)
    items: list[object] = value
    for item in items:
        if item.__class__ is not str:
            return tuple([_structure_str(item, str) for item in items])
    return tuple(items)  # type: ignore[arg-type]  # every item is a str


def _check_array(value: object) -> None:
    # A JSON object or string is iterable too, and would decode as a list
    # of its keys or characters.
    if value.__class__ is not list:
        msg = f"expected an array, got {type(value).__name__}"
        raise TypeError(msg)


def _is_enum(cl: Any) -> bool:
    return isinstance(cl, type) and issubclass(cl, enum.Enum)


def _enum_hook(cl: type[enum.Enum]) -> Callable[[Any, Any], enum.Enum]:
    # A dict lookup is several times cheaper than calling the enum class;
    # only values the documents do not list go through the class.
    members = {member.value: member for member in cl}

    def structure(value: Any, _: Any) -> enum.Enum:
        member = members.get(value)
        return member if member is not None else cl(value)

    return structure


def _enum_value(member: enum.Enum) -> object:
    return member.value


def _optional_of(cl: Any) -> type | None:
    args = typing.get_args(cl)
    if typing.get_origin(cl) in (typing.Union, types.UnionType) and len(args) == 2:
        if args[1] is type(None):
            return args[0]  # type: ignore[no-any-return]  # a type argument
        if args[0] is type(None):
            return args[1]  # type: ignore[no-any-return]  # a type argument
    return None


def _is_homogeneous_tuple(cl: Any) -> bool:
    args = typing.get_args(cl)
    return typing.get_origin(cl) is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_list(cl: Any) -> bool:
    return typing.get_origin(cl) is list and len(typing.get_args(cl)) == 1


def _is_targeting(cl: Any) -> bool:
    return isinstance(cl, type) and issubclass(cl, Targeting)


def _is_model(cl: Any) -> bool:
    return attrs.has(cl) and not _is_targeting(cl)


#: Scalars checked inline by the generated structure functions, with the
#: conversion applied when the wire sends another type (a number as a string).
_INLINE: Final[dict[Any, tuple[str, Callable[[Any, Any], Any]]]] = {
    int: ("int", _structure_int),
    str: ("str", _structure_str),
    float: ("float", lambda value, _: float(value)),
}


def _convert_expr(
    index: int, kind: Any, conv: cattrs.Converter, namespace: dict[str, Any]
) -> str:
    """
    Return the expression that turns a non-null wire value ``_v`` into *kind*.
    """
    if kind in _INLINE:
        scalar, convert = _INLINE[kind]
        namespace[f"as_{scalar}"] = convert
        # "_v.__class__ is int" also keeps bools (an int subclass) out.
        return f"(_v if _v.__class__ is {scalar} else as_{scalar}(_v, None))"
    if kind is bool:
        namespace["as_bool"] = _structure_bool
        return "(_v if _v.__class__ is bool else as_bool(_v, bool))"
    if kind is dt.datetime:
        namespace["as_datetime"] = _structure_datetime
        return "as_datetime(_v, None)"
    namespace[f"t{index}"] = kind
    if _is_enum(kind):
        namespace[f"m{index}"] = {
            m.value: m for m in typing.cast(type[enum.Enum], kind)
        }
        # Enum values are non-empty strings, so a found member is truthy.
        return f"(m{index}.get(_v) or t{index}(_v))"
    namespace[f"h{index}"] = conv.get_structure_hook(kind)
    return f"h{index}(_v, t{index})"


def _slot_setters(cl: type) -> dict[str, Callable[[Any, Any], None]] | None:
    """
    Return a setter per field that fills *cl*'s slot directly, or None.

    None when building through ``__init__`` does more than store the
    values: a validator, a converter, a pre- or post-init hook, or a field
    that is not a plain slot.
    """
    if getattr(cl, "__attrs_pre_init__", None) or getattr(
        cl, "__attrs_post_init__", None
    ):
        return None
    setters: dict[str, Callable[[Any, Any], None]] = {}
    for field in attrs.fields(cl):
        if field.validator is not None or field.converter is not None:
            return None
        slot = next(
            (k.__dict__[field.name] for k in cl.__mro__ if field.name in k.__dict__),
            None,
        )
        if not isinstance(slot, types.MemberDescriptorType):
            return None
        setters[field.name] = slot.__set__
    return setters


def _compile_structure(cl: type, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """
    Generate the structure function of one attrs model.

    cattrs' own generated functions call a hook per field; these models
    are mostly optional scalars and absent lists, so values are checked
    inline. A missing key, a null, and an empty date string give the
    field's default. A frozen slotted class's ``__init__`` stores each
    field through ``object.__setattr__`` after parsing keyword arguments;
    where it does nothing else, the slots are filled directly, which
    halves the cost of a model of 27 fields.
    """
    hints = typing.get_type_hints(cl)
    namespace: dict[str, Any] = {
        "cl": cl,
        "new": object.__new__,
        "int": int,
        "str": str,
        "float": float,
        "NOTHING": attrs.NOTHING,
    }
    setters = _slot_setters(cl)
    lines = []
    for index, field in enumerate(attrs.fields(cl)):
        primary, *others = _wire_names(cl, field.name)
        kind = hints[field.name]
        inner = _optional_of(kind) or kind
        convert = _convert_expr(index, inner, conv, namespace)
        if field.default is attrs.NOTHING:
            # The condition runs first and binds _v; it is always true. A
            # missing key raises KeyError: the answer lacks a required field.
            expr = f"({convert} if (_v := o[{primary!r}]) is not NOTHING else NOTHING)"
        else:
            value = f"g({primary!r}, g({others[0]!r}))" if others else f"g({primary!r})"
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]  # attrs.Factory is a class at run time
                namespace[f"f{index}"] = default.factory
                fallback = f"f{index}()"
            else:
                namespace[f"d{index}"] = default
                fallback = f"d{index}"
            empty = ' or _v == ""' if inner is dt.datetime else ""
            expr = f"({fallback} if (_v := {value}) is None{empty} else {convert})"
        if setters is None:
            lines.append(f"        {field.name}={expr},")
        else:
            namespace[f"s{index}"] = setters[field.name]
            lines.append(f"    s{index}(self, {expr})")
    if setters is None:
        body = ["    return cl(", *lines, "    )"]
    else:
        body = ["    self = new(cl)", *lines, "    return self"]
    source = "\n".join(["def structure(o, _):", "    g = o.get", *body])
    exec(compile(source, f"<moment_async structure {cl.__name__}>", "exec"), namespace)  # noqa: S102  # our own generated code, from attrs field names
    return namespace["structure"]  # type: ignore[no-any-return]  # defined by the exec above


def make_converter(*, omit_defaults: bool = True) -> cattrs.Converter:
    """
    Build the converter a session owns: once per client, never per call.

    Encoding leaves out the fields at their default value (the API's
    optional parameters), except those the API always wants. With
    *omit_defaults* false every field is written, zeros and nulls
    included: the command line's ``--json`` output, which scripts read.
    """
    conv = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)

    # The order of hook registration matters: later registrations win, and
    # the attrs factories below look up the scalar hooks when they run.
    conv.register_structure_hook(dt.datetime, _structure_datetime)
    conv.register_structure_hook(dt.datetime | None, _structure_optional_datetime)
    conv.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    conv.register_structure_hook(bool, _structure_bool)
    # A predicate, not a class hook: class hooks match subclasses, and every
    # WireEnum is a str subclass.
    conv.register_structure_hook_func(lambda cl: cl is str, _structure_str)
    conv.register_structure_hook_factory(_is_enum, _enum_hook)
    conv.register_unstructure_hook_factory(_is_enum, lambda _: _enum_value)

    def tuple_hook(cl: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        (item_type, _) = typing.get_args(cl)
        if item_type is str:
            return _structure_str_tuple
        item = conv.get_structure_hook(item_type)

        def structure(value: Any, _: Any) -> tuple[Any, ...]:
            if value is None:
                return ()
            _check_array(value)
            return tuple([item(v, item_type) for v in value])

        return structure

    conv.register_structure_hook_factory(_is_homogeneous_tuple, tuple_hook)

    def list_hook(cl: Any) -> Callable[[Any, Any], list[Any]]:
        (item_type,) = typing.get_args(cl)
        item = conv.get_structure_hook(item_type)

        def structure(value: Any, _: Any) -> list[Any]:
            _check_array(value)
            return [item(v, item_type) for v in value]

        return structure

    conv.register_structure_hook_factory(_is_list, list_hook)

    def optional_hook(cl: Any) -> Callable[[Any, Any], Any]:
        # cattrs' generic Optional handling costs a dispatch per field; most
        # fields of these models are "X | None", so give each its own hook.
        inner_type = _optional_of(cl)
        if inner_type is int:
            return lambda v, _: (
                v if v is None or type(v) is int else _structure_int(v, _)
            )
        if inner_type is str:
            return lambda v, _: (
                v if v is None or type(v) is str else _structure_str(v, _)
            )
        inner = conv.get_structure_hook(inner_type)
        return lambda v, _: None if v is None else inner(v, inner_type)

    conv.register_structure_hook_factory(
        lambda cl: _optional_of(cl) not in (None, dt.datetime), optional_hook
    )

    def targeting_structure(cl: Any) -> Callable[[Any, Any], Targeting]:
        known = {"id", "name", "exclude"}

        def structure(value: Any, _: Any) -> Targeting:
            ident = value.get("id")
            name = value.get("name")
            exclude = value.get("exclude")
            return cl(  # type: ignore[no-any-return]  # cl is a Targeting subclass
                id=None if ident is None else _structure_int(ident, int),
                name=None if name is None else _structure_str(name, str),
                exclude=None if exclude is None else _structure_bool(exclude, bool),
                extra={k: v for k, v in value.items() if k not in known},
            )

        return structure

    def targeting_unstructure(cl: Any) -> Callable[[Targeting], dict[str, object]]:
        def unstructure(value: Targeting) -> dict[str, object]:
            out: dict[str, object] = dict(value.extra)
            for key in ("id", "name", "exclude"):
                item = getattr(value, key)
                if item is not None or not omit_defaults:
                    out[key] = item
            return out

        return unstructure

    conv.register_structure_hook_factory(_is_targeting, targeting_structure)
    conv.register_unstructure_hook_factory(_is_targeting, targeting_unstructure)

    def model_structure(cl: Any) -> Callable[[Any, Any], Any]:
        return _compile_structure(cl, conv)

    def model_unstructure(cl: Any) -> Callable[[Any], dict[str, Any]]:
        overrides: dict[str, Any] = {
            field.name: override(
                rename=_wire_names(cl, field.name)[0],
                omit_if_default=omit_defaults and field.name not in _ALWAYS_SENT,
            )
            for field in attrs.fields(cl)
        }
        return make_dict_unstructure_fn(
            cl, conv, _cattrs_omit_if_default=omit_defaults, **overrides
        )

    conv.register_structure_hook_factory(_is_model, model_structure)
    conv.register_unstructure_hook_factory(_is_model, model_unstructure)
    return conv
