"""The demo's Party work: organisations, 200+ members registered in Yanqing and the
neighbouring communities, past and open service tasks, and a spread of projects,
difficulties and wishes (some made from the demo's cases), played through the real workflow
on a clock of its own over the last three weeks, so every step is in the event log."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..clock import FrozenClock
from ..models import Account, Case, ListItem, PartyMember, RoleBinding
from ..models.enums import AccountKind, Role
from ..models.lists import ListItemKind
from ..models.party import OrganisationKind, PartyOrganisation, RegistrationStatus
from ..models.tasks import AssignmentStatus, ServiceTask
from ..workflow import lists, party, tasks
from ..workflow.actor import Actor
from ..workflow.auth import hash_password, load_actor
from ..workflow.errors import ErrorCode, WorkflowError
from ..workflow.runtime import Runtime
from .accounts import BAISHAN, DEMO_PASSWORD, LONGMEN, MINXING, TUANJIE, YANQING
from .city import City
from .photos import resolution_photo

PLAY_DAYS = 21
OPEN_ITEMS = ("OPEN", "CLAIMED")
# (community code, its staff account, share of the members)
COMMUNITIES = (
    (YANQING, "community1", 0.4),
    (MINXING, "community2", 0.2),
    (BAISHAN, "community3", 0.15),
    (TUANJIE, "community4", 0.15),
    (LONGMEN, "community5", 0.1),
)
SKILLS = (
    "의료 医疗",
    "수리 维修",
    "법률 法律",
    "요리 烹饪",
    "컴퓨터 电脑",
    "이발 理发",
    "통역 翻译",
)
SURNAMES = (("김", "金"), ("리", "李"), ("박", "朴"), ("최", "崔"), ("정", "郑"), ("한", "韩"))
GIVEN = (("영", "英"), ("철", "哲"), ("순", "顺"), ("명", "明"), ("춘", "春"), ("광", "光"))
# party2 … party5: party2 is secretary of Yanqing's branch, party3 of the heating company's.
PARTY_ACCOUNTS = (
    ("party2", "리철수 李哲洙", "13894350112"),
    ("party3", "박순희 朴顺姬", "13894350233"),
    ("party4", "최광명 崔光明", "13894350344"),
    ("party5", "정춘화 郑春花", "13894350455"),
)
TASKS = (
    "경로당 청소 敬老院打扫",
    "독거노인 방문 探访独居老人",
    "무료 이발 义务理发",
    "쓰레기 분류 안내 垃圾分类宣传",
    "제설 작업 清扫积雪",
    "법률 상담 法律咨询",
    "건강 검진 도우미 健康义诊志愿者",
    "소방 안전 점검 消防安全检查",
)
PROJECTS = (
    "노후 계단 손잡이 설치 加装老旧楼道扶手",
    "단지 가로등 교체 更换小区路灯",
    "주민 활동실 정비 整修居民活动室",
    "놀이터 보수 修缮儿童游乐场",
)
DIFFICULTIES = (
    "난방 미달 민원 집중 供暖不达标投诉集中",
    "주차난 해소 解决停车难",
    "노후 배수관 교체 更换老旧排水管",
)
WISHES = (
    "창문 단열 窗户保温",
    "휠체어 수리 修理轮椅",
    "장보기 도움 帮忙买菜",
    "전등 교체 换灯泡",
    "손자 숙제 지도 辅导孙子作业",
    "병원 동행 陪同就医",
    "수도꼭지 수리 修水龙头",
    "겨울 이불 过冬棉被",
)


Step = Callable[[], Awaitable[None]]
Schedule = Callable[[datetime, Step], None]


@dataclass
class PartyDemo:
    counts: dict[str, int]
    failures: list[str]


def _item_life(
    rt: Runtime,
    at: Schedule,
    rng: random.Random,
    *,
    staff: Actor,
    claimer: Actor | None,
    draft: lists.ItemDraft,
    photo: bytes,
    wishes: list[int],
) -> Step:
    """Create the item; later claim it, tick it off and verify it, as far as time allows."""

    async def create() -> None:
        item = await lists.create_item(rt, staff, draft)
        if item.kind is ListItemKind.WISH:
            wishes.append(item.id)
        if claimer is None or rng.random() < 0.2:
            return
        claimed = rt.clock.now() + timedelta(hours=rng.randrange(2, 48))

        async def claim() -> None:
            await lists.claim_item(rt, claimer, item.id)
            if rng.random() < 0.35:
                return
            done = rt.clock.now() + timedelta(hours=rng.randrange(12, 24 * 9))

            async def complete() -> None:
                note = "완료했습니다 已完成"
                await lists.complete_item(rt, claimer, item.id, note=note, photos=[photo])
                if rng.random() < 0.7:
                    verified = rt.clock.now() + timedelta(hours=rng.randrange(2, 30))

                    async def verify() -> None:
                        await lists.verify_item(rt, staff, item.id)

                    at(verified, verify)

            at(done, complete)

        at(claimed, claim)

    return create


def _task_life(
    rt: Runtime,
    at: Schedule,
    rng: random.Random,
    *,
    staff: Actor,
    members: list[Actor],
    wishes: list[int],
    draft: tasks.TaskDraft,
) -> Step:
    """Post the task; members sign up; on the day they check in; staff complete them."""

    async def post() -> None:
        origin = wishes.pop() if wishes and rng.random() < 0.3 else None
        if origin is not None and not await ListItem.exists(id=origin, status__in=OPEN_ITEMS):
            origin = None
        task = await tasks.create_task(rt, staff, replace(draft, origin_list_item_id=origin))
        span = max(1, int((task.starts_at - rt.clock.now()).total_seconds() // 3600) - 3)
        for actor in rng.sample(members, min(len(members), task.slots + 1)):

            async def sign_up(actor: Actor = actor) -> None:
                assignment = await tasks.sign_up(rt, actor, task.id)
                if rng.random() < 0.9:

                    async def check_in() -> None:
                        await tasks.check_in(rt, actor, assignment.id)

                    at(task.starts_at + timedelta(minutes=rng.randrange(0, 30)), check_in)

                async def settle() -> None:
                    await assignment.refresh_from_db()
                    if assignment.status is AssignmentStatus.CHECKED_IN:
                        await tasks.complete_assignment(rt, staff, assignment.id)
                    elif assignment.status is AssignmentStatus.SIGNED_UP:
                        await tasks.mark_no_show(rt, staff, assignment.id)

                at(task.ends_at + timedelta(minutes=30), settle)

            at(rt.clock.now() + timedelta(hours=rng.randrange(1, span + 1)), sign_up)

    return post


async def _account(
    username: str, name: str, phone: str, password_hash: str, at: datetime
) -> Account:
    account = await Account.get_or_none(username=username)
    if account is None:
        account = await Account.create(
            username=username,
            display_name=name,
            phone=phone,
            password_hash=password_hash,
            kind=AccountKind.PERSON,
            locale="ko",
            created_at=at,
        )
    return account


async def build_party(
    rt: Runtime, city: City, *, members: int = 220, seed: int = 2026
) -> PartyDemo:
    """Play three weeks of Party work ending at `rt.clock.now()`; `members` ≥ 5."""
    rng = random.Random(seed)
    now = rt.clock.now()
    clock = FrozenClock(now - timedelta(days=PLAY_DAYS))
    play = Runtime(settings=rt.settings, clock=clock)
    failures: list[str] = []
    password_hash = hash_password(DEMO_PASSWORD)  # once, shared like demo.accounts does
    yanqing = city.region(YANQING)

    # organisations: the city committee, a branch per community, two workplace branches
    committee = await party.create_organisation(
        play,
        kind=OrganisationKind.COMMITTEE,
        name=("연길시 사회구역 당위원회", "延吉市社区党委", "Yanji Community Party Committee"),
        region=city.region("222401"),
    )
    branches: dict[str, PartyOrganisation] = {}
    for code, _, _ in COMMUNITIES:
        region = city.region(code)
        branches[code] = await party.create_organisation(
            play,
            kind=OrganisationKind.BRANCH,
            name=(
                f"{region.name_ko} 당지부",
                f"{region.name_zh}党支部",
                f"{region.name_en} Branch",
            ),
            region=region,
            parent=committee if code != LONGMEN else None,
        )
    heating = city.departments["yanji-heating-co"]
    workplace = await party.create_organisation(
        play,
        kind=OrganisationKind.BRANCH,
        name=("열공급회사 당지부", "供热公司党支部", "Heating Company Branch"),
        region=city.region("222401"),
        parent=committee,
        workplace=heating.name_zh,
    )
    hospital = await party.create_organisation(
        play,
        kind=OrganisationKind.BRANCH,
        name=("연변병원 당지부", "延边医院党支部", "Yanbian Hospital Branch"),
        region=city.region("222401"),
        parent=committee,
        workplace="延边医院",
    )

    # party1 … party5 serve in Yanqing; party2 and party3 are secretaries
    named: dict[str, Account] = {}
    for username, name, phone in PARTY_ACCOUNTS:
        account = await _account(username, name, phone, password_hash, clock.now())
        if not await RoleBinding.exists(account_id=account.id, role=Role.PARTY_MEMBER):
            await RoleBinding.create(account=account, role=Role.PARTY_MEMBER, region=yanqing)
            await RoleBinding.create(account=account, role=Role.RESIDENT, region=yanqing)
        named[username] = account
    named["party1"] = await Account.get(username="party1")
    await PartyOrganisation.filter(id=branches[YANQING].id).update(secretary_id=named["party2"].id)
    await PartyOrganisation.filter(id=workplace.id).update(secretary_id=named["party3"].id)
    for index, username in enumerate(("party1", "party2", "party3", "party4", "party5")):
        org = workplace if username == "party3" else branches[YANQING]
        await party.create_member(
            play,
            named[username],
            organisation=org,
            workplace=heating.name_zh if username == "party3" else "",
            skills=[SKILLS[index % len(SKILLS)]],
            community=yanqing,
            confirmed=True,
        )

    # the organisations register with the communities they serve
    staff: dict[str, Actor] = {}
    for code, username, _ in COMMUNITIES:
        staff[code] = await load_actor(await Account.get(username=username))
    admin = await load_actor(await Account.get(username="admin"))
    for org, code in (
        (workplace, YANQING),
        (hospital, MINXING),
        *[(b, c) for c, b in branches.items()],
    ):
        await party.register_organisation(play, admin, org.id, city.region(code).id)
        if rng.random() < 0.9:
            await party.confirm_organisation(play, staff[code], org.id)

    # the rank and file: registered where they live, most confirmed by the staff
    member_actors: dict[str, list[Actor]] = {code: [] for code, _, _ in COMMUNITIES}
    wishes: dict[str, list[int]] = {code: [] for code, _, _ in COMMUNITIES}
    for username in ("party1", "party2", "party3", "party4", "party5"):
        member_actors[YANQING].append(await load_actor(named[username]))
    for i in range(max(0, members - 5)):
        code = rng.choices([c for c, _, _ in COMMUNITIES], [w for _, _, w in COMMUNITIES])[0]
        region = city.region(code)
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        account = await _account(
            f"member{i + 1:03d}",
            f"{surname[0]}{given[0]}{rng.choice(GIVEN)[0]} {surname[1]}{given[1]}",
            f"139{rng.randrange(10**8):08d}",
            password_hash,
            clock.now(),
        )
        await RoleBinding.create(account=account, role=Role.PARTY_MEMBER, region=region)
        org = rng.choice([branches[code], branches[code], workplace, hospital])
        member = await party.create_member(
            play,
            account,
            organisation=org,
            workplace=org.workplace,
            skills=rng.sample(SKILLS, rng.randrange(0, 3)),
        )
        actor = await load_actor(account)
        await party.register_with_community(play, actor, region.id)
        if rng.random() < 0.92:
            await party.confirm_registration(play, staff[code], member.id)
            member_actors[code].append(actor)

    # Everything after the registrations is played in time order: (when, what) pairs run on
    # the demo's own clock, and a step that would fall after `now` is left undone.
    steps: list[tuple[datetime, int, Step]] = []

    def at(when: datetime, step: Step) -> None:
        if when < now - timedelta(minutes=5):
            steps.append((when, len(steps), step))

    leader = await load_actor(await Account.get(username="leader1"))
    secretary = await load_actor(named["party2"])
    photo = resolution_photo()
    start = clock.now()
    for code, _, _ in COMMUNITIES:
        region = city.region(code)
        cases = [c.id for c in await Case.filter(region_path__startswith=region.path).limit(6)]
        plan = [(ListItemKind.PROJECT, t) for t in PROJECTS]
        plan += [(ListItemKind.DIFFICULTY, t) for t in DIFFICULTIES]
        plan += [(ListItemKind.WISH, t) for t in rng.sample(WISHES, 6)]
        for kind, title in plan:
            case_ids = [cases.pop()] if cases and rng.random() < 0.4 else []
            created = start + timedelta(hours=rng.randrange(1, 24 * 12))
            if kind is ListItemKind.DIFFICULTY:
                claimer: Actor | None = (
                    leader if leader.covers(region.path, {Role.LEADER}) else None
                )
            elif kind is ListItemKind.PROJECT:
                claimer = secretary if code == YANQING else None
            else:
                claimer = rng.choice(member_actors[code]) if member_actors[code] else None
            at(
                created,
                _item_life(
                    play,
                    at,
                    rng,
                    staff=staff[code],
                    claimer=claimer,
                    draft=lists.ItemDraft(
                        kind=kind,
                        title=title,
                        region_id=region.id,
                        due_at=created + timedelta(days=rng.choice((5, 10, 14, 30))),
                        case_ids=case_ids,
                    ),
                    photo=photo,
                    wishes=wishes[code],
                ),
            )

    for code, _, _ in COMMUNITIES:
        for n in range(8):
            future = n >= 6
            posted = (
                now - timedelta(days=rng.randrange(1, 4))
                if future
                else start + timedelta(days=1 + n * 2.5, hours=rng.randrange(0, 12))
            )
            starts = (
                now + timedelta(days=rng.randrange(1, 8), hours=rng.randrange(0, 8))
                if future
                else posted + timedelta(days=rng.randrange(1, 3), hours=rng.randrange(0, 8))
            )
            at(
                posted,
                _task_life(
                    play,
                    at,
                    rng,
                    staff=staff[code],
                    members=member_actors[code],
                    wishes=wishes[code],
                    draft=tasks.TaskDraft(
                        title=rng.choice(TASKS),
                        region_id=city.region(code).id,
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=rng.choice((2, 3, 4))),
                        slots=rng.randrange(3, 9),
                        place=city.region(code).name_zh,
                        skills=rng.sample(SKILLS, rng.randrange(0, 2)),
                        open_to_all=rng.random() < 0.2,
                    ),
                ),
            )

    while steps:
        steps.sort(key=lambda s: (s[0], s[1]))
        when, _, step = steps.pop(0)
        clock.set(max(when, clock.now()))
        try:
            await step()
        except WorkflowError as exc:
            if exc.code not in (ErrorCode.FULL, ErrorCode.OVERLAP):  # the rules at work
                failures.append(exc.message)

    counts = {
        "party_organisations": await PartyOrganisation.all().count(),
        "party_members": await PartyMember.all().count(),
        "party_members_confirmed": await PartyMember.filter(
            registration=RegistrationStatus.CONFIRMED
        ).count(),
        "service_tasks": await ServiceTask.all().count(),
        "list_items": await ListItem.all().count(),
        "regions_with_members": len({m.community_id for m in await PartyMember.all()}),
    }
    return PartyDemo(counts=counts, failures=failures)
