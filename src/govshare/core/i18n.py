"""UI text in Simplified Chinese (default) and English.

One catalogue of (zh, en) pairs keyed by a short English id. Templates call `t("key")`;
a missing key shows the key itself, and a test fails when any template uses one that is not
in the catalogue, so a page can never show a half-translated label unnoticed.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    "app_name": ("政务信息共享平台", "Government Information Sharing Platform"),
    "home": ("首页", "Home"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "username": ("用户名", "User name"),
    "password": ("口令", "Password"),
    "language": ("语言", "Language"),
    "departments": ("部门管理", "Departments"),
    "department": ("部门", "Department"),
    "users": ("用户管理", "Users"),
    "clients": ("接入应用", "API clients"),
    "audit": ("审计日志", "Audit log"),
    "api_docs": ("接口文档", "API docs"),
    "name": ("名称", "Name"),
    "short_name": ("简称", "Short name"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "division": ("行政区划", "Division"),
    "kind": ("类别", "Kind"),
    "parent": ("上级部门", "Parent department"),
    "none": ("无", "None"),
    "create": ("新建", "Create"),
    "save": ("保存", "Save"),
    "search": ("查询", "Search"),
    "actions": ("操作", "Actions"),
    "edit": ("编辑", "Edit"),
    "status": ("状态", "Status"),
    "active": ("启用", "Active"),
    "inactive": ("停用", "Inactive"),
    "locked": ("已锁定", "Locked"),
    "roles": ("角色", "Roles"),
    "display_name": ("姓名", "Full name"),
    "last_login": ("最近登录", "Last sign-in"),
    "enable": ("启用", "Enable"),
    "disable": ("停用", "Disable"),
    "unlock": ("解锁", "Unlock"),
    "set_roles": ("设置角色", "Set roles"),
    "new_department": ("新建部门", "New department"),
    "new_user": ("新建用户", "New user"),
    "new_client": ("登记接入应用", "Register a client"),
    "description": ("说明", "Description"),
    "tokens": ("令牌", "Tokens"),
    "issue_token": ("签发令牌", "Issue token"),
    "revoke": ("吊销", "Revoke"),
    "scopes": ("权限范围", "Scopes"),
    "days_valid": ("有效天数", "Days valid"),
    "label": ("标签", "Label"),
    "expires": ("到期", "Expires"),
    "token_once": ("令牌只显示这一次，请立即妥善保存：", "This token is shown only once. Store it now:"),
    "time": ("时间", "Time"),
    "actor": ("操作者", "Actor"),
    "action": ("事件", "Action"),
    "object": ("对象", "Object"),
    "outcome": ("结果", "Outcome"),
    "purpose": ("用途", "Purpose"),
    "source_ip": ("来源地址", "Source address"),
    "from": ("起", "From"),
    "to": ("止", "To"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "export_xlsx": ("导出 Excel", "Export Excel"),
    "verify_chain": ("校验哈希链", "Verify hash chain"),
    "chain_ok": ("哈希链完整", "Hash chain intact"),
    "chain_broken": ("哈希链被破坏", "Hash chain broken"),
    "records": ("条记录", "records"),
    "pending_seal": ("待入链", "awaiting sealing"),
    "total": ("合计", "Total"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "node": ("节点", "Node"),
    "level": ("级别", "Level"),
    "welcome": ("欢迎", "Welcome"),
    "your_roles": ("您的角色", "Your roles"),
    "overview": ("概览", "Overview"),
    "recent_audit": ("最近审计记录", "Recent audit records"),
    "error": ("错误", "Error"),
    "not_found": ("页面不存在", "Page not found"),
    "forbidden": ("无权访问", "Access denied"),
    "back_home": ("返回首页", "Back to home"),
    "saved": ("已保存", "Saved"),
    "all": ("全部", "All"),
    "filter": ("筛选", "Filter"),
    "by_division": ("按区划分布", "By division"),
    "by_kind": ("按类别分布", "By kind"),
    "by_role": ("按角色分布", "By role"),
    "audit_by_day": ("近 14 天审计事件", "Audit events, last 14 days"),
    "data_officer": ("数据专员", "Data officer"),
    "reviewer": ("审核员", "Reviewer"),
    "kind_government": ("政府部门", "Government department"),
    "kind_institution": ("事业单位", "Public institution"),
    "kind_social_org": ("社会组织", "Social organisation"),
    "outcome_success": ("成功", "Success"),
    "outcome_denied": ("拒绝", "Denied"),
    "outcome_failure": ("失败", "Failure"),
    "skip_to_content": ("跳到正文", "Skip to content"),
    "second_factor": ("两步验证", "Two-step verification"),
    "enrol_intro": (
        "管理员须绑定身份验证器（如手机上的验证器应用）。请扫描二维码或手工输入密钥，然后输入显示的 6 位验证码。",
        "Administrators must enrol an authenticator app. "
        "Scan the QR code or type the key, then enter the 6-digit code it shows.",
    ),
    "enter_code": ("请输入身份验证器中的 6 位动态验证码", "Enter the 6-digit code from your authenticator app"),
    "code": ("验证码", "Code"),
    "secret_key": ("密钥", "Key"),
    "verify": ("验证", "Verify"),
    "bad_code": ("验证码错误或已使用，请输入新的验证码", "Wrong or already used code; enter a fresh one"),
    "session_timeout_note": ("空闲超时将自动退出", "Idle sessions sign out automatically"),
    "password_rules": (
        "口令至少 10 位，须含大写、小写、数字、符号中的三类",
        "At least 10 characters mixing three of: upper, lower, digits, symbols",
    ),
    "confirm_revoke": ("确定吊销此令牌？吊销立即生效。", "Revoke this token? It stops working at once."),
    "client_department": ("所属部门", "Department"),
    "state_active": ("有效", "Active"),
    "state_revoked": ("已吊销", "Revoked"),
    "state_expired": ("已过期", "Expired"),
}


def catalogue() -> dict[str, tuple[str, str]]:
    """The shared entries above plus every capability's i18n.MESSAGES (capabilities developed in
    parallel may word the same key differently: the first in capability order is the fallback)."""
    from govshare.capabilities import merged

    return {**CATALOGUE, **merged("i18n", "MESSAGES", strict=False)}


def own_messages(capability: str | None) -> dict[str, tuple[str, str]]:
    """One capability's own MESSAGES, which its templates consult first."""
    from govshare.capabilities import CAPABILITIES, part

    if capability not in CAPABILITIES:
        return {}
    module = part(capability, "i18n")  # type: ignore[arg-type]
    return getattr(module, "MESSAGES", {}) if module else {}


def translate(key: str, language: str, capability: str | None = None) -> str:
    pair = own_messages(capability).get(key) or catalogue().get(key)
    if pair is None:
        return key
    return pair[0] if language == "zh" else pair[1]
