"""Names of units and departments: repairs for what OCR does to their last character."""

from __future__ import annotations

# how Chinese public bodies' names end; a name cut one character short of one of these two-
# character endings ('…服务中' for '…服务中心') is completed, and the repair is reported
TWO_CHAR_ENDINGS = ("中心", "委员会", "办公室", "管理局", "管理处", "研究院", "研究所", "监测站", "事务所")
ONE_CHAR_ENDINGS = ("局", "厅", "院", "所", "站", "队", "会", "馆", "校", "处", "部", "委", "办", "室",
                    "社", "台", "府", "司", "团", "园", "场", "厂", "行", "心", "科", "组")


def ends_like_a_body(name: str) -> bool:
    return name.endswith(ONE_CHAR_ENDINGS) or name.endswith(TWO_CHAR_ENDINGS)


def join_split_off(name: str, spill: str) -> str | None:
    """The name with the characters the reading set apart after it ('…卫生健康' + '局'), when
    only with them does it end as a public body's name does."""
    if spill and name and not ends_like_a_body(name) and ends_like_a_body(name + spill):
        return name + spill
    return None


def complete_unit_name(name: str) -> tuple[str, bool]:
    """The name with a lost final character restored, and whether anything was restored."""
    if not name or ends_like_a_body(name):
        return name, False
    for ending in TWO_CHAR_ENDINGS:
        for cut in range(1, len(ending)):
            if name.endswith(ending[:cut]):
                return name + ending[cut:], True
    return name, False
