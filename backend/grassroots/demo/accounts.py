"""The demo's people: residents, the "three heads", staff at every level, department staff,
a leader, a wall screen and the 12345 hotline's integration token."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Account, ApiToken, RoleBinding
from ..models.enums import AccountKind, Role
from ..workflow.auth import create_api_token, hash_password, load_actor
from ..workflow.runtime import Runtime
from .city import City

DEMO_PASSWORD = "grassroots"
HOTLINE_TOKEN_NAME = "hotline"
HOTLINE_SCOPES = ["cases:intake", "cases:read", "events:read"]
HOTLINE_REGION = "222401"  # the 12345 centre serves Yanji City

YANQING, MINXING, BAISHAN, TUANJIE, LONGMEN = (
    "222401003001",
    "222401003002",
    "222401002001",
    "222401001001",
    "222405001001",
)

# Residents whose cases the live simulator moves along; resident1 and the Yanqing staff are
# left to whoever presents the demo, so the simulator never takes a step from under them.
SIMULATED_REPORTERS = ("resident2", "resident3", "resident4", "resident5", "resident6")


@dataclass(frozen=True)
class AccountSpec:
    username: str
    display_name: str
    phone: str | None
    locale: str
    # (role, region code or None, department code or None)
    bindings: tuple[tuple[Role, str | None, str | None], ...]


def _in_region(role: Role, code: str) -> tuple[Role, str | None, str | None]:
    return (role, code, None)


def _in_department(code: str) -> tuple[Role, str | None, str | None]:
    return (Role.DEPARTMENT_STAFF, None, code)


R = Role
ACCOUNTS = [
    AccountSpec("admin", "관리자 管理员", None, "ko", (_in_region(R.ADMIN, "222400"),)),
    # residents
    AccountSpec(
        "resident1", "김민수 金民洙", "13804331234", "ko", (_in_region(R.RESIDENT, YANQING),)
    ),
    AccountSpec(
        "resident2", "리영희 李英姬", "13943361872", "ko", (_in_region(R.RESIDENT, YANQING),)
    ),
    AccountSpec(
        "resident3", "박철호 朴哲浩", "15604435521", "ko", (_in_region(R.RESIDENT, MINXING),)
    ),
    AccountSpec(
        "resident4", "최미란 崔美兰", "18643317790", "ko", (_in_region(R.RESIDENT, BAISHAN),)
    ),
    AccountSpec(
        "resident5", "장국화 张菊花", "13630905566", "zh", (_in_region(R.RESIDENT, TUANJIE),)
    ),
    AccountSpec(
        "resident6", "허성남 许成男", "15943382247", "ko", (_in_region(R.RESIDENT, LONGMEN),)
    ),
    # Yanqing's grid worker, block head and Party member
    AccountSpec(
        "grid1", "박영철 朴永哲", "13504438810", "ko", (_in_region(R.GRID_WORKER, YANQING),)
    ),
    AccountSpec(
        "head1", "리순자 李顺子", "13756702291", "ko", (_in_region(R.BLOCK_HEAD, YANQING),)
    ),
    AccountSpec(
        "party1",
        "김영애 金英爱",
        "13894350078",
        "ko",
        (_in_region(R.PARTY_MEMBER, YANQING), _in_region(R.RESIDENT, YANQING)),
    ),
    # community, street and city staff
    AccountSpec(
        "community1",
        "최은희 崔恩熙",
        "04332512345",
        "ko",
        (_in_region(R.COMMUNITY_STAFF, YANQING),),
    ),
    AccountSpec(
        "community2", "왕려 王丽", "04332516620", "zh", (_in_region(R.COMMUNITY_STAFF, MINXING),)
    ),
    AccountSpec(
        "community3",
        "남순옥 南顺玉",
        "04332528841",
        "ko",
        (_in_region(R.COMMUNITY_STAFF, BAISHAN),),
    ),
    AccountSpec(
        "community4", "류강 刘刚", "04332537702", "zh", (_in_region(R.COMMUNITY_STAFF, TUANJIE),)
    ),
    AccountSpec(
        "community5",
        "김춘화 金春花",
        "04333221186",
        "ko",
        (_in_region(R.COMMUNITY_STAFF, LONGMEN),),
    ),
    AccountSpec(
        "street1", "정광호 郑光浩", "04332519900", "ko", (_in_region(R.STREET_STAFF, "222401003"),)
    ),
    AccountSpec(
        "street2", "손명철 孙明哲", "04332529900", "ko", (_in_region(R.STREET_STAFF, "222401002"),)
    ),
    AccountSpec(
        "street3", "조려화 赵丽华", "04332539900", "zh", (_in_region(R.STREET_STAFF, "222401001"),)
    ),
    AccountSpec(
        "street4", "림동수 林东洙", "04333229900", "ko", (_in_region(R.STREET_STAFF, "222405001"),)
    ),
    AccountSpec(
        "city1", "한명숙 韩明淑", "04332812345", "ko", (_in_region(R.CITY_STAFF, "222401"),)
    ),
    AccountSpec(
        "city2", "방혜련 方惠莲", "04333212345", "ko", (_in_region(R.CITY_STAFF, "222405"),)
    ),
    AccountSpec("leader1", "박정훈 朴正勋", "13904330001", "ko", (_in_region(R.LEADER, "222401"),)),
    # A person-style login for the community centre's wall screen.
    AccountSpec(
        "screen1",
        "연청사회구역 대형화면 延青社区大屏",
        None,
        "ko",
        (_in_region(R.DISPLAY, YANQING),),
    ),
    # department staff, one per department
    AccountSpec(
        "heating_office1",
        "윤성철 尹成哲",
        "13844301101",
        "ko",
        (_in_department("yanji-heating-office"),),
    ),
    AccountSpec(
        "heating_co1", "강동일 姜东日", "13844301202", "ko", (_in_department("yanji-heating-co"),)
    ),
    AccountSpec("urban1", "조현우 赵贤宇", "13844301303", "ko", (_in_department("yanji-urban"),)),
    AccountSpec(
        "water1", "서명진 徐明珍", "13844301404", "ko", (_in_department("yanji-water-affairs"),)
    ),
    AccountSpec(
        "water_co1", "리광철 李光哲", "13844301505", "ko", (_in_department("yanji-water-co"),)
    ),
    AccountSpec(
        "housing1", "오혜숙 吴惠淑", "13844301606", "ko", (_in_department("yanji-housing"),)
    ),
    AccountSpec(
        "police1", "채룡남 蔡龙男", "13844301707", "ko", (_in_department("yanji-public-security"),)
    ),
    AccountSpec(
        "jiangong_police1",
        "전해룡 全海龙",
        "13844301808",
        "ko",
        (_in_department("jiangong-police"),),
    ),
    AccountSpec(
        "civil1", "황미옥 黄美玉", "13844301909", "ko", (_in_department("yanji-civil-affairs"),)
    ),
    AccountSpec(
        "property1", "신정수 申正洙", "13844302010", "ko", (_in_department("anju-property"),)
    ),
    AccountSpec("power1", "고철진 高哲镇", "13844302111", "ko", (_in_department("yanji-power"),)),
    AccountSpec("gas1", "문경호 文京浩", "13844302212", "ko", (_in_department("yanji-gas"),)),
    AccountSpec(
        "justice1", "양춘매 杨春梅", "13844302313", "zh", (_in_department("yanji-justice"),)
    ),
    AccountSpec(
        "lj_heating1",
        "현상철 玄相哲",
        "13844302414",
        "ko",
        (_in_department("longjing-heating-co"),),
    ),
    AccountSpec(
        "lj_urban1", "계영민 桂英敏", "13844302515", "ko", (_in_department("longjing-urban"),)
    ),
    AccountSpec(
        "lj_water1", "송은주 宋恩珠", "13844302616", "ko", (_in_department("longjing-water-co"),)
    ),
]


@dataclass
class DemoAccounts:
    accounts: dict[str, Account]
    hotline_token: str
    hotline_token_row: ApiToken


async def create_accounts(rt: Runtime, city: City) -> DemoAccounts:
    """Create every demo account with its bindings, then the hotline's integration token."""
    # One argon2 hash for all: they share the password anyway, and hashing ~40 times would
    # cost seconds of build time for nothing.
    password_hash = hash_password(DEMO_PASSWORD)
    now = rt.clock.now()
    accounts: dict[str, Account] = {}
    for spec in ACCOUNTS:
        account = await Account.create(
            username=spec.username,
            display_name=spec.display_name,
            phone=spec.phone,
            password_hash=password_hash,
            kind=AccountKind.PERSON,
            locale=spec.locale,
            created_at=now,
        )
        accounts[spec.username] = account
        for role, region_code, department_code in spec.bindings:
            await RoleBinding.create(
                account=account,
                role=role,
                region=city.region(region_code) if region_code else None,
                department=city.departments[department_code] if department_code else None,
            )
    admin = await load_actor(accounts["admin"])
    token, row = await create_api_token(
        rt,
        admin,
        name=HOTLINE_TOKEN_NAME,
        role=Role.INTEGRATION,
        region_id=city.region(HOTLINE_REGION).id,
        scopes=HOTLINE_SCOPES,
    )
    return DemoAccounts(accounts=accounts, hotline_token=token, hotline_token_row=row)
