"""The reader's list of 837 segment ids is the one in pyx12's maps."""

from importlib import resources

from lxml import etree

from edi_ivig.reader import SEGMENT_IDS


def test_segment_ids_match_pyx12_maps():
    ids = set()
    for name in ("837.5010.X222.A1.xml", "837Q3.I.5010.X223.A1.xml", "x12.control.00501.xml"):
        with resources.files("pyx12").joinpath("map", name).open("rb") as f:
            ids |= {e.get("xid") for e in etree.parse(f).iter("segment")}
    assert SEGMENT_IDS == ids
