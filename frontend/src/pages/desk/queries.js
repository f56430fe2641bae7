// The desk's GraphQL operations, named as in schema.graphql.

const NAMES = "nameKo nameZh nameEn";

export const QUEUE_ROW = `fragment QueueRow on Case {
  id number title status urgency source overdue createdAt updatedAt claimDueAt resolveDueAt
  category { id code ${NAMES} }
  region { id ${NAMES} }
  leadDepartment { id ${NAMES} }
}`;

export const QUEUE = `query DeskQueue($first: Int!, $after: String, $filter: CaseFilter, $orderBy: CaseOrder!) {
  cases(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ...QueueRow }
  }
}
${QUEUE_ROW}`;

export const QUEUE_ROWS_BY_ID = `query DeskQueueRows($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Case { ...QueueRow } }
}
${QUEUE_ROW}`;

export const CASE_EVENTS = `subscription DeskEvents($regionId: ID!, $since: Int) {
  events(regionId: $regionId, since: $since) { seq kind subjectType subjectId }
}`;

export const CATEGORIES = `query DeskCategories { categories { id code ${NAMES} parent { id } } }`;

export const SCOPE_REGIONS = `query DeskScope($id: ID!) {
  node(id: $id) {
    ... on Region { id level ${NAMES} children { id level ${NAMES} } }
    ... on Department { id region { id level ${NAMES} children { id level ${NAMES} } } }
  }
}`;

export const CASE_FIELDS = `fragment DeskCase on Case {
  id number title description status level source urgency address latitude longitude
  selfHandled claimDueAt resolveDueAt claimedAt arrivedAt resolvedAt closedAt satisfaction
  externalRef createdAt updatedAt overdue
  category { id ${NAMES} parent { id ${NAMES} } }
  region { id level ${NAMES} geometry centerLat centerLng }
  regionPath { id ${NAMES} }
  queueRegion { id level ${NAMES} path { id } }
  reporter { displayName phone masked isCaller }
  photos { id kind url thumbnailUrl width height createdAt }
  departments { role summonedAt claimedAt department { id ${NAMES} } }
  leadDepartment { id ${NAMES} }
  whistles {
    id level status note dueAt createdAt answeredAt escalatedAt
    responses { designatedLead dueAt claimedAt onTime department { id ${NAMES} } }
  }
  timeline {
    id kind statusBefore statusAfter note data createdAt actorName
    department { id ${NAMES} }
  }
  duplicateOf { id number }
}`;

export const CASE = `query DeskCase($id: ID!) { node(id: $id) { ... on Case { ...DeskCase } } }
${CASE_FIELDS}`;

export const CASE_UPDATED = `subscription DeskCaseUpdated($id: ID!) { caseUpdated(id: $id) { ...DeskCase } }
${CASE_FIELDS}`;

export const CASE_BY_NUMBER = `query DeskCaseByNumber($number: String!) { caseByNumber(number: $number) { id number } }`;

export const WHISTLE_DEPARTMENTS = `query DeskWhistleDepartments($regionId: ID!, $categoryId: ID!) {
  all: departments(regionId: $regionId) { id code kind ${NAMES} parent { id ${NAMES} } }
  suggested: departments(regionId: $regionId, categoryId: $categoryId) { id }
}`;

const payload = (name, input, extra = "") => `mutation Desk_${name}($input: ${input}!) {
  ${name}(input: $input) { case { ...DeskCase } ${extra} userErrors { field message code } }
}
${CASE_FIELDS}`;

/** One mutation per case action; each takes `input` and answers with the case. */
export const CASE_MUTATIONS = {
  accept: payload("acceptCase", "AcceptCaseInput"),
  reject: payload("rejectCase", "ReasonInput"),
  merge: payload("mergeCase", "MergeCaseInput"),
  whistle: payload("whistleCase", "WhistleCaseInput"),
  claim: payload("claimCase", "ClaimCaseInput", "role onTime"),
  handle: payload("claimCase", "ClaimCaseInput", "role onTime"),
  arrive: payload("arriveOnSite", "ArriveOnSiteInput"),
  resolve: payload("resolveCase", "ResolveCaseInput"),
  close: payload("closeCase", "ReasonInput"),
  reopen: payload("reopenCase", "ReasonInput"),
  escalate: payload("escalateCase", "ReasonInput"),
  comment: payload("commentOnCase", "CommentOnCaseInput"),
};

export const LIST_ITEM_FIELDS = `fragment DeskListItem on ListItem {
  id kind title description status dueAt claimedAt doneAt completionNote verifiedAt
  sentBackReason createdAt overdue doneOnTime requestedByName claimedByName claimedByMe
  region { id ${NAMES} path { id } }
  organisation { id ${NAMES} }
  cases { id number }
  photos { id url thumbnailUrl }
}`;

export const LIST_ITEMS = `query DeskListItems($first: Int!, $after: String, $filter: ListItemFilter) {
  listItems(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ...DeskListItem }
  }
}
${LIST_ITEM_FIELDS}`;

const itemPayload = (name, input) => `mutation Desk_${name}($input: ${input}!) {
  ${name}(input: $input) { listItem { ...DeskListItem } userErrors { field message code } }
}
${LIST_ITEM_FIELDS}`;

export const LIST_MUTATIONS = {
  create: itemPayload("createListItem", "CreateListItemInput"),
  complete: itemPayload("completeListItem", "CompleteListItemInput"),
  verify: itemPayload("verifyListItem", "VerifyListItemInput"),
  sendBack: itemPayload("sendBackListItem", "SendBackListItemInput"),
};
