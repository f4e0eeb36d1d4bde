"""
Models to and from plain data: JSON-ready dicts and lists for web backends, caches and files.

``to_data`` writes what the command line's ``--json`` prints. ``from_data``
reads that back, and reads what a person or a web request wrote: either
spelling of every field, and no key it does not know. Kakao's own answers
are read by the client, which lets fields the SDK does not know pass;
``from_data`` reads the caller's data, where an unknown key is a mistake
that would otherwise pass without a word.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar, overload

import attrs

from . import models
from ._convert import SHAPE_ERRORS, copy_json, make_converter, optional_of, wire_names
from ._errors import ValidationError
from ._validate import check_audience_spec
from .models import Audience, AudienceSpec, Targeting

if TYPE_CHECKING:
    from collections.abc import Sequence

    import cattrs
    from attrs import AttrsInstance

T = TypeVar("T")

#: Every attrs class of ``moment_async.models``: what the two functions take.
_MODELS: Final = frozenset(
    value
    for value in (getattr(models, name) for name in models.__all__)
    if attrs.has(value)
)
#: Values JSON holds as they are.
_SCALARS: Final = (str, int, float, bool, type(None))
#: A targeting's typed fields; any other key is one of its ``extra`` fields.
_TARGETING_KEYS: Final = ("id", "name", "exclude")


class _Writer:
    """
    Strictly private: how one converter writes each class of value, found once per class.
    """

    def __init__(self, converter: cattrs.Converter) -> None:
        self.converter = converter
        self.hooks: dict[type, Callable[[Any], Any]] = {}

    def dump(self, value: object) -> Any:
        cls = value.__class__
        hook = self.hooks.get(cls)
        if hook is None:
            hook = self.hooks[cls] = self._hook(cls)
        return hook(value)

    def _hook(self, cls: type) -> Callable[[Any], Any]:
        if cls in _MODELS:
            return self.converter.get_unstructure_hook(cls)
        if issubclass(cls, list | tuple):
            return self._items
        if issubclass(cls, enum.Enum):
            return _enum_value
        if issubclass(cls, _SCALARS):
            return _same
        if issubclass(cls, dt.datetime):
            return dt.datetime.isoformat
        if issubclass(cls, Mapping):
            return self._mapping
        msg = (
            "to_data() takes the models of moment_async.models, lists, tuples "
            f"and dicts of them, and JSON values; got {cls.__name__}"
        )
        raise ValidationError(msg)

    def _items(self, value: list[Any] | tuple[Any, ...]) -> list[Any]:
        return [self.dump(item) for item in value]

    def _mapping(self, value: Mapping[object, object]) -> dict[str, Any]:
        return {_key(key): self.dump(item) for key, item in value.items()}


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _same(value: object) -> object:
    return value


def _key(key: object) -> str:
    if not isinstance(key, str):
        msg = f"to_data() writes JSON objects, whose keys are strings; got the key {key!r}"
        raise ValidationError(msg)
    return key


#: Built at the first call of each kind: the command line's --json needs one.
_WRITERS: Final[dict[str, _Writer]] = {}


def _writer(names: object) -> _Writer:
    if names != "wire" and names != "python":  # noqa: PLR1714  # narrows the type
        msg = f'names must be "wire" or "python", got {names!r}'
        raise ValidationError(msg)
    writer = _WRITERS.get(names)
    if writer is None:
        converter = make_converter(omit_defaults=False, names=names)
        writer = _WRITERS[names] = _Writer(converter)
    return writer


@overload
def to_data(
    value: AttrsInstance, *, names: Literal["wire", "python"] = "wire"
) -> dict[str, Any]: ...
@overload
def to_data(
    value: Sequence[AttrsInstance], *, names: Literal["wire", "python"] = "wire"
) -> list[dict[str, Any]]: ...
@overload
def to_data(value: object, *, names: Literal["wire", "python"] = "wire") -> Any: ...
def to_data(value: object, *, names: Literal["wire", "python"] = "wire") -> Any:
    """
    Return *value* as plain JSON data: dicts, lists, strings, numbers, booleans and None.

    *value* is a model (``CustomerFile``, ``Audience``, ``AudienceSpec``,
    ...), a list or tuple of them, a dict holding them, or any nesting of
    these with JSON values. Every field is written, nulls and empty lists
    included, so the shape never depends on what Kakao happened to send.
    Keys are the API's wire names (``"customerFileStatus"``), or with
    *names* ``"python"`` the models' attribute names (``"status"``).
    Dates are ISO 8601 strings with their offset
    (``"2024-02-06T00:03:59+09:00"``); enum members are their wire values,
    and a value the SDK does not know is kept as it came. A targeting's
    fields that the SDK does not type sit beside ``id`` under wire names,
    as Kakao sends them, and under ``"extra"`` with Python names.

    Made for web backends that answer with what the SDK returned::

        @app.get("/files")
        async def files() -> list[dict[str, Any]]:
            return ma.to_data(await acct.customer_files.list())

    ``from_data`` reads the result back into equal models. Functions, not
    methods (pydantic's ``model_dump``): one call covers a list of models
    or a dict holding them, as ``attrs.asdict`` and cattrs do for the
    attrs classes the models are.

    Raises:
        ValidationError: *value* holds something that is neither a model
            nor JSON, or *names* is neither ``"wire"`` nor ``"python"``.
    """
    return _writer(names).dump(value)


class _Refusal(Exception):  # noqa: N818  # strictly private, never raised out
    """
    Strictly private: what ``from_data`` found wrong, and where, gathered as it unwinds.

    Each object or array it passes through adds its key or index, so no
    path is built while the data is good.
    """

    def __init__(self, head: str, tail: str = "", *, in_object: bool = False) -> None:
        super().__init__(head, tail)
        #: Said as ``head + " in <path>" + tail`` of the object at fault, or
        #: as ``<path>: head`` of the value at fault.
        self.head = head
        self.tail = tail
        self.in_object = in_object
        #: Keys and indexes, innermost first.
        self.path: list[str | int] = []

    def error(self, root: str) -> ValidationError:
        path = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}"
            for part in reversed(self.path)
        ).removeprefix(".")
        if self.in_object:
            text = f"{self.head}{f' in {path}' if path else ''}{self.tail}"
        else:
            text = f"{path}: {self.head}" if path else self.head
        return ValidationError(f"{root}: {text}")


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _not_object(value: object) -> _Refusal:
    return _Refusal(f"expected an object, got {_kind(value)}")


Read = Callable[[Any], Any]


def _leaf(kind: Any) -> Read:
    """
    Return the reader of a value of *kind* (no model in it): the client's own hook.
    """
    hook = _reading_converter().get_structure_hook(kind)

    def read(value: Any) -> Any:
        if value.__class__ is tuple:
            # JSON arrays are lists; a Python caller may write a tuple.
            value = list(value)
        try:
            return hook(value, kind)
        except SHAPE_ERRORS as exc:
            raise _Refusal(str(exc)) from exc

    return read


def _items(read: Read) -> Read:
    """
    Return the reader of an array of what *read* reads, as a tuple.
    """

    def read_items(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            msg = f"expected an array, got {_kind(value)}"
            raise _Refusal(msg)
        items = []
        for index, entry in enumerate(value):
            try:
                items.append(read(entry))
            except _Refusal as refusal:
                refusal.path.append(index)
                raise
        return tuple(items)

    return read_items


def _read_targeting(cls: type[Targeting]) -> Read:
    hints = typing.get_type_hints(cls)
    typed = {key: _leaf(hints[key]) for key in _TARGETING_KEYS}

    def read(value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _not_object(value)
        fields: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, item in value.items():
            try:
                if key in _TARGETING_KEYS:
                    if item is not None:
                        fields[key] = typed[key](item)
                elif key == "extra":
                    if not isinstance(item, Mapping):
                        raise _not_object(item)
                    _add_extra(extra, item)
                else:
                    _add_extra(extra, {key: item})
            except _Refusal as refusal:
                refusal.path.append(key)
                raise
        return cls(**fields, extra=extra)

    return read


def _add_extra(extra: dict[str, Any], fields: Mapping[Any, Any]) -> None:
    for key in fields:
        if key in extra:
            msg = f"{key!r} is given both beside id and in extra; give it once"
            raise _Refusal(msg)
    # A copy: the frozen model must not change with the caller's data.
    extra.update(copy_json(fields))


class _Reader:
    """
    Strictly private: how ``from_data`` reads one model class, built once per class.
    """

    def __init__(self, cls: type) -> None:
        self.cls = cls
        hints = typing.get_type_hints(cls)
        #: Each field's reader, and its default (``attrs.NOTHING``: required).
        self.fields: dict[str, tuple[Read, Any]] = {}
        #: Every accepted key (the wire spellings and the Python name) to its field.
        self.keys: dict[str, str] = {}
        for field in attrs.fields(cls):
            self.fields[field.name] = (_reader_of(hints[field.name]), field.default)
            for key in (*wire_names(cls, field.name), field.name):
                claimed = self.keys.setdefault(key, field.name)
                if claimed != field.name:  # pragma: no cover  # a broken model table
                    msg = (
                        f"{cls.__name__}: {key!r} names both {claimed} and {field.name}"
                    )
                    raise AssertionError(msg)
        self.ignored = _ignored(cls)

    def read(self, data: object) -> tuple[Any, dict[str, str]]:
        """
        Return the model *data* describes and, by field, the key that gave it.
        """
        if not isinstance(data, Mapping):
            raise _not_object(data)
        values: dict[str, Any] = {}
        spelled: dict[str, str] = {}
        keys = self.keys
        fields = self.fields
        for key, item in data.items():
            name = keys.get(key)
            if name is None:
                if key in self.ignored:
                    continue
                raise self._unknown(key)
            if name in spelled:
                head = f"{spelled[name]!r} and {key!r} are two spellings of {name}"
                raise _Refusal(head, "; give one of them", in_object=True)
            spelled[name] = key
            if item is not None:
                try:
                    values[name] = fields[name][0](item)
                except _Refusal as refusal:
                    refusal.path.append(key)
                    raise
        if len(values) < len(fields):
            for name, (_, default) in fields.items():
                if name not in values:
                    if default is attrs.NOTHING:
                        raise self._required(name, spelled)
                    values[name] = default
        # __init__ of a frozen class with defaults: factories run here.
        return self.cls(**values), spelled

    def _required(self, name: str, spelled: Mapping[str, str]) -> _Refusal:
        key = spelled.get(name, wire_names(self.cls, name)[0])
        null = " and may not be null" if name in spelled else ""
        return _Refusal(f"{key!r} is required{null}", in_object=True)

    def _unknown(self, key: object) -> _Refusal:
        close = _closest(key, self.keys) if isinstance(key, str) else None
        if close is not None:
            hint = f"; did you mean {close!r}?"
        else:
            known = ", ".join(wire_names(self.cls, name)[0] for name in self.fields)
            hint = f"; the known keys are {known} (or their Python names)"
        return _Refusal(f"unknown key {key!r}", hint, in_object=True)


def _closest(key: str, keys: Mapping[str, str]) -> str | None:
    """
    Return the accepted key nearest to *key*, ignoring case, or None when none is near.

    Each spelling competes on its own, so a snake_case slip gets the
    snake_case name and a camelCase one the wire name.
    """
    by_lower = {known.lower(): known for known in keys}
    found = difflib.get_close_matches(key.lower(), by_lower, n=1, cutoff=0.75)
    return by_lower[found[0]] if found else None


def _ignored(cls: type) -> frozenset[object]:
    """
    Return the keys *cls* reads past: for a spec, the fields only an answer has.

    An audience as Kakao or ``to_data`` gave it (``id``, ``adAccountId``,
    ``audienceStatus``, dates) reads as the spec to create or edit it
    again; the client sets the ad account and the audience id itself.
    """
    if cls is not AudienceSpec:
        return frozenset()
    own = {field.name for field in attrs.fields(AudienceSpec)}
    return frozenset(
        key
        for field in attrs.fields(Audience)
        if field.name not in own
        for key in (*wire_names(Audience, field.name), field.name)
    )


_READERS: Final[dict[type, _Reader]] = {}


def _model_reader(cls: type) -> _Reader:
    reader = _READERS.get(cls)
    if reader is None:
        reader = _READERS[cls] = _Reader(cls)
    return reader


def _is_model(kind: Any) -> bool:
    return kind in _MODELS or (isinstance(kind, type) and issubclass(kind, Targeting))


def _reader_of(kind: Any) -> Read:
    """
    Return the reader of a field of type *kind*: nested models are read strictly too.
    """
    inner = optional_of(kind) or kind
    args = typing.get_args(inner)
    if typing.get_origin(inner) is tuple and args[1:] == (Ellipsis,):
        if _is_model(args[0]):
            return _items(_reader_of(args[0]))
        return _leaf(kind)
    if isinstance(inner, type) and issubclass(inner, Targeting):
        return _read_targeting(inner)
    if inner in _MODELS:
        # Looked up when first read: a model may hold its own kind.
        def read_model(value: Any) -> Any:
            return _model_reader(inner).read(value)[0]

        return read_model
    return _leaf(kind)


_CONVERTERS: Final[list[cattrs.Converter]] = []


def _reading_converter() -> cattrs.Converter:
    # One for every leaf hook; the client's sessions own theirs.
    if not _CONVERTERS:
        _CONVERTERS.append(make_converter())
    return _CONVERTERS[0]


def from_data(cls: type[T], data: object) -> T:
    """
    Return the model of class *cls* that the plain JSON data *data* describes.

    The reverse of ``to_data``, and the one way to build a model from a
    mapping: a JSON file, a web request's body, a cache. *cls* is a model
    class (``ma.AudienceSpec``) or a list of one (``list[ma.CustomerFile]``)::

        spec = ma.from_data(ma.AudienceSpec, await request.json())
        audience = await acct.audiences.create(spec)

    Every key may be spelled as the API documents it (``"ageType"``, and
    the documents' own variants such as ``"depth2locations"``) or as the
    model's attribute (``"age_type"``), at every level, and the spellings
    may differ from key to key; two spellings of one field in one object
    are refused. Any other key is refused, naming it, where it sits and
    the nearest known key: ``customer_file_targeting`` would otherwise be
    dropped, and the audience would target everyone. A targeting entry
    keeps the fields the SDK does not type in ``extra`` (given beside
    ``id``, as Kakao sends them, or under ``"extra"``), since Kakao's
    entries carry fields the documents do not list. A null or a missing
    key gives the field's default; dates are ISO 8601 (no offset means
    Korea Standard Time), enum values are their wire strings.

    An ``AudienceSpec`` is also checked against the documented rules, as
    ``audiences.create`` would, with messages that use the keys as given
    (``spec.ageType``) and say when a field was left to its default.
    An audience read back (``to_data`` of an ``Audience``) reads as its
    spec: ``id``, ``adAccountId``, its status, score and dates, which a
    spec does not take, are passed over.

    Raises:
        ValidationError: an unknown key, two spellings of one field, a
            missing required field, a value of the wrong type, a spec
            that breaks a documented rule, or a *cls* that is not a model
            (or a list of one).
    """
    if typing.get_origin(cls) is list:
        (item,) = typing.get_args(cls)
        if item in _MODELS:
            root = f"list[{item.__name__}]"
            if not isinstance(data, list | tuple):
                raise _Refusal(f"expected an array, got {_kind(data)}").error(root)
            reader = _model_reader(item)
            return [  # type: ignore[return-value]  # cls is list[item]
                _checked(reader, value, root, index) for index, value in enumerate(data)
            ]
    elif cls in _MODELS:
        return _checked(_model_reader(cls), data, cls.__name__)  # type: ignore[no-any-return]  # a cls instance
    msg = (
        "from_data() reads a model of moment_async.models or a list of one "
        f"(list[ma.CustomerFile]), got {cls!r}"
    )
    raise ValidationError(msg)


def _checked(reader: _Reader, data: object, root: str, index: int | None = None) -> Any:
    try:
        value, spelled = reader.read(data)
        if reader.cls is AudienceSpec:
            _check_spec(value, spelled, typing.cast("Mapping[str, object]", data))
    except _Refusal as refusal:
        if index is not None:
            refusal.path.append(index)
        raise refusal.error(root) from None
    return value


def _check_spec(
    spec: AudienceSpec, spelled: dict[str, str], data: Mapping[str, object]
) -> None:
    # The rules speak of the fields as the caller wrote them; one left out
    # is named in the style of the others (camelCase unless snake_case was used).
    python_style = any(
        key == name and key != wire_names(AudienceSpec, name)[0]
        for name, key in spelled.items()
    )
    names = {
        field.name: spelled.get(
            field.name,
            field.name if python_style else wire_names(AudienceSpec, field.name)[0],
        )
        for field in attrs.fields(AudienceSpec)
    }
    given = {name for name, key in spelled.items() if data[key] is not None}
    try:
        check_audience_spec(spec, spelled=names, given=given)
    except ValidationError as exc:
        raise _Refusal(str(exc)) from exc
