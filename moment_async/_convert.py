"""
The one cattrs converter between wire JSON and the attrs models.

Wire names are decided here and nowhere else: every field's wire name is its
camelCase spelling, except where ``_WIRE_NAMES`` says otherwise. Values are
read exactly or refused, naming the field: an integer is never rounded, a
float never becomes text, and nothing but true, false, 1 or 0 is a boolean.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from ._errors import bounded_text
from .models import (
    Audience,
    AudienceSpec,
    AudienceSummary,
    CustomerFile,
    CustomerFileUpload,
    Location,
    Targeting,
    WireEnum,
)

T = TypeVar("T")

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


def wire_names(cl: type, field: str) -> tuple[str, ...]:
    """
    Return the wire spellings of *field* of *cl*: the documented one first.
    """
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
            parsed = _read_date(value)
        else:
            if parsed.tzinfo is not None:
                return parsed
            parsed = _read_date(value)
    elif isinstance(value, dt.datetime):
        parsed = value
    else:
        msg = f"expected {_DATE_ALLOWED}, got {_show(value)}"
        raise TypeError(msg)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=KST)


#: What a date field takes, for the refusals.
_DATE_ALLOWED: Final = "a date and time such as '2024-02-06T00:03:59'"


def _read_date(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        # fromisoformat's own message quotes the whole string: a megabyte, maybe.
        msg = f"expected {_DATE_ALLOWED}, got {_show(value)}"
        raise ValueError(msg) from None


def _structure_optional_datetime(value: object, _: object) -> dt.datetime | None:
    if value is None or value == "":
        return None
    return _structure_datetime(value, _)


#: The API's ids, counts and scores are Java longs: signed 64-bit integers.
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
_INT_ALLOWED: Final = (
    f"allowed: an integer from {INT64_MIN} to {INT64_MAX}, as a JSON number "
    "or a string of its decimal digits (ASCII, an optional minus, no leading zeros)"
)
#: An integer written in canonical decimal: one way to spell each number.
_CANONICAL: Final = re.compile(r"-?(?:0|[1-9][0-9]*)").fullmatch
_PADDED: Final = re.compile(r"-?0[0-9]+").fullmatch
#: Digits of the longest canonical decimal in range: a longer one is out of
#: range, and is refused without int(), which takes quadratic time.
_MOST_DIGITS: Final = len(str(INT64_MAX))
#: Characters of a wire value quoted in an error message.
_SHOWN: Final = 40


def _show(value: object) -> str:
    """
    Return a short description of a refused wire value, for an error message.
    """
    if type(value) in (str, int, float):
        text = repr(value)
        return (
            text if len(text) <= _SHOWN else f"{text[:_SHOWN]}... ({len(text):,} chars)"
        )
    return type(value).__name__


# The converters below are the slow paths, taken only when the wire value
# is not already of the field's type. Each takes the other JSON scalars a
# server may plausibly send instead, as long as the value is kept exactly
# (a number as a string, an integer as a string), and refuses the rest:
# arrays and objects with TypeError (the session turns that into
# DecodeError, where str() would have made a Python repr of it), and any
# value that would have to be rounded or guessed at with ValueError.


def _structure_bool(value: object, _: object) -> bool:
    if type(value) is bool:
        return value
    if type(value) is str:
        word = value.strip().lower()
        if word in ("true", "false"):
            return word == "true"
    elif type(value) is int and value in (0, 1):
        return value == 1
    msg = (
        f"expected a boolean, got {_show(value)}; allowed: true or false "
        "(as JSON booleans or as strings), or the numbers 1 and 0"
    )
    raise ValueError(msg)


def _structure_str(value: object, _: object) -> str:
    # An integer is exact as text; a float is not (1.50 came as 1.5, and an
    # integer past 64 bits as 1e+29), and a bool is no text.
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    msg = f"expected a string, got {_show(value)}; allowed: a string, or an integer"
    raise TypeError(msg)


def structure_int(value: object, _: object = None) -> int:
    """
    Read an integer exactly, or refuse it: never round, truncate or wrap.

    orjson reads an integer past 64 bits as a float (``10**29 + 1`` comes
    as ``1e+29``), as it does ``1.0`` and ``1e3``: every float is refused,
    since which digits were sent cannot be known. A string of ASCII decimal
    digits (with an optional minus) is read as the integer it spells, when
    it spells it the one canonical way: "007" and "-0" are refused, saying
    so. The result must fit the API's signed 64-bit ``Long``. JSON
    ``true`` is no number.
    """
    if type(value) is int:
        number = value
    elif type(value) is str:
        number = _read_decimal(value)
    elif type(value) is float:
        msg = (
            f"got the number {_show(value)}, which is not an exact integer "
            f"(a fraction, an exponent, or more than 64 bits); {_INT_ALLOWED}"
        )
        raise ValueError(msg)
    else:
        msg = f"expected an integer, got {_show(value)}; {_INT_ALLOWED}"
        raise TypeError(msg)
    if INT64_MIN <= number <= INT64_MAX:
        return number
    msg = f"{_show(value)} is outside the signed 64-bit range; {_INT_ALLOWED}"
    raise ValueError(msg)


def _read_decimal(text: str) -> int:
    """
    Return the integer *text* spells in canonical decimal, or raise ``ValueError`` saying what is wrong.

    "007" and "-0" are refused, not read as 7 and 0: an id has one
    spelling, and a server that pads or signs it sends something else.
    """
    if _CANONICAL(text) and text != "-0":
        if len(text.lstrip("-")) <= _MOST_DIGITS:
            return int(text)
        msg = f"{_show(text)} is outside the signed 64-bit range; {_INT_ALLOWED}"
        raise ValueError(msg)
    if text == "-0":
        problem = "a negative zero"
    elif _PADDED(text):
        problem = "leading zeros"
    else:
        problem = "not decimal digits"
    msg = f"expected an integer, got {_show(text)} ({problem}); {_INT_ALLOWED}"
    raise ValueError(msg)


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


def _structure_enum(value: object, cl: type[enum.Enum]) -> enum.Enum:
    # The generated functions look a string up inline and come here for
    # the rest: a WireEnum keeps an unknown string, and refuses anything
    # else. Only a string or a number is looked up: a list is unhashable,
    # and a refusal must not quote a repr of megabytes.
    if type(value) in (str, int):
        try:
            return cl(value)
        except ValueError:
            pass
    msg = f"expected one of {_members(cl)}, got {_show(value)}"
    raise TypeError(msg)


def _members(cl: type[enum.Enum]) -> str:
    known = ", ".join(repr(member.value) for member in cl)
    if issubclass(cl, WireEnum):
        return f"{known} (or another string, kept as an unknown value)"
    return known


def _enum_value(member: object) -> object:
    # A field typed as an enum may hold its plain string (AudienceSpec(type="DISPLAY")).
    return member.value if isinstance(member, enum.Enum) else member


def optional_of(cl: Any) -> type | None:
    """
    Return ``X`` of the type ``X | None``; None for any other type.
    """
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


#: Scalars checked inline by the generated structure functions: the test
#: that keeps the wire value as it is, and the hook that reads any other
#: value exactly or refuses it. "_v.__class__ is int" keeps bools (an int
#: subclass) out; the range is the hook's own, written out as constants.
_INLINE: Final[dict[Any, tuple[str, Callable[[Any, Any], Any]]]] = {
    int: (f"_v.__class__ is int and {INT64_MIN} <= _v <= {INT64_MAX}", structure_int),
    str: ("_v.__class__ is str", _structure_str),
    float: ("_v.__class__ is float", lambda value, _: float(value)),
    bool: ("_v.__class__ is bool", _structure_bool),
}


def _convert_expr(
    index: int, kind: Any, conv: cattrs.Converter, namespace: dict[str, Any]
) -> str:
    """
    Return the expression that turns a non-null wire value ``_v`` into *kind*.
    """
    if kind in _INLINE:
        test, convert = _INLINE[kind]
        namespace[f"as_{kind.__name__}"] = convert
        return f"(_v if {test} else as_{kind.__name__}(_v, None))"
    if kind is dt.datetime:
        namespace["as_datetime"] = _structure_datetime
        return "as_datetime(_v, None)"
    namespace[f"t{index}"] = kind
    if _is_enum(kind):
        namespace[f"m{index}"] = {
            m.value: m for m in typing.cast(type[enum.Enum], kind)
        }
        namespace["as_enum"] = _structure_enum
        # Enum values are non-empty strings, so a found member is truthy;
        # any other value (an array is unhashable) goes to the hook.
        return f"(_v.__class__ is str and m{index}.get(_v) or as_enum(_v, t{index}))"
    namespace[f"h{index}"] = conv.get_structure_hook(kind)
    return f"h{index}(_v, t{index})"


#: What a hook raises for a wire value that does not fit: the session turns
#: these into DecodeError.
SHAPE_ERRORS: Final = (TypeError, ValueError, KeyError, AttributeError, IndexError)


class FieldError(ValueError):
    """
    Strictly private: a wire value that does not fit its field, named by the path to it.

    ``str()`` reads ``Audience.locations.value: missing (no 'value' key)``:
    the model the answer decodes into, the fields down to the one refused,
    and why.
    """

    def __init__(self, model: str, path: tuple[str, ...], problem: str) -> None:
        super().__init__(model, path, problem)
        self.model = model
        self.path = path
        self.problem = problem

    def __str__(self) -> str:
        return f"{'.'.join((self.model, *self.path))}: {self.problem}"


def _field_error(cl: type, field: str, exc: Exception) -> FieldError:
    """
    Name *field* of *cl* in the error *exc* raised while reading it.
    """
    if isinstance(exc, FieldError):
        return FieldError(cl.__name__, (field, *exc.path), exc.problem)
    if isinstance(exc, KeyError):
        # The only KeyError a field read raises: its required key is absent.
        return FieldError(cl.__name__, (field,), f"missing (no {exc} key)")
    # The hooks' own messages show values short; cattrs' or Python's may not.
    return FieldError(cl.__name__, (field,), bounded_text(str(exc)))


def _optional_field(
    cl: type, key: str, data: dict[str, Any], read: Callable[[Any, Any], T]
) -> T | None:
    """
    Read the optional field *key* (its wire name too) of *data* with *read*.
    """
    value = data.get(key)
    if value is None:
        return None
    try:
        return read(value, None)
    except SHAPE_ERRORS as exc:
        raise _field_error(cl, key, exc) from exc


def copy_json(value: Any) -> Any:
    """
    Return a copy of the JSON value *value*: new dicts and lists all the way down.
    """
    if isinstance(value, Mapping):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [copy_json(item) for item in value]
    return value


def _not_object(value: object) -> TypeError:
    return TypeError(f"expected an object, got {_show(value)}")


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
    halves the cost of a model of 27 fields. A refusal names its field
    (``FieldError``): one ``try`` holds every field, each read on a line
    of its own, and the line the error comes from says which field it was
    (a ``try`` per field cost 4 % of the decode benchmark).
    """
    hints = typing.get_type_hints(cl)
    namespace: dict[str, Any] = {
        "cl": cl,
        "new": object.__new__,
        "NOTHING": attrs.NOTHING,
        "SHAPE": SHAPE_ERRORS,
        "at": _field_error,
        "not_object": _not_object,
    }
    setters = _slot_setters(cl)
    lines = []
    for index, field in enumerate(attrs.fields(cl)):
        primary, *others = wire_names(cl, field.name)
        kind = hints[field.name]
        inner = optional_of(kind) or kind
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
            lines.append(f"        a{index} = {expr}")
        else:
            namespace[f"s{index}"] = setters[field.name]
            lines.append(f"        s{index}(self, {expr})")
    if setters is None:
        names = ", ".join(
            f"{field.name}=a{index}" for index, field in enumerate(attrs.fields(cl))
        )
        first, last = ["    try:"], [f"    return cl({names})"]
    else:
        first, last = ["    self = new(cl)", "    try:"], ["    return self"]
    head = [
        "def structure(o, _):",
        "    if o.__class__ is not dict:",
        "        raise not_object(o)",
        "    g = o.get",
        *first,
    ]
    # Line numbers count from 1; each field is read on a line of its own.
    namespace["fields"] = {
        len(head) + 1 + index: field.name
        for index, field in enumerate(attrs.fields(cl))
    }
    catch = [
        "    except SHAPE as e:",
        "        raise at(cl, fields[e.__traceback__.tb_lineno], e) from e",
    ]
    source = "\n".join([*head, *lines, *catch, *last])
    exec(compile(source, f"<moment_async structure {cl.__name__}>", "exec"), namespace)  # noqa: S102  # our own generated code, from attrs field names
    return namespace["structure"]  # type: ignore[no-any-return]  # defined by the exec above


def make_converter(
    *, omit_defaults: bool = True, names: Literal["wire", "python"] = "wire"
) -> cattrs.Converter:
    """
    Build the converter a session owns: once per client, never per call.

    Encoding leaves out the fields at their default value (the API's
    optional parameters), except those the API always wants. With
    *omit_defaults* false every field is written, zeros and nulls
    included: what ``to_data()`` gives, which web backends and scripts
    read. *names* ``"python"`` writes the attrs field names instead of
    the wire names, and a targeting's ``extra`` under its own key rather
    than beside ``id``; decoding always reads the wire names.
    """
    python_names = names == "python"
    conv = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)

    # The order of hook registration matters: later registrations win, and
    # the attrs factories below look up the scalar hooks when they run.
    conv.register_structure_hook(dt.datetime, _structure_datetime)
    conv.register_structure_hook(dt.datetime | None, _structure_optional_datetime)
    conv.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    conv.register_structure_hook(bool, _structure_bool)
    # Class hooks, which cattrs consults before any predicate: they replace
    # its own str(value) and int(value), which turn null into "None", 1.5
    # into 1 and true into 1. A class hook also matches subclasses, so the
    # enum bases get theirs, ahead of str and int in an enum's MRO.
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, structure_int)
    # Class hooks written the other way too: cattrs writes a str subclass
    # as it is, and a WireEnum member would reach the caller as the member,
    # not as the plain string JSON holds.
    for base in (enum.Enum, enum.StrEnum, enum.IntEnum):
        conv.register_structure_hook(base, _structure_enum)
        conv.register_unstructure_hook(base, _enum_value)

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
        inner_type = optional_of(cl)
        inner = conv.get_structure_hook(inner_type)
        return lambda v, _: None if v is None else inner(v, inner_type)

    conv.register_structure_hook_factory(
        lambda cl: optional_of(cl) not in (None, dt.datetime), optional_hook
    )

    def targeting_structure(cl: Any) -> Callable[[Any, Any], Targeting]:
        known = {"id", "name", "exclude"}

        def structure(value: Any, _: Any) -> Targeting:
            if value.__class__ is not dict:
                raise _not_object(value)
            return cl(  # type: ignore[no-any-return]  # cl is a Targeting subclass
                id=_optional_field(cl, "id", value, structure_int),
                name=_optional_field(cl, "name", value, _structure_str),
                exclude=_optional_field(cl, "exclude", value, _structure_bool),
                extra={k: v for k, v in value.items() if k not in known},
            )

        return structure

    def targeting_unstructure(cl: Any) -> Callable[[Targeting], dict[str, object]]:
        def unstructure(value: Targeting) -> dict[str, object]:
            # A copy all the way down: the caller may change what it gets,
            # and the frozen model must not change with it.
            extra = copy_json(value.extra)
            out: dict[str, object] = {} if python_names else extra
            for key in ("id", "name", "exclude"):
                item = getattr(value, key)
                if item is not None or not omit_defaults:
                    out[key] = item
            if python_names and (extra or not omit_defaults):
                out["extra"] = extra
            return out

        return unstructure

    conv.register_structure_hook_factory(_is_targeting, targeting_structure)
    conv.register_unstructure_hook_factory(_is_targeting, targeting_unstructure)

    def model_structure(cl: Any) -> Callable[[Any, Any], Any]:
        return _compile_structure(cl, conv)

    def model_unstructure(cl: Any) -> Callable[[Any], dict[str, Any]]:
        overrides: dict[str, Any] = {
            field.name: override(
                rename=field.name if python_names else wire_names(cl, field.name)[0],
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
