"""The OCR models: text detection (rapidocr) and line recognition (onnxruntime).

Both ONNX models ship inside the rapidocr wheel and are loaded from there by path, so
nothing is ever downloaded.  Detection goes through rapidocr's public API.  Recognition
runs the PP-OCR recognition model directly: its CTC output gives, for every character,
the probability of each alternative, so a number can be read with the confidence that it
*is that number* ("0" and "O" are one reading in a table cell), not just the confidence
of one glyph shape.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import MissingDependency

if TYPE_CHECKING:
    import numpy as np

HEIGHT = 48  # the recognition model's input height
MIN_RATIO = 1.5  # narrower crops (one digit) are padded with paper to this width/height
BATCH = 8  # crops per run of the model ...
BATCH_WIDTH = 3200  # ... and pixels of (padded) width per run: the output has a column per 8 px
# glyphs that are the same digit in a number; a reading made only of these (and
# separators) is a number, and each character's confidence is that of its digit
DIGIT_ALIKES = {"0": "0Oo〇QD", "1": "1lI|丨"}
SEPARATORS = ".,"
_STRAY_POINT = re.compile(r"(?<=[）)\u4e00-\u9fff])[.·](?=[\u4e00-\u9fff（(])")
_DOUBLE_POINT = re.compile(r"(?<=\d)[.·]{2,}(?=[\u4e00-\u9fff])")
_ENUMERATOR_COMMA = re.compile(r"^(\d{1,2})[,，·:：;；](?=[\u4e00-\u9fff])")  # "1,属于…" / "1:属于…" is the item "1.属于…"


def model_paths() -> dict[str, Path]:
    """The ONNX models inside the installed rapidocr package (never downloaded)."""
    try:
        import onnxruntime  # noqa: F401
        import rapidocr
    except ImportError as exc:
        raise MissingDependency(
            f"读取扫描件需要 OCR 组件（缺少 Python 包 {exc.name}），请安装 rapidocr 和 onnxruntime。",
            f"Reading scans needs the OCR packages (missing Python package {exc.name}): install rapidocr and onnxruntime.",
        ) from None
    folder = Path(rapidocr.__file__).resolve().parent / "models"
    found = {task: sorted(folder.glob(f"*{task}*.onnx")) for task in ("det", "rec")}
    if not found["det"] or not found["rec"]:
        raise MissingDependency(
            f"OCR 模型文件缺失（应在 {folder}），请重新安装 rapidocr。",
            f"The OCR model files are missing (expected in {folder}); reinstall rapidocr.",
        )
    return {task: files[0] for task, files in found.items()}


def threads() -> int:
    """Threads per model (NIANBAO_OCR_THREADS; default: onnxruntime's choice)."""
    try:
        return max(int(os.environ.get("NIANBAO_OCR_THREADS", "0")), 0)
    except ValueError:
        return 0


@lru_cache(maxsize=2)
def detector(n_threads: int = 0) -> Any:
    """rapidocr's text detector over the bundled model (cached per process)."""
    from rapidocr import RapidOCR

    paths = model_paths()
    params: dict[str, Any] = {
        "Global.log_level": "error",
        "Global.use_cls": False,
        "Global.use_rec": False,
        "Det.model_path": str(paths["det"]),
        "Rec.model_path": str(paths["rec"]),  # never loaded (use_rec is off); set so nothing is looked up
        "Det.limit_type": "max",
        "Det.limit_side_len": 1280,  # the long side of the page as the detector sees it
    }
    if n_threads:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = n_threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    return RapidOCR(params=params)


def detect(rgb: "np.ndarray") -> list[Any]:
    """Quadrilaterals of the text lines found in the image."""
    result = detector(threads())(rgb, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(result, "boxes", None)
    return [] if boxes is None else list(boxes)


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float  # of the least certain character (0 when nothing was read)
    numeric: bool = False  # read as a number (digit look-alikes taken as digits)


class Recognizer:
    """The PP-OCR recognition model: crops of single text lines -> text."""

    def __init__(self, path: Path, n_threads: int = 0) -> None:
        import numpy as np
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if n_threads:
            options.intra_op_num_threads = n_threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise MissingDependency(
                f"OCR 识别模型 {path.name} 缺少字符表，请重新安装 rapidocr。",
                f"The OCR recognition model {path.name} has no character list; reinstall rapidocr.",
            )
        self.chars = ["blank"] + meta["character"].splitlines() + [" "]
        self.input = self.session.get_inputs()[0].name
        index = {ch: i for i, ch in enumerate(self.chars)}
        self.digit_of: dict[int, str] = {}  # class -> the digit it stands for in a number
        self.group_of: dict[int, np.ndarray] = {}  # class -> the classes of that digit
        self.digit_groups: list[tuple[str, np.ndarray]] = []
        for digit in "0123456789":
            members = np.array([index[ch] for ch in DIGIT_ALIKES.get(digit, digit) if ch in index])
            if members.size:
                self.digit_groups.append((digit, members))
            for m in members:
                self.digit_of[int(m)] = digit
                self.group_of[int(m)] = members
        self.separators = {index[ch] for ch in SEPARATORS if ch in index}

    def __call__(self, crops: list["np.ndarray"], digits: bool = False) -> list[Reading]:
        """Readings of grey-scale crops (each one line of text), in the given order;
        `digits`: the crops hold numbers (cells of a row of values), read as such."""
        import numpy as np

        prepared = [_pad(c) for c in crops]
        order = sorted(range(len(prepared)), key=lambda i: prepared[i].shape[1] / prepared[i].shape[0])
        out: list[Reading | None] = [None] * len(prepared)
        for chunk in _batches(order, [_width(p) for p in prepared]):
            width = max(_width(prepared[i]) for i in chunk)
            batch = np.zeros((len(chunk), 3, HEIGHT, width), dtype=np.float32)
            for row, i in enumerate(chunk):
                img = _resize(prepared[i])
                batch[row, :, :, : img.shape[2]] = (img.astype(np.float32) / 255.0 - 0.5) / 0.5
            probs = self.session.run(None, {self.input: batch})[0]
            for row, i in enumerate(chunk):
                out[i] = self.decode_number(probs[row]) if digits else self.decode(probs[row])
        return [r if r is not None else Reading("", 0.0) for r in out]

    def decode(self, probs: "np.ndarray") -> Reading:
        """Greedy CTC decoding of one line's (time x characters) probabilities."""
        best = probs.argmax(axis=1)
        keep = [t for t in range(len(best)) if best[t] != 0 and (t == 0 or best[t] != best[t - 1])]
        if not keep:
            return Reading("", 0.0)
        ids = [int(best[t]) for t in keep]
        numeric = any(i in self.digit_of for i in ids) and all(i in self.digit_of or i in self.separators for i in ids)
        chars, confs = [], []
        for t, i in zip(keep, ids):
            if numeric and i in self.digit_of:
                chars.append(self.digit_of[i])
                confs.append(float(probs[t, self.group_of[i]].sum()))
            else:
                chars.append(self.chars[i])
                confs.append(float(probs[t, i]))
        text = "".join(chars).strip()
        if numeric:  # a speck beside a number reads as a stray point: "7." is 7
            text = text.strip(SEPARATORS)
        else:  # nor does Chinese text put "." after a bracket or between hanzi, or two after a number
            text = _ENUMERATOR_COMMA.sub(r"\1.", _DOUBLE_POINT.sub(".", _STRAY_POINT.sub("", text)))
        return Reading(text, min(confs), numeric)


    def decode_number(self, probs: "np.ndarray") -> Reading:
        """Greedy CTC decoding restricted to digits and separators: each step takes the
        likeliest of blank, a digit (with its look-alikes) or a separator, and each digit's
        confidence is that digit's probability, however a glyph outside the set scored."""
        import numpy as np

        separators = sorted(self.separators)
        columns = [probs[:, 0]] + [probs[:, g].sum(axis=1) for _, g in self.digit_groups] + [probs[:, i] for i in separators]
        scores = np.stack(columns, axis=1)
        labels = [""] + [d for d, _ in self.digit_groups] + [self.chars[i] for i in separators]
        best = scores.argmax(axis=1)
        keep = [t for t in range(len(best)) if best[t] != 0 and (t == 0 or best[t] != best[t - 1])]
        if not keep:
            return Reading("", 0.0, True)
        text = "".join(labels[best[t]] for t in keep).strip(SEPARATORS)
        return Reading(text, min(float(scores[t, best[t]]) for t in keep), True)


@lru_cache(maxsize=2)
def recognizer(n_threads: int = 0) -> Recognizer:
    return Recognizer(model_paths()["rec"], n_threads)


def recognise(crops: list["np.ndarray"], digits: bool = False) -> list[Reading]:
    return recognizer(threads())(crops, digits) if crops else []


def _batches(order: list[int], widths: list[int]) -> list[list[int]]:
    """Consecutive runs of `order` (sorted by width) within BATCH and BATCH_WIDTH."""
    out: list[list[int]] = []
    for i in order:
        if out and len(out[-1]) < BATCH and widths[i] * (len(out[-1]) + 1) <= BATCH_WIDTH:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _pad(crop: "np.ndarray") -> "np.ndarray":
    import cv2

    h, w = crop.shape[:2]
    want = int(MIN_RATIO * h)
    if w >= want:
        return crop
    left = (want - w) // 2
    return cv2.copyMakeBorder(crop, 0, 0, left, want - w - left, cv2.BORDER_CONSTANT, value=255)


def _width(crop: "np.ndarray") -> int:
    h, w = crop.shape[:2]
    return max(int(round(HEIGHT * w / h)), HEIGHT)


def _resize(crop: "np.ndarray") -> "np.ndarray":
    import cv2

    gray = cv2.resize(crop, (_width(crop), HEIGHT), interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB).transpose(2, 0, 1)
