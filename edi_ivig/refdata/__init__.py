"""`edi-ivig refdata`: take a new quarter of the official CMS/FDA files into the config/ tables.

One module per upstream format turns a file into `Upstream` (what the file says, in table
terms); `detect` picks the format from the content; `tables` compares that with a table and
writes it. Nothing here is used while claims are processed.
"""
