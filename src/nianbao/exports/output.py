"""Writing an export file whole or not at all, and text that is safe in a spreadsheet."""
from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import StoreError
from ..numbers import float_text

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

STDOUT = "-"
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file that appears at `path` only when the block completes (written beside
    it, then renamed), so a failed or interrupted export never leaves half a file; `-` is
    standard output."""
    if str(path) == STDOUT:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    folder = target.resolve().parent
    if not folder.is_dir():
        raise StoreError(f"目录不存在：{folder}", f"No such directory: {folder}")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        publish(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def publish(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rename the finished temporary file `tmp` to `target`, with the mode an ordinary new
    file gets (0666 less the umask): mkstemp made it private (0600).  Every file nianbao
    writes through a temporary file (exports, backups, restores, forms, drafts) ends here."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def guard_formula(value: Any) -> Any:
    """Text a spreadsheet would run as a formula ("=HYPERLINK(…)", "+cmd|…", "@SUM(…)")
    prefixed with an apostrophe; numbers, blanks and other text as they are.  A report's
    text is untrusted input; a signed number ("-3") is left alone."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value.strip()):
        return "'" + value
    return value


def _risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_START)


def guard_frame(df: "pd.DataFrame") -> "pd.DataFrame":
    """`df` with `guard_formula` applied to every text value, whatever the column's dtype
    says (object, str, string, category: pandas 2 and 3 differ); a copy only when needed."""
    import pandas as pd

    out = df
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_datetime64_any_dtype(col.dtype):
            continue  # cannot hold text
        if isinstance(col.dtype, pd.StringDtype):  # vectorised (pyarrow strings: pandas 3's default)
            risky = col.str.startswith(_FORMULA_START).fillna(False).astype(bool)
        else:
            risky = col.map(_risky).astype(bool)
        if risky.any():
            if out is df:
                out = df.copy()
            out.isetitem(i, col.astype(object).where(~risky, col[risky].map(guard_formula)))
    return out


def csv_text(df: "pd.DataFrame", header: bool = True) -> str:
    """`df` as CSV text (no index, "\\n" line ends), every text value guarded against formula
    injection and whole numbers written as "183": what every CSV nianbao writes goes through here."""
    return guard_frame(df).to_csv(index=False, header=header, lineterminator="\n", float_format=float_text)
