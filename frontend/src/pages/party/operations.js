// The GraphQL operations of the Party member portal.
const NAMES = "nameKo nameZh nameEn";
const ERRORS = "userErrors { field message code }";

export const PROFILE_FIELDS = `
  id displayName workplace skills registration registeredAt confirmedAt
  serviceCount serviceHours points lastServedAt
  organisation { id ${NAMES} workplace }
  community { id ${NAMES} }
`;
export const MY_PROFILE = `query MyPartyProfile { myPartyProfile { ${PROFILE_FIELDS} } }`;

const ASSIGNMENT = "id status signedUpAt cancelledAt checkedInAt completedAt noShowAt hours";
export const TASK_FIELDS = `
  id title description place startsAt endsAt slots taken freeSlots skills openToAll status
  region { id ${NAMES} }
  myAssignment { ${ASSIGNMENT} }
`;

// The tasks I could sign up for now, and those I hold a place on that are still ahead.
export const TASKS = `query PartyTasks {
  open: serviceTasks(first: 50, filter: { openToMe: true }) { nodes { ${TASK_FIELDS} } }
  mine: serviceTasks(first: 50, filter: { mine: true, statuses: [OPEN, FULL, UNDER_WAY] }) {
    nodes { ${TASK_FIELDS} }
  }
}`;

export const HISTORY = `query PartyHistory {
  myPartyProfile { ${PROFILE_FIELDS} }
  serviceTasks(first: 100, filter: { mine: true }) {
    nodes { id title place startsAt endsAt status region { id ${NAMES} } assignments { ${ASSIGNMENT} } }
  }
}`;

export const TASK = `query PartyTask($id: ID!) { node(id: $id) { ... on ServiceTask { ${TASK_FIELDS} } } }`;

export const SIGN_UP = `mutation SignUpForTask($input: SignUpForTaskInput!) {
  signUpForTask(input: $input) { assignment { ${ASSIGNMENT} } task { ${TASK_FIELDS} } ${ERRORS} }
}`;
export const CANCEL_ASSIGNMENT = `mutation CancelAssignment($input: AssignmentInput!) {
  cancelAssignment(input: $input) { assignment { ${ASSIGNMENT} } task { ${TASK_FIELDS} } ${ERRORS} }
}`;
export const CHECK_IN = `mutation CheckIn($input: CheckInInput!) {
  checkIn(input: $input) { assignment { ${ASSIGNMENT} } task { ${TASK_FIELDS} } ${ERRORS} }
}`;

const ITEM_FIELDS = `
  id title description status dueAt overdue claimedAt requestedByName claimedByMe createdAt
  region { id ${NAMES} }
`;
export const WISHES = `query PartyWishes($communityId: ID!, $me: ID!) {
  open: listItems(first: 50, filter: { kinds: [WISH], statuses: [OPEN], regionId: $communityId }) {
    nodes { ${ITEM_FIELDS} }
  }
  mine: listItems(first: 50, filter: { kinds: [WISH], ownerId: $me }) { nodes { ${ITEM_FIELDS} } }
}`;
export const CLAIM_WISH = `mutation ClaimListItem($input: ClaimListItemInput!) {
  claimListItem(input: $input) { listItem { ${ITEM_FIELDS} } ${ERRORS} }
}`;

export const REGISTER = `mutation RegisterWithCommunity($input: RegisterWithCommunityInput!) {
  registerWithCommunity(input: $input) { partyMember { ${PROFILE_FIELDS} } ${ERRORS} }
}`;
