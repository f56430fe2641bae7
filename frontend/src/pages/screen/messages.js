// The wall screen's words, under the `screen` namespace.
export default {
  ko: {
    screen: {
      title: "실시간 상황판",
      signIn: "상황판 로그인",
      loading: "상황판을 불러오는 중…",
      noRegion: "표시할 지역이 없습니다",
      kpi: {
        newToday: "오늘 접수", open: "처리 중", overdue: "기한 초과", closedToday: "오늘 종결",
        responseRate: "응답률", resolutionRate: "해결률", satisfactionRate: "만족률",
        last30: "30일 {value}",
      },
      map: { title: "그리드별 미결 민원", open: "미결 {count}건" },
      feed: { title: "실시간 동향", empty: "새 소식을 기다리는 중…" },
      ranking: {
        title: "부서 순위 (30일)", department: "부서", response: "응답", resolution: "해결",
        satisfaction: "만족", empty: "아직 순위를 매길 부서가 없습니다",
      },
      trend: { title: "최근 30일 추이", reported: "접수", closed: "종결" },
      lists: {
        title: "세 가지 목록", projects: "실천 사업", difficulties: "간부 난제", wishes: "작은 소원",
        progress: "{done} / {total} 완료", claimed: "{count}건 인수",
      },
      service: {
        title: "당원 봉사", members: "등록 당원", tasks: "봉사 과제", signUps: "신청",
        completed: "완료", hours: "봉사 시간",
      },
      event: {
        case_reported: "새 신고", case_accepted: "접수", case_whistled: "호루라기 호출",
        case_claimed: "부서 보고·인수", case_self_handled: "지역사회 직접 처리",
        case_arrived: "현장 도착", case_resolved: "해결", case_closed: "종결",
        case_escalated: "상급 이관", case_reopened: "재처리",
        list_item_created: "목록 등록", list_item_claimed: "목록 인수",
        list_item_done: "목록 완료", wish_claimed: "작은 소원 인수",
        wish_done: "작은 소원 실현", task_created: "새 봉사 과제",
        assignment_signed_up: "당원 봉사 신청",
      },
      taskSlots: "{taken}/{slots}명",
    },
  },
  zh: {
    screen: {
      title: "基层治理指挥大屏",
      signIn: "大屏登录",
      loading: "大屏加载中…",
      noRegion: "没有可显示的区域",
      kpi: {
        newToday: "今日上报", open: "在办", overdue: "超期", closedToday: "今日销号",
        responseRate: "响应率", resolutionRate: "办结率", satisfactionRate: "满意率",
        last30: "近30天 {value}",
      },
      map: { title: "网格在办问题分布", open: "在办 {count} 件" },
      feed: { title: "实时动态", empty: "等待新动态…" },
      ranking: {
        title: "部门排名（近30天）", department: "部门", response: "响应", resolution: "办结",
        satisfaction: "满意", empty: "暂无可排名的部门",
      },
      trend: { title: "近30天趋势", reported: "上报", closed: "销号" },
      lists: {
        title: "三张清单", projects: "实事项目", difficulties: "干部难题", wishes: "微心愿",
        progress: "完成 {done} / {total}", claimed: "已认领 {count}",
      },
      service: {
        title: "党员服务", members: "报到党员", tasks: "服务任务", signUps: "报名",
        completed: "完成服务", hours: "服务时长",
      },
      event: {
        case_reported: "新上报", case_accepted: "已受理", case_whistled: "街乡吹哨",
        case_claimed: "部门报到认领", case_self_handled: "社区自办",
        case_arrived: "到达现场", case_resolved: "已办结", case_closed: "已销号",
        case_escalated: "逐级上报", case_reopened: "重新办理",
        list_item_created: "清单新增", list_item_claimed: "清单认领",
        list_item_done: "清单销号", wish_claimed: "微心愿被认领",
        wish_done: "微心愿已实现", task_created: "新服务任务",
        assignment_signed_up: "党员报名服务",
      },
      taskSlots: "{taken}/{slots} 人",
    },
  },
  en: {
    screen: {
      title: "Live wall screen",
      signIn: "Wall screen sign-in",
      loading: "Loading the wall screen…",
      noRegion: "There is no region to show",
      kpi: {
        newToday: "Reported today", open: "In progress", overdue: "Overdue", closedToday: "Closed today",
        responseRate: "Response rate", resolutionRate: "Resolution rate",
        satisfactionRate: "Satisfaction rate", last30: "30 days {value}",
      },
      map: { title: "Open cases by grid", open: "{count} open" },
      feed: { title: "Happening now", empty: "Waiting for news…" },
      ranking: {
        title: "Department ranking (30 days)", department: "Department", response: "Response",
        resolution: "Resolution", satisfaction: "Satisfaction", empty: "No department to rank yet",
      },
      trend: { title: "Last 30 days", reported: "Reported", closed: "Closed" },
      lists: {
        title: "The three lists", projects: "Practical projects", difficulties: "Cadres' difficulties",
        wishes: "Small wishes", progress: "{done} of {total} done", claimed: "{count} claimed",
      },
      service: {
        title: "Party members' service", members: "Members registered", tasks: "Service tasks",
        signUps: "Sign-ups", completed: "Services done", hours: "Service hours",
      },
      event: {
        case_reported: "New report", case_accepted: "Accepted", case_whistled: "Whistle blown",
        case_claimed: "Department reported for duty", case_self_handled: "Community handles it",
        case_arrived: "On site", case_resolved: "Resolved", case_closed: "Ticked off",
        case_escalated: "Escalated", case_reopened: "Reopened",
        list_item_created: "Added to a list", list_item_claimed: "List item claimed",
        list_item_done: "List item ticked off", wish_claimed: "Small wish claimed",
        wish_done: "Small wish fulfilled", task_created: "New service task",
        assignment_signed_up: "Party member signed up",
      },
      taskSlots: "{taken}/{slots} people",
    },
  },
};
