"""The static catalogue of the demo alliance, after seed 000: a Tesla service centre in Shenzhen and its 12 partners.

Brands other than Tesla are invented. Coordinates are plausible points in Futian, Nanshan and Luohu, all within
15 km of the centre. Member counts are at scale 1; seed 000 §3 gives 800 at the centre and 6,000 across the gyms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from lianmeng.agreements.domain import AgreementAction, CooperationMode
from lianmeng.coupons.domain import CouponKind
from lianmeng.members.domain import Tier
from lianmeng.merchants.domain import Industry, StaffRole

A = AgreementAction
M = CooperationMode

# Every demo timestamp is this anchor minus a seeded offset, so the same seed loads the same history.
ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
PASSWORD = "lianmeng-demo"
MAX_DISTANCE_KM = 15


@dataclass(frozen=True)
class AllianceSpec:
    code: str
    name: str
    city: str
    description: str


@dataclass(frozen=True)
class StoreSpec:
    name: str
    address: str
    district: str
    latitude: float
    longitude: float
    opening_hours: str = "09:00-21:00"


@dataclass(frozen=True)
class MerchantSpec:
    key: str  # slug for the demo logins: "<key>-admin", "<key>-sa"
    name: str
    industry: Industry
    brand_tags: tuple[str, ...]
    rating: float
    years_in_business: int
    contact_name: str
    description: str
    members: int  # members it brought (origin merchant) at scale 1
    female_percent: int  # share of its members who are women, among those who disclose a gender
    stores: tuple[StoreSpec, ...]


@dataclass(frozen=True)
class CrossSpec:
    """A share of the members of `origins` also hold a membership at one of `targets` (rights exchange)."""

    origins: tuple[str, ...]
    targets: tuple[str, ...]
    percent: int


@dataclass(frozen=True)
class AgreementSpec:
    title: str
    a: str | None  # proposer's merchant key; None with b None = alliance-wide (the operator's)
    b: str | None
    modes: tuple[CooperationMode, ...]
    commission_terms: tuple[dict[str, Any], ...]
    benefits: tuple[tuple[str, str], ...]  # (offered_by "a" | "b", text)
    valid_from: date
    history: tuple[AgreementAction, ...]  # after "create"; replayed through the status flow
    closing_note: str = ""  # the note on the last event
    return_window_days: int = 7
    notes: str = ""


ALLIANCE = AllianceSpec(
    code="tesla-life-sz",
    name="特斯拉生活联盟 Tesla Life",
    city="深圳",
    description=(
        "以特斯拉车公庙服务中心为核心的深圳异业联盟:健身、亲子早教、有机餐饮、商场、户外旅行、银行贵宾与美业伙伴"
        "共享车主会员,一卡通用、权益互换、联合营销。A cross-industry alliance around the Tesla service centre in "
        "Futian: members of any partner share one alliance card, benefits and joint campaigns."
    ),
)

CENTRE_KEY = "tesla"
GYM_KEYS = ("lift", "oxygen", "geekfit")

MERCHANTS: tuple[MerchantSpec, ...] = (
    MerchantSpec(
        key="tesla", name="特斯拉服务中心(深圳车公庙)", industry=Industry.AUTO_SERVICE,
        brand_tags=("高端", "科技", "环保", "新能源"), rating=4.8, years_in_business=7, contact_name="陈志远",
        description="特斯拉官方授权服务中心,提供保养、维修、钣喷与交付后服务;联盟核心,服务本地800余位车主。",
        members=800, female_percent=35,
        stores=(
            StoreSpec("特斯拉服务中心 车公庙", "深圳市福田区泰然九路28号 天安创新科技广场一期", "福田区",
                      22.5340, 114.0260, "08:30-18:30"),
        ),
    ),
    MerchantSpec(
        key="lift", name="力行健身 LIFT Fitness", industry=Industry.FITNESS,
        brand_tags=("高端", "智能", "私教"), rating=4.7, years_in_business=6, contact_name="张景行",
        description="深圳连锁精品健身房,智能器械与数据化私教课程,24小时会员服务。",
        members=2500, female_percent=45,
        stores=(
            StoreSpec("力行健身 会展中心店", "深圳市福田区福华三路88号 卓越中心B1层", "福田区",
                      22.5335, 114.0575, "06:30-23:00"),
            StoreSpec("力行健身 科技园店", "深圳市南山区科技南十二路18号 长虹科技大厦2层", "南山区",
                      22.5405, 113.9530, "06:30-23:00"),
            StoreSpec("力行健身 万象城店", "深圳市罗湖区宝安南路1881号 华润中心五楼", "罗湖区",
                      22.5385, 114.1105, "07:00-22:30"),
        ),
    ),
    MerchantSpec(
        key="oxygen", name="森氧健身 Oxygen Club", industry=Industry.FITNESS,
        brand_tags=("绿色健身", "环保", "瑜伽"), rating=4.6, years_in_business=4, contact_name="林书瑶",
        description="以自然光、新风系统和再生能源单车为特色的绿色健身会所,瑜伽与普拉提课程丰富。",
        members=2000, female_percent=60,
        stores=(
            StoreSpec("森氧健身 香蜜湖店", "深圳市福田区香蜜湖路1023号 香蜜湖1号商业街", "福田区",
                      22.5470, 114.0300, "07:00-22:30"),
            StoreSpec("森氧健身 后海店", "深圳市南山区后海滨路3388号 海德中心3层", "南山区",
                      22.5175, 113.9400, "07:00-22:30"),
        ),
    ),
    MerchantSpec(
        key="geekfit", name="极客运动实验室 GeekFit Lab", industry=Industry.FITNESS,
        brand_tags=("科技", "智能", "体测"), rating=4.5, years_in_business=3, contact_name="吴启航",
        description="体测数据驱动的训练工作室,可穿戴设备实时反馈,适合工作繁忙的专业人士。",
        members=1500, female_percent=40,
        stores=(
            StoreSpec("极客运动实验室 车公庙店", "深圳市福田区深南大道6011号 天安数码城创新大厦", "福田区",
                      22.5360, 114.0220, "07:00-23:00"),
            StoreSpec("极客运动实验室 华侨城店", "深圳市南山区侨城东路12号 创意文化园B栋", "南山区",
                      22.5395, 113.9840, "07:00-23:00"),
        ),
    ),
    MerchantSpec(
        key="oak", name="小橡树国际早教 Little Oak", industry=Industry.EARLY_EDUCATION,
        brand_tags=("高端", "双语", "国际化"), rating=4.8, years_in_business=8, contact_name="刘欣然",
        description="0-6岁双语早教与感统课程,小班教学,家长可全程陪同。",
        members=80, female_percent=75,
        stores=(
            StoreSpec("小橡树早教 福田中心店", "深圳市福田区益田路6001号 太平金融大厦裙楼3层", "福田区",
                      22.5400, 114.0560, "09:00-20:00"),
            StoreSpec("小橡树早教 海岸城店", "深圳市南山区文心五路33号 海岸城购物中心4层", "南山区",
                      22.5170, 113.9360, "09:00-20:00"),
        ),
    ),
    MerchantSpec(
        key="starlab", name="星空探索儿童科学馆 StarLab Kids", industry=Industry.EARLY_EDUCATION,
        brand_tags=("科技", "STEAM", "亲子"), rating=4.6, years_in_business=3, contact_name="赵一鸣",
        description="面向3-10岁儿童的STEAM科学探索课程:编程机器人、天文与新能源小实验。",
        members=60, female_percent=70,
        stores=(
            StoreSpec("星空探索儿童科学馆 梅林店", "深圳市福田区梅林路48号 卓悦汇购物中心3层", "福田区",
                      22.5680, 114.0500, "09:30-19:30"),
        ),
    ),
    MerchantSpec(
        key="greenfield", name="绿野有机餐厅 Green Field", industry=Industry.DINING,
        brand_tags=("有机", "环保", "健康轻食"), rating=4.7, years_in_business=5, contact_name="黄思远",
        description="有机农场直供食材的健康餐厅,低碳菜单,提供健身餐与儿童餐。",
        members=90, female_percent=60,
        stores=(
            StoreSpec("绿野有机餐厅 车公庙店", "深圳市福田区农园路61号 香蜜湖商务中心首层", "福田区",
                      22.5330, 114.0310, "11:00-14:00,17:00-22:00"),
            StoreSpec("绿野有机餐厅 科技园店", "深圳市南山区高新南七道9号 软件产业基地1栋", "南山区",
                      22.5420, 113.9490, "11:00-14:00,17:00-22:00"),
        ),
    ),
    MerchantSpec(
        key="lanting", name="澜庭·粤菜私宴 Lanting", industry=Industry.DINING,
        brand_tags=("高端", "粤菜", "商务宴请"), rating=4.5, years_in_business=10, contact_name="梁伟文",
        description="新派粤菜私宴,包间制,适合商务宴请与家庭聚会。",
        members=50, female_percent=45,
        stores=(
            StoreSpec("澜庭粤菜私宴 华侨城店", "深圳市南山区深南大道9009号 华侨城洲际大酒店旁", "南山区",
                      22.5380, 113.9870, "11:00-14:30,17:30-22:00"),
        ),
    ),
    MerchantSpec(
        key="bayhub", name="湾汇购物艺术中心 Bay Hub", industry=Industry.RETAIL_MALL,
        brand_tags=("高端", "艺术", "潮流"), rating=4.6, years_in_business=9, contact_name="周嘉怡",
        description="福田中心区购物艺术中心,设新能源车专属充电车位与会员停车礼遇。",
        members=120, female_percent=60,
        stores=(
            StoreSpec("湾汇购物艺术中心", "深圳市福田区福华路3018号", "福田区", 22.5350, 114.0600,
                      "10:00-22:00"),
        ),
    ),
    MerchantSpec(
        key="farpeaks", name="远山户外旅行俱乐部 Far Peaks", industry=Industry.TRAVEL,
        brand_tags=("户外", "自驾", "高端定制"), rating=4.4, years_in_business=6, contact_name="何远舟",
        description="自驾与徒步旅行俱乐部,新能源车自驾路线规划,川西、滇西北深度游。",
        members=40, female_percent=40,
        stores=(
            StoreSpec("远山户外 罗湖会所", "深圳市罗湖区东门中路2008号 东门商务大厦18层", "罗湖区",
                      22.5480, 114.1200, "10:00-20:00"),
        ),
    ),
    MerchantSpec(
        key="wanxin", name="湾信银行 贵宾理财中心", industry=Industry.FINANCE,
        brand_tags=("高端", "私人银行", "绿色金融"), rating=4.5, years_in_business=12, contact_name="郑晓峰",
        description="面向高净值客户的贵宾理财中心,提供新能源车贷、家庭资产配置与信用卡权益。",
        members=50, female_percent=45,
        stores=(
            StoreSpec("湾信银行 福田贵宾中心", "深圳市福田区金田路4028号 荣超经贸中心首层", "福田区",
                      22.5420, 114.0620, "09:00-17:00"),
            StoreSpec("湾信银行 罗湖国贸贵宾中心", "深圳市罗湖区人民南路3002号 国贸大厦首层", "罗湖区",
                      22.5400, 114.1180, "09:00-17:00"),
        ),
    ),
    MerchantSpec(
        key="yanstudio", name="颜究所美学沙龙 Yan Studio", industry=Industry.BEAUTY,
        brand_tags=("高端", "轻医美", "科技护肤"), rating=4.3, years_in_business=4, contact_name="苏雅琪",
        description="皮肤管理与科技护肤沙龙,预约制一对一服务。",
        members=60, female_percent=90,
        stores=(
            StoreSpec("颜究所 购物公园店", "深圳市福田区福华三路268号 星河国际3层", "福田区",
                      22.5340, 114.0550, "10:00-21:00"),
            StoreSpec("颜究所 后海店", "深圳市南山区中心路2666号 南山天虹8层", "南山区",
                      22.5190, 113.9420, "10:00-21:00"),
        ),
    ),
    MerchantSpec(
        key="puredetail", name="净界汽车美容 Pure Detail", industry=Industry.CAR_WASH,
        brand_tags=("环保", "无水洗车", "精细护理"), rating=4.6, years_in_business=5, contact_name="邓俊杰",
        description="新能源车漆面护理与节水洗车,隐形车衣、镀晶与内饰深度清洁。",
        members=70, female_percent=30,
        stores=(
            StoreSpec("净界汽车美容 车公庙店", "深圳市福田区泰然六路11号 泰然工贸园212栋首层", "福田区",
                      22.5310, 114.0240, "08:30-20:00"),
            StoreSpec("净界汽车美容 科技园店", "深圳市南山区高新北六道21号", "南山区",
                      22.5450, 113.9450, "08:30-20:00"),
        ),
    ),
)

# Seed 000 §3: of 800 centre members 15% (120) use the gyms; of 6,000 gym members 8% (480) come to the centre.
CROSS_MEMBERSHIPS: tuple[CrossSpec, ...] = (
    CrossSpec(origins=(CENTRE_KEY,), targets=GYM_KEYS, percent=15),
    CrossSpec(origins=GYM_KEYS, targets=(CENTRE_KEY,), percent=8),
    CrossSpec(origins=(CENTRE_KEY,), targets=("oak", "starlab"), percent=5),
    CrossSpec(origins=(CENTRE_KEY,), targets=("greenfield",), percent=6),
)

TIERS: tuple[tuple[str, int], ...] = ((Tier.STANDARD, 55), (Tier.SILVER, 25), (Tier.GOLD, 15), (Tier.BLACK, 5))

# Besides one manager and one shopping guide per store, staff are drawn from these roles.
STAFF_ROLES: dict[Industry, tuple[StaffRole, ...]] = {
    Industry.AUTO_SERVICE: (StaffRole.SHOPPING_GUIDE, StaffRole.TECHNICIAN, StaffRole.TECHNICIAN, StaffRole.CASHIER),
    Industry.CAR_WASH: (StaffRole.TECHNICIAN, StaffRole.TECHNICIAN, StaffRole.CASHIER),
    Industry.BEAUTY: (StaffRole.TECHNICIAN, StaffRole.SHOPPING_GUIDE, StaffRole.CASHIER),
    Industry.FITNESS: (StaffRole.SHOPPING_GUIDE, StaffRole.TECHNICIAN, StaffRole.CASHIER),
}
DEFAULT_STAFF_ROLES = (StaffRole.SHOPPING_GUIDE, StaffRole.SHOPPING_GUIDE, StaffRole.CASHIER)

OPERATOR_NAME = "周敏"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志峰晨昊轩睿哲然博文彬"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲婷雪琳晶颖倩洁慧莹蕾薇璐佳欣怡悦瑶萱涵琪妍雅诗梦婉清岚菲"

PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "158", "159", "177", "180", "181", "185", "186", "187", "188", "189", "199",
)

# Seed 000 §3 benefit examples.
CENTRE_BENEFITS = ("首次保养9折", "免费车辆检测(价值300元)", "赠送洗车券3张", "优先预约权")
GYM_BENEFITS = ("免费体验7天(价值500元)", "办卡8.5折优惠", "赠送私教课2节", "专属更衣柜")

LIVE = (A.PROPOSE, A.ACCEPT, A.ACTIVATE)
STAFF_INCENTIVE = {"kind": "per_head", "payer": "b", "payee": "staff", "amount_fen": 5000, "first_order_only": True}
# Gym members sent to the centre (seed 000 §3): the centre (side a) pays the gym ¥100 a head and its guide ¥50
# (pitfall 4: "SA每推荐成功1单,奖励50-100元").
CENTRE_PER_HEAD = {"kind": "per_head", "payer": "a", "payee": "both", "amount_fen": 10000, "staff_amount_fen": 5000}

AGREEMENTS: tuple[AgreementSpec, ...] = (
    AgreementSpec(
        title="特斯拉服务中心 × 力行健身 会员权益互换", a="tesla", b="lift", modes=(M.RIGHTS_EXCHANGE,),
        commission_terms=(STAFF_INCENTIVE, CENTRE_PER_HEAD),
        benefits=tuple(("a", t) for t in CENTRE_BENEFITS) + tuple(("b", t) for t in GYM_BENEFITS),
        valid_from=date(2026, 1, 15), history=LIVE,
        notes="SA每成功推荐一位会员办卡,奖励50元;健身房会员到服务中心首单成交,服务中心付健身房100元/人、导购50元/人。",
    ),
    AgreementSpec(
        title="特斯拉服务中心 × 森氧健身 权益互换与联合活动", a="tesla", b="oxygen",
        modes=(M.RIGHTS_EXCHANGE, M.JOINT_CAMPAIGN),
        commission_terms=(
            {"kind": "percent_of_order", "payer": "b", "rate_bp": 500, "first_order_only": True, "within_days": 30},
            {"kind": "percent_of_order", "payer": "a", "payee": "both", "rate_bp": 500, "staff_amount_fen": 5000,
             "first_order_only": True, "within_days": 30},
        ),
        benefits=(
            ("a", "首次保养9折"), ("a", "赠送洗车券3张"), ("b", "免费体验7天(价值500元)"), ("b", "瑜伽课体验2节"),
        ),
        valid_from=date(2026, 3, 1), history=LIVE,
    ),
    AgreementSpec(
        title="特斯拉服务中心 × 极客运动实验室 权益互换", a="tesla", b="geekfit", modes=(M.RIGHTS_EXCHANGE,),
        commission_terms=(STAFF_INCENTIVE, CENTRE_PER_HEAD),
        benefits=(("a", "免费车辆检测(价值300元)"), ("b", "免费体测1次"), ("b", "办卡8.5折优惠")),
        valid_from=date(2026, 6, 1), history=LIVE, notes="三家健身房中最后签约,6月1日起生效。",
    ),
    AgreementSpec(
        title="特斯拉服务中心 × 小橡树早教 亲子权益与精准推荐", a="tesla", b="oak",
        modes=(M.RIGHTS_EXCHANGE, M.DATA_SHARING),
        commission_terms=(
            {"kind": "per_head", "payer": "b", "payee": "both", "amount_fen": 10000, "staff_amount_fen": 5000,
             "first_order_only": True},
        ),
        benefits=(("a", "首次保养9折"), ("b", "免费体验课2节"), ("b", "报名课程9折")),
        valid_from=date(2026, 2, 1), history=LIVE, notes="仅共享脱敏画像(年龄段、亲子需求标签),不共享联系方式。",
    ),
    AgreementSpec(
        title="特斯拉服务中心 × 星空探索儿童科学馆 权益互换", a="tesla", b="starlab", modes=(M.RIGHTS_EXCHANGE,),
        commission_terms=(), benefits=(("a", "赠送洗车券3张"), ("b", "STEAM体验课1节")),
        valid_from=date(2026, 12, 15), history=(A.PROPOSE,),
    ),
    AgreementSpec(
        title="特斯拉车主健康生活节 × 绿野有机餐厅", a="tesla", b="greenfield",
        modes=(M.JOINT_CAMPAIGN, M.RIGHTS_EXCHANGE),
        commission_terms=({"kind": "percent_of_order", "payer": "b", "rate_bp": 500, "cap_per_order_fen": 20000},),
        benefits=(("a", "服务中心保养券(价值400元)"), ("b", "有机餐厅代金券(价值300元)"), ("b", "健康餐品鉴会席位")),
        valid_from=date(2026, 4, 1), history=LIVE, notes="联合活动三方各投入1万元营销费用。",
    ),
    AgreementSpec(
        title="特斯拉服务中心 × 澜庭粤菜私宴 权益互换", a="tesla", b="lanting", modes=(M.RIGHTS_EXCHANGE,),
        commission_terms=(), benefits=(("a", "优先预约权"), ("b", "包间预订免服务费"), ("b", "赠送招牌甜品")),
        valid_from=date(2026, 2, 15), history=(*LIVE, A.SUSPEND), closing_note="合作方门店装修停业,暂停至另行通知。",
    ),
    AgreementSpec(
        title="特斯拉车主品质生活卡 × 湾汇购物艺术中心", a="tesla", b="bayhub",
        modes=(M.STRATEGIC, M.JOINT_CARD),
        commission_terms=({"kind": "percent_of_order", "payer": "b", "rate_bp": 600, "operator_rate_bp": 1000},),
        benefits=(("a", "免费车辆检测(价值300元)"), ("b", "会员停车每日4小时免费"), ("b", "专属充电车位")),
        valid_from=date(2026, 1, 1), history=LIVE, return_window_days=15,
        notes="联合储值卡按实际消费分账,未消费金额次年可继续使用。",
    ),
    AgreementSpec(
        title="特斯拉服务中心 × 远山户外 自驾旅行合作", a="tesla", b="farpeaks", modes=(M.RIGHTS_EXCHANGE,),
        commission_terms=({"kind": "percent_of_order", "payer": "b", "rate_bp": 300},),
        benefits=(("a", "长途出行前免费车辆检测"), ("b", "自驾线路报名立减500元")),
        valid_from=date(2026, 5, 1), history=(A.PROPOSE, A.REJECT), closing_note="今年暂无新能源自驾线路计划。",
    ),
    AgreementSpec(
        title="特斯拉服务中心 × 湾信银行 贵宾客户战略合作", a="tesla", b="wanxin",
        modes=(M.STRATEGIC, M.RIGHTS_EXCHANGE),
        commission_terms=({"kind": "per_head", "payer": "b", "payee": "merchant", "amount_fen": 10000},),
        benefits=(("a", "贵宾客户保养优先预约"), ("b", "新能源车贷利率优惠"), ("b", "信用卡首年免年费")),
        valid_from=date(2026, 3, 15), history=LIVE,
    ),
    AgreementSpec(
        title="特斯拉服务中心 × 颜究所美学沙龙 权益互换(草案)", a="tesla", b="yanstudio", modes=(M.RIGHTS_EXCHANGE,),
        commission_terms=(), benefits=(("a", "赠送洗车券3张"), ("b", "皮肤检测1次")),
        valid_from=date(2027, 1, 1), history=(),
    ),
    AgreementSpec(
        title="特斯拉服务中心 × 净界汽车美容 洗车券合作", a="tesla", b="puredetail", modes=(M.RIGHTS_EXCHANGE,),
        commission_terms=({"kind": "fixed_per_order", "payer": "a", "amount_fen": 1500},),
        benefits=(("a", "钣喷维修9折"), ("b", "联盟会员洗车8折"), ("b", "赠送洗车券3张")),
        valid_from=date(2026, 1, 20), history=LIVE, notes="服务中心赠送的洗车券在净界核销,每张结算15元。",
    ),
    AgreementSpec(
        title="力行健身 × 绿野有机餐厅 健身轻食互推", a="lift", b="greenfield", modes=(M.RIGHTS_EXCHANGE,),
        commission_terms=({"kind": "percent_of_order", "payer": "b", "rate_bp": 500},),
        benefits=(("a", "免费体验7天(价值500元)"), ("b", "健身餐8.8折")),
        valid_from=date(2026, 4, 15), history=LIVE,
    ),
    AgreementSpec(
        title="湾汇购物艺术中心 × 小橡树早教 亲子周末嘉年华", a="bayhub", b="oak", modes=(M.JOINT_CAMPAIGN,),
        commission_terms=(), benefits=(("a", "活动场地与停车礼遇"), ("b", "现场体验课")),
        valid_from=date(2026, 5, 20), history=(*LIVE, A.TERMINATE), closing_note="活动结束,双方协商提前终止。",
    ),
    AgreementSpec(
        title="Tesla Life 联盟一卡通 通用规则", a=None, b=None, modes=(M.STRATEGIC,),
        # seed 000 模式五: the centre earns 6% of what the members it brought spend at the partners
        commission_terms=({"kind": "hub_share", "hub_merchant": CENTRE_KEY, "rate_bp": 600},),
        benefits=(("a", "联盟会员凭联盟卡在成员商户享受专属礼遇"), ("a", "积分互通")),
        valid_from=date(2026, 1, 1), history=LIVE, return_window_days=7,
        notes="服务中心带来的联盟会员在其他成员商户消费,由消费商户按消费额的6%向服务中心支付枢纽佣金"
              "(seed 000 模式五:(1200-420)万元 × 6% = 46.8万元)。",
    ),
)


# --- referral history (引流历史) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CouponSpec:
    """The coupon a receiving merchant publishes for a partner's members (one template per receiving merchant)."""

    name: str
    description: str
    kind: CouponKind
    value_fen: int  # free_item: what the item is worth; cash_voucher: its amount
    item_name: str | None = None
    valid_days: int = 30
    cost_fen: int | None = None  # free_item: what giving one costs the merchant (CouponTemplate.cost_to_merchant_fen)


@dataclass(frozen=True)
class FlowSpec:
    """Referrals from the members of `origins` to `targets`, as seed 000 reports them, at scale 1.

    The members who arrive are exactly those of `origins` who also hold a membership at one of `targets`
    (data.CROSS_MEMBERSHIPS: seed 000's cross usage), each at that merchant. The referring merchants' shopping guides
    handed out coupons to `100 / arrival_percent` times as many of their members; `conversion_percent` of the
    arrivals bought (round half up), with first orders averaging exactly `average_order_fen`.
    """

    key: str
    title: str
    origins: tuple[str, ...]
    targets: tuple[str, ...]
    coupon: CouponSpec
    arrival_percent: int  # arrivals per 100 coupons handed out
    conversion_percent: int  # conversions per 100 arrivals
    average_order_fen: int  # exact average of the conversions' first orders
    order_range_fen: tuple[int, int]  # where single first orders lie (before the exact-average adjustment)
    later_percent: int  # conversions bought on a later visit (order attached), not at the first one
    items: tuple[str, ...]  # what first orders buy
    source: str


COSTS = {
    "免费车辆检测": 6_000,
    "7天体验卡": 4_000,
    "亲子体验课2节": 12_000,
}
"""What giving each free item costs its merchant. Seed 000 gives the items' values (¥300, ¥500, the classes), not
their costs, so these are the demo's assumptions, of the kind a merchant types in: a vehicle check is about an hour
of a technician and consumables (¥60); a week's gym trial uses spare capacity, towels and a coach's intro (¥40); two
trial classes pay a teacher for two sessions of a small group (¥120). Acquisition cost counts these, not the
values (coupons.domain.use_cost_fen)."""

HISTORY_WEEKS = 10  # the history covers the last ten weeks before the load day
# Relative weight of each week, oldest first: soft launch (D46–D60), weekly tracking (D61–D75), then scaling up.
WEEK_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 10, 11)
CLAIMED_AT_COUNTER_PERCENT = 65  # the member was there when the guide handed it out; else it waits in the wallet
CLAIMED_LATER_PERCENT = 50  # of the coupons waiting in a wallet and never used, how many were claimed
FEEDBACK_PERCENT = 35  # arrivals whose member rated the visit

FLOWS: tuple[FlowSpec, ...] = (
    FlowSpec(
        key="gyms-centre", title="健身房会员 → 服务中心", origins=GYM_KEYS, targets=(CENTRE_KEY,),
        coupon=CouponSpec("健身伙伴会员 免费车辆检测", "凭健身房会员身份到店,免费车辆检测一次(价值300元)",
                          CouponKind.FREE_ITEM, 30000, item_name="免费车辆检测", cost_fen=COSTS["免费车辆检测"]),
        arrival_percent=80, conversion_percent=62, average_order_fen=185000, order_range_fen=(38000, 680000),
        later_percent=30,
        items=("常规保养", "首次保养套餐", "空调系统保养", "四轮定位+轮胎换位", "刹车系统保养", "轮胎更换",
               "钣喷修复", "玻璃更换", "电池健康检测+保养"),
        source="seed 000 §3 模式一(成都):首次到店480人,首次消费转化率62%(298人),首单平均客单价1850元",
    ),
    FlowSpec(
        key="centre-gyms", title="服务中心车主 → 健身房", origins=(CENTRE_KEY,), targets=GYM_KEYS,
        coupon=CouponSpec("特斯拉车主 免费体验7天", "凭服务中心会员身份,免费体验7天(价值500元)",
                          CouponKind.FREE_ITEM, 50000, item_name="7天体验卡", cost_fen=COSTS["7天体验卡"]),
        arrival_percent=75, conversion_percent=35, average_order_fen=500000, order_range_fen=(180000, 1200000),
        later_percent=40, items=("年卡", "季卡+私教课包", "私教课20节", "年卡(8.5折)", "半年卡"),
        source="seed 000 §3:服务中心会员 → 健身房15%(120人);模式四(上海)健身房转化35%;模式二(杭州)办卡5000元",
    ),
    FlowSpec(
        key="centre-oak", title="服务中心车主 → 小橡树早教", origins=(CENTRE_KEY,), targets=("oak",),
        coupon=CouponSpec("特斯拉车主 亲子体验课2节", "凭服务中心会员身份,免费体验课2节",
                          CouponKind.FREE_ITEM, 36000, item_name="亲子体验课2节", cost_fen=COSTS["亲子体验课2节"]),
        arrival_percent=50, conversion_percent=70, average_order_fen=800000, order_range_fen=(360000, 1600000),
        later_percent=40, items=("双语早教 学期课包", "感统训练 24节", "全年课程(9折)", "周末亲子班 季度"),
        source="seed 000 §3 模式四(上海):向有亲子需求的80人推送早教课程,28人报名;§1.2 亲子教育8000元/年",
    ),
    FlowSpec(
        key="centre-greenfield", title="服务中心车主 → 绿野有机餐厅", origins=(CENTRE_KEY,), targets=("greenfield",),
        coupon=CouponSpec("车主健康生活节 有机餐厅代金券", "特斯拉车主健康生活节:有机餐厅代金券(价值300元)",
                          CouponKind.CASH_VOUCHER, 30000),
        arrival_percent=64, conversion_percent=57, average_order_fen=200000, order_range_fen=(60000, 500000),
        later_percent=0, items=("会员储值套餐", "家庭有机套餐", "健身餐月卡", "商务宴请套餐"),
        source="seed 000 §3 模式二(杭州):有机餐厅85人储值(转化率57%),人均2000元",
    ),
)

FEEDBACK_COMMENTS: dict[int, tuple[str, ...]] = {
    5: ("服务很专业,环境也好,会再来", "导购推荐得很准,体验超出预期", "前台很热情,流程顺畅", "非常满意,已推荐给朋友"),
    4: ("整体不错,等候时间稍长", "服务挺好,停车有点不方便", "体验不错,价格略高", "还可以,下次再试试"),
    3: ("一般,和预期差不多", "环境可以,服务有待提升", "预约流程有点麻烦"),
    2: ("等了很久才有人接待", "到店后被反复推销,体验不好"),
    1: ("券核销时被告知不能用,沟通很差", "服务态度差,不会再来"),
}
