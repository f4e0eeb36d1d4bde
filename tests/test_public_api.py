"""
The public surface: __all__ lists, docstrings and the package version.
"""

from __future__ import annotations
import __future__

import ast
import importlib
import importlib.metadata
import pkgutil
import types
from pathlib import Path

import pytest

import moment_async
import moment_async.adid
import moment_async.models
import moment_async.testing

#: Public modules that __all__ lists on purpose (STYLE B.5).
PUBLIC_MODULES = ("adid", "models", "testing")
#: What ``from __future__ import annotations`` binds in a module's namespace.
FUTURE_FEATURE = type(__future__.annotations)
#: The typing file that uses every public name under mypy --strict.
SURFACE = Path(__file__).parent / "typing" / "surface.py"


def public_names(module: types.ModuleType) -> set[str]:
    """
    Return the module's public names that are neither modules nor ``__future__`` flags.
    """
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType | FUTURE_FEATURE)
    }


def test_all_is_sorted():
    """The package's __all__ is sorted."""
    names = list(moment_async.__all__)

    assert sorted(names) == names


def test_all_has_no_duplicates():
    """The package's __all__ names each member once."""
    names = list(moment_async.__all__)

    assert len(set(names)) == len(names)


def test_all_is_the_public_namespace():
    """__all__ is every public non-module name, __version__ and the public modules."""
    expected = public_names(moment_async) | {"__version__", *PUBLIC_MODULES}

    exported = set(moment_async.__all__)

    assert expected == exported


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_modules_are_modules(name):
    """The public modules in __all__ are the subpackages users import."""
    value = getattr(moment_async, name)

    assert isinstance(value, types.ModuleType)
    assert f"moment_async.{name}" == value.__name__


@pytest.mark.parametrize(
    "name", [name for name in moment_async.__all__ if name != "__version__"]
)
def test_exported_name_has_docstring(name):
    """Every name in __all__ except __version__ has a docstring."""
    value = getattr(moment_async, name)

    doc = getattr(value, "__doc__", None)

    assert doc
    assert doc.strip()


@pytest.mark.parametrize(
    "name",
    [
        name
        for name in moment_async.__all__
        if isinstance(getattr(moment_async, name), type)
    ],
)
def test_exported_class_has_its_own_docstring(name):
    """Every exported class defines its own docstring rather than inheriting one."""
    cls = getattr(moment_async, name)

    doc = cls.__dict__.get("__doc__")

    assert doc
    assert doc.strip()


def test_version_matches_metadata():
    """__version__ is the installed distribution's version."""
    installed = importlib.metadata.version("moment-async")

    assert installed == moment_async.__version__


def test_models_all_is_sorted():
    """models.__all__ is sorted."""
    names = list(moment_async.models.__all__)

    assert sorted(names) == names


def test_models_all_is_complete():
    """models.__all__ is every public non-module name of moment_async.models."""
    expected = public_names(moment_async.models)

    exported = set(moment_async.models.__all__)

    assert expected == exported


def test_every_model_is_exported_at_the_top():
    """Every model and enum is also reachable as moment_async.<Name>."""
    models = set(moment_async.models.__all__)

    missing = models - set(moment_async.__all__)

    assert set() == missing


@pytest.mark.parametrize("name", moment_async.models.__all__)
def test_top_level_model_is_the_same_object(name):
    """moment_async.<Name> and moment_async.models.<Name> are the same object."""
    top = getattr(moment_async, name)

    assert getattr(moment_async.models, name) is top


def names_used_in(path: Path, module: str) -> set[str]:
    """
    Return the attributes read from the name *module* in the Python file at *path* (``ma.X``).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == module
    }


def test_typing_file_uses_every_top_level_name():
    """tests/typing/surface.py writes ma.<name> for every name of moment_async.__all__."""
    used = names_used_in(SURFACE, "ma")

    missing = set(moment_async.__all__) - used

    assert set() == missing


def test_typing_file_uses_every_model_at_its_home():
    """tests/typing/surface.py writes models.<name> for every name of moment_async.models.__all__."""
    used = names_used_in(SURFACE, "models")

    missing = set(moment_async.models.__all__) - used

    assert set() == missing


def every_module() -> list[types.ModuleType]:
    """
    Import and return every module of the package, private ones included.

    ``__main__`` modules are left out: importing one runs its program.
    """
    found = pkgutil.walk_packages(moment_async.__path__, "moment_async.")
    names = [info.name for info in found if not info.name.endswith(".__main__")]
    return [moment_async, *map(importlib.import_module, names)]


def test_no_module_holds_another_class_of_a_model_name():
    """A model or enum name, wherever a module binds it, is the one class of moment_async.models."""
    homes = {
        name: getattr(moment_async.models, name) for name in moment_async.models.__all__
    }

    drifting = [
        f"{module.__name__}.{name}"
        for module in every_module()
        for name, value in vars(module).items()
        if (
            isinstance(value, type)
            and value.__name__ in homes
            and value is not homes[value.__name__]
        )
        or (name in homes and value is not homes[name])
    ]

    assert [] == drifting


def test_models_are_defined_in_their_home_package():
    """Every model and enum is defined under moment_async.models, not copied in from elsewhere."""
    outside = [
        name
        for name in moment_async.models.__all__
        if not getattr(moment_async.models, name).__module__.startswith(
            "moment_async.models."
        )
    ]

    assert [] == outside


def test_testing_all_is_sorted():
    """testing.__all__ is sorted."""
    names = list(moment_async.testing.__all__)

    assert sorted(names) == names


@pytest.mark.parametrize("name", moment_async.testing.__all__)
def test_testing_all_names_exist(name):
    """Every name in testing.__all__ exists and has a docstring."""
    value = getattr(moment_async.testing, name)

    assert value.__doc__


@pytest.mark.parametrize(
    "name",
    [pytest.param(name, id=name) for name in ("MockTransport", "Request", "Response")],
)
def test_testing_reexports_the_top_level_objects(name):
    """testing's transport names are the same objects as the top-level ones."""
    top = getattr(moment_async, name)

    assert getattr(moment_async.testing, name) is top


def test_adid_all_is_sorted_as_ruff_sorts():
    """adid.__all__ is sorted constants first, then classes, then functions (RUF022)."""
    names = list(moment_async.adid.__all__)

    def kind(name: str) -> tuple[int, str]:
        if name.isupper():
            return (0, name)
        return (1 if name[0].isupper() else 2, name)

    assert sorted(names, key=kind) == names


def test_adid_all_is_complete():
    """adid.__all__ is every public non-module name of moment_async.adid."""
    expected = public_names(moment_async.adid)

    exported = set(moment_async.adid.__all__)

    assert expected == exported


@pytest.mark.parametrize(
    "name",
    [
        name
        for name in moment_async.adid.__all__
        if callable(getattr(moment_async.adid, name))
    ],
)
def test_adid_functions_and_classes_document_themselves(name):
    """Every adid function and class has its own docstring with an example."""
    value = getattr(moment_async.adid, name)

    doc = value.__dict__.get("__doc__") if isinstance(value, type) else value.__doc__

    assert doc
    assert "::" in doc or ">>>" in doc
