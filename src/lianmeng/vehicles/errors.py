"""The error codes the vehicles capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    INVALID_VIN = (
        "invalid_vin",
        "车架号(VIN)不正确:应为 17 位,不含 I、O、Q,且第 9 位校验码须正确",
        "Invalid VIN: 17 characters, no I, O or Q, with a correct check digit in position 9",
    )
    VEHICLE_REQUIRED = "vehicle_required", "请填写车牌号或车架号", "Give a plate number or a VIN"
    INVALID_PLATE = (
        "invalid_plate",
        "车牌号格式不正确(如 粤B12345,新能源 粤BD12345)",
        "Invalid plate number (e.g. 粤B12345, or 粤BD12345 for a new-energy car)",
    )
    VEHICLE_EXISTS = "vehicle_exists", "该会员已登记此车辆", "This vehicle is already recorded for this member"
