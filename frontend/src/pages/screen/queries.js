// The wall screen's GraphQL operations. The map's shapes come once with the first query;
// the live snapshots leave them out, so each second's update stays small.

const SNAPSHOT = `
  region { id code level nameKo nameZh nameEn }
  generatedAt timezone today
  open newToday closedToday overdue
  rates {
    today { responseRate resolutionRate satisfactionRate }
    last30Days { responseRate resolutionRate satisfactionRate }
  }
  departmentRanking {
    rank
    department { id nameKo nameZh nameEn }
    rates { responseRate resolutionRate satisfactionRate }
  }
  trend { day reported closed }
  party {
    membersRegistered tasksPosted signUps servicesCompleted serviceHours
    wishesCollected wishesClaimed wishesFulfilled
    projectsEstablished projectsCompleted difficultiesCollected difficultiesSolved
  }
`;

export const EVENT_FIELDS = "seq kind createdAt payload";

export const DASHBOARD = `query ScreenDashboard($regionId: ID!) {
  dashboard(regionId: $regionId) {
    ${SNAPSHOT}
    grids { open overdue reported30Days grid { id nameKo nameZh nameEn geometry } }
    latestEvents { ${EVENT_FIELDS} }
  }
}`;

export const DASHBOARD_UPDATED = `subscription ScreenDashboardUpdated($regionId: ID!) {
  dashboardUpdated(regionId: $regionId) {
    ${SNAPSHOT}
    grids { open overdue reported30Days grid { id } }
  }
}`;

export const EVENTS = `subscription ScreenEvents($regionId: ID!, $since: Int) {
  events(regionId: $regionId, since: $since) { ${EVENT_FIELDS} }
}`;

export const REGION_BY_CODE = `query ScreenRegion($code: String!) {
  regions(code: $code) { id }
}`;

export const TOP_REGIONS = `query ScreenTopRegions { regions { id } }`;
