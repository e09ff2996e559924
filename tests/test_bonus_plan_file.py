"""The bonus plan in YAML (issue 22, point 3): the documented example loads, and every bad
file is one line naming the file, the line and the path — never a traceback."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from valuecenter.bonus.plan_file import load_plan, parse_plan_text
from valuecenter.errors import InvalidInput

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "bonus-plan.example.yaml"

GOOD = """\
name: t
period: quarter
base_bonus: 1500
lines:
  sales:
    weight: 0.5
    target: 10000
    cap: 2
  retention:
    weight: 0.5
    target: 0.95
    cap: 1.1
"""


def test_the_documented_example_loads() -> None:
    loaded = load_plan(EXAMPLE)
    assert loaded.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    plan = loaded.plan
    assert plan.period == "month"
    assert plan.base_cents == 100_000
    assert [x.measure for x in plan.lines] == ["retention", "sales", "nps"]
    sales = plan.line("sales")
    assert sales is not None
    assert sales.target == 2_000_000  # euro in the file, cents in the plan
    assert plan.min_control == 30


def test_a_good_plan_text() -> None:
    plan = parse_plan_text(GOOD, "q.yaml")
    assert plan.period == "quarter"
    assert [x.measure for x in plan.lines] == ["retention", "sales"]  # the plan's own order


def _error(text: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_plan_text(text, "plan.yaml")
    return str(caught.value)


def test_a_bad_value_names_its_line_and_path() -> None:
    text = GOOD.replace("cap: 2", "cap: 0.5")
    assert _error(text).startswith("plan.yaml, line 8: lines.sales.cap: needs 1 or more")


def test_an_unknown_key_names_its_line() -> None:
    text = GOOD.replace("    cap: 1.1\n", "    cap: 1.1\n    bonus: 3\n")
    assert _error(text).startswith("plan.yaml, line 13: lines.retention.bonus: unknown key")


def test_a_missing_key_names_its_parent() -> None:
    text = GOOD.replace("    target: 10000\n", "")
    assert _error(text).startswith("plan.yaml, line 5: lines.sales.target: is missing")


def test_weights_not_adding_up() -> None:
    text = GOOD.replace("weight: 0.5\n    target: 0.95", "weight: 0.4\n    target: 0.95")
    assert _error(text) == (
        "plan.yaml, line 4: lines: the weights add up to 0.9; they must add up to exactly 1"
    )


def test_a_key_written_twice() -> None:
    text = GOOD.replace("    cap: 2\n", "    cap: 2\n    cap: 3\n")
    assert _error(text) == "plan.yaml, line 9: lines.sales.cap: written twice"


def test_not_yaml_and_not_a_plan() -> None:
    assert _error("lines: [1, 2\n").startswith("plan.yaml, line 2, column 1: not valid YAML")
    assert _error("") == "plan.yaml is empty"
    assert _error("- 1\n- 2\n").startswith("plan.yaml, line 1: plan: needs a mapping")


def test_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        load_plan(tmp_path / "none.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        load_plan(latin)


def test_hostile_files() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )  # 10⁹ values once expanded
    assert "more than 10000 values" in _error(bomb)
    assert "not valid YAML" in _error("name: !!python/object:os.system x\n")
    assert _error(GOOD.replace("base_bonus: 1500", "base_bonus: .nan")).startswith(
        "plan.yaml, line 3: base_bonus: needs a finite number"
    )
    assert "amount in euro" in _error(GOOD.replace("1500", "1" + "0" * 40))
    long_value = "x" * 500
    message = _error(GOOD.replace("period: quarter", f"period: {long_value}"))
    assert len(message) < 200
    assert "…" in message
