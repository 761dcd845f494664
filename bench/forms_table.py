"""The lecturer's-forms table (issue 11): count and median length ratio result/textbook.

    PYTHONPATH=. python bench/forms_table.py [-v]
    PYTHONPATH=/work/main python bench/forms_table.py     # the same table on main

Each row: PASS/FAIL, length ratio, the case, the result (and the textbook form on FAIL).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

# loaded by path, so that PYTHONPATH alone says which matcalc is measured (main: "before")
_spec = importlib.util.spec_from_file_location(
    "forms_table", Path(__file__).resolve().parents[1] / "tests" / "forms_table.py")
_table = importlib.util.module_from_spec(_spec)
sys.modules["forms_table"] = _table
_spec.loader.exec_module(_table)
CASES, measure, summary = _table.CASES, _table.measure, _table.summary


def main() -> None:
    verbose = "-v" in sys.argv
    rows = [measure(c) for c in CASES]
    for r in rows:
        if verbose or not r.passes:
            flag = "PASS" if r.passes else "FAIL"
            print(f"{flag} {r.ratio:5.2f}  {r.case.label}\n      got      {r.result}"
                  f"{'  (' + r.error + ')' if r.error else ''}"
                  + ("" if r.passes else f"\n      textbook {r.case.textbook}"))
    print(summary(rows))


if __name__ == "__main__":
    main()
