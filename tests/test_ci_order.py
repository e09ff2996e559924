"""The suite's own scheduling (tests/conftest.py): the heaviest files go out first, so the two
xdist workers finish together; a renamed or deleted heavy file must be taken off the list."""

from __future__ import annotations

from tests.conftest import HEAVIEST_FILES, REPO, heaviest_first


def test_every_listed_heavy_file_exists_once() -> None:
    assert len(set(HEAVIEST_FILES)) == len(HEAVIEST_FILES)
    missing = [path for path in HEAVIEST_FILES if not (REPO / path).is_file()]
    assert not missing, missing


def test_heavy_files_go_first_longest_first_and_a_file_keeps_its_order() -> None:
    nodeids = [
        "tests/test_a.py::test_one",
        f"{HEAVIEST_FILES[1]}::test_x[sqlite]",
        "tests/test_b.py::test_two",
        f"{HEAVIEST_FILES[0]}::test_y",
        f"{HEAVIEST_FILES[1]}::test_x[postgresql]",
        "tests/test_a.py::test_three",
    ]
    assert [nodeids[i] for i in heaviest_first(nodeids)] == [
        f"{HEAVIEST_FILES[0]}::test_y",
        f"{HEAVIEST_FILES[1]}::test_x[sqlite]",
        f"{HEAVIEST_FILES[1]}::test_x[postgresql]",
        "tests/test_a.py::test_one",
        "tests/test_b.py::test_two",
        "tests/test_a.py::test_three",
    ]
