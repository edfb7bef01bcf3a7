"""Ids of what the readers and extractors notice while reading (no rule function here:
the findings are made where the fact is known, and documented here for the catalogue)."""
from __future__ import annotations

from . import rule

rule("N1", "extraction", "warning", "表格标签与官方格式不一致",
     "表格中的行、列标签有错别字或漏字（如“本年度止件数”应为“本年废止件数”）。已按最接近的官方标签读取，建议按官方格式更正。",
     "国办公开办函〔2021〕30号 附件格式")(None)
rule("N2", "extraction", "warning", "单元格用“—”“/”“无”代替数字",
     "统计表单元格应填写数字，没有数据时填写0。填写“—”“/”“无”或留空的单元格按空值处理，不当作0，相关勾稽关系无法核验。",
     "domain.md §6.3")(None)
rule("N3", "extraction", "warning", "单元格位置或数值由勾稽关系推定",
     "该行印出的单元格数与官方列数不符（常见于PDF转文字时合并单元格错位），系统按表格自身的勾稽关系确定了数值位置或推算了缺失的数值，请人工核对原件。")(None)
rule("N4", "extraction", "warning", "表格有重复行、多余数值或非标准行",
     "表格中出现了重复的行、多出的单元格或官方格式以外的行（如小计行），非标准行单独保存，不并入官方行。")(None)
rule("N5", "extraction", "warning", "扫描件识别置信度低",
     "该数值来自扫描件的文字识别（OCR），识别置信度较低，请对照原件核实。")(None)
rule("N7", "extraction", "warning", "文件编码或内容有损",
     "文件中有无法解码的字节或无法读取的页面，部分内容可能缺失。")(None)
rule("N8", "extraction", "warning", "粘连的数字无法唯一拆分",
     "网页抓取文本把表格一行的各单元格数字连在一起印出（如“410021044”），系统按表格自身的勾稽关系（行合计、列合计、"
     "结转关系）拆分；有多种拆分都成立、没有一种成立或可能的拆分过多时，无法确定的单元格留空，并列出各种可能的拆分，请对照原件填写。")(None)
