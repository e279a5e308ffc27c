"""Pure rules about merchants, stores and staff."""

from __future__ import annotations

import re

from lianmeng.kit.vocab import LabelledEnum, pairs


class Industry(LabelledEnum):
    AUTO_SERVICE = "auto_service", "汽车服务", "Auto service"
    FITNESS = "fitness", "健身", "Fitness"
    EARLY_EDUCATION = "early_education", "亲子早教", "Early education"
    DINING = "dining", "餐饮", "Dining"
    RETAIL_MALL = "retail_mall", "商场零售", "Retail / mall"
    TRAVEL = "travel", "户外旅游", "Outdoor / travel"
    FINANCE = "finance", "金融", "Finance"
    BEAUTY = "beauty", "美容美业", "Beauty"
    HOME = "home", "家居", "Home"
    CAR_WASH = "car_wash", "洗车美容", "Car wash / detailing"
    HEALTH = "health", "医疗健康", "Health"
    ENTERTAINMENT = "entertainment", "休闲娱乐", "Entertainment"
    OTHER = "other", "其他", "Other"


INDUSTRY_LABELS: dict[Industry, tuple[str, str]] = pairs(Industry)


class MerchantStatus(LabelledEnum):
    ACTIVE = "active", "营业中", "Active"
    SUSPENDED = "suspended", "已暂停", "Suspended"


class StaffRole(LabelledEnum):
    MANAGER = "manager", "店长", "Store manager"
    SHOPPING_GUIDE = "shopping_guide", "导购", "Shopping guide (SA)"
    CASHIER = "cashier", "收银", "Cashier"
    TECHNICIAN = "technician", "技师", "Technician"
    PROMOTER = "promoter", "推广员", "Promoter"  # an independent promoter recruited through a join link (recruiting)


STAFF_ROLE_LABELS: dict[StaffRole, tuple[str, str]] = pairs(StaffRole)

_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d|24:00"
_HOURS = re.compile(rf"^(?:{_TIME})-(?:{_TIME})$")


def valid_opening_hours(text: str) -> bool:
    """'09:00-21:00' or several ranges separated by commas ('10:00-14:00,17:00-22:00').

    A range may cross midnight ('18:00-02:00') for late-night dining."""
    parts = [p.strip() for p in text.split(",")]
    return bool(parts) and all(_HOURS.match(p) for p in parts)


def valid_brand_tags(tags: list[str]) -> bool:
    return len(tags) <= 20 and all(0 < len(t) <= 30 for t in tags)
