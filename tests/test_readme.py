"""The README is what a newcomer reads first: what it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

import click

from edi_ivig.cli import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_commands_it_shows_exist():
    named = set(re.findall(r"^edi-ivig ([a-z]+)", README, flags=re.M))
    assert {"check", "fix", "batch", "regress"} <= named
    with click.Context(main) as ctx:
        commands = {name for name in main.list_commands(ctx) if main.get_command(ctx, name) is not None}
    assert named <= commands, named - commands


def test_the_make_targets_it_names_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"`make (\w+)`|^make (\w+)", README, flags=re.M):
        name = target[0] or target[1]
        assert re.search(rf"^{name}:", makefile, flags=re.M), name


def test_it_says_where_the_docs_are():
    assert "make docs" in README and (ROOT / "mkdocs.yml").is_file()
    assert len(README) < 6000, "reference material goes into docs/"
