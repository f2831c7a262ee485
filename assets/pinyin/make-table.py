#!/usr/bin/env python3
"""Builds pinyin.txt, the characters an agent can key a resident's name
with, by toneless pinyin syllable, most common first, from the Unicode
Character Database's Unihan files (Debian's unicode-data package:
/usr/share/unicode/Unihan_*.txt.bz2).

Readings: kMandarin (the customary one), kHanyuPinlu, kXHC1983 and
kHanyuPinyin (the other readings of heteronyms, 长 zhang as well as chang).
Order within a syllable: the commonest surnames; characters counted in kHanyuPinlu (modern usage
frequency of that reading) by count; then the Table of General Standard
Chinese Characters (kTGH, level 1 before 2 before 3); then every other
character by code point; traditional forms (kSimplifiedVariant names
another character) last. Only the blocks the bundled font covers are kept
(CJK Unified Ideographs and Extension A), so no candidate shows as a box.
ü is written v (lv, nv), as Chinese input methods do.

After the syllables come the customary readings of the characters listed
under more than one syllable (heteronyms), a line per syllable that starts
with "=": "=chang 长..." says 长 is read chang unless the context says
otherwise. It is the first kMandarin reading; a heteronym without one takes
the syllable of its greatest kHanyuPinlu count, else the first in
alphabetical order. The terminal spells catalogue item names with it, for
search by pinyin; every other character has the one syllable it is listed
under.

Usage: make-table.py [unihan-dir] > pinyin.txt
"""
import bz2
import collections
import re
import sys
import unicodedata

src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"


def fields(name):
    with bz2.open(f"{src}/{name}.txt.bz2", "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cp, key, value = line.rstrip("\n").split("\t", 2)
            yield int(cp[2:], 16), key, value


def toneless(p):
    p = unicodedata.normalize("NFD", p.lower()).replace("u\u0308", "v")
    p = "".join(c for c in p if unicodedata.category(c) != "Mn")
    return p if re.fullmatch(r"[a-z]{1,6}", p) else None


def covered(cp):
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF


readings = collections.defaultdict(set)  # syllable -> code points
pinlu = {}  # (syllable, cp) -> count
primary = {}  # cp -> toneless kMandarin
tgh = {}
version = ""
with bz2.open(f"{src}/Unihan_Readings.txt.bz2", "rt", encoding="utf-8") as f:
    for line in f:
        if line.startswith("# Unicode version"):
            version = line.split(":", 1)[1].strip()
            break
for cp, key, value in fields("Unihan_Readings"):
    if not covered(cp):
        continue
    if key == "kMandarin":
        syl = [value.split()[0]]
        primary[cp] = toneless(syl[0])
    elif key == "kHanyuPinlu":
        syl = []
        for m in re.finditer(r"(\S+?)\((\d+)\)", value):
            s = toneless(m.group(1))
            if s:
                pinlu[(s, cp)] = max(pinlu.get((s, cp), 0), int(m.group(2)))
                syl.append(m.group(1))
    elif key == "kXHC1983":
        syl = [v.split(":", 1)[1] for v in value.split()]
    elif key == "kHanyuPinyin":
        syl = [p for v in value.split() for p in v.split(":", 1)[1].split(",")]
    else:
        continue
    for p in syl:
        s = toneless(p)
        if s:
            readings[s].add(cp)
# Traditional forms (a character whose simplified form is another one) come
# after the simplified ones: names on the mainland's cards are simplified.
traditional = set()
for cp, key, value in fields("Unihan_Variants"):
    if key == "kSimplifiedVariant" and covered(cp):
        if all(int(v[2:], 16) != cp for v in value.split()):
            traditional.add(cp)
for cp, key, value in fields("Unihan_OtherMappings"):
    if key == "kTGH" and covered(cp):
        tgh[cp] = min(int(v.split(":")[1]) for v in value.split())


# The most common surnames, most common first: a name is keyed surname
# first, so these lead their syllables.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
    "董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白"
    "邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)


def level(n):
    return 1 if n <= 3500 else 2 if n <= 6500 else 3


print(f"# Characters by toneless pinyin syllable, most common first (ü as v).")
print(f"# Made by make-table.py from the Unicode {version} Unihan database;")
print(f"# Unicode License v3 (see LICENSE-Unicode.txt).")
for s in sorted(readings):
    def rank(cp):
        if cp in traditional:
            return (3, 0, cp)
        if chr(cp) in SURNAMES and ((s, cp) in pinlu or primary.get(cp) == s):
            return (-1, SURNAMES.index(chr(cp)), cp)
        if (s, cp) in pinlu:
            return (0, -pinlu[(s, cp)], cp)
        if cp in tgh:
            return (1, level(tgh[cp]), tgh[cp])
        return (2, 0, cp)
    chars = sorted(readings[s], key=rank)
    print(s, "".join(chr(c) for c in chars))
# Where kMandarin's first reading is one the names of services and places
# rarely have: 长 is chang in 长期护理 and 长宁 (zhang in 长者 only), 地 is di
# in 土地 and 属地 (de is the particle), 埔 is pu in 黄埔, 著 is zhu in 著作 (zhe
# is the traditional form of 着), 茄 is qie in 茄子, and so on. Each must be a
# heteronym of the table (the script fails otherwise).
CUSTOMARY = {"长": "chang", "地": "di", "埔": "pu", "拓": "tuo", "著": "zhu", "咳": "ke", "蹒": "pan",
             "黾": "min", "徵": "zheng", "彷": "pang", "伽": "jia", "仔": "zai", "袷": "jia",
             "似": "si", "茄": "qie", "琢": "zhuo", "傀": "kui"}
syllables = collections.defaultdict(list)  # cp -> its syllables
for s in sorted(readings):
    for cp in readings[s]:
        syllables[cp].append(s)
for ch, syl in CUSTOMARY.items():
    assert len(syllables[ord(ch)]) > 1 and syl in syllables[ord(ch)], (ch, syl, syllables[ord(ch)])
customary = collections.defaultdict(list)  # syllable -> heteronyms
for cp, syls in sorted(syllables.items()):
    if len(syls) < 2:
        continue
    if chr(cp) in CUSTOMARY:
        syl = CUSTOMARY[chr(cp)]
        assert syl in syls, (chr(cp), syl, syls)
    elif primary.get(cp) in syls:
        syl = primary[cp]
    else:
        syl = max(syls, key=lambda s: (pinlu.get((s, cp), 0), -syls.index(s)))
    customary[syl].append(cp)
for s in sorted(customary):
    print("=" + s, "".join(chr(c) for c in customary[s]))
