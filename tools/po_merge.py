"""Write/extend a .po catalogue from a dict file: python write_po.py DICT.py OUT.po"""

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ns = runpy.run_path(sys.argv[1])
out = Path(sys.argv[2])
if out.exists():
    with out.open("rb") as fh:
        cat = read_po(fh, locale="en")
else:
    cat = Catalog(locale="en", project="Passerelle", fuzzy=False)
for k, v in ns.get("T", {}).items():
    cat.add(k, v)
for (s, p), (es, ep) in ns.get("PLURAL", {}).items():
    cat.add((s, p), (es, ep))
out.parent.mkdir(parents=True, exist_ok=True)
with out.open("wb") as fh:
    write_po(fh, cat, width=99, omit_header=False, sort_output=True)
