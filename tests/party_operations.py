"""The GraphQL operations of the Party, task and list tests, as a client would send them."""

ERRORS = "userErrors { field message code }"

TASK_FIELDS = """
  id title status slots taken freeSlots startsAt endsAt openToAll skills cancelledAt
  region { id } myAssignment { id status }
"""
ASSIGNMENT_FIELDS = "id status hours checkedInAt completedAt"

CREATE_TASK = f"""
mutation Create($input: CreateServiceTaskInput!) {{
  createServiceTask(input: $input) {{ task {{ {TASK_FIELDS} }} {ERRORS} }}
}}
"""
UPDATE_TASK = f"""
mutation Update($input: UpdateServiceTaskInput!) {{
  updateServiceTask(input: $input) {{ task {{ {TASK_FIELDS} }} {ERRORS} }}
}}
"""
CANCEL_TASK = f"""
mutation Cancel($input: CancelServiceTaskInput!) {{
  cancelServiceTask(input: $input) {{ task {{ {TASK_FIELDS} }} {ERRORS} }}
}}
"""
SIGN_UP = f"""
mutation SignUp($input: SignUpForTaskInput!) {{
  signUpForTask(input: $input) {{
    assignment {{ {ASSIGNMENT_FIELDS} }} task {{ id taken status }} {ERRORS}
  }}
}}
"""
CANCEL_ASSIGNMENT = f"""
mutation Withdraw($input: AssignmentInput!) {{
  cancelAssignment(input: $input) {{
    assignment {{ {ASSIGNMENT_FIELDS} }} task {{ id taken }} {ERRORS}
  }}
}}
"""
CHECK_IN = f"""
mutation CheckIn($input: CheckInInput!) {{
  checkIn(input: $input) {{ assignment {{ {ASSIGNMENT_FIELDS} }} {ERRORS} }}
}}
"""
COMPLETE_ASSIGNMENT = f"""
mutation Complete($input: CompleteAssignmentInput!) {{
  completeAssignment(input: $input) {{
    assignment {{ {ASSIGNMENT_FIELDS} member {{ serviceHours serviceCount }} }} {ERRORS}
  }}
}}
"""
MARK_NO_SHOW = f"""
mutation NoShow($input: AssignmentInput!) {{
  markNoShow(input: $input) {{ assignment {{ {ASSIGNMENT_FIELDS} }} {ERRORS} }}
}}
"""
SERVICE_TASKS = f"""
query Tasks($first: Int!, $filter: ServiceTaskFilter) {{
  serviceTasks(first: $first, filter: $filter) {{ totalCount nodes {{ {TASK_FIELDS} }} }}
}}
"""
TASK = f"""
query Task($id: ID!) {{
  node(id: $id) {{ ... on ServiceTask {{ {TASK_FIELDS} assignments {{ id status }} }} }}
}}
"""

ITEM_FIELDS = """
  id kind title status overdue dueAt doneAt doneOnTime completionNote sentBackReason
  requestedByName claimedByName claimedByMe
  region { id } organisation { id nameZh }
  cases { id number } tasks { id title } photos { url thumbnailUrl contentType }
"""
CREATE_ITEM = f"""
mutation CreateItem($input: CreateListItemInput!) {{
  createListItem(input: $input) {{ listItem {{ {ITEM_FIELDS} }} {ERRORS} }}
}}
"""
CLAIM_ITEM = f"""
mutation ClaimItem($input: ClaimListItemInput!) {{
  claimListItem(input: $input) {{ listItem {{ {ITEM_FIELDS} }} {ERRORS} }}
}}
"""
COMPLETE_ITEM = f"""
mutation CompleteItem($input: CompleteListItemInput!) {{
  completeListItem(input: $input) {{ listItem {{ {ITEM_FIELDS} }} {ERRORS} }}
}}
"""
VERIFY_ITEM = f"""
mutation VerifyItem($input: VerifyListItemInput!) {{
  verifyListItem(input: $input) {{ listItem {{ {ITEM_FIELDS} }} {ERRORS} }}
}}
"""
SEND_BACK_ITEM = f"""
mutation SendBack($input: SendBackListItemInput!) {{
  sendBackListItem(input: $input) {{ listItem {{ {ITEM_FIELDS} }} {ERRORS} }}
}}
"""
LIST_ITEMS = f"""
query Items($first: Int!, $filter: ListItemFilter) {{
  listItems(first: $first, filter: $filter) {{ totalCount nodes {{ {ITEM_FIELDS} }} }}
}}
"""
LIST_SUMMARY = """
query Summary($regionId: ID!) {
  listSummary(regionId: $regionId) { kind collected claimed done overdue doneOnTime }
}
"""
ITEM = f"""
query Item($id: ID!) {{ node(id: $id) {{ ... on ListItem {{ {ITEM_FIELDS} }} }} }}
"""

MEMBER_FIELDS = """
  id displayName phone phoneMasked registration skills serviceHours serviceCount points
  organisation { id nameZh } community { id nameZh }
"""
REGISTER = f"""
mutation Register($input: RegisterWithCommunityInput!) {{
  registerWithCommunity(input: $input) {{ partyMember {{ {MEMBER_FIELDS} }} {ERRORS} }}
}}
"""
CONFIRM = f"""
mutation Confirm($input: ConfirmRegistrationInput!) {{
  confirmRegistration(input: $input) {{ partyMember {{ {MEMBER_FIELDS} }} {ERRORS} }}
}}
"""
REGISTER_ORGANISATION = f"""
mutation RegisterOrg($input: RegisterOrganisationInput!) {{
  registerOrganisationWithCommunity(input: $input) {{
    organisation {{ id registration memberCount }} {ERRORS}
  }}
}}
"""
CONFIRM_ORGANISATION = f"""
mutation ConfirmOrg($input: ConfirmOrganisationInput!) {{
  confirmOrganisationRegistration(input: $input) {{
    organisation {{ id registration memberCount }} {ERRORS}
  }}
}}
"""
PARTY_MEMBERS = f"""
query Members($first: Int!, $after: String, $filter: PartyMemberFilter) {{
  partyMembers(first: $first, after: $after, filter: $filter) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {MEMBER_FIELDS} }}
  }}
}}
"""
MY_PROFILE = f"query Me {{ myPartyProfile {{ {MEMBER_FIELDS} }} }}"
PARTY_STATS = """
query Stats($regionId: ID!) {
  partyStats(regionId: $regionId) {
    membersRegistered membersPending organisationsRegistered tasksPosted signUps
    servicesCompleted serviceHours wishesCollected wishesClaimed wishesFulfilled
    projectsEstablished projectsCompleted difficultiesCollected difficultiesSolved
    casesCollected
  }
}
"""
EVENTS = """
query Events($regionId: ID!) {
  events(regionId: $regionId, since: 0, first: 100) { seq kind subjectType payload }
}
"""
