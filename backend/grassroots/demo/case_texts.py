"""Bilingual (Korean, Chinese) words for demo cases: problems per category, and the notes,
reasons and comments people write as a case moves along."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..models.enums import Satisfaction


@dataclass(frozen=True)
class Problem:
    title_ko: str
    title_zh: str
    # Placeholders: {place_ko} {place_zh} (a named block), {b} building, {u} unit, {r} room.
    text_ko: str
    text_zh: str


P = Problem
PROBLEMS: dict[str, list[Problem]] = {
    "heating.pipe-leak": [
        P(
            "난방관 누수",
            "暖气管道漏水",
            "{place_ko} {b}동 {u}단원 {r}호 난방관에서 물이 새고 난방이 끊겼습니다. "
            "빨리 처리해 주십시오.",
            "{place_zh}{b}号楼{u}单元{r}室暖气管道漏水，家里已经停暖，请尽快处理。",
        ),
        P(
            "지하실 난방 주관 누수",
            "地下室供热主管道渗漏",
            "{place_ko} {b}동 지하실 난방 주관에서 뜨거운 물이 흘러나와 바닥에 고였습니다.",
            "{place_zh}{b}号楼地下室供热主管道渗漏，热水流到地面积水。",
        ),
    ],
    "heating.no-heat": [
        P(
            "난방이 차갑습니다",
            "暖气不热",
            "{place_ko} {b}동 {u}단원 {r}호, 라지에터가 미지근하고 실내 온도가 15도밖에 안 됩니다.",
            "{place_zh}{b}号楼{u}单元{r}室暖气片不热，室温只有15度。",
        ),
        P(
            "고층 난방 순환 불량",
            "高层暖气循环不畅",
            "{place_ko} {b}동 고층 세대들의 난방이 잘 돌지 않습니다. 공기를 빼야 할 것 같습니다.",
            "{place_zh}{b}号楼高层住户暖气循环不畅，可能需要排气。",
        ),
    ],
    "heating.billing": [
        P(
            "난방비 납부 문의",
            "供热收费咨询",
            "{place_ko} {b}동 주민입니다. 올해 난방비 기준과 감면 정책을 알고 싶습니다.",
            "{place_zh}{b}号楼居民，想了解今年供热收费标准和减免政策。",
        ),
    ],
    "water.outage": [
        P(
            "예고 없는 단수",
            "突然停水",
            "{place_ko} {b}동 전체가 아침부터 물이 나오지 않습니다. "
            "단수 통지를 받은 적이 없습니다.",
            "{place_zh}{b}号楼从早上开始停水，事先没有接到停水通知。",
        ),
        P(
            "수압이 너무 낮습니다",
            "水压过低",
            "{place_ko} {b}동 {u}단원 고층은 수압이 낮아 세탁기를 쓸 수 없습니다.",
            "{place_zh}{b}号楼{u}单元高层水压过低，洗衣机无法使用。",
        ),
    ],
    "water.pipe-burst": [
        P(
            "상수도관 파열",
            "自来水管道爆裂",
            "{place_ko} 앞 도로 밑 상수도관이 터져 물이 도로로 넘칩니다. 얼어붙을까 걱정됩니다.",
            "{place_zh}门前路面下自来水管道爆裂，水漫到路面，担心结冰。",
        ),
    ],
    "water.quality": [
        P(
            "수도물이 누렇습니다",
            "自来水发黄",
            "{place_ko} {b}동 수도물이 누렇고 냄새가 납니다.",
            "{place_zh}{b}号楼自来水发黄、有异味。",
        ),
    ],
    "roads.pothole": [
        P(
            "도로가 움푹 패였습니다",
            "路面坑洼",
            "{place_ko} 입구 도로에 큰 웅덩이가 생겨 차량과 행인이 위험합니다.",
            "{place_zh}入口路面出现大坑，车辆和行人通行危险。",
        ),
    ],
    "roads.streetlight": [
        P(
            "가로등 고장",
            "路灯不亮",
            "{place_ko} 옆 골목 가로등 세 개가 며칠째 켜지지 않아 밤길이 어둡습니다.",
            "{place_zh}旁边胡同三盏路灯好几天不亮，夜里走路很黑。",
        ),
    ],
    "roads.manhole": [
        P(
            "맨홀 뚜껑 유실",
            "井盖缺失",
            "{place_ko} {b}동 앞 인도의 맨홀 뚜껑이 없어졌습니다. 아이들이 빠질까 걱정됩니다.",
            "{place_zh}{b}号楼前人行道井盖丢失，担心孩子掉下去。",
        ),
    ],
    "sanitation.garbage": [
        P(
            "쓰레기 방치",
            "垃圾堆放未清运",
            "{place_ko} {b}동 옆 쓰레기가 사흘째 치워지지 않아 냄새가 심합니다.",
            "{place_zh}{b}号楼旁垃圾三天没有清运，气味很大。",
        ),
    ],
    "sanitation.snow": [
        P(
            "눈 치우기 요청",
            "积雪清理",
            "{place_ko} 안 도로에 눈이 쌓이고 얼어서 로인들이 미끄러집니다.",
            "{place_zh}院内道路积雪结冰，老人容易滑倒。",
        ),
    ],
    "sanitation.illegal-ad": [
        P(
            "불법 광고물",
            "小广告乱贴",
            "{place_ko} {b}동 계단과 벽에 소광고가 가득 붙어 있습니다.",
            "{place_zh}{b}号楼楼道墙上贴满小广告。",
        ),
    ],
    "housing.elevator": [
        P(
            "엘리베이터 고장",
            "电梯故障",
            "{place_ko} {b}동 {u}단원 엘리베이터가 멈췄습니다. 고층에 로인들이 많이 삽니다.",
            "{place_zh}{b}号楼{u}单元电梯停运，高层住着很多老人。",
        ),
    ],
    "housing.roof-leak": [
        P(
            "지붕 누수",
            "屋顶漏水",
            "{place_ko} {b}동 꼭대기층 {r}호 천장에서 물이 샙니다.",
            "{place_zh}{b}号楼顶层{r}室天花板漏水。",
        ),
    ],
    "housing.stairwell": [
        P(
            "계단 조명 고장",
            "楼道灯不亮",
            "{place_ko} {b}동 {u}단원 계단 센서등이 고장 났습니다.",
            "{place_zh}{b}号楼{u}单元楼道声控灯坏了。",
        ),
    ],
    "safety.gas": [
        P(
            "가스 냄새",
            "闻到燃气味",
            "{place_ko} {b}동 {u}단원 계단에서 가스 냄새가 납니다. 긴급히 점검해 주십시오.",
            "{place_zh}{b}号楼{u}单元楼道有燃气味，请紧急排查。",
        ),
    ],
    "safety.fire-lane": [
        P(
            "소방 통로 막힘",
            "消防通道被占",
            "{place_ko} {b}동 앞 소방 통로에 차량과 잡동사니가 쌓여 있습니다.",
            "{place_zh}{b}号楼前消防通道被车辆和杂物占用。",
        ),
    ],
    "safety.public-order": [
        P(
            "야간 소란",
            "夜间滋扰",
            "{place_ko} 근처에서 밤마다 술에 취한 사람들이 소란을 피웁니다.",
            "{place_zh}附近每晚有醉酒人员吵闹滋事。",
        ),
    ],
    "disputes.noise": [
        P(
            "층간 소음",
            "楼上噪音扰民",
            "{place_ko} {b}동 {r}호 윗집에서 밤늦게까지 소음이 심합니다. "
            "여러 번 말해도 소용없습니다.",
            "{place_zh}{b}号楼{r}室楼上深夜噪音严重，多次沟通无果。",
        ),
    ],
    "disputes.parking": [
        P(
            "주차 분쟁",
            "停车纠纷",
            "{place_ko} 안에 외부 차량이 오래 세워져 있어 주민들이 차를 댈 곳이 없습니다.",
            "{place_zh}院内外来车辆长期占位，居民无处停车。",
        ),
    ],
    "disputes.water-damage": [
        P(
            "윗집 누수 분쟁",
            "楼上漏水纠纷",
            "{place_ko} {b}동 윗집 화장실에서 물이 새 우리 집 천장이 젖었는데 "
            "윗집이 수리를 거부합니다.",
            "{place_zh}{b}号楼楼上卫生间漏水导致我家天花板受潮，楼上拒绝维修。",
        ),
    ],
    "welfare.elderly": [
        P(
            "독거로인 돌봄 요청",
            "独居老人需要照顾",
            "{place_ko} {b}동에 혼자 사는 80대 어르신이 며칠째 외출하지 않았습니다. "
            "방문 부탁드립니다.",
            "{place_zh}{b}号楼一位八十多岁独居老人几天没有出门，请上门看看。",
        ),
    ],
    "welfare.subsidy": [
        P(
            "최저생활보장 신청 문의",
            "低保申请咨询",
            "{place_ko} {b}동 주민입니다. "
            "실직 후 생활이 어려워 최저생활보장 신청 방법을 알고 싶습니다.",
            "{place_zh}{b}号楼居民，失业后生活困难，想咨询低保申请。",
        ),
    ],
    "welfare.accessibility": [
        P(
            "무장애 경사로 필요",
            "需要无障碍坡道",
            "{place_ko} {b}동 입구에 계단만 있어 휠체어를 탄 주민이 드나들기 어렵습니다.",
            "{place_zh}{b}号楼入口只有台阶，轮椅出入困难。",
        ),
    ],
}

# The teachers' apartment block of the field story.
SHOWCASE = P(
    "교원아빠트 난방관 누수",
    "教师公寓暖气管道漏水",
    "교원아빠트 3동 난방관이 새서 온 동의 난방이 끊겼습니다. 로인과 아이들이 추위에 떨고 있습니다.",
    "教师公寓3号楼暖气管道漏水，整栋楼停暖，老人孩子都很冷。",
)

# What the handler writes on resolving, per category.
RESOLUTIONS: dict[str, list[str]] = {
    "heating.pipe-leak": [
        "누수 구간 배관을 교체하고 난방을 재개했습니다. 已更换漏水管段，恢复供热。",
        "밸브를 수리하고 바닥의 물을 치웠습니다. 已维修阀门并清理地面积水。",
    ],
    "heating.no-heat": [
        "라지에터 공기를 빼고 순환을 조절했습니다. 실내 온도 20도 확인. "
        "已为暖气片排气并调节循环，室温达到20度。",
    ],
    "heating.billing": [
        "난방비 기준과 감면 정책을 설명해 드렸습니다. 已解释收费标准和减免政策。",
    ],
    "water.outage": [
        "관로 수리를 마치고 급수를 회복했습니다. 管网维修完毕，已恢复供水。",
        "가압 펌프를 조절해 수압을 회복했습니다. 已调节加压泵，水压恢复正常。",
    ],
    "water.pipe-burst": [
        "파열된 관을 긴급 수리하고 도로의 물을 치웠습니다. 已抢修破裂管道并清理路面积水。"
    ],
    "water.quality": ["수질 검사 결과 정상이며 관로를 세척했습니다. 水质检测合格，已冲洗管网。"],
    "roads.pothole": ["파손된 노면을 아스팔트로 보수했습니다. 已用沥青修补路面。"],
    "roads.streetlight": [
        "전선과 등을 교체해 가로등이 다시 켜졌습니다. 已更换线路和灯具，路灯恢复照明。"
    ],
    "roads.manhole": ["새 맨홀 뚜껑을 설치했습니다. 已安装新井盖。"],
    "sanitation.garbage": ["쓰레기를 모두 치우고 소독했습니다. 垃圾已全部清运并消毒。"],
    "sanitation.snow": ["눈을 치우고 모래를 뿌렸습니다. 已清雪并撒防滑沙。"],
    "sanitation.illegal-ad": ["소광고를 모두 제거했습니다. 已清除全部小广告。"],
    "housing.elevator": [
        "부품을 교체하고 안전 검사를 통과했습니다. 电梯已更换部件并通过安全检查。",
    ],
    "housing.roof-leak": ["지붕 방수층을 보수했습니다. 已修补屋顶防水层。"],
    "housing.stairwell": ["계단 센서등을 교체했습니다. 已更换楼道声控灯。"],
    "safety.gas": [
        "가스관 접속부 누출을 막고 안전 점검을 마쳤습니다. 已封堵燃气管接口泄漏并完成安全检查。"
    ],
    "safety.fire-lane": [
        "차주에게 연락해 차량을 옮기고 잡물을 치웠습니다. 已联系车主挪车并清理杂物。"
    ],
    "safety.public-order": [
        "순찰을 강화하고 관련자에게 경고했습니다. 已加强巡逻并对相关人员进行警告。"
    ],
    "disputes.noise": [
        "사회구역 조정위원회가 쌍방을 조정해 합의했습니다. 社区调委会调解，双方达成一致。"
    ],
    "disputes.parking": [
        "외부 차량 관리 규정을 정하고 차량을 옮겼습니다. 已制定外来车辆管理办法并挪走车辆。"
    ],
    "disputes.water-damage": [
        "쌍방 면담 후 윗집이 방수 공사를 하기로 합의했습니다. 约谈双方后，楼上同意做防水。",
    ],
    "welfare.elderly": [
        "어르신 댁을 방문하고 돌봄 봉사를 련결했습니다. 已上门探望老人并对接关爱服务。",
    ],
    "welfare.subsidy": [
        "신청 절차를 안내하고 서류 접수를 도왔습니다. 已指导申请流程并协助递交材料。"
    ],
    "welfare.accessibility": ["입구에 무장애 경사로를 설치했습니다. 已在入口修建无障碍坡道。"],
}

ACCEPT_NOTES = [
    "접수했습니다. 담당 부문에 넘기겠습니다. 已受理，将转交相关部门。",
    "망격원이 현장을 확인했습니다. 网格员已到现场核实。",
    "",
]
WHISTLE_NOTES = [
    "주민 불편이 큽니다. 빨리 보도해 주십시오. 群众反映强烈，请尽快报到处置。",
    "사회구역에서 해결하기 어려워 호각을 붑니다. 社区难以独立解决，特此吹哨。",
    "관련 부문은 제때에 현장에 나와 주십시오. 请相关部门及时到场。",
]
ARRIVE_NOTES = [
    "현장에 도착했습니다. 已到达现场。",
    "현장 조사 중입니다. 正在现场勘查。",
    "주민과 함께 현장을 확인했습니다. 已与居民一起查看现场。",
]
COMMENTS = [
    "주민과 전화로 소통했습니다. 已与居民电话沟通。",
    "망격원이 진행 상황을 따라가고 있습니다. 网格员正在跟进。",
    "부품을 기다리는 중입니다. 正在等待配件。",
]
REJECT_REASONS = [
    "개인 간 민사 문제로, 법률 절차로 해결하도록 안내했습니다. "
    "属个人民事纠纷，已引导通过法律途径解决。",
    "이미 처리된 문제입니다. 问题已处理完毕，无需重复受理。",
    "관할 범위가 아니어서 해당 기관을 안내했습니다. 不属于受理范围，已告知对应机构。",
]
MERGE_NOTES = ["같은 문제의 중복 신고입니다. 同一问题重复反映，合并处理。"]
CLOSE_REASONS = ["주민이 기한 내 평가하지 않아 결안합니다. 居民逾期未评价，予以销号。"]
REOPEN_REASONS = ["주민이 다시 문제를 제기했습니다. 居民反映问题复发。"]
ESCALATE_NOTES = ["상급에서 다시 호각을 붑니다. 上级重新吹哨调度。"]
RATING_COMMENTS: dict[Satisfaction, list[str]] = {
    Satisfaction.SATISFIED: [
        "빨리 해결해 주셔서 감사합니다! 处理得很快，谢谢！",
        "만족합니다. 很满意。",
        "직원분들이 친절했습니다. 工作人员很热情。",
    ],
    Satisfaction.BASICALLY_SATISFIED: [
        "해결은 됐지만 좀 늦었습니다. 问题解决了，但是有点慢。",
        "기본적으로 만족합니다. 基本满意。",
    ],
    Satisfaction.UNSATISFIED: [
        "아직도 해결되지 않았습니다. 问题还没有彻底解决。",
        "며칠 만에 또 같은 문제가 생겼습니다. 没几天又出现同样的问题。",
    ],
}
CALLBACK_PREFIX = "전화 회방 电话回访: "
CALLERS = ["王女士", "李先生", "金女士", "朴先生", "张先生", "崔女士", "赵先生", "韩女士"]


@dataclass(frozen=True)
class CaseText:
    title: str
    description: str
    place_ko: str
    place_zh: str
    building: int


def compose(
    rng: random.Random,
    category_code: str,
    places: tuple[tuple[str, str], ...],
    problem: Problem | None = None,
) -> CaseText:
    """Title "난방관 누수 暖气管道漏水" and a description in both languages."""
    problem = problem or rng.choice(PROBLEMS.get(category_code) or PROBLEMS["heating.no-heat"])
    place_ko, place_zh = rng.choice(places) if places else ("", "")
    building, unit = rng.randint(1, 12), rng.randint(1, 4)
    room = rng.randint(1, 7) * 100 + rng.randint(1, 4)
    values = {"place_ko": place_ko, "place_zh": place_zh, "b": building, "u": unit, "r": room}
    return CaseText(
        title=f"{problem.title_ko} {problem.title_zh}",
        description=f"{problem.text_ko.format(**values)}\n{problem.text_zh.format(**values)}",
        place_ko=place_ko,
        place_zh=place_zh,
        building=building,
    )


def resolution_note(rng: random.Random, category_code: str) -> str:
    return rng.choice(RESOLUTIONS.get(category_code) or ["처리를 완료했습니다. 已处理完毕。"])


def caller_phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}0433{rng.randint(0, 9999):04d}"
