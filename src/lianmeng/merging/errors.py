"""The error codes the merging capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    MERGE_REASON_REQUIRED = (
        "merge_reason_required",
        "请填写合并或撤销的原因",
        "Give the reason for the merge or its undo",
    )
    MERGE_SAME_MEMBER = "merge_same_member", "不能将会员与其自身合并", "A member cannot be merged with itself"
    MERGE_OTHER_ALLIANCE = (
        "merge_other_alliance",
        "两位会员不在同一联盟,不能合并",
        "The two members belong to different alliances and cannot be merged",
    )
    MERGE_INTO_TOMBSTONE = (
        "merge_into_tombstone",
        "保留的会员已被合并到其他会员,请选择其合并后的会员",
        "The member to keep has itself been merged; merge into the member it became",
    )
    MERGE_ALREADY_MERGED = (
        "merge_already_merged",
        "该会员已被合并过",
        "This member has already been merged into another",
    )
    MERGE_NEGATIVE_BALANCE = (
        "merge_negative_balance",
        "合并会使余额为负({what}),未做任何变更",
        "The merge would make a balance negative ({what}); nothing was moved",
    )
    MERGE_SAME_PLACE = (
        "merge_same_place",
        "不能将门店、候选伙伴或商户与其自身合并",
        "A place cannot be merged with itself",
    )
    MERGE_PLACE_OTHER_ALLIANCE = (
        "merge_place_other_alliance",
        "两者不在同一联盟,不能合并",
        "The two belong to different alliances and cannot be merged",
    )
    MERGE_INTO_MERGED_PLACE = (
        "merge_into_merged_place",
        "保留的一方已被合并到其他记录,请选择其合并后的记录",
        "The one to keep has itself been merged; merge into the record it became",
    )
    MERGE_PLACE_ALREADY_MERGED = (
        "merge_place_already_merged",
        "要并入的一方已被合并过",
        "The one to merge in has already been merged",
    )
    MERGE_STORES_OTHER_MERCHANT = (
        "merge_stores_other_merchant",
        "只能合并同一商户的两家门店",
        "Only two stores of the same merchant can be merged",
    )
    MERGE_NOT_PROSPECT = (
        "merge_not_prospect",
        "只能合并联盟外的潜在伙伴;已是联盟商户的请合并商户",
        "Only prospects outside the alliance are merged here; merge alliance merchants as merchants",
    )
    MERGE_PROSPECTS_OTHER_KEEPER = (
        "merge_prospects_other_keeper",
        "只能合并同一份候选名单中的两个潜在伙伴",
        "Only two prospects on the same candidate list can be merged",
    )
    MERGE_MERCHANT_BLOCKED = (
        "merge_merchant_blocked",
        "该商户已有业务记录,不能被合并:账目分录 {entries} 条,生效或待生效的协议 {agreements}",
        "This merchant has business on record and cannot be merged in: {entries} ledger entries, agreements in force "
        "or pending: {agreements}",
    )
    UNMERGE_PLACE_SURVIVOR_MERGED = (
        "unmerge_place_survivor_merged",
        "保留的一方此后已被合并到其他记录,请先撤销那次合并",
        "The one kept has since been merged into another; undo that merge first",
    )
    UNMERGE_PLACE_CHANGED = (
        "unmerge_place_changed",
        "合并后「{what}」已有 {missing} 条变动,撤销无法精确还原,未做任何变更",
        "Since the merge, {missing} of the {what} changed; an undo could not restore exactly what moved, nothing was "
        "changed",
    )
    UNMERGE_ALREADY_UNDONE = "unmerge_already_undone", "该合并已撤销", "This merge has already been undone"
    UNMERGE_WINDOW_CLOSED = (
        "unmerge_window_closed",
        "合并已超过 {days} 天,不能撤销",
        "The merge is more than {days} days old and can no longer be undone",
    )
    UNMERGE_SURVIVOR_MERGED = (
        "unmerge_survivor_merged",
        "保留的会员之后又被合并到其他会员,请先撤销那次合并",
        "The kept member has since been merged into another; undo that merge first",
    )
    UNMERGE_SPENT = (
        "unmerge_spent",
        "合并转入的{what}已被使用(差 {missing}),撤销会使余额为负,未做任何变更",
        "The {what} moved by the merge have since been used (short by {missing}); undoing would make the balance "
        "negative, so nothing was changed",
    )
    UNMERGE_REPAID = (
        "unmerge_repaid",
        "合并转入的{what}已被偿还({missing}),撤销会使保留的会员凭空多出积分,未做任何变更",
        "The {what} moved by the merge have since been repaid ({missing}); undoing would credit the kept member with "
        "points nobody gave it, so nothing was changed",
    )
    UNMERGE_COUPON_USED = (
        "unmerge_coupon_used",
        "合并转入的优惠券已被使用,不能撤销",
        "A coupon moved by the merge has since been used; the merge cannot be undone",
    )
