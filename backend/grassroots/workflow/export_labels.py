"""The words of an export in Korean, Chinese and English: column headers and enum values.

Names of regions, departments, categories and organisations come from their own name_ko /
name_zh / name_en columns; everything else an export writes in words is here.
"""

from __future__ import annotations

from enum import StrEnum

from ..models.enums import CaseStatus, Satisfaction, Source, Urgency
from ..models.lists import ListItemKind, ListItemStatus
from ..models.tasks import AssignmentStatus

LANGUAGES = ("ko", "zh", "en")
_INDEX = {language: i for i, language in enumerate(LANGUAGES)}

# Column key → (ko, zh, en)
HEADERS: dict[str, tuple[str, str, str]] = {
    # cases
    "number": ("번호", "编号", "Number"),
    "title": ("제목", "标题", "Title"),
    "status": ("상태", "状态", "Status"),
    "category": ("분류", "类别", "Category"),
    "source": ("경로", "来源", "Source"),
    "urgency": ("긴급도", "紧急程度", "Urgency"),
    "region": ("지역", "区域", "Region"),
    "address": ("주소", "地址", "Address"),
    "reporter": ("신고인", "报告人", "Reporter"),
    "phone": ("연락처", "联系电话", "Phone"),
    "lead_department": ("주관부문", "牵头部门", "Lead department"),
    "reported_at": ("신고시간", "上报时间", "Reported at"),
    "claim_due_at": ("보도기한", "报到期限", "Claim due"),
    "claimed_at": ("보도시간", "报到时间", "Claimed at"),
    "resolve_due_at": ("처리기한", "办结期限", "Resolve due"),
    "resolved_at": ("처리시간", "办结时间", "Resolved at"),
    "closed_at": ("종결시간", "销号时间", "Closed at"),
    "satisfaction": ("만족도", "满意度", "Satisfaction"),
    "resolved_in_time": ("기한내처리", "按期办结", "Resolved in time"),
    # list items
    "kind": ("종류", "类型", "Kind"),
    "requested_by": ("요청인", "申请人", "Requested by"),
    "claimed_by": ("담당자", "认领人", "Claimed by"),
    "organisation": ("당조직", "党组织", "Party organisation"),
    "created_at": ("등록시간", "创建时间", "Created at"),
    "due_at": ("기한", "期限", "Due"),
    "done_at": ("완료시간", "完成时间", "Done at"),
    "verified_at": ("확인시간", "核验时间", "Verified at"),
    "done_in_time": ("기한내완료", "按期完成", "Done in time"),
    # service records
    "task": ("봉사과제", "服务任务", "Service task"),
    "place": ("장소", "地点", "Place"),
    "starts_at": ("시작시간", "开始时间", "Starts at"),
    "ends_at": ("종료시간", "结束时间", "Ends at"),
    "member": ("당원", "党员", "Party member"),
    "signed_up_at": ("신청시간", "报名时间", "Signed up at"),
    "checked_in_at": ("출석시간", "签到时间", "Checked in at"),
    "completed_at": ("완료시간", "完成时间", "Completed at"),
    "service_hours": ("봉사시간(시간)", "服务时长(小时)", "Service hours"),
    # the monthly department report
    "rank": ("순위", "排名", "Rank"),
    "department": ("부문", "部门", "Department"),
    "responses_due": ("보도대상", "应报到", "Responses due"),
    "responses_on_time": ("기한내보도", "按时报到", "Responses on time"),
    "response_rate": ("응답률", "响应率", "Response rate"),
    "resolved": ("처리건수", "办结数", "Resolved"),
    "resolved_on_time": ("기한내처리건수", "按期办结数", "Resolved on time"),
    "resolution_rate": ("처리율", "办结率", "Resolution rate"),
    "ratings": ("평가건수", "评价数", "Ratings"),
    "ratings_satisfied": ("만족건수", "满意数", "Satisfied"),
    "satisfaction_rate": ("만족률", "满意率", "Satisfaction rate"),
    "mean_minutes_to_claim": ("평균보도시간(분)", "平均报到时长(分钟)", "Mean minutes to claim"),
    "mean_hours_to_resolve": ("평균처리시간(시간)", "平均办结时长(小时)", "Mean hours to resolve"),
    "note": ("비고", "备注", "Note"),
}

VALUES: dict[type[StrEnum], dict[str, tuple[str, str, str]]] = {
    CaseStatus: {
        "REPORTED": ("신고됨", "已上报", "Reported"),
        "ACCEPTED": ("접수됨", "已受理", "Accepted"),
        "DISPATCHED": ("호출됨", "已吹哨", "Dispatched"),
        "IN_PROGRESS": ("처리중", "处理中", "In progress"),
        "RESOLVED": ("처리완료", "已办结", "Resolved"),
        "CLOSED": ("종결", "已销号", "Closed"),
        "REJECTED": ("반려", "已驳回", "Rejected"),
        "MERGED": ("병합", "已合并", "Merged"),
    },
    Source: {
        "APP_PHOTO": ("앱 사진신고", "随手拍", "App photo"),
        "HOTLINE_12345": ("12345 핫라인", "12345热线", "12345 hotline"),
        "STREET_WHISTLE": ("가두 호출", "街道吹哨", "Street whistle"),
        "SELF_MEDIA": ("자체미디어", "自媒体", "Self-media"),
        "LETTERS_VISITS": ("신방", "信访", "Letters and visits"),
        "DOOR_TO_DOOR": ("입호방문", "入户走访", "Door to door"),
        "PARTY_LISTENING": ("당원 민원청취", "党员听民声", "Party listening"),
        "OTHER": ("기타", "其他", "Other"),
    },
    Urgency: {
        "NORMAL": ("보통", "一般", "Normal"),
        "URGENT": ("긴급", "紧急", "Urgent"),
        "CRITICAL": ("특급", "特急", "Critical"),
    },
    Satisfaction: {
        "SATISFIED": ("만족", "满意", "Satisfied"),
        "BASICALLY_SATISFIED": ("기본만족", "基本满意", "Basically satisfied"),
        "UNSATISFIED": ("불만족", "不满意", "Unsatisfied"),
    },
    ListItemKind: {
        "PROJECT": ("실사항목", "实事项目", "Practical project"),
        "DIFFICULTY": ("난제", "难题", "Difficulty"),
        "WISH": ("작은 소원", "微心愿", "Small wish"),
    },
    ListItemStatus: {
        "OPEN": ("미인수", "待认领", "Open"),
        "CLAIMED": ("인수됨", "已认领", "Claimed"),
        "DONE": ("완료", "已完成", "Done"),
        "VERIFIED": ("확인됨", "已核验", "Verified"),
    },
    AssignmentStatus: {
        "SIGNED_UP": ("신청", "已报名", "Signed up"),
        "CHECKED_IN": ("출석", "已签到", "Checked in"),
        "COMPLETED": ("완료", "已完成", "Completed"),
        "CANCELLED": ("취소", "已取消", "Cancelled"),
        "NO_SHOW": ("불참", "未到", "No-show"),
    },
}

YES_NO = {True: ("예", "是", "Yes"), False: ("아니오", "否", "No")}

# What a file or sheet is called: export kind → (ko, zh, en)
TITLES: dict[str, tuple[str, str, str]] = {
    "CASES": ("사건", "案件", "Cases"),
    "LIST_ITEMS": ("3개 목록", "三张清单", "Lists"),
    "SERVICE_RECORDS": ("봉사기록", "服务记录", "Service records"),
    "DEPARTMENT_MONTHLY": ("부문 월간보고", "部门月度报告", "Department monthly report"),
}


def _pick(words: tuple[str, str, str], language: str) -> str:
    return words[_INDEX[language]]


def header(key: str, language: str) -> str:
    return _pick(HEADERS[key], language)


def value(item: StrEnum | None, language: str) -> str | None:
    """An enum value in words; the value itself if no words were written for it."""
    if item is None:
        return None
    words = VALUES.get(type(item), {}).get(item.value)
    return _pick(words, language) if words else item.value


def yes_no(flag: bool | None, language: str) -> str | None:
    return None if flag is None else _pick(YES_NO[flag], language)


def title(kind: str, language: str) -> str:
    return _pick(TITLES[kind], language)


def total(region_name: str, language: str) -> str:
    return {"ko": f"{region_name} 합계", "zh": f"{region_name}合计", "en": f"{region_name} total"}[
        language
    ]


def not_ranked(min_volume: int, language: str) -> str:
    """Why a department has no rank in the monthly report."""
    return {
        "ko": f"보도대상 {min_volume}건 미만: 순위 제외",
        "zh": f"应报到不足{min_volume}件，不参与排名",
        "en": f"Fewer than {min_volume} responses due: not ranked",
    }[language]
