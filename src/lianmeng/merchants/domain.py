"""Pure rules about merchants, stores and staff."""

from __future__ import annotations

import re
from enum import StrEnum


class Industry(StrEnum):
    AUTO_SERVICE = "auto_service"
    FITNESS = "fitness"
    EARLY_EDUCATION = "early_education"
    DINING = "dining"
    RETAIL_MALL = "retail_mall"
    TRAVEL = "travel"
    FINANCE = "finance"
    BEAUTY = "beauty"
    HOME = "home"
    CAR_WASH = "car_wash"
    HEALTH = "health"
    ENTERTAINMENT = "entertainment"
    OTHER = "other"


INDUSTRY_LABELS: dict[Industry, tuple[str, str]] = {
    Industry.AUTO_SERVICE: ("汽车服务", "Auto service"),
    Industry.FITNESS: ("健身", "Fitness"),
    Industry.EARLY_EDUCATION: ("亲子早教", "Early education"),
    Industry.DINING: ("餐饮", "Dining"),
    Industry.RETAIL_MALL: ("商场零售", "Retail / mall"),
    Industry.TRAVEL: ("户外旅游", "Outdoor / travel"),
    Industry.FINANCE: ("金融", "Finance"),
    Industry.BEAUTY: ("美容美业", "Beauty"),
    Industry.HOME: ("家居", "Home"),
    Industry.CAR_WASH: ("洗车美容", "Car wash / detailing"),
    Industry.HEALTH: ("医疗健康", "Health"),
    Industry.ENTERTAINMENT: ("休闲娱乐", "Entertainment"),
    Industry.OTHER: ("其他", "Other"),
}


class MerchantStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class StaffRole(StrEnum):
    MANAGER = "manager"
    SHOPPING_GUIDE = "shopping_guide"
    CASHIER = "cashier"
    TECHNICIAN = "technician"
    PROMOTER = "promoter"  # an independent promoter recruited through a join link (recruiting)


STAFF_ROLE_LABELS: dict[StaffRole, tuple[str, str]] = {
    StaffRole.MANAGER: ("店长", "Store manager"),
    StaffRole.SHOPPING_GUIDE: ("导购", "Shopping guide (SA)"),
    StaffRole.CASHIER: ("收银", "Cashier"),
    StaffRole.TECHNICIAN: ("技师", "Technician"),
    StaffRole.PROMOTER: ("推广员", "Promoter"),
}

_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d|24:00"
_HOURS = re.compile(rf"^(?:{_TIME})-(?:{_TIME})$")


def valid_opening_hours(text: str) -> bool:
    """'09:00-21:00' or several ranges separated by commas ('10:00-14:00,17:00-22:00').

    A range may cross midnight ('18:00-02:00') for late-night dining."""
    parts = [p.strip() for p in text.split(",")]
    return bool(parts) and all(_HOURS.match(p) for p in parts)


def valid_brand_tags(tags: list[str]) -> bool:
    return len(tags) <= 20 and all(0 < len(t) <= 30 for t in tags)
