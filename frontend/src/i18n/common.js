// Words every page uses; pages add their own with addMessages().
export default {
  ko: {
    app: { name: "풀뿌리 거버넌스", language: "언어" },
    auth: {
      username: "아이디", password: "비밀번호", login: "로그인", logout: "로그아웃",
      signedInAs: "{name} 님", required: "로그인이 필요합니다",
    },
    status: {
      REPORTED: "접수 대기", ACCEPTED: "접수됨", REJECTED: "반려", MERGED: "병합",
      DISPATCHED: "호출됨", IN_PROGRESS: "처리 중", RESOLVED: "해결", CLOSED: "종결",
    },
    live: { connected: "실시간 연결", connecting: "연결 중…", closed: "연결 끊김", idle: "대기" },
    common: { loading: "불러오는 중…", error: "오류", save: "저장", cancel: "취소", none: "없음" },
  },
  zh: {
    app: { name: "基层治理", language: "语言" },
    auth: {
      username: "用户名", password: "密码", login: "登录", logout: "退出",
      signedInAs: "{name}", required: "请先登录",
    },
    status: {
      REPORTED: "待受理", ACCEPTED: "已受理", REJECTED: "已退回", MERGED: "已合并",
      DISPATCHED: "已吹哨", IN_PROGRESS: "办理中", RESOLVED: "已办结", CLOSED: "已销号",
    },
    live: { connected: "实时连接", connecting: "连接中…", closed: "连接中断", idle: "未连接" },
    common: { loading: "加载中…", error: "错误", save: "保存", cancel: "取消", none: "无" },
  },
  en: {
    app: { name: "Grassroots", language: "Language" },
    auth: {
      username: "Username", password: "Password", login: "Sign in", logout: "Sign out",
      signedInAs: "{name}", required: "Please sign in",
    },
    status: {
      REPORTED: "Reported", ACCEPTED: "Accepted", REJECTED: "Rejected", MERGED: "Merged",
      DISPATCHED: "Whistled", IN_PROGRESS: "In progress", RESOLVED: "Resolved", CLOSED: "Closed",
    },
    live: { connected: "Live", connecting: "Connecting…", closed: "Disconnected", idle: "Idle" },
    common: { loading: "Loading…", error: "Error", save: "Save", cancel: "Cancel", none: "None" },
  },
};
