#!/bin/sh
# Rebuilds the bundled fonts from Debian's fonts-noto-cjk (the .ttc collections
# Fyne cannot load) with fonttools (Debian: python3-fonttools): takes the
# Simplified Chinese face out of each collection and keeps the ranges the
# terminal needs: Latin, punctuation, arrows, mathematical operators, dingbats
# (the check mark), CJK symbols, CJK Unified Ideographs with Extension A,
# compatibility ideographs, and full-width forms. Glyph names are dropped and
# hinting removed to keep the files small.
#
# Only the glyphs the character map reaches are kept: the collection's
# locale variants (the Japanese, Korean and traditional forms that the 'locl'
# feature reaches) and the vertical-writing forms and metrics are left out;
# kerning and the Latin ligatures (ff, fi) stay.
# The SC face's character map already points at the simplified Chinese forms,
# and the terminal writes horizontally. Fyne copies every table of a face
# into memory when it parses it, once per text style, so the ~18,000 variant
# glyphs would cost about 4 MB of memory per face and style for nothing.
set -eu
src=${NOTO_CJK_DIR:-/usr/share/fonts/opentype/noto}
out=$(dirname "$0")
ranges="U+0020-007E,U+00A0-017F,U+02C6-02DD,U+0391-03C9,U+0401-0451,U+2000-206F,U+2100-218F,U+2190-21FF,U+2200-22FF,U+2460-24FF,U+2500-257F,U+25A0-25FF,U+2600-26FF,U+2700-27BF,U+3000-303F,U+3100-312F,U+31A0-31BF,U+3200-33FF,U+3400-4DBF,U+4E00-9FFF,U+F900-FAFF,U+FE30-FE4F,U+FF00-FFEF"
for weight in Regular Bold; do
  /usr/bin/python3 - "$src/NotoSansCJK-$weight.ttc" "$out/NotoSansSC-$weight.otf" "$ranges" <<'PY'
import sys
from fontTools.ttLib import TTCollection
from fontTools import subset
src, dst, ranges = sys.argv[1:4]
coll = TTCollection(src)
face = next(f for f in coll.fonts if f['name'].getDebugName(1) == 'Noto Sans CJK SC')
opts = subset.Options()
opts.layout_features = ['kern', 'liga']
opts.drop_tables += ['vhea', 'vmtx', 'VORG']
opts.name_IDs = ['*']
opts.name_languages = ['*']
opts.notdef_outline = True
opts.glyph_names = False
opts.hinting = False
opts.desubroutinize = False
sub = subset.Subsetter(opts)
sub.populate(unicodes=subset.parse_unicodes(ranges))
sub.subset(face)
face.save(dst)
PY
done
# The licence (SIL OFL 1.1) is kept beside the fonts as OFL.txt.
ls -l "$out"
