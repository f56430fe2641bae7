"""The demo city: Yanbian's region tree (Yanji and Longjing), its departments and the problem
categories they answer, with names in Korean, Chinese and English."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..models import Category, Department, Region
from ..models.enums import DepartmentKind, RegionLevel
from ..workflow.regions import create_region

# --- regions -----------------------------------------------------------------------------

LOCAL_OFFSET = timedelta(hours=8)  # Yanbian keeps China Standard Time
CELL_METRES = 300  # one grid cell; a community's grids tile rows × cols of these
METRES_PER_DEGREE_LAT = 111_320.0

PREFECTURE = (
    "222400",
    "연변조선족자치주",
    "延边朝鲜族自治州",
    "Yanbian Korean Autonomous Prefecture",
)
CITIES = [
    ("222401", "연길시", "延吉市", "Yanji City"),
    ("222405", "룡정시", "龙井市", "Longjing City"),
]
# (code, city code, ko, zh, en)
STREETS = [
    ("222401003", "222401", "건공가두", "建工街道", "Jiangong Subdistrict"),
    ("222401002", "222401", "진학가두", "进学街道", "Jinxue Subdistrict"),
    ("222401001", "222401", "하남가두", "河南街道", "Henan Subdistrict"),
    ("222405001", "222405", "안민가두", "安民街道", "Anmin Subdistrict"),
]


@dataclass(frozen=True)
class CommunitySpec:
    code: str
    street: str
    short: tuple[str, str, str]  # ko, zh, en stem used for the grids' names
    name: tuple[str, str, str]
    south: float  # south-west corner of the community's block of grids
    west: float
    rows: int
    cols: int
    # Named blocks inside the community (ko, zh): addresses and descriptions use them.
    places: tuple[tuple[str, str], ...] = field(default=())


COMMUNITIES = [
    CommunitySpec(
        "222401003001",
        "222401003",
        ("연청", "延青", "Yanqing"),
        ("연청사회구역", "延青社区", "Yanqing Community"),
        42.9000,
        129.5000,
        2,
        2,
        (("교원아빠트", "教师公寓"), ("연청소구역", "延青小区"), ("건공시장", "建工市场")),
    ),
    CommunitySpec(
        "222401003002",
        "222401003",
        ("민흥", "民兴", "Minxing"),
        ("민흥사회구역", "民兴社区", "Minxing Community"),
        42.9000,
        129.5074,
        1,
        2,
        (("민흥가원", "民兴家园"), ("공원로 골목", "公园路胡同")),
    ),
    CommunitySpec(
        "222401002001",
        "222401002",
        ("백산", "白山", "Baishan"),
        ("백산사회구역", "白山社区", "Baishan Community"),
        42.9085,
        129.4940,
        1,
        2,
        (("백산아빠트", "白山公寓"), ("진학소학교 앞", "进学小学门口")),
    ),
    CommunitySpec(
        "222401001001",
        "222401001",
        ("단결", "团结", "Tuanjie"),
        ("단결사회구역", "团结社区", "Tuanjie Community"),
        42.8890,
        129.5060,
        2,
        1,
        (("단결소구역", "团结小区"), ("하남시장", "河南市场")),
    ),
    CommunitySpec(
        "222405001001",
        "222405001",
        ("룡문", "龙门", "Longmen"),
        ("룡문사회구역", "龙门社区", "Longmen Community"),
        42.7680,
        129.4200,
        1,
        2,
        (("룡문소구역", "龙门小区"), ("해란강 강변", "海兰江畔")),
    ),
]
# Community code → its named blocks (ko, zh), for addresses and descriptions.
PLACES = {spec.code: spec.places for spec in COMMUNITIES}

# --- departments -------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    kind: DepartmentKind
    name: tuple[str, str, str]
    region: str  # code of the region it serves
    handles: tuple[str, ...]  # category codes; a top-level code means its whole subtree
    parent: str | None = None


GOV, ENT = DepartmentKind.GOVERNMENT, DepartmentKind.ENTERPRISE
DEPARTMENTS = [
    DepartmentSpec(
        "yanji-heating-office",
        GOV,
        ("연길시 열공급판공실", "延吉市供热办", "Yanji Heating Office"),
        "222401",
        ("heating",),
    ),
    DepartmentSpec(
        "yanji-heating-co",
        ENT,
        ("연길시 열공급회사", "延吉市供热公司", "Yanji Heating Company"),
        "222401",
        ("heating.pipe-leak", "heating.no-heat"),
        parent="yanji-heating-office",
    ),
    DepartmentSpec(
        "yanji-urban",
        GOV,
        ("연길시 도시관리국", "延吉市城市管理局", "Yanji Urban Management Bureau"),
        "222401",
        ("roads", "sanitation", "disputes.parking"),
    ),
    DepartmentSpec(
        "yanji-water-affairs",
        GOV,
        ("연길시 수무국", "延吉市水务局", "Yanji Water Affairs Bureau"),
        "222401",
        ("water",),
    ),
    DepartmentSpec(
        "yanji-water-co",
        ENT,
        ("연길시 상수도회사", "延吉市供水公司", "Yanji Water Supply Company"),
        "222401",
        ("water.outage", "water.pipe-burst", "water.quality"),
        parent="yanji-water-affairs",
    ),
    DepartmentSpec(
        "yanji-housing",
        GOV,
        (
            "연길시 주택도시농촌건설국",
            "延吉市住房和城乡建设局",
            "Yanji Housing and Urban-Rural Development Bureau",
        ),
        "222401",
        ("housing", "welfare.accessibility"),
    ),
    DepartmentSpec(
        "yanji-public-security",
        GOV,
        ("연길시 공안국", "延吉市公安局", "Yanji Public Security Bureau"),
        "222401",
        ("safety", "disputes.noise"),
    ),
    DepartmentSpec(
        "jiangong-police",
        GOV,
        ("건공파출소", "建工派出所", "Jiangong Police Station"),
        "222401003",
        ("safety", "disputes.noise"),
        parent="yanji-public-security",
    ),
    DepartmentSpec(
        "yanji-civil-affairs",
        GOV,
        ("연길시 민정국", "延吉市民政局", "Yanji Civil Affairs Bureau"),
        "222401",
        ("welfare",),
    ),
    DepartmentSpec(
        "anju-property",
        ENT,
        ("연변안거물업회사", "延边安居物业公司", "Yanbian Anju Property Management"),
        "222401003",
        ("housing", "sanitation.garbage", "disputes.parking", "disputes.water-damage"),
    ),
    DepartmentSpec(
        "yanji-power",
        ENT,
        ("국가전망 연길시 전력공급회사", "国网延吉市供电公司", "State Grid Yanji Power Supply"),
        "222401",
        ("roads.streetlight",),
    ),
    DepartmentSpec(
        "yanji-gas",
        ENT,
        ("연길시 가스회사", "延吉市燃气公司", "Yanji Gas Company"),
        "222401",
        ("safety.gas",),
    ),
    DepartmentSpec(
        "yanji-justice",
        GOV,
        ("연길시 사법국", "延吉市司法局", "Yanji Justice Bureau"),
        "222401",
        ("disputes",),
    ),
    DepartmentSpec(
        "longjing-heating-co",
        ENT,
        ("룡정시 열공급회사", "龙井市供热公司", "Longjing Heating Company"),
        "222405",
        ("heating",),
    ),
    DepartmentSpec(
        "longjing-urban",
        GOV,
        ("룡정시 도시관리국", "龙井市城市管理局", "Longjing Urban Management Bureau"),
        "222405",
        ("roads", "sanitation", "disputes.parking"),
    ),
    DepartmentSpec(
        "longjing-water-co",
        ENT,
        ("룡정시 상수도회사", "龙井市供水公司", "Longjing Water Supply Company"),
        "222405",
        ("water",),
    ),
]

# --- categories --------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: tuple[str, str, str]
    claim_minutes: int
    resolve_hours: int
    defaults: tuple[str, ...] = ()  # default department codes (Yanji's)
    # Office work counts working days (holidays excluded) rather than clock hours.
    claim_working_days: int | None = None
    resolve_working_days: int | None = None


CATEGORIES = [
    CategorySpec("heating", ("열공급", "供热", "Heating"), 60, 48, ("yanji-heating-office",)),
    CategorySpec(
        "heating.pipe-leak",
        ("난방관 누수", "暖气管道漏水", "Pipe leak"),
        60,
        24,
        ("yanji-heating-office", "yanji-heating-co"),
    ),
    CategorySpec(
        "heating.no-heat",
        ("난방 불량", "暖气不热", "Radiators not warm"),
        120,
        48,
        ("yanji-heating-co",),
    ),
    CategorySpec(
        "heating.billing",
        ("난방비 문의", "供热收费", "Heating charges"),
        480,
        120,
        ("yanji-heating-office",),
        resolve_working_days=3,
    ),
    CategorySpec("water", ("상수도", "供水", "Water"), 60, 24, ("yanji-water-co",)),
    CategorySpec("water.outage", ("단수", "停水", "Water outage"), 60, 24, ("yanji-water-co",)),
    CategorySpec(
        "water.pipe-burst",
        ("상수도관 파열", "供水管道爆裂", "Water main burst"),
        30,
        12,
        ("yanji-water-co", "yanji-water-affairs"),
    ),
    CategorySpec(
        "water.quality",
        ("수질 이상", "水质异常", "Water quality"),
        120,
        48,
        ("yanji-water-affairs",),
    ),
    CategorySpec(
        "roads", ("도로와 조명", "道路照明", "Roads & Lighting"), 240, 96, ("yanji-urban",)
    ),
    CategorySpec("roads.pothole", ("도로 파손", "路面坑洼", "Pothole"), 240, 120, ("yanji-urban",)),
    CategorySpec(
        "roads.streetlight",
        ("가로등 고장", "路灯不亮", "Streetlight out"),
        240,
        72,
        ("yanji-urban", "yanji-power"),
    ),
    CategorySpec(
        "roads.manhole",
        ("맨홀 뚜껑 유실", "井盖缺失", "Missing manhole cover"),
        30,
        8,
        ("yanji-urban",),
    ),
    CategorySpec("sanitation", ("환경위생", "环境卫生", "Sanitation"), 120, 48, ("yanji-urban",)),
    CategorySpec(
        "sanitation.garbage",
        ("쓰레기 방치", "垃圾堆放", "Uncollected rubbish"),
        120,
        24,
        ("yanji-urban",),
    ),
    CategorySpec(
        "sanitation.snow", ("눈 치우기", "积雪清理", "Snow clearing"), 120, 24, ("yanji-urban",)
    ),
    CategorySpec(
        "sanitation.illegal-ad",
        ("불법 광고물", "小广告", "Illegal flyers"),
        480,
        72,
        ("yanji-urban",),
    ),
    CategorySpec(
        "housing", ("물업과 주택", "物业住房", "Housing & Property"), 240, 96, ("yanji-housing",)
    ),
    CategorySpec(
        "housing.elevator",
        ("엘리베이터 고장", "电梯故障", "Lift out of order"),
        60,
        24,
        ("anju-property", "yanji-housing"),
    ),
    CategorySpec(
        "housing.roof-leak",
        ("지붕 누수", "屋顶漏水", "Roof leak"),
        240,
        96,
        ("anju-property", "yanji-housing"),
        claim_working_days=1,
        resolve_working_days=5,
    ),
    CategorySpec(
        "housing.stairwell",
        ("계단 조명", "楼道照明", "Stairwell lights"),
        240,
        72,
        ("anju-property",),
    ),
    CategorySpec(
        "safety",
        ("공공안전", "公共安全", "Public Safety"),
        30,
        24,
        ("yanji-public-security",),
    ),
    CategorySpec(
        "safety.gas",
        ("가스 냄새", "燃气泄漏", "Gas smell"),
        15,
        4,
        ("yanji-gas", "yanji-public-security"),
    ),
    CategorySpec(
        "safety.fire-lane",
        ("소방 통로 막힘", "消防通道堵塞", "Blocked fire lane"),
        60,
        24,
        ("yanji-public-security",),
    ),
    CategorySpec(
        "safety.public-order",
        ("치안 문제", "治安问题", "Public order"),
        30,
        24,
        ("yanji-public-security",),
    ),
    CategorySpec(
        "disputes",
        ("이웃 분쟁", "邻里纠纷", "Neighbourhood Disputes"),
        240,
        72,
        ("yanji-justice",),
    ),
    CategorySpec(
        "disputes.noise",
        ("층간 소음", "噪音扰民", "Noise"),
        120,
        48,
        ("yanji-public-security", "yanji-justice"),
    ),
    CategorySpec(
        "disputes.parking",
        ("주차 분쟁", "停车纠纷", "Parking dispute"),
        240,
        72,
        ("anju-property", "yanji-urban"),
    ),
    CategorySpec(
        "disputes.water-damage",
        ("윗집 누수 분쟁", "楼上漏水纠纷", "Leak from upstairs"),
        240,
        72,
        ("anju-property", "yanji-justice"),
    ),
    CategorySpec(
        "welfare",
        ("민생봉사", "民生服务", "Elderly & Welfare"),
        480,
        168,
        ("yanji-civil-affairs",),
    ),
    CategorySpec(
        "welfare.elderly",
        ("독거노인 돌봄", "独居老人关爱", "Elderly living alone"),
        120,
        48,
        ("yanji-civil-affairs",),
    ),
    CategorySpec(
        "welfare.subsidy",
        ("생활보조 문의", "低保救助", "Subsistence allowance"),
        480,
        168,
        ("yanji-civil-affairs",),
        claim_working_days=1,
        resolve_working_days=5,
    ),
    CategorySpec(
        "welfare.accessibility",
        ("무장애 시설", "无障碍设施", "Accessibility"),
        480,
        168,
        ("yanji-housing", "yanji-civil-affairs"),
        resolve_working_days=10,
    ),
]


# --- building ----------------------------------------------------------------------------


@dataclass
class City:
    """What the builder made, by code, for the accounts and the history to refer to."""

    regions: dict[str, Region]
    departments: dict[str, Department]
    categories: dict[str, Category]

    @property
    def prefecture(self) -> Region:
        return self.regions[PREFECTURE[0]]

    def region(self, code: str) -> Region:
        return self.regions[code]


Box = tuple[float, float, float, float]  # south, west, north, east


def _metres_to_lng(metres: float, lat: float) -> float:
    return metres / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat)))


def _polygon(box: Box) -> dict[str, object]:
    south, west, north, east = (round(v, 6) for v in box)
    # Counter-clockwise exterior ring, closed, as RFC 7946 asks.
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _shape(box: Box) -> dict[str, object]:
    south, west, north, east = box
    return {
        "geometry": _polygon(box),
        "center_lat": round((south + north) / 2, 6),
        "center_lng": round((west + east) / 2, 6),
    }


def _around(boxes: list[Box], margin_metres: float) -> Box:
    south = min(b[0] for b in boxes)
    west = min(b[1] for b in boxes)
    north = max(b[2] for b in boxes)
    east = max(b[3] for b in boxes)
    dlat = margin_metres / METRES_PER_DEGREE_LAT
    dlng = _metres_to_lng(margin_metres, south)
    return south - dlat, west - dlng, north + dlat, east + dlng


def _grid_boxes(spec: CommunitySpec) -> list[Box]:
    """Cells numbered row by row from the north-west, the way a map is read."""
    dlat = CELL_METRES / METRES_PER_DEGREE_LAT
    dlng = _metres_to_lng(CELL_METRES, spec.south)
    boxes = []
    for row in range(spec.rows - 1, -1, -1):
        for col in range(spec.cols):
            south = spec.south + row * dlat
            west = spec.west + col * dlng
            boxes.append((south, west, south + dlat, west + dlng))
    return boxes


def _names(name: tuple[str, str, str]) -> dict[str, Any]:
    return {"name_ko": name[0], "name_zh": name[1], "name_en": name[2]}


async def _build_regions() -> dict[str, Region]:
    # Boxes are computed bottom-up, so that every parent's polygon covers its children.
    grid_boxes = {spec.code: _grid_boxes(spec) for spec in COMMUNITIES}
    community_box = {code: _around(boxes, 0) for code, boxes in grid_boxes.items()}
    street_box = {
        code: _around([community_box[c.code] for c in COMMUNITIES if c.street == code], 150)
        for code, *_ in STREETS
    }
    city_box = {
        code: _around([street_box[s[0]] for s in STREETS if s[1] == code], 1500)
        for code, *_ in CITIES
    }
    prefecture_box = _around(list(city_box.values()), 3000)

    regions: dict[str, Region] = {}
    code, *name = PREFECTURE
    root = await create_region(
        None,
        code=code,
        level=RegionLevel.PREFECTURE,
        **_names((name[0], name[1], name[2])),
        **_shape(prefecture_box),
    )
    regions[code] = root
    for code, ko, zh, en in CITIES:
        regions[code] = await create_region(
            root,
            code=code,
            level=RegionLevel.CITY,
            **_names((ko, zh, en)),
            **_shape(city_box[code]),
        )
    for code, city, ko, zh, en in STREETS:
        regions[code] = await create_region(
            regions[city],
            code=code,
            level=RegionLevel.STREET,
            **_names((ko, zh, en)),
            **_shape(street_box[code]),
        )
    for spec in COMMUNITIES:
        community = await create_region(
            regions[spec.street],
            code=spec.code,
            level=RegionLevel.COMMUNITY,
            **_names(spec.name),
            **_shape(community_box[spec.code]),
        )
        regions[spec.code] = community
        ko, zh, en = spec.short
        for number, box in enumerate(grid_boxes[spec.code], start=1):
            grid_code = f"{spec.code}-{number:02d}"
            regions[grid_code] = await create_region(
                community,
                code=grid_code,
                level=RegionLevel.GRID,
                **_names((f"{ko} 제{number}망격", f"{zh}第{number}网格", f"{en} Grid {number}")),
                **_shape(box),
            )
    return regions


def _covered(code: str, handles: tuple[str, ...]) -> bool:
    return any(code == h or code.startswith(f"{h}.") for h in handles)


async def build_city() -> City:
    """Create the regions, categories and departments; assumes none exist yet."""
    regions = await _build_regions()
    categories: dict[str, Category] = {}
    for order, kind in enumerate(CATEGORIES):
        parent_code = kind.code.rpartition(".")[0]
        categories[kind.code] = await Category.create(
            code=kind.code,
            parent=categories[parent_code] if parent_code else None,
            **_names(kind.name),
            claim_minutes=kind.claim_minutes,
            resolve_hours=kind.resolve_hours,
            claim_working_days=kind.claim_working_days,
            resolve_working_days=kind.resolve_working_days,
            sort_order=order,
        )
    departments: dict[str, Department] = {}
    for spec in DEPARTMENTS:
        department = await Department.create(
            code=spec.code,
            kind=spec.kind,
            **_names(spec.name),
            region=regions[spec.region],
            parent=departments[spec.parent] if spec.parent else None,
        )
        departments[spec.code] = department
        handled = [c for code, c in categories.items() if _covered(code, spec.handles)]
        await department.categories.add(*handled)
    for kind in CATEGORIES:
        if kind.defaults:
            await categories[kind.code].default_departments.add(
                *(departments[code] for code in kind.defaults)
            )
    return City(regions=regions, departments=departments, categories=categories)
