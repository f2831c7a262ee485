#!/bin/sh
# Rebuilds the bundled fonts from Debian's fonts-noto-cjk (the .ttc collections
# Fyne cannot load) with fonttools (Debian: python3-fonttools), run from the
# project's root: takes the Simplified Chinese face out of each collection
# and keeps what the terminal needs. Glyph names are dropped and hinting
# removed to keep the files small.
#
# The full regular face (NotoSansSC-Regular-Full.otf) draws everything:
# Latin, punctuation, arrows, mathematical operators, dingbats (the check
# mark), CJK symbols, CJK Unified Ideographs with Extensions A to F (as far
# as the face has them), compatibility ideographs and full-width forms.
# Residents' names and the catalogue can hold any of them. The receipt is
# drawn with it.
#
# The screens draw with two common faces, regular and bold. They keep the
# same non-Chinese ranges, the 6,763 hanzi of GB 2312 (the characters of
# everyday text) and every character of the terminal's own text (the
# translations and the string literals of the screens), but not the 20,000
# rare ideographs. Text with a character they lack is drawn in the full face
# (kiosk/ui textStyle), so it never shows a box. Fyne copies a face's tables
# into memory when it parses it, so a full face costs about 9 MB of memory
# for characters that most visits never show; the full face is parsed only
# while such text is on screen.
#
# Only the glyphs the character map reaches are kept: the collection's
# locale variants (the Japanese, Korean and traditional forms that the 'locl'
# feature reaches) and the vertical-writing forms and metrics are left out;
# kerning and the Latin ligatures (ff, fi) stay.
# The SC face's character map already points at the simplified Chinese forms,
# and the terminal writes horizontally.
set -eu
src=${NOTO_CJK_DIR:-/usr/share/fonts/opentype/noto}
out=$(dirname "$0")
root=$out/../..
common="U+0020-007E,U+00A0-024F,U+0250-02AF,U+02B0-02FF,U+0391-03C9,U+0401-0451,U+1E00-1EFF,U+2000-206F,U+20A0-20CF,U+2100-218F,U+2190-21FF,U+2200-22FF,U+2460-24FF,U+2500-257F,U+25A0-25FF,U+2600-26FF,U+2700-27BF,U+3000-303F,U+3100-312F,U+31A0-31BF,U+3200-33FF,U+FE30-FE4F,U+FF00-FFEF"
han="U+3400-4DBF,U+4E00-9FFF,U+F900-FAFF,U+20000-2A6DF,U+2A700-2EBEF,U+2F800-2FA1F"
for face in Regular:Full Regular:Common Bold:Common; do
  weight=${face%:*} set=${face#*:}
  dst=$out/NotoSansSC-$weight.otf
  [ "$set" = Full ] && dst=$out/NotoSansSC-$weight-Full.otf
  /usr/bin/python3 - "$src/NotoSansCJK-$weight.ttc" "$dst" "$set" "$common" "$han" "$root" <<'PY'
import glob, os, sys
from fontTools.ttLib import TTCollection
from fontTools import subset
src, dst, cover, common, han, root = sys.argv[1:7]
unicodes = set(subset.parse_unicodes(common))
if cover == 'Full':
    unicodes |= set(subset.parse_unicodes(han))
else:
    # GB 2312: rows 16-87 of EUC-CN hold its hanzi.
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                unicodes.add(ord(bytes([hi, lo]).decode('gb2312')))
            except UnicodeDecodeError:
                pass
# The terminal's own text, in every face (the full face draws all that the
# common ones do): every character of the translations and of the Go
# sources of the screens and the program (comments are English).
files = [os.path.join(root, 'assets/i18n/strings.json')]
for d in ('kiosk/ui', 'cmd/kiosk'):
    files += [f for f in glob.glob(os.path.join(root, d, '*.go')) if not f.endswith('_test.go')]
for f in files:
    unicodes |= {ord(c) for c in open(f, encoding='utf-8').read() if ord(c) >= 0x20}
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
sub.populate(unicodes=sorted(unicodes))
sub.subset(face)
face.save(dst)
PY
done
# The licence (SIL OFL 1.1) is kept beside the fonts as OFL.txt.
ls -l "$out"
