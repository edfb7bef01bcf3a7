"""Values as text, in one place: a count stored as the float 183.0 is printed "183", a blank
(None, NaN, pandas' NA, NaT) is printed as a blank or a dash, never "nan" or "183.0".

Every output goes through here: the CSV and JSON exports (`plain`, `float_text`,
`plain_records`), the spreadsheet cells (`plain`), the rendered official tables and the
terminal (`number_text`), the rule messages (`number_text`), the web pages (`number_text`
with grouping) and the CLI listings (`number_text`, `ratio_text`).

    >>> number_text(183.0), number_text(None), number_text(float("nan"), blank="—")
    ('183', '', '—')
    >>> number_text(1234567.5, grouping=True), ratio_text(0.1234)
    ('1,234,567.5', '12.3%')
"""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, TypeGuard

Number = int | float

BLANK = ""
DASH = "—"


def is_number(value: object) -> TypeGuard[int | float]:
    """An int or a float (numpy's too), not a bool: a value arithmetic may use."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_blank(value: Any) -> bool:
    """None, NaN, pandas' NA and NaT: a value that is not there."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except TypeError:  # pandas.NA cannot be compared
        return True


def whole(value: float) -> int | float:
    """A finite float that is a whole number as an int (183.0 -> 183); any other as it is."""
    return int(value) if math.isfinite(value) and value.is_integer() else value


def plain(value: Any) -> Any:
    """A value for a data file or a spreadsheet cell: None for a blank, a whole float as an
    int, a numpy or Decimal scalar as the Python number it is; text and other values as they are."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return whole(value)
    if isinstance(value, Decimal):
        return whole(float(value)) if value == value.to_integral_value() or not value.is_finite() else float(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return plain(value.item())
    return value


def number_text(value: Any, *, blank: str = BLANK, grouping: bool = False, places: int = 6) -> str:
    """A value as printed: `blank` for a blank, whole numbers plainly ("183"), others with at
    most `places` decimals and no trailing zeros; `grouping` puts thousands separators in
    ("1,234").  Text is returned as it is."""
    value = plain(value)
    if value is None:
        return blank
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return f"{value:,}" if grouping else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return blank
        text = f"{value:,.{places}f}" if grouping else f"{value:.{places}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return "0" if text in ("-0", "") else text
    return str(value)


def ratio_text(value: Any, *, blank: str = DASH, places: int = 1) -> str:
    """A ratio as a percentage ("12.3%"); `blank` for a blank or an infinite ratio."""
    value = plain(value)
    if value is None or not is_number(value) or not math.isfinite(value):
        return blank
    return f"{value:.{places}%}"


def float_text(value: float) -> str:
    """A float in a CSV: a whole number as "183" (as the spreadsheet holds it), any other in
    full precision (a data file keeps every digit)."""
    value = float(value)  # numpy floats print as np.float64(…)
    return str(whole(value)) if math.isfinite(value) and value.is_integer() else repr(value)


def plain_frame(df: Any) -> Any:
    """`df` with every float column that holds a whole number made of plain values (183, not
    183.0; None for NaN), so that `to_json` writes them as a person reads them; a copy only
    when needed."""
    import numpy as np
    import pandas as pd

    out = df
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if col.dtype.kind != "f":
            continue
        values = col.to_numpy()
        finite = values[np.isfinite(values)]
        if finite.size and np.any(finite == np.floor(finite)):
            if out is df:
                out = df.copy()
            out.isetitem(i, pd.Series([plain(v) for v in values], index=col.index, dtype=object))
    return out
