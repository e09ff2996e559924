"""A bonus plan in YAML (``docs/bonus-plan.example.yaml``): read with ``yaml.safe_load``,
checked by :func:`valuecenter.analytics.bonus.parse_plan`, refused with one line that names the
file, the line and the path (``plan.yaml, line 14: lines.sales.cap: needs 1 or more …``),
never a traceback. A key written twice in one mapping is refused too (YAML would silently
keep the last). The file's SHA-256 goes with every bonus computed from it (provenance)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from valuecenter.analytics.bonus import BonusPlan, parse_plan
from valuecenter.analytics.errors import InputError
from valuecenter.errors import InvalidInput
from valuecenter.i18n import _

MAX_BYTES = 1_000_000
MAX_NODES = 10_000  # a plan has a few dozen; YAML aliases could make a walk explode


@dataclass(frozen=True)
class PlanFile:
    plan: BonusPlan
    path: str
    sha256: str

    def as_json(self) -> dict[str, object]:
        return {"file": self.path, "sha256": self.sha256, **self.plan.as_json()}


def _lines(node: Node, path: str, out: dict[str, int]) -> None:
    """Every path's line (1-based) in the document; a key written twice is refused."""
    if len(out) > MAX_NODES:
        raise _TooLarge
    out[path] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value) if isinstance(key, ScalarNode) else "?"
            child = f"{path}.{name}" if path else name
            if name in seen:
                raise _Duplicate(child, key.start_mark.line + 1)
            seen.add(name)
            _lines(value, child, out)
            out[child] = key.start_mark.line + 1  # the key's line, not its value's
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, f"{path}[{i}]", out)


class _TooLarge(Exception):
    pass


class _Duplicate(Exception):
    def __init__(self, path: str, line: int) -> None:
        super().__init__(path)
        self.path = path
        self.line = line


def _line_of(path: str, lines: dict[str, int]) -> int | None:
    """The line of ``path`` or of its nearest parent that the document has."""
    while path:
        if path in lines:
            return lines[path]
        path = path.rpartition(".")[0]
    return lines.get("")


def _not_yaml(exc: yaml.YAMLError, name: str) -> InvalidInput:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return InvalidInput("", _("%(file)s is not valid YAML", file=name))
    return InvalidInput(
        "",
        _(
            "%(file)s, line %(line)s, column %(column)s: not valid YAML",
            file=name,
            line=mark.line + 1,
            column=mark.column + 1,
        ),
    )


def parse_plan_text(text: str, name: str) -> BonusPlan:
    """A checked plan from YAML text; :class:`InvalidInput` naming ``name``, the line and the
    path otherwise. The document's nodes are walked (their lines, keys written twice, their
    number) before it is built, so an alias bomb is refused before it is expanded."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _not_yaml(exc, name) from None
    lines: dict[str, int] = {}
    try:
        if node is not None:
            _lines(node, "", lines)
    except _TooLarge:
        raise InvalidInput(
            "", _("%(file)s has more than %(n)s values: not a bonus plan", file=name, n=MAX_NODES)
        ) from None
    except _Duplicate as twice:
        raise InvalidInput(
            "",
            _(
                "%(file)s, line %(line)s: %(path)s: written twice",
                file=name,
                line=twice.line,
                path=twice.path,
            ),
        ) from None
    try:
        document = yaml.safe_load(text) if node is not None else None
    except yaml.YAMLError as exc:  # a tag safe_load does not build (!!python/object …)
        raise _not_yaml(exc, name) from None
    if document is None:
        raise InvalidInput("", _("%(file)s is empty", file=name))
    try:
        return parse_plan(document)
    except InputError as error:
        line = _line_of(error.field, lines)
        where = name if line is None else _("%(file)s, line %(line)s", file=name, line=line)
        raise InvalidInput("", f"{where}: {error.translated()}") from None


def load_plan(path: Path) -> PlanFile:
    """The plan in the YAML file ``path``, checked, with the file's hash."""
    if not path.is_file():
        raise InvalidInput("--plan", _("%(file)s does not exist", file=path))
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            "--plan", _("%(file)s is larger than %(n)s bytes", file=path, n=MAX_BYTES)
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("--plan", _("%(file)s is not UTF-8 text", file=path)) from None
    plan = parse_plan_text(text, path.name)
    return PlanFile(plan, str(path), hashlib.sha256(data).hexdigest())
