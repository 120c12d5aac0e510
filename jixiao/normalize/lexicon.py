"""Canonical labels of the forms and the printed variants each province and year uses.

Each vocabulary maps a canonical name to the label texts seen for it. Matching is fuzzy (see
matcher.py), so variants list different wordings, not every OCR garbling of one wording.
"""

from __future__ import annotations

Vocabulary = dict[str, tuple[str, ...]]

# columns of the funds block
FUNDS_COLUMNS: Vocabulary = {
    "initial_budget": ("年初预算数", "年初预算", "年初预算数(万元)", "年初预算安排数", "预算数"),
    "annual_budget": ("全年预算数", "全年预算数(A)", "预算数(A)", "调整后预算数", "调整预算数", "全年预算",
                      "预算调整数", "全年预算数(调整后)"),
    "executed": ("全年执行数", "全年执行数(B)", "预算执行数", "执行数", "执行数(B)", "实际执行数",
                 "全年实际执行数", "实际支出数"),
    "weight": ("分值", "权重", "权重(%)", "分值(分)"),
    "execution_rate": ("执行率", "预算执行率", "执行率(%)", "执行率(B/A)"),
    "score": ("得分", "自评得分", "评分"),
    "label": ("资金来源", "资金类别", "项目", "资金性质"),
}

# the funds block prints its value columns in this order, whatever a province calls them
FUNDS_COLUMN_ORDER = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")

# columns of the indicator block
INDICATOR_COLUMNS: Vocabulary = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "绩效指标名称", "指标名称", "三级指标名称"),
    "nature": ("指标性质", "指标属性", "指标方向"),
    "target": ("年度指标值", "年度指标值(A)", "指标值", "年度目标值", "预期指标值", "目标值",
               "年度指标值(目标值)", "计划指标值"),
    "measure_unit": ("度量单位", "计量单位", "指标单位"),
    "actual": ("实际完成值", "实际完成值(B)", "完成值", "全年实际值", "实际值", "实际完成情况值"),
    "weight": ("分值", "权重", "指标分值", "权重分值", "权重占比"),
    # 折算得分 = 单项指标得分 (out of 100) × 权重占比: the score the total adds up
    "score": ("得分", "自评得分", "评分", "折算得分", "折算后得分"),
    # the score out of 100 before its weight: read as a column of its own, checked by no rule
    "item_score": ("单项指标得分", "单项得分"),
    "reason": ("未完成原因分析", "偏差原因分析及改进措施", "偏差原因分析", "原因分析",
               "未完成原因及拟采取的改进措施", "未完成原因和改进措施",
               "未完成原因分析及改进措施", "偏差原因及改进措施", "偏差原因"),
}

# rows of the funds block
# a department block split 按收入性质分 (财政拨款, 其他资金 ...) / 按支出性质分 (基本支出, 项目支出):
# each half adds up to the total on its own, and the two are never summed together (normalize
# settles values in doubt by these sums, score checks them)
FUNDS_SPENDING = frozenset({"basic", "project"})
FUNDS_INCOME = frozenset({"fiscal", "carryover", "special_account", "unit_funds", "central", "provincial"})

FUNDS_ROWS: Vocabulary = {
    "total": ("年度资金总额", "资金总额", "总额", "年度预算资金总额", "年度资金合计", "合计"),
    "basic": ("基本支出", "其中:基本支出"),
    "project": ("项目支出", "其中:项目支出"),
    "other": ("其他资金", "其他", "其他收入"),
    "fiscal": ("当年财政拨款", "其中:当年财政拨款", "财政资金", "财政拨款", "本年财政拨款"),
    "carryover": ("上年结转资金", "上年结转", "结转资金"),
    "special_account": ("财政专户管理资金", "财政专户资金"),
    "unit_funds": ("单位资金", "单位自有资金"),
    "central": ("中央财政", "中央财政资金", "中央资金", "其中:中央财政"),
    "provincial": ("省级财政", "省级财政资金", "省级资金", "省级补助资金"),
    "transfers": ("中央、省、市补助县级资金", "其中:中央、省、市补助县级资金", "中央、省、市补助资金",
                  "上级补助资金", "上级补助县级资金"),
}

# key: value labels of the header, footer and text lines around the table
KEYS: Vocabulary = {
    "unit": ("部门(单位)名称", "部门名称", "单位名称", "实施单位", "预算单位", "单位(盖章)",
             "部门(单位)", "填报单位", "预算部门"),
    "department": ("主管部门", "主管单位", "主管部门及代码"),
    "project_name": ("项目名称",),
    # checkboxes: □新增项目 þ延续项目 (the ticked option is kept in the record's extra)
    "category": ("项目类别", "项目类型", "项目属性"),
    "fill_date": ("填报日期", "填表日期", "日期"),
    "year": ("年度", "预算年度", "评价年度"),
    "conclusion": ("自评结论", "评价结论", "结论", "总体评价结论"),
    "contact_name": ("联系人", "填表人", "经办人", "项目负责人"),
    "phone": ("联系电话", "电话", "联系方式"),
    # one cell holding the name and the phone ('李四 13912345678(办公)'), or two names and no phone
    "contact": ("项目负责人及电话", "负责人及电话", "联系人及电话", "项目负责人及联系电话", "联系人及联系电话"),
    "other_notes": ("其他需要说明事项", "其他需要说明的事项", "其他说明事项"),
    "grade": ("评价等级", "自评等级", "等级", "等次", "评价等次"),
    "problems": ("存在问题", "存在的问题", "主要问题"),
    "improvements": ("改进措施", "整改措施", "下一步改进措施", "意见建议", "改进措施及结果应用方案"),
    # a form-level block in place of a reason column (Hebei, Shanxi county forms)
    "deviation": ("偏差大或目标未完成原因分析", "目标未完成原因分析"),
}

# labels of the block a row belongs to (left-hand row-spanning cells, header rows)
BLOCKS: Vocabulary = {
    "funds": ("部门(单位)总体资金(万元)", "项目资金(万元)", "年度资金(万元)", "资金情况(万元)",
              "年度预算资金(万元)", "部门总体资金(万元)", "总体资金(万元)", "项目资金",
              "年度预算执行情况(万元)"),
    "goals": ("年度总体目标", "总体目标", "年度目标", "年度绩效目标"),
    "goals_planned": ("预期目标", "年度目标", "目标"),
    "goals_actual": ("实际完成情况", "完成情况", "实际完成"),
    "indicators": ("绩效指标", "年度绩效指标", "绩效指标完成情况"),
    # OCR often loses the 分 of a spread-out 总  分
    "total": ("总分", "合计", "总计", "总得分", "总"),
}

# the block title printed in the leftmost cell spanning the whole indicator block (often
# vertically, centred in its span): never a 一级指标, though 绩效指标 reads 75 like 效益指标
NOT_LEVELS: tuple[str, ...] = BLOCKS["indicators"]

LEVEL1: Vocabulary = {
    "output": ("产出指标", "产出"),
    "outcome": ("效益指标", "效益"),
    "satisfaction": ("满意度指标", "满意度"),
    "budget_execution": ("预算执行率", "预算资金执行率", "预算执行"),
}

LEVEL2: Vocabulary = {
    "quantity": ("数量指标", "数量"),
    "quality": ("质量指标", "质量"),
    "timeliness": ("时效指标", "时效"),
    "cost": ("成本指标", "成本"),
    "economic": ("经济效益指标", "经济效益"),
    "social": ("社会效益指标", "社会效益"),
    "ecological": ("生态效益指标", "生态效益"),
    "sustainability": ("可持续影响指标", "可持续影响", "可持续发展指标"),
    "service_satisfaction": ("服务对象满意度指标", "服务对象满意度", "满意度指标", "满意度"),
}

# which level-1 a level-2 belongs to, to fill a level-1 the form leaves blank
LEVEL2_PARENT: dict[str, str] = {
    "quantity": "output", "quality": "output", "timeliness": "output", "cost": "output",
    "economic": "outcome", "social": "outcome", "ecological": "outcome",
    "sustainability": "outcome", "service_satisfaction": "satisfaction",
}

TITLE_WORDS = ("自评表", "自评价表", "评价表", "绩效目标自评", "绩效自评")
DEPARTMENT_TITLE_WORDS = ("部门整体", "部门(单位)整体", "单位整体", "整体支出")
PROJECT_TITLE_WORDS = ("项目支出", "项目绩效")

# words in an indicator's name that say which 二级指标 it belongs under: used only where a
# transcript lost the extent of a merged label cell (its text sits on the middle row of the span)
LEVEL2_HINTS: dict[str, tuple[str, ...]] = {
    "service_satisfaction": ("满意",),
    "timeliness": ("及时", "时效", "时限", "完成时间", "按时", "进度"),
    "cost": ("成本", "支出", "费用", "经费", "单价"),
    "quality": ("合格率", "达标率", "质量", "准确率", "完好率", "完整率", "合规率", "验收"),
    "quantity": ("数量", "个数", "次数", "人次", "面积"),
    "ecological": ("生态", "绿化", "污染", "排放", "森林", "水质", "污水", "垃圾", "空气", "节能", "减排", "植被",
                   "水土流失"),
    "sustainability": ("持续", "长效", "长期"),
    "economic": ("经济", "增收", "产值"),
    # what a 社会效益 row measures: people reached, informed, safe, served (forms-gen s406-s407
    # transcripts put 知晓率, 认可度 rows in the next group: nothing pointed them back)
    "social": ("社会", "群众", "公众", "知晓", "认可", "安全感", "就业", "受益"),
}
# how names end that the words above do not place: a count is a 数量指标 ('…件数', '…单位数',
# '…台(套)数', '…班次'), a rate of things done right a 质量指标, a kind of spending a 成本指标
LEVEL2_ENDINGS: dict[str, tuple[str, ...]] = {
    "quantity": ("数", "班次", "场次", "批次"),
    "quality": ("办结率", "合格率", "达标率", "完成率", "正确率", "通过率"),
    "cost": ("费", "费用"),
}
# the units of a target that say which 二级指标 a row belongs under, where its name says nothing:
# a count of things done (1项, ≥50处) is a 数量指标, a duration (≤15天, 3个工作日) a 时效指标.
# Weaker than a name (``indicators.UNIT_HINT_WEIGHT``), and only for the 二级指标: a count is
# also what a 社会效益 row reports (培训500人次), and money an 经济效益 one, so neither places the
# 一级指标 and money places nothing. Measured: held-out forms-gen s510-s515 transcripts, where the
# last 数量 row of a group labelled on its first row went to the 质量 label under it (4 of 24)
LEVEL2_UNITS: dict[str, tuple[str, ...]] = {
    "quantity": ("个", "项", "次", "件", "处", "台", "套", "台（套）", "台(套)", "份", "卷", "场", "期", "家", "户",
                 "所", "篇", "条", "座", "批", "册", "名", "人", "人次", "批次", "场次", "班次"),
    "timeliness": ("天", "日", "个工作日", "工作日", "小时", "个月", "月"),
}
