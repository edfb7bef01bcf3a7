"""parse() never raises anything but a NianbaoError, whatever it is given."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao import parse, parse_text
from nianbao.errors import NianbaoError
from nianbao.synth import document, random_record

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _safe(call, arg):
    try:
        call(arg)
    except NianbaoError:
        pass


@FAST
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(data):
    _safe(parse, data)


@FAST
@given(st.text(max_size=3000))
def test_arbitrary_text(text):
    _safe(parse_text, text)


_VOCAB = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "\t", "|", " ", "\n",
          "0", "12", "—", "(一)予以公开", "1.属于国家秘密", "(七)总计", "行政许可", "第二十条第(一)项",
          "年度报告", "2023年", "四、结转下年度继续办理", "行政复议", "万元", "-3", "999999999999"]


@FAST
@given(st.lists(st.sampled_from(_VOCAB), max_size=400))
def test_report_like_token_soup(tokens):
    _safe(parse_text, "".join(tokens))


@FAST
@given(st.integers(0, 10_000), st.sampled_from(["txt", "md", "pipe", "space"]), st.data())
def test_mutated_real_layouts(seed, layout, data):
    rng = random.Random(seed)
    lines = document(random_record(rng), layout, rng).split("\n")
    ops = data.draw(st.lists(st.tuples(st.sampled_from(["drop", "dup", "swap", "junk", "cut"]),
                                       st.integers(0, len(lines) - 1)), max_size=12))
    for op, i in ops:
        i %= max(1, len(lines))
        if op == "drop" and lines:
            del lines[i]
        elif op == "dup" and lines:
            lines.insert(i, lines[i])
        elif op == "swap" and len(lines) > 1:
            j = (i + 1) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "junk":
            lines.insert(i, data.draw(st.text(max_size=40)))
        elif op == "cut" and lines:
            lines[i] = lines[i][: len(lines[i]) // 2]
    _safe(parse_text, "\n".join(lines))
