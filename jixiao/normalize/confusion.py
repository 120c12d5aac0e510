"""OCR confusions: characters an engine returns in place of the ones printed on these forms.

``fold`` is applied to labels before fuzzy matching (never to values a rule checks), so that
'カ値' compares as '分值' and '1-Щ' as '1项'. The table holds look-alikes from other scripts
(kana, Cyrillic, Latin), traditional and Japanese forms of characters, and glyph confusions
measured on this kind of page. Traditional forms come from OpenCC's dictionaries, for every
character outside GB 2312: a mainland form prints only GB 2312's simplified characters, so such a
character is an engine's traditional reading ('評', '稱', '額'); one inside GB 2312 may be meant
as printed ('乾', '於') and is left alone.
"""

from __future__ import annotations

from functools import lru_cache

import opencc

# look-alikes from other scripts and glyph confusions seen in OCR output of these forms
LOOKALIKES: dict[str, str] = {
    "カ": "分", "力": "力", "値": "值", "Щ": "项", "щ": "项", "Ш": "项", "ш": "项",
    "ノ": "人", "イ": "亻", "ロ": "口", "エ": "工", "ニ": "二", "ハ": "八", "ト": "卜",
    "タ": "夕", "〇": "0", "О": "0", "о": "0", "З": "3", "б": "6", "Б": "6",
    "粉": "数", "敷": "数", "頂": "项", "埙": "项",
    "椋": "标", "杯": "标", "忻": "析", "折": "析", "扳": "板",
    "菅": "管", "官": "管", "賁": "责", "仟": "任", "彳": "行", "亍": "行",
}

# traditional and Japanese forms of characters these forms print
VARIANTS: dict[str, str] = {
    "數": "数", "項": "项", "預": "预", "資": "资", "門": "门", "標": "标", "質": "质",
    "時": "时", "執": "执", "單": "单", "際": "际", "額": "额", "價": "价", "總": "总",
    "計": "计", "務": "务", "進": "进", "產": "产", "産": "产", "滿": "满", "満": "满",
    "經": "经", "経": "经", "濟": "济", "済": "济", "會": "会", "態": "态", "續": "续",
    "続": "续", "響": "响", "實": "实", "実": "实", "績": "绩", "効": "效",
    "結": "结", "論": "论", "聯": "联", "連": "连", "繫": "系", "電": "电", "話": "话",
    "報": "报", "填": "填", "開": "开", "關": "关", "類": "类", "級": "级",
    "値": "值", "単": "单", "総": "总", "処": "处", "対": "对", "応": "应", "様": "样",
    "転": "转", "運": "运", "営": "营", "発": "发", "図": "图", "歳": "岁", "団": "团",
    "調": "调", "整": "整", "後": "后", "當": "当", "財": "财", "政": "政", "撥": "拨",
    "專": "专", "専": "专", "戶": "户", "戸": "户", "管": "管", "理": "理", "餘": "余",
    "負": "负", "責": "责", "義": "义", "劃": "划", "規": "规", "範": "范", "據": "据",
    "衛": "卫", "設": "设", "備": "备", "維": "维", "護": "护", "區": "区", "縣": "县", "覈": "核", "協": "协", "導": "导", "題": "题", "問": "问", "畫": "画",
    "層": "层", "線": "线", "廳": "厅", "辦": "办", "環": "环", "與": "与",
    "值": "值",
}

# full-width and typographic punctuation that NFKC leaves alone
PUNCTUATION: dict[str, str] = {
    "（": "(", "）": ")", "：": ":", "；": ";", "，": ",", "。": ".", "、": ",",
    "〔": "(", "〕": ")", "【": "(", "】": ")", "［": "(", "］": ")", "《": '"', "》": '"',
    "﹙": "(", "﹚": ")", "｛": "(", "｝": ")", "[": "(", "]": ")", "{": "(", "}": ")",
}



def _traditional() -> dict[str, str]:
    """Every CJK character outside GB 2312 that OpenCC reads as one simplified character."""
    t2s, jp2t = opencc.OpenCC("t2s"), opencc.OpenCC("jp2t")
    out: dict[str, str] = {}
    for cp in range(0x4E00, 0xA000):
        ch = chr(cp)
        try:
            ch.encode("gb2312")
            continue
        except UnicodeEncodeError:
            pass
        simple = t2s.convert(jp2t.convert(ch))
        if len(simple) == 1 and simple != ch:
            out[ch] = simple
    return out


TRADITIONAL: dict[str, str] = {**_traditional(), **VARIANTS}
CONFUSIONS: dict[str, str] = {**TRADITIONAL, **LOOKALIKES, **PUNCTUATION}
_TABLE = str.maketrans({k: v for k, v in CONFUSIONS.items() if k != v})
# traditional/Japanese forms and other scripts' look-alikes: never meant on a mainland form, so
# free text (names, reasons) is folded with these too; CJK-for-CJK look-alikes are not
_TEXT_TABLE = str.maketrans({k: v for k, v in {**TRADITIONAL, **LOOKALIKES}.items()
                             if k != v and (k in TRADITIONAL or not ("\u4e00" <= k <= "\u9fff"))})
# only characters that cannot be meant as printed (kana, Cyrillic in a Chinese form): safe to
# fold inside values such as units, where a real character must never be swapped for another
_SCRIPT_TABLE = str.maketrans({k: v for k, v in LOOKALIKES.items()
                               if k != v and not ("\u4e00" <= k <= "\u9fff")})


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Map every known confusable character to the one these forms print."""
    return text.translate(_TABLE)


def fold_script(text: str) -> str:
    """Fold only look-alikes from other scripts (Щ -> 项, カ -> 分): safe inside values."""
    return text.translate(_SCRIPT_TABLE)


def fold_text(text: str) -> str:
    """Fold what is safe to fold in free text: traditional and Japanese forms, other scripts."""
    return text.translate(_TEXT_TABLE)
