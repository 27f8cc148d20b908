"""A Dockerfile read into stages of instructions, enough to lint it (continuations, comments, exec form)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, ...
    arguments: str

    def exec_form(self) -> list[str] | None:
        """The JSON array of CMD/ENTRYPOINT/RUN in exec form, else None (shell form)."""
        try:
            value = json.loads(self.arguments)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, list) and all(isinstance(item, str) for item in value) else None

    def words(self) -> list[str]:
        return self.arguments.split()


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [instruction for instruction in self.instructions if instruction.keyword == keyword]

    def index_of(self, instruction: Instruction) -> int:
        return self.instructions.index(instruction)


def logical_lines(text: str) -> list[str]:
    """Join backslash continuations; drop comments and blank lines (parser directives are comments too)."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    if pending:
        lines.append(pending.strip())
    return lines


def parse(path: Path) -> list[Stage]:
    stages: list[Stage] = []
    for line in logical_lines(path.read_text()):
        keyword, _, arguments = line.partition(" ")
        instruction = Instruction(keyword.upper(), arguments.strip())
        if instruction.keyword == "FROM":
            match = re.fullmatch(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", instruction.arguments, re.IGNORECASE)
            if match is None:
                raise ValueError(f"{path}: cannot read {line!r}")
            stages.append(Stage(base=match.group(1), name=match.group(2)))
        elif not stages:
            if instruction.keyword != "ARG":
                raise ValueError(f"{path}: {instruction.keyword} before the first FROM")
        else:
            stages[-1].instructions.append(instruction)
    return stages
