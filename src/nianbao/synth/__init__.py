"""Synthetic reports: random records with known values, rendered in every layout, with the
damage real files show.  The test corpus, the benchmarks and the demo are built from these.

    rec = random_record(random.Random(7))               # arithmetic holds
    bad, what = break_record(random.Random(7), rec)       # one identity broken
    text = document(rec, "space", random.Random(7), corruptions=("wrap", "page_numbers"))
    samples = region_corpus("栖霞市", [2022, 2023, 2024])  # one region over three years
    page = document(wild_record(rng, rec), "cells", rng, ("annotated",))  # a scraped page (synth.wild)
"""
from __future__ import annotations

from ..render.report import title_of
from .corpus import Sample, corpus, region_agencies, region_corpus
from .damage import CORRUPTIONS, LOSSLESS, LOSSY, document
from .records import break_record, prose_for, random_agency, random_record
from .wild import LOSSY_FAMILIES, WILD_DAMAGE, WILD_FAMILIES, wild_document, wild_record

__all__ = ["random_record", "random_agency", "break_record", "prose_for", "document", "corpus", "region_corpus",
           "region_agencies", "Sample", "title_of", "CORRUPTIONS", "LOSSLESS", "LOSSY", "wild_record", "wild_document",
           "WILD_FAMILIES", "WILD_DAMAGE", "LOSSY_FAMILIES"]
