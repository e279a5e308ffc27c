"""Messages in zh-CN (default) and en, chosen from the Accept-Language header."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("lianmeng.i18n")

LANGUAGES = ("zh-CN", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "not_found": {"zh-CN": "未找到{what}", "en": "{what} not found"},
    "forbidden": {"zh-CN": "无权执行此操作", "en": "You are not allowed to do this"},
    "csrf_failed": {"zh-CN": "页面已过期,请刷新后重试", "en": "This form has expired; reload the page and try again"},
    "not_authenticated": {"zh-CN": "请先登录", "en": "Authentication required"},
    "invalid_token": {"zh-CN": "登录凭证无效", "en": "Invalid credentials token"},
    "token_expired": {"zh-CN": "登录已过期,请重新登录", "en": "Your session has expired; please log in again"},
    "invalid_api_key": {"zh-CN": "API 密钥无效或已停用", "en": "Invalid or revoked API key"},
    "bad_credentials": {"zh-CN": "用户名或密码错误", "en": "Wrong username or password"},
    "user_disabled": {"zh-CN": "账号已停用", "en": "This account is disabled"},
    "validation_error": {"zh-CN": "请求参数有误", "en": "The request is invalid"},
    "malformed_json": {"zh-CN": "请求体不是有效的 JSON", "en": "The request body is not valid JSON"},
    "body_too_large": {"zh-CN": "请求体过大(上限 {limit} 字节)", "en": "Request body too large (limit {limit} bytes)"},
    "method_not_allowed": {"zh-CN": "不支持该请求方法", "en": "Method not allowed"},
    "route_not_found": {"zh-CN": "接口不存在", "en": "No such endpoint"},
    "page_not_found": {"zh-CN": "页面不存在", "en": "Page not found"},
    "conflict": {"zh-CN": "数据冲突,请刷新后重试", "en": "Conflicting data; reload and retry"},
    "internal_error": {"zh-CN": "服务器内部错误", "en": "Internal server error"},
    "server_busy": {
        "zh-CN": "服务器繁忙,本次请求未被处理,请 {seconds} 秒后重试",
        "en": "The server is busy and did not process this request; retry in {seconds} s",
    },
    "invalid_phone": {"zh-CN": "手机号格式不正确", "en": "Invalid mobile phone number"},
    "member_exists": {
        "zh-CN": "该手机号已办理联盟卡,请扫码或输入卡号将其加入本商户会员",
        "en": "This phone already holds an alliance card; scan or enter the card to enrol the member here",
    },
    "membership_exists": {"zh-CN": "该会员已是本商户会员", "en": "Already a member at this merchant"},
    "invalid_card": {"zh-CN": "联盟卡号或二维码无效", "en": "Invalid alliance card number or QR code"},
    "otp_invalid": {"zh-CN": "验证码错误或已过期", "en": "Wrong or expired one-time code"},
    "invalid_plate": {
        "zh-CN": "车牌号格式不正确(如 粤B12345,新能源 粤BD12345)",
        "en": "Invalid plate number (e.g. 粤B12345, or 粤BD12345 for a new-energy car)",
    },
    "invalid_vin": {
        "zh-CN": "车架号(VIN)不正确:应为 17 位,不含 I、O、Q,且第 9 位校验码须正确",
        "en": "Invalid VIN: 17 characters, no I, O or Q, with a correct check digit in position 9",
    },
    "vehicle_required": {"zh-CN": "请填写车牌号或车架号", "en": "Give a plate number or a VIN"},
    "vehicle_exists": {"zh-CN": "该会员已登记此车辆", "en": "This vehicle is already recorded for this member"},
    "otp_too_many": {"zh-CN": "验证码尝试次数过多,请重新获取", "en": "Too many attempts; request a new code"},
    "otp_send_throttled": {
        "zh-CN": "获取验证码过于频繁,请 {seconds} 秒后再试",
        "en": "Codes were requested too often; try again in {seconds} seconds",
    },
    "otp_verify_throttled": {
        "zh-CN": "验证码尝试次数过多,请 {seconds} 秒后再试",
        "en": "Too many wrong codes; try again in {seconds} seconds",
    },
    "login_throttled": {
        "zh-CN": "登录失败次数过多,请 {seconds} 秒后再试",
        "en": "Too many failed logins; try again in {seconds} seconds",
    },
    "username_taken": {"zh-CN": "用户名已被占用", "en": "Username already taken"},
    "duplicate": {"zh-CN": "{what}已存在", "en": "{what} already exists"},
    "wrong_merchant": {"zh-CN": "{what}不属于该商户", "en": "{what} does not belong to this merchant"},
    "wrong_alliance": {"zh-CN": "{what}不属于该联盟", "en": "{what} is not in this alliance"},
    "distance_alliance_required": {"zh-CN": "请指定联盟(alliance_id)", "en": "Name the alliance (alliance_id)"},
    "distance_scope_own_merchant": {
        "zh-CN": "「本商户参与的引流」只适用于商户账号;运营方请查看全联盟",
        "en": "Scope 'own' is for a merchant's login; the operator sees the whole alliance",
    },
    "invalid_role": {"zh-CN": "不能创建该角色的账号", "en": "You cannot create an account with this role"},
    "agreement_transition": {
        "zh-CN": "协议当前状态为「{status}」,不能执行「{action}」",
        "en": "Agreement is '{status}'; cannot '{action}'",
    },
    "agreement_not_editable": {
        "zh-CN": "只有草稿状态的协议可以修改条款",
        "en": "Only draft agreements can have their terms changed",
    },
    "agreement_reason_required": {
        "zh-CN": "请填写原因:拒绝、暂停或终止协议须说明原因(记入变更记录)",
        "en": "Give a reason: rejecting, suspending or terminating an agreement needs one (it goes into the history)",
    },
    "agreement_party": {"zh-CN": "只有协议双方可以执行此操作", "en": "Only a party to the agreement may do this"},
    "agreement_not_started": {"zh-CN": "协议尚未到生效日期", "en": "The agreement's start date has not come"},
    "agreement_expired": {"zh-CN": "协议已过有效期", "en": "The agreement has expired"},
    "agreement_counter_unchanged": {
        "zh-CN": "还价须至少修改一项条款;条款不变请直接接受",
        "en": "A counter-offer changes at least one term; to agree to the terms as they are, accept them",
    },
    "agreement_counter_needs_terms": {
        "zh-CN": "还价须附上修改后的条款(POST /agreements/{id}/counter-offers)",
        "en": "A counter-offer comes with the changed terms (POST /agreements/{id}/counter-offers)",
    },
    "agreement_self": {"zh-CN": "协议双方不能是同一商户", "en": "An agreement needs two different merchants"},
    "commission_term_needs_pair": {
        "zh-CN": "第 {term} 条佣金条款无法支付:全联盟协议没有付款方和推荐方;请改用枢纽佣金(hub_share),写明枢纽和比例",
        "en": "Commission term {term} could never be paid: an alliance-wide agreement has no paying or referring side; "
              "use a hub share (hub_share) naming the hub and the rate"},
    "commission_term_hub_alliance_wide": {
        "zh-CN": "第 {term} 条佣金条款:枢纽佣金(hub_share)只能写在全联盟协议中",
        "en": "Commission term {term}: a hub share (hub_share) belongs on an alliance-wide agreement"},
    "commission_term_hub_missing": {
        "zh-CN": "第 {term} 条佣金条款:请指定枢纽(某个成员商户,或联盟总部)",
        "en": "Commission term {term}: name the hub (a member merchant, or the alliance operator)"},
    "commission_term_staff_amount": {
        "zh-CN": "第 {term} 条佣金条款:收取方为“商户与导购”时须填写导购另得金额",
        "en": "Commission term {term}: paying the merchant and the staff member needs the staff member's amount"},
    "commission_term_ignored": {
        "zh-CN": "第 {term} 条佣金条款的「{what}」不适用于这种计佣方式,引擎不会按它付款;请删除该项",
        "en": "Commission term {term}: '{what}' does not apply to this kind of term and would never be paid; "
              "remove it"},
    "agreement_terms_unpayable": {
        "zh-CN": "此协议的第 {term} 条佣金条款引擎无法支付,不能生效;请终止此协议并按现行规则重新拟定",
        "en": "Commission term {term} of this agreement could never be paid, so it cannot take effect; terminate "
              "it and draft it again under the current rules"},
    "agreement_cycle_alliance_wide": {
        "zh-CN": "全联盟协议按月结算(它与每个商户的往来都记在月度对账单上)",
        "en": "An alliance-wide agreement settles monthly (its lines with every merchant are on the monthly "
              "statements)"},
    "merchant_suspended": {"zh-CN": "商户已暂停合作", "en": "The merchant is suspended"},
    "insufficient_points": {
        "zh-CN": "积分不足:可用 {available},需要 {requested}",
        "en": "Not enough points: {available} available, {requested} needed",
    },
    "duplicate_external_id": {
        "zh-CN": "该外部单号已用于内容不同的记录", "en": "This external id was already used for a different record"},
    "stored_value_not_accepted": {
        "zh-CN": "该商户与储值发卡商户之间没有生效的联合储值卡协议",
        "en": "No active joint-card agreement lets this merchant accept that stored value"},
    "overpaid": {"zh-CN": "积分与储值支付超过订单金额", "en": "Points and stored value exceed the order amount"},
    "amount_not_positive": {"zh-CN": "金额必须大于零", "en": "Amounts must be greater than zero"},
    "refund_exceeds": {"zh-CN": "退款金额超过订单剩余可退金额", "en": "Refund exceeds what remains refundable"},
    "withdrawal_below_minimum": {
        "zh-CN": "提现金额低于最低限额({minimum} 分)", "en": "Below the minimum withdrawal ({minimum} fen)"},
    "withdrawal_below_fee": {"zh-CN": "提现金额不足以支付手续费", "en": "The amount does not cover the fee"},
    "withdrawal_not_payee": {
        "zh-CN": "只有收款人本人可以申请提现或管理收款账户(员工为本人,商户由其管理员)",
        "en": "Only the payee may ask for a withdrawal or manage payout accounts (staff for themselves, a merchant "
              "through its admin)"},
    "payout_account_required": {
        "zh-CN": "请先添加收款账户(微信支付、支付宝或银行卡)",
        "en": "Add a payout account first (WeChat Pay, Alipay or a bank card)"},
    "payout_account_unknown": {
        "zh-CN": "所选收款账户不是收款人本人的可用账户", "en": "The chosen payout account is not one of the payee's"},
    "payout_account_invalid": {
        "zh-CN": "账号格式不对:银行卡为 12–19 位数字;支付宝为手机号或邮箱;微信支付为手机号或微信号",
        "en": "Not an account: a bank card is 12–19 digits; Alipay a mobile or an e-mail; WeChat Pay a mobile or a "
              "WeChat ID"},
    "payout_bank_required": {"zh-CN": "银行卡请填写开户银行", "en": "Enter the bank of the card"},
    "withdrawal_transition": {
        "zh-CN": "提现申请当前状态为「{status}」,不能执行「{action}」",
        "en": "Withdrawal is '{status}'; cannot '{action}'",
    },
    "insufficient_balance": {"zh-CN": "余额不足({kind})", "en": "Insufficient balance ({kind})"},
    "merge_reason_required": {"zh-CN": "请填写合并或撤销的原因", "en": "Give the reason for the merge or its undo"},
    "merge_same_member": {"zh-CN": "不能将会员与其自身合并", "en": "A member cannot be merged with itself"},
    "merge_other_alliance": {"zh-CN": "两位会员不在同一联盟,不能合并",
                             "en": "The two members belong to different alliances and cannot be merged"},
    "merge_into_tombstone": {"zh-CN": "保留的会员已被合并到其他会员,请选择其合并后的会员",
                             "en": "The member to keep has itself been merged; merge into the member it became"},
    "merge_already_merged": {"zh-CN": "该会员已被合并过", "en": "This member has already been merged into another"},
    "merge_negative_balance": {"zh-CN": "合并会使余额为负({what}),未做任何变更",
                               "en": "The merge would make a balance negative ({what}); nothing was moved"},
    "merge_same_place": {"zh-CN": "不能将门店、候选伙伴或商户与其自身合并",
                         "en": "A place cannot be merged with itself"},
    "merge_place_other_alliance": {"zh-CN": "两者不在同一联盟,不能合并",
                                   "en": "The two belong to different alliances and cannot be merged"},
    "merge_into_merged_place": {"zh-CN": "保留的一方已被合并到其他记录,请选择其合并后的记录",
                                "en": "The one to keep has itself been merged; merge into the record it became"},
    "merge_place_already_merged": {"zh-CN": "要并入的一方已被合并过",
                                   "en": "The one to merge in has already been merged"},
    "merge_stores_other_merchant": {"zh-CN": "只能合并同一商户的两家门店",
                                    "en": "Only two stores of the same merchant can be merged"},
    "merge_not_prospect": {"zh-CN": "只能合并联盟外的潜在伙伴;已是联盟商户的请合并商户",
                           "en": "Only prospects outside the alliance are merged here; merge alliance merchants "
                                 "as merchants"},
    "merge_prospects_other_keeper": {"zh-CN": "只能合并同一份候选名单中的两个潜在伙伴",
                                     "en": "Only two prospects on the same candidate list can be merged"},
    "merge_merchant_blocked": {
        "zh-CN": "该商户已有业务记录,不能被合并:账目分录 {entries} 条,生效或待生效的协议 {agreements}",
        "en": "This merchant has business on record and cannot be merged in: {entries} ledger entries, "
              "agreements in force or pending: {agreements}"},
    "unmerge_place_survivor_merged": {"zh-CN": "保留的一方此后已被合并到其他记录,请先撤销那次合并",
                                      "en": "The one kept has since been merged into another; undo that merge first"},
    "unmerge_place_changed": {
        "zh-CN": "合并后「{what}」已有 {missing} 条变动,撤销无法精确还原,未做任何变更",
        "en": "Since the merge, {missing} of the {what} changed; an undo could not restore exactly what moved, "
              "nothing was changed"},
    "unmerge_already_undone": {"zh-CN": "该合并已撤销", "en": "This merge has already been undone"},
    "unmerge_window_closed": {"zh-CN": "合并已超过 {days} 天,不能撤销",
                              "en": "The merge is more than {days} days old and can no longer be undone"},
    "unmerge_survivor_merged": {
        "zh-CN": "保留的会员之后又被合并到其他会员,请先撤销那次合并",
        "en": "The kept member has since been merged into another; undo that merge first"},
    "unmerge_spent": {
        "zh-CN": "合并转入的{what}已被使用(差 {missing}),撤销会使余额为负,未做任何变更",
        "en": "The {what} moved by the merge have since been used (short by {missing}); undoing would make the "
              "balance negative, so nothing was changed"},
    "unmerge_repaid": {
        "zh-CN": "合并转入的{what}已被偿还({missing}),撤销会使保留的会员凭空多出积分,未做任何变更",
        "en": "The {what} moved by the merge have since been repaid ({missing}); undoing would credit the kept "
              "member with points nobody gave it, so nothing was changed"},
    "unmerge_coupon_used": {"zh-CN": "合并转入的优惠券已被使用,不能撤销",
                            "en": "A coupon moved by the merge has since been used; the merge cannot be undone"},
    "idempotency_in_progress": {
        "zh-CN": "相同幂等键的请求仍在处理中,请稍后重试",
        "en": "A request with this Idempotency-Key is still being processed; retry later",
    },
    "idempotency_mismatch": {
        "zh-CN": "该幂等键已用于不同的请求内容",
        "en": "This Idempotency-Key was already used with a different request body",
    },
    "idempotency_key_invalid": {
        "zh-CN": "幂等键须为 1–255 个可见字符",
        "en": "Idempotency-Key must be 1–255 visible characters",
    },
    "report_range_inverted": {
        "zh-CN": "开始日期({date_from})晚于结束日期({date_to})",
        "en": "date_from ({date_from}) is after date_to ({date_to})",
    },
    "report_date_out_of_range": {
        "zh-CN": "日期须在 {earliest} 至 {latest} 之间", "en": "Dates must be between {earliest} and {latest}",
    },
    "report_period_unknown": {
        "zh-CN": "没有这种统计期间:请选本周、本月或自定义",
        "en": "No such period: choose this week, this month or custom",
    },
    "report_dates_need_custom": {
        "zh-CN": "本周、本月不使用日期;要按日期查看,请选「自定义」",
        "en": "This week and this month take no dates; to look at dates, choose custom",
    },
    "report_date_invalid": {
        "zh-CN": "日期格式不正确,请按 2025-11-03 的格式填写", "en": "Not a date: write it as 2025-11-03",
    },
    "report_range_too_long": {
        "zh-CN": "查询区间为 {days} 天,最长 {max_days} 天",
        "en": "The period spans {days} days; at most {max_days} days are allowed",
    },
    "feedback_exists": {"zh-CN": "该次到店已评价过", "en": "This visit has already been rated"},
    # coupons: why a coupon cannot be used or issued (stable codes, coupons.domain)
    "other_members_coupon": {"zh-CN": "这张券属于其他会员", "en": "This coupon belongs to another member"},
    "not_started": {"zh-CN": "券尚未到可用时间", "en": "This coupon is not valid yet"},
    "expired": {"zh-CN": "券已过期", "en": "This coupon has expired"},
    "used_up": {"zh-CN": "券已用完", "en": "This coupon has been used up"},
    "not_accepted_here": {"zh-CN": "本店不接受这张券", "en": "This coupon is not accepted here"},
    "below_minimum_spend": {"zh-CN": "未达到最低消费 {min_spend}", "en": "Minimum spend is {min_spend}"},
    "stock_exhausted": {"zh-CN": "券已领完", "en": "No coupons of this kind are left"},
    "template_paused": {"zh-CN": "该券已停发", "en": "This coupon is no longer handed out"},
    "member_limit_reached": {"zh-CN": "每人限领 {limit} 张", "en": "At most {limit} per member"},
    "offer_not_claimable": {"zh-CN": "这项优惠不能在线领取", "en": "This offer cannot be taken online"},
    "self_referral": {"zh-CN": "不能推荐自己", "en": "You cannot refer yourself"},
    "coupon_not_found": {"zh-CN": "券码无效", "en": "Unknown coupon code"},
    "claim_link_inactive": {"zh-CN": "领券链接已失效", "en": "This claim link is no longer active"},
    "consent_required": {"zh-CN": "请先同意会员条款", "en": "Please accept the membership terms first"},
    "otp_required": {
        "zh-CN": "请先获取短信验证码,并与手机号一起提交",
        "en": "Request a one-time code first and send it with the phone",
    },
    "staff_cannot_claim": {
        "zh-CN": "店员账号不能代顾客领券:请顾客用自己的手机号和验证码领取,或在前台发券",
        "en": "A staff login cannot claim for a customer: the customer claims with their own phone and code, "
              "or the counter issues the coupon",
    },
    "wrong_alliance_card": {"zh-CN": "你的联盟卡不属于该联盟", "en": "Your alliance card is of another alliance"},
    "not_your_phone": {
        "zh-CN": "手机号与当前登录的联盟卡不一致", "en": "This phone is not the one of the card you are logged in with",
    },
    "not_a_benefit": {"zh-CN": "该权益不适用于此会员", "en": "This benefit does not apply to this member"},
    "order_already_attached": {"zh-CN": "该核销已关联订单", "en": "An order is already attached to this redemption"},
    "template_locked": {
        "zh-CN": "券发布后不能修改「{what}」:持券会员按领取时的条件使用。如需调整,请暂停此券并发布新券",
        "en": "'{what}' cannot change once a coupon is published: members use it on the terms they got. To change "
              "it, pause this coupon and publish a new one"},
    "template_stock_below_issued": {
        "zh-CN": "库存不能少于已发出的 {issued} 张", "en": "The stock cannot be less than the {issued} already issued"},
    "template_window": {"zh-CN": "结束时间须晚于开始时间", "en": "The end must be after the start"},
    "template_stores_not_selected": {
        "zh-CN": "只有使用范围为「指定商户/门店」的券可以修改适用门店",
        "en": "Only a coupon accepted at selected merchants or stores has stores to change"},
    "template_store_removed": {
        "zh-CN": "已发出 {issued} 张券,不能取消适用门店(持券会员可能正要去那里使用);可以增加门店",
        "en": "{issued} coupons are out: a store cannot be taken off (holders may be on their way there); stores "
              "may be added"},
    "template_stores_empty": {
        "zh-CN": "请至少保留一家适用门店", "en": "Keep at least one store where it is accepted"},
    "invalid_template": {"zh-CN": "券设置有误：{reason}", "en": "Invalid coupon settings: {reason}"},
    # joint cards (联合储值卡)
    "invalid_joint_product": {
        "zh-CN": "联合卡设置有误:价格与各项标价须大于零,过期归属方须是参与商户",
        "en": "Invalid joint card: prices and list values must be positive; the expiry party must take part"},
    "joint_product_paused": {"zh-CN": "该联合卡已停售", "en": "This joint card is no longer sold"},
    "joint_card_not_in_product": {
        "zh-CN": "本商户未参与该联合卡", "en": "This merchant does not take part in the joint card"},
    "joint_card_other_merchant": {
        "zh-CN": "该项目属于其他商户,只能在该商户核销",
        "en": "This component belongs to another merchant; use it there"},
    "joint_card_used_up": {"zh-CN": "该项目剩余次数不足", "en": "Not enough units of this component are left"},
    "joint_card_closed": {
        "zh-CN": "联合卡已失效(状态:{status})", "en": "The joint card is no longer usable ({status})"},
    "nothing_to_refund": {
        "zh-CN": "联合卡已全部使用,没有可退金额", "en": "The joint card is fully used; nothing to refund"},
    "campaign_status": {
        "zh-CN": "活动当前状态为「{status}」,不能执行此操作", "en": "The campaign is '{status}'; not allowed now"},
    "campaign_transition": {
        "zh-CN": "活动状态不能从「{status}」变为「{target}」",
        "en": "A campaign cannot go from '{status}' to '{target}'"},
    "campaign_no_merchants": {"zh-CN": "请先添加参与商户", "en": "Add participating merchants first"},
    "campaign_not_participant": {
        "zh-CN": "该商户未参与此活动", "en": "The merchant does not take part in this campaign"},
    "campaign_registered": {"zh-CN": "该会员已报名此活动", "en": "The member is already registered for this campaign"},
    "campaign_not_registered": {"zh-CN": "该会员未报名此活动", "en": "The member is not registered for this campaign"},
    "campaign_checked_in": {"zh-CN": "该会员已签到", "en": "The member has already checked in"},
    "campaign_package_claimed": {"zh-CN": "该会员已领取此礼包", "en": "The member has already received this package"},
    "bad_period": {
        "zh-CN": "结算期间「{period}」无效:应为月份如 2026-10、ISO 周如 2026-W44,或季度如 2026-Q4",
        "en": "Invalid settlement period '{period}': use a month like 2026-10, an ISO week like 2026-W44 or a "
              "quarter like 2026-Q4"},
    "period_open": {
        "zh-CN": "结算期间 {period} 尚未结束(结束 10 分钟后才可结算)",
        "en": "The period {period} has not ended yet (it can be settled 10 minutes after it ends)"},
    "period_settled": {"zh-CN": "结算期间 {period} 已结算,未做任何更改",
                       "en": "The period {period} is already settled; nothing was changed"},
    "period_out_of_order": {
        "zh-CN": "已结算更晚的期间 {latest},不能再结算 {period}(其间的迟到款项已计入后续期间)",
        "en": "A later period ({latest}) is already settled; {period} cannot be settled now (late items went to the "
              "later period)"},
    "statement_transition": {
        "zh-CN": "对账单当前状态为「{status}」,不能执行「{action}」",
        "en": "The statement is '{status}'; '{action}' is not possible now"},
    "statement_side": {"zh-CN": "只有联盟总部可以执行「{action}」",
                       "en": "Only the operator may '{action}' a statement"},
    "candidate_self": {"zh-CN": "不能把自己列为候选伙伴", "en": "A merchant cannot be its own candidate"},
    # verification (验真)
    "verification_decided": {"zh-CN": "该主体已有验真结论,请先更新资料",
                             "en": "This one is already decided; new details reopen it"},
    "verification_needs_code": {"zh-CN": "没有统一社会信用代码,无法人工验真",
                                "en": "Without a unified social credit code it cannot be verified"},
    "verification_reason_required": {"zh-CN": "驳回须填写原因", "en": "A rejection needs a reason"},
    "statement_line_unknown": {"zh-CN": "对账单中没有第 {line_id} 行", "en": "The statement has no line {line_id}"},
    # recruiting (招募)
    "offer_partner_not_agreed": {"zh-CN": "只能推送与本商户有生效合作协议的伙伴的券模板",
                                 "en": "Choose a coupon template of a partner with an active agreement with you"},
    "offer_audience_no_consent": {"zh-CN": "该人群中没有同意接收营销信息的会员,无法推送",
                                  "en": "Nobody in this audience has consented to marketing messages: nothing "
                                        "can be sent"},
    "offer_holdout_range": {"zh-CN": "对照组比例须在 0–50% 之间", "en": "The holdout must be between 0 and 50%"},
    "offer_closed": {"zh-CN": "该推荐已结束或已取消", "en": "This offer has already finished or been cancelled"},
    "dedup_alliance_required": {"zh-CN": "请指定联盟(alliance_id)", "en": "Name the alliance (alliance_id)"},
    "dedup_decided": {"zh-CN": "该重复候选已处理", "en": "This duplicate candidate has already been decided"},
    "dedup_survivor": {"zh-CN": "保留的记录必须是这一对中的一条", "en": "The record kept must be one of the pair"},
    "dedup_merge_members_only": {"zh-CN": "商户与门店只能由盟主合并",
                                 "en": "Merchants and stores are merged by the operator only"},
    "dedup_thresholds": {"zh-CN": "阈值须满足 0 < 待审 ≤ 自动合并 ≤ 1",
                         "en": "Thresholds must satisfy 0 < review ≤ automatic merge ≤ 1"},
    "tags_alliance_required": {"zh-CN": "请指定联盟(alliance_id)", "en": "Name the alliance (alliance_id)"},
    "tag_unknown": {"zh-CN": "没有这个可用的标签", "en": "No such tag available"},
    "tag_not_declarable": {"zh-CN": "只有兴趣标签可由会员自选", "en": "Only interests can be chosen by members"},
    "member_tag_exists": {"zh-CN": "本店已给该会员添加过这个标签", "en": "Your merchant already tagged this member so"},
    "member_tag_not_staff": {
        "zh-CN": "只能删除本店店员添加的标签(规则标签随数据更新,自选标签由会员本人管理)",
        "en": "Only tags your staff added can be removed (rule tags follow the data; members manage their own)",
    },
    "join_link_inactive": {"zh-CN": "招募链接已失效", "en": "This join link is no longer active"},
    "recruit_kind_not_invited": {"zh-CN": "此招募链接不接受这类申请", "en": "This join link does not invite this kind "
                                 "of applicant"},
    "recruit_needs_host": {"zh-CN": "推广员需通过商户的招募链接申请",
                           "en": "Promoters apply through a merchant's join link"},
    "recruit_already_applied": {"zh-CN": "该手机号已有待审核或已通过的申请",
                                "en": "This phone already has a pending or approved application"},
    "recruit_self_approval": {"zh-CN": "不能审核自己的申请", "en": "You cannot decide your own application"},
    "recruit_own_recruit": {"zh-CN": "不能审核自己招募的申请,请由其他管理员或盟主审核",
                            "en": "You cannot decide an application you recruited; another admin or the operator must"},
    "recruit_already_decided": {"zh-CN": "该申请已审核", "en": "This application has already been decided"},
    "recruit_reason_required": {"zh-CN": "拒绝申请须填写原因", "en": "A rejection needs a reason"},
    "recruit_bounty_range": {"zh-CN": "招募奖励须在 ¥0 至 ¥10,000.00 之间",
                             "en": "The recruit bounty must be between ¥0 and ¥10,000.00"},
    # ownership (归属) and the pool (客户池)
    "ownership_no_staff": {"zh-CN": "请至少选择一名员工", "en": "Choose at least one staff member"},
    "ownership_staff_repeated": {"zh-CN": "员工重复选择", "en": "A staff member is chosen twice"},
    "ownership_bulk_too_large": {"zh-CN": "一次最多分配 {limit} 名会员",
                                 "en": "At most {limit} members per assignment"},
    "ownership_claim_limit": {"zh-CN": "今日认领已达上限(每天 {limit} 名)",
                              "en": "Daily claim limit reached ({limit} a day)"},
    "ownership_claim_limit_range": {"zh-CN": "每日认领上限须在 1 至 {limit} 之间",
                                    "en": "The daily claim limit must be between 1 and {limit}"},
    "ownership_idle_days_range": {"zh-CN": "未服务退回天数须在 1 至 {limit} 之间",
                                  "en": "The idle days must be between 1 and {limit}"},
    "ownership_store_required": {"zh-CN": "按门店分配须选择门店", "en": "Choose the store to assign by"},
    "ownership_classes_required": {"zh-CN": "按价值分层分配须选择分层", "en": "Choose the value classes to assign"},
    "ownership_staff_inactive": {"zh-CN": "该员工已停用", "en": "This staff member is deactivated"},
    "ownership_already_owned": {"zh-CN": "该会员已被其他员工认领", "en": "Another staff member owns this member"},
    "ownership_already_yours": {"zh-CN": "该会员已归属于您", "en": "This member is yours already"},
    "ownership_successor_self": {"zh-CN": "接手人不能是离职员工本人",
                                 "en": "The successor cannot be the leaving staff member"},
    "password_too_short": {"zh-CN": "密码至少 8 位", "en": "The password needs at least 8 characters"},
    "audience_unknown_tag": {"zh-CN": "联盟标签体系中没有这些标签:{tags}",
                             "en": "No such tag in the alliance's taxonomy: {tags}"},
    "audience_foreign_store": {"zh-CN": "这些门店不是本商户的:{stores}",
                               "en": "These stores are not your merchant's: {stores}"},
    "audience_archived": {"zh-CN": "该人群已归档,不能再修改",
                          "en": "This audience is archived and can no longer be changed"},
    "segment_no_agreement": {
        "zh-CN": "与该商户没有生效中的合作协议,不能共享人群报告",
        "en": "There is no active agreement with this merchant, so no segment report can be shared with it",
    },
    "segment_self": {"zh-CN": "不能把人群报告共享给自己", "en": "A segment report cannot be shared with yourself"},
    "segment_withdrawn": {"zh-CN": "该共享已撤回", "en": "This share has already been withdrawn"},
    "segment_source": {
        "zh-CN": "请选择一个已保存的人群或填写规则(二选一)",
        "en": "Give either a saved audience or rules (one of the two)",
    },
    "overlap_candidate_in_alliance": {
        "zh-CN": "该候选伙伴已是联盟商户:联盟内的重合度直接按会员统计,无需上传",
        "en": "This candidate is already an alliance merchant: its overlap is counted from memberships, no upload",
    },
    "overlap_budget_spent": {
        "zh-CN": "该潜在伙伴的 {budget} 次重合度计算已用完,不能再计算(防止差分攻击)",
        "en": "This prospect's {budget} overlap computations are used up; no more can be run (it stops differencing)",
    },
    "overlap_invitation_expired": {
        "zh-CN": "该邀请已过期,请联系邀请方重新发出邀请(新邀请有新的盐值)",
        "en": "This invitation has expired; ask for a new one (it comes with a new salt)",
    },
    "overlap_upload_malformed": {
        "zh-CN": "文件有 {count} 处问题,未保存任何内容;请按行修正后重新上传",
        "en": "The file has {count} problem(s) and nothing was stored; fix the lines listed and upload again",
    },
    "overlap_upload_below_k": {
        "zh-CN": "只有 {count} 个不同的哈希值,少于 {k} 个:这样的名单可能识别出个人,拒绝计算",
        "en": "Only {count} distinct hashes, fewer than {k}: such a list could single people out, so it is refused",
    },
    "overlap_upload_too_small": {
        "zh-CN": "只有 {count} 个不同的哈希值,至少需要 {minimum} 个才计算重合度",
        "en": "Only {count} distinct hashes; an overlap is computed for {minimum} or more",
    },
    "targeting_results_no_offer": {"zh-CN": "请至少选择一个定向推荐", "en": "Choose at least one targeted offer"},
    "targeting_results_too_many": {"zh-CN": "最多合并查看 {limit} 个定向推荐",
                                   "en": "At most {limit} targeted offers can be shown together"},
}

WORDS: dict[str, dict[str, str]] = {
    "alliance": {"zh-CN": "联盟", "en": "Alliance"},
    "dedup_candidate": {"zh-CN": "重复候选", "en": "Duplicate candidate"},
    "merchant": {"zh-CN": "商户", "en": "Merchant"},
    "store": {"zh-CN": "门店", "en": "Store"},
    "staff": {"zh-CN": "员工", "en": "Staff member"},
    "member": {"zh-CN": "会员", "en": "Member"},
    "place_merge": {"zh-CN": "合并记录", "en": "Merge"},
    "prospect": {"zh-CN": "潜在伙伴", "en": "prospect"},
    "staff.store_id": {"zh-CN": "门店的员工", "en": "staff working at the store"},
    "members.origin_store_id": {"zh-CN": "由该门店带来的会员", "en": "members brought in by the store"},
    "coupon_claim_links.store_id": {"zh-CN": "门店的领券链接", "en": "claim links of the store"},
    "partner_candidate_stores.candidate_id": {"zh-CN": "潜在伙伴的门店", "en": "prospect's stores"},
    "partner_mystery_visits.candidate_id": {"zh-CN": "神秘顾客到访记录", "en": "mystery-shopper visits"},
    "partner_sincerity_answers.candidate_id": {"zh-CN": "诚意测试回答", "en": "sincerity answers"},
    "prospect_invitations.candidate_id": {"zh-CN": "客户重合度邀请", "en": "overlap invitations"},
    "prospect_computations.candidate_id": {"zh-CN": "客户重合度计算", "en": "overlap computations"},
    "recruit_applications.candidate_id": {"zh-CN": "招商申请", "en": "recruiting applications"},
    "stores.merchant_id": {"zh-CN": "商户的门店", "en": "merchant's stores"},
    "staff.merchant_id": {"zh-CN": "商户的员工", "en": "merchant's staff"},
    "users.merchant_id": {"zh-CN": "员工账号", "en": "staff logins"},
    "memberships.merchant_id": {"zh-CN": "商户会员资格", "en": "memberships"},
    "member_owners.merchant_id": {"zh-CN": "会员归属导购", "en": "member owners"},
    "members.origin_merchant_id": {"zh-CN": "由该商户带来的会员", "en": "members brought in by the merchant"},
    "coupon_templates.owner_merchant_id": {"zh-CN": "商户的券模板", "en": "merchant's coupon templates"},
    "coupon_templates.funded_by_merchant_id": {"zh-CN": "由其出资的券模板", "en": "coupon templates it funds"},
    "coupon_claim_links.merchant_id": {"zh-CN": "商户的领券链接", "en": "merchant's claim links"},
    "partner_candidates.merchant_id": {"zh-CN": "候选名单中的该商户", "en": "candidate entries naming it"},
    "partner_candidates.owner_merchant_id": {"zh-CN": "其候选伙伴名单", "en": "its candidate list"},
    "coupon_templates.accepted_store_ids": {"zh-CN": "券模板的适用门店", "en": "coupon templates' accepted stores"},
    "coupon_templates.accepted_merchant_ids": {"zh-CN": "券模板的适用商户",
                                               "en": "coupon templates' accepted merchants"},
    "member_merge": {"zh-CN": "会员合并记录", "en": "Member merge"},
    "points": {"zh-CN": "联盟积分", "en": "alliance points"},
    "points_debt": {"zh-CN": "积分欠额", "en": "points owed"},
    "stored_value": {"zh-CN": "储值余额", "en": "stored value"},
    "audience": {"zh-CN": "人群", "en": "Audience"},
    "segment_share": {"zh-CN": "人群报告共享", "en": "Segment share"},
    "membership": {"zh-CN": "商户会员资格", "en": "Membership"},
    "agreement": {"zh-CN": "合作协议", "en": "Agreement"},
    "term.kind": {"zh-CN": "计佣方式", "en": "Kind"},
    "term.hub": {"zh-CN": "枢纽", "en": "Hub"},
    "term.hub_merchant_id": {"zh-CN": "枢纽商户", "en": "Hub merchant"},
    "term.amount_fen": {"zh-CN": "金额", "en": "Amount"},
    "term.rate_bp": {"zh-CN": "比例", "en": "Rate"},
    "term.staff_amount_fen": {"zh-CN": "导购另得金额", "en": "Staff amount"},
    "term.payee": {"zh-CN": "佣金收取方", "en": "Payee"},
    "term.payer": {"zh-CN": "佣金支付方", "en": "Payer"},
    "term.first_order_only": {"zh-CN": "仅首单", "en": "First order only"},
    "term.cap_per_member_month_fen": {"zh-CN": "每位会员每月上限", "en": "Cap per member and month"},
    "term.operator_rate_bp": {"zh-CN": "盟主抽成比例", "en": "Operator rate"},
    "user": {"zh-CN": "账号", "en": "User"},
    "api_key": {"zh-CN": "API 密钥", "en": "API key"},
    "card": {"zh-CN": "联盟卡", "en": "Alliance card"},
    "order": {"zh-CN": "订单", "en": "Order"},
    "withdrawal": {"zh-CN": "提现申请", "en": "Withdrawal"},
    "payout_account": {"zh-CN": "收款账户", "en": "Payout account"},
    "account": {"zh-CN": "账户", "en": "Account"},
    "feedback": {"zh-CN": "评价", "en": "Feedback"},
    "coupon": {"zh-CN": "优惠券", "en": "Coupon"},
    "coupon_template": {"zh-CN": "券模板", "en": "Coupon template"},
    "coupon.kind": {"zh-CN": "券类型", "en": "kind"},
    "coupon.amount_fen": {"zh-CN": "优惠金额", "en": "amount"},
    "coupon.percent_bp": {"zh-CN": "折扣比例", "en": "percent off"},
    "coupon.cap_fen": {"zh-CN": "折扣上限", "en": "discount cap"},
    "coupon.item_name": {"zh-CN": "赠品名称", "en": "free item"},
    "coupon.item_value_fen": {"zh-CN": "赠品价值", "en": "item value"},
    "coupon.min_spend_fen": {"zh-CN": "最低消费", "en": "minimum spend"},
    "coupon.per_member_limit": {"zh-CN": "每人限领", "en": "per-member limit"},
    "coupon.uses_per_coupon": {"zh-CN": "每张可用次数", "en": "uses per coupon"},
    "coupon.acceptance": {"zh-CN": "使用范围", "en": "where it is accepted"},
    "coupon.accepted_merchant_ids": {"zh-CN": "适用商户", "en": "accepted merchants"},
    "coupon.funded_by_merchant_id": {"zh-CN": "出资方", "en": "who pays for it"},
    "coupon.owner_merchant_id": {"zh-CN": "发券商户", "en": "issuing merchant"},
    "coupon.agreement_id": {"zh-CN": "所属协议", "en": "agreement"},
    "redemption": {"zh-CN": "核销记录", "en": "Redemption"},
    "claim_link": {"zh-CN": "领券链接", "en": "Claim link"},
    "joint_card_product": {"zh-CN": "联合卡", "en": "Joint card product"},
    "joint_card": {"zh-CN": "联合储值卡", "en": "Joint card"},
    "joint_card_component": {"zh-CN": "联合卡项目", "en": "Joint card component"},
    "campaign": {"zh-CN": "联合营销活动", "en": "Campaign"},
    "campaign_merchant": {"zh-CN": "参与商户", "en": "Participating merchant"},
    "statement": {"zh-CN": "对账单", "en": "Statement"},
    "statement_line": {"zh-CN": "对账单明细行", "en": "Statement line"},
    "settlement_run": {"zh-CN": "结算批次", "en": "Settlement run"},
    "campaign_registration": {"zh-CN": "活动报名", "en": "Campaign registration"},
    "gift_package": {"zh-CN": "礼包", "en": "Gift package"},
    "candidate": {"zh-CN": "候选伙伴", "en": "Candidate"},
    "join_link": {"zh-CN": "招募链接", "en": "Join link"},
    "member_owner": {"zh-CN": "会员归属", "en": "Member owner"},
    "tag": {"zh-CN": "标签", "en": "Tag"},
    "member_tag": {"zh-CN": "会员标签", "en": "Member tag"},
    "recruit_application": {"zh-CN": "招募申请", "en": "Application"},
    "welcome_link": {"zh-CN": "设置密码链接", "en": "Set-password link"},
    "invitation": {"zh-CN": "重合度邀请", "en": "Overlap invitation"},
    "targeted_offer": {"zh-CN": "定向推荐", "en": "Targeted offer"},
    "offer_page": {"zh-CN": "推荐优惠", "en": "Offer"},
    "notification": {"zh-CN": "通知", "en": "Notification"},
}


def pick_language(accept_language: str | None) -> str:
    """Best of zh-CN / en for an Accept-Language header; zh-CN when nothing matches."""
    if not accept_language:
        return LANGUAGES[0]
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        tag = tag.lower()
        if tag.startswith("zh"):
            choices.append((weight, -index, "zh-CN"))
        elif tag.startswith("en"):
            choices.append((weight, -index, "en"))
    choices = [c for c in choices if c[0] > 0]
    return max(choices)[2] if choices else LANGUAGES[0]


def count(n: int, lang: str, zh: str, one: str, other: str | None = None) -> str:
    """A number with what it counts: Chinese with its measure word ("1 位会员", "3 张对账单"), English singular for
    exactly one and plural otherwise (CLDR's English rule: "1 member", "0 members", "3 members")."""
    number = f"{n:,}"
    if lang == "en":
        return f"{number} {one if n == 1 else (other or one + 's')}"
    return f"{number} {zh}"


def word(key: str, lang: str) -> str:
    return WORDS.get(key, {}).get(lang, key)


def translate(code: str, lang: str, **params: Any) -> str:
    if lang not in LANGUAGES:
        lang = LANGUAGES[0]
    if code not in MESSAGES:  # a bug, not the user's: said in the log, the user still gets a message in words
        log.error("no message for error code %r; answering with validation_error", code)
    template = MESSAGES.get(code, MESSAGES["validation_error"])[lang]
    if "what" in params:
        params["what"] = word(str(params["what"]), lang)
    try:
        return template.format_map(_Blank(params)).strip()
    except (IndexError, ValueError):
        return template


class _Blank(dict[str, Any]):
    """Missing placeholders render empty instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""
