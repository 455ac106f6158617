"""Stable codes for the closed loop; the UI maps each code to its Chinese label."""
from enum import StrEnum


class State(StrEnum):
    received = "received"                  # 受理: persisted, waiting for routing
    pending_dispatch = "pending_dispatch"  # 待派单: in a platform dispatcher's queue
    dispatched = "dispatched"              # 已派单: waiting for the unit to sign for it
    handling = "handling"                  # 处置中
    return_requested = "return_requested"  # 退回申请中
    suspended = "suspended"                # 挂起: clock paused
    feedback_submitted = "feedback_submitted"  # 已反馈: waiting for the platform's audit
    site_check = "site_check"              # 待核查: grid case waiting for a site re-check
    callback_pending = "callback_pending"  # 待回访
    verified = "verified"                  # 已回访: ready to close
    closed = "closed"                      # 已结案
    refused = "refused"                    # 不予受理
    transferred = "transferred"            # 已转 110/119/120
    merged = "merged"                      # 已并单


TERMINAL_STATES = frozenset({State.closed, State.refused, State.transferred, State.merged})


class Action(StrEnum):
    auto_dispatch = "auto_dispatch"        # the routing job dispatches a confident order
    queue_for_dispatcher = "queue_for_dispatcher"  # the routing job is unsure
    direct_close = "direct_close"          # 直接办结
    refuse = "refuse"                      # 不予受理
    hand_over = "hand_over"                # 一键转接 110/119/120
    transfer_platform = "transfer_platform"  # city platform hands the order to a county platform
    transfer_city = "transfer_city"        # 转办外市: a province's city hands it to another city
    dispatch = "dispatch"                  # 派单
    merge = "merge"                        # 并单
    add_cohandler = "add_cohandler"        # 协办
    sign_for = "sign_for"                  # 签收
    return_order = "return_order"          # 退回
    approve_return = "approve_return"      # 同意退回 (改派)
    reject_return = "reject_return"
    pass_down = "pass_down"                # 下派
    request_extension = "request_extension"  # 延期申请
    approve_extension = "approve_extension"
    reject_extension = "reject_extension"
    request_suspension = "request_suspension"  # 挂起申请
    approve_suspension = "approve_suspension"
    reject_suspension = "reject_suspension"
    resume = "resume"                      # 解挂
    feedback = "feedback"                  # 反馈 (to the unit or platform above)
    cohandler_feedback = "cohandler_feedback"
    audit_pass = "audit_pass"              # 审核通过
    audit_fail = "audit_fail"              # 审核不通过
    site_check_pass = "site_check_pass"    # 核查通过
    site_check_fail = "site_check_fail"    # 核查不通过 → 返工
    callback = "callback"                  # 回访
    close = "close"                        # 结案
    rate = "rate"                          # 群众评价: the citizen's rating via the closure link


class ReturnReason(StrEnum):
    """Why a unit returns an order (退回原因); `wrong_unit` teaches the category model."""
    wrong_unit = "wrong_unit"        # 非本单位职责（错派）
    outside_area = "outside_area"    # 不属本辖区
    unclear = "unclear"              # 诉求不清、信息不全
    other = "other"                  # 其他


class Role(StrEnum):
    operator = "operator"            # 话务员
    dispatcher = "dispatcher"        # 派单员 / 审核员
    callback_agent = "callback_agent"  # 回访员
    handler = "handler"              # 承办人 (department / township / village)
    supervisor = "supervisor"        # 督办 / 领导
    admin = "admin"
    system = "system"                # the routing and escalation jobs


class HopStatus(StrEnum):
    dispatched = "dispatched"
    handling = "handling"
    return_requested = "return_requested"
    suspended = "suspended"
    delegated = "delegated"   # passed down; waiting for the level below
    reported = "reported"     # feedback given to the level above
    returned = "returned"     # return approved: this hop ended
    done = "done"             # order closed
    cancelled = "cancelled"


OPEN_HOP_STATUSES = frozenset({HopStatus.dispatched, HopStatus.handling, HopStatus.return_requested,
                               HopStatus.suspended, HopStatus.delegated})


class HopRole(StrEnum):
    lead = "lead"        # 主办
    cohandler = "co"     # 协办


class Channel(StrEnum):
    hotline_12345 = "12345"
    hotline_12328 = "12328"
    hotline_12319 = "12319"
    police_110 = "110"
    wechat = "wechat"
    weibo = "weibo"
    app = "app"
    website = "website"
    cppcc = "cppcc"
    grid = "grid"
    open311 = "open311"            # civic apps over Open311 GeoReport v2


# each channel's name in reports and exports
CHANNEL_NAMES = {"12345": "12345热线", "12328": "12328交通运输热线", "12319": "12319城建热线",
                 "110": "110非警务警情", "wechat": "微信", "weibo": "微博", "app": "城市App",
                 "website": "政府网站/市长信箱", "cppcc": "政协云", "grid": "网格事件",
                 "open311": "Open311接口"}


class RequestType(StrEnum):
    consultation = "consultation"  # 咨询
    help = "help"                  # 求助
    complaint = "complaint"        # 投诉
    report = "report"              # 举报
    suggestion = "suggestion"      # 建议
    praise = "praise"              # 表扬
    other = "other"                # 其他


class Urgency(StrEnum):
    extra_urgent = "extra_urgent"  # 特急
    urgent = "urgent"              # 紧急
    normal = "normal"              # 一般


class UnitKind(StrEnum):
    platform = "platform"        # 市/县 联动处置中心 (and the province root above the cities)
    department = "department"    # 职能部门 / 公用事业单位
    territorial = "territorial"  # 乡镇街道 / 村社区


class Level(StrEnum):
    province = "province"    # the root above several cities on one deployment (docs/province.md)
    city = "city"
    county = "county"
    township = "township"
    village = "village"
