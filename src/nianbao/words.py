"""The app's own words: the name nianbao gives a clerk for each of its codes - severities,
decisions, review statuses, upload states, levels of government, rule families, roles and
audit actions - in one place.  (The official templates' labels live in `formats.templates`;
`tests/test_templates.py` keeps both from being spelled anywhere else.)  The codes (the
keys) are what the store, the API and the code use."""
from __future__ import annotations

SEVERITIES = ("error", "warning", "info")
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}

DECISION_NAMES = {"confirm": "已确认", "dismiss": "已驳回"}  # a finding's review decision
DECISION_VERBS = {"confirm": "确认", "dismiss": "驳回"}

STATUS_NAMES = {"pending": "待审", "returned": "退回整改", "rectified": "已整改", "approved": "已通过"}  # review status
HIDDEN_NAMES = {"superseded": "已被替代", "withdrawn": "已撤回"}  # store.lifecycle's states out of force
COVERAGE_NAMES = {"filed": "已报", "missing": "缺报", "late": "迟报"}
UPLOAD_STATE_NAMES = {"queued": "排队中", "parsing": "处理中", "done": "已入库", "duplicate": "已存在（重复）",
                      "failed": "未能解析", "rejected": "已拒收"}

LEVEL_NAMES = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇（街道）", "department": "部门"}
BODY_NAMES = {"province": "省级人民政府", "city": "设区的市级人民政府", "county": "县级人民政府",  # whose report, in a sentence
              "township": "乡镇人民政府（街道办事处）", "department": "政府部门"}
FAMILY_NAMES = {"arithmetic": "表内勾稽", "conformance": "格式规范", "narrative": "文字内容", "privacy": "隐私保护",
                "integrity": "完整性", "crossyear": "跨年度与跨报告", "extraction": "读取与提取"}
ROLE_NAMES = {"admin": "管理员", "reviewer": "审核员", "viewer": "查看者"}

ACTION_NAMES = {  # the audit log's actions, as the log page names them
    "review.confirm": "确认问题", "review.dismiss": "驳回问题", "cell.correct": "更正数值", "cell.revert": "撤销更正",
    "upload": "上传文件", "expected.set": "设置应报名单", "export": "导出", "download.original": "下载原件",
    "login": "登录", "logout": "退出登录", "login.fail": "登录失败", "login.lockout": "登录锁定",
    "user.add": "新增用户", "user.update": "修改用户", "user.password": "修改密码", "user.unlock": "解除锁定",
    "token.create": "创建访问令牌", "token.revoke": "撤销访问令牌", "access.denied": "拒绝访问",
    "status.set": "更改审核状态", "status.carry": "沿用审核状态", "report.supersede": "报告被新版替代",
    "report.withdraw": "撤回报告", "report.restore": "恢复报告", "report.publish_date": "设置发布日期",
    "deadline.set": "设置报送时限", "deadline.remove": "删除报送时限", "setup.admin": "首次启动创建管理员",
}
