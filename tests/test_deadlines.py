"""The deadline table as data (条例 第四十九条 defaults, the most specific override wins),
the publication date read from a page's header lines, and the expected-agency list read
with or without a header row."""
from __future__ import annotations

from datetime import date

import pytest

from nianbao.deadlines import Override, check_month_day, days_late, deadline
from nianbao.errors import UnreadableInput
from nianbao.parsing.metadata import header_date
from nianbao.web.coverage import names_from_rows, parse_names

PATH = "/山东省/烟台市/栖霞市/"


def test_defaults_follow_article_49() -> None:
    assert deadline(2023, "department", PATH).due == date(2024, 1, 31)
    assert deadline(2023, "county", PATH).due == date(2024, 3, 31)
    assert deadline(2023, "province").due == date(2024, 3, 31)
    assert deadline(2023, "township", PATH) is None  # set by provinces and cities
    assert deadline(None, "county") is None and deadline(2023, None) is None


def test_the_most_specific_override_wins() -> None:
    table = [Override("township", "", 2, 20, "全省"), Override("township", "烟台市", 2, 10, "市通知"),
             Override("township", "栖霞市", 1, 25, "县通知"), Override("department", "青岛市", 1, 20)]
    assert deadline(2023, "township", PATH, "栖霞市", table).due == date(2024, 1, 25)
    assert deadline(2023, "township", "/山东省/烟台市/莱阳市/", None, table).source == "市通知"
    assert deadline(2023, "township", "/江苏省/淮安市/", None, table).due == date(2024, 2, 20)
    assert deadline(2023, "department", PATH, None, table).due == date(2024, 1, 31)  # 青岛市's rule is not here
    assert days_late(date(2024, 2, 5), date(2024, 1, 31)) == 5 and days_late(None, date(2024, 1, 31)) is None
    with pytest.raises(UnreadableInput):
        check_month_day(2, 29)


def test_header_dates_prefer_the_publication_date() -> None:
    assert header_date(["索引号：123", "成文日期：2024年1月20日  发布日期：2024年 2 月 3 日"]) == ("2024-02-03", "发布日期")
    assert header_date(["发布时间: 2024-01-30 10:12"]) == ("2024-01-30", "发布时间")
    assert header_date(["成文日期：2024.01.26"]) == ("2024-01-26", "成文日期")
    assert header_date(["2024年1月20日"]) == (None, None)  # a bare date is not a header line


def test_lists_with_or_without_a_header_row() -> None:
    assert parse_names("单位名称\n寺口镇人民政府\n翠屏街道办事处\n") == ["寺口镇人民政府", "翠屏街道办事处"]
    assert parse_names("寺口镇人民政府\n翠屏街道办事处\n寺口镇人民政府\n") == ["寺口镇人民政府", "翠屏街道办事处"]
    assert parse_names("序号,单位名称,联系电话\n1,寺口镇人民政府,123\n") == ["寺口镇人民政府"]
    assert parse_names("1、寺口镇人民政府\n") == ["1、寺口镇人民政府"]  # a single column is kept whole
    assert names_from_rows([["联系人", "机关名称"], ["张三", "观里镇人民政府"]]) == ["观里镇人民政府"]
    assert names_from_rows([["1", "观里镇人民政府"], ["2", "庙后镇人民政府"]]) == ["观里镇人民政府", "庙后镇人民政府"]
