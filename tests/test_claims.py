"""Every sentence of a lesson that says what its code shows is true (tests/claims/).

Each claim's sentence must stand, word for word, in the cell it names, in the solution and
in the student release; its check runs the lesson's own code with the lesson's settings.
The README states how many claims are guarded.
"""

from __future__ import annotations

import importlib
import re

import pytest
from claims import CLAIMS, ROOT, cell_text, normalized
from conftest import LESSON_IDS

for _lesson in LESSON_IDS:  # register every lesson's claims
    try:
        importlib.import_module(f"claims.lesson_{_lesson[:2]}")
    except ModuleNotFoundError as exc:
        if exc.name != f"claims.lesson_{_lesson[:2]}":
            raise


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.test_id for c in CLAIMS])
def test_claim_holds(claim):
    for solutions in (True, False):
        text = normalized(cell_text(claim.lesson, claim.cell, solutions))
        where = "solutions" if solutions else "lessons"
        assert normalized(claim.says) in text, (
            f"{where}/{claim.lesson} cell {claim.cell!r} no longer says {claim.says!r}: "
            f"update the claim and its check in tests/claims/lesson_{claim.lesson[:2]}.py")
    claim.check()


def test_readme_states_how_many_claims_are_guarded():
    readme = (ROOT / "README.md").read_text()
    found = re.findall(r"(\d+) claims about what the lessons show", readme)
    assert found, "README.md should say how many claims are guarded"
    for number in found:  # the maintainers' section and the figures table
        assert int(number) == len(CLAIMS), (
            f"README.md says {number} claims are guarded; tests/claims/ has {len(CLAIMS)}")
