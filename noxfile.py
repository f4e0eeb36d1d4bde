"""
Developer tasks. Plain ``nox`` runs what CI runs; ``nox -s bench`` is apart.
"""

from __future__ import annotations

import nox

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "mypy", "layers", "tests", "smoke"]


@nox.session
def lint(session: nox.Session) -> None:
    """
    Ruff: lint rules, then formatting, without changing files.
    """
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def mypy(session: nox.Session) -> None:
    """
    mypy --strict over the package and the tests (settings in pyproject).
    """
    session.install("-e", ".[test]", "mypy")
    session.run("mypy")


@nox.session
def layers(session: nox.Session) -> None:
    """
    import-linter: no module imports from a floor above its own.
    """
    session.install("-e", ".", "import-linter")
    session.run("lint-imports")


@nox.session
def tests(session: nox.Session) -> None:
    """
    pytest under coverage; pass pytest options after ``--``.
    """
    session.install("-e", ".[test]")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "report")


@nox.session
def smoke(session: nox.Session) -> None:
    """
    Install the package as users do (not editable) and run the README's first command.
    """
    session.install(".")
    # Outside the source tree, nothing can be imported from the checkout.
    session.chdir(session.create_tmp())
    session.run("moment-async", "demo")


@nox.session
def bench(session: nox.Session) -> None:
    """
    Benchmarks against raw aiohttp and pydantic on loopback; prints ratios.
    """
    session.install("-e", ".[bench]")
    session.run("python", "-m", "benchmarks", *session.posargs)
