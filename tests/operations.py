"""The GraphQL operations the tests send, as a client would."""

CASE_FIELDS = """
  id number title status level source urgency overdue
  claimDueAt resolveDueAt claimedAt arrivedAt resolvedAt closedAt satisfaction selfHandled
  category { code } region { id nameZh } queueRegion { id nameZh level }
  reporter { displayName phone masked isCaller }
  photos { kind url thumbnailUrl contentType }
  leadDepartment { code }
  departments { role claimedAt department { code } }
  whistles { status dueAt responses { designatedLead claimedAt onTime department { code } } }
  timeline { kind statusBefore statusAfter note actorName department { code } data }
"""

ERRORS = "userErrors { field message code }"

REPORT_CASE = f"""
mutation Report($input: ReportCaseInput!) {{
  reportCase(input: $input) {{ case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""

INTAKE_CASE = f"""
mutation Intake($input: IntakeCaseInput!) {{
  intakeCase(input: $input) {{ created case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""

ACCEPT_CASE = f"""
mutation Accept($input: AcceptCaseInput!) {{
  acceptCase(input: $input) {{ case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""

REJECT_CASE = f"""
mutation Reject($input: ReasonInput!) {{
  rejectCase(input: $input) {{ case {{ id status }} {ERRORS} }}
}}
"""

MERGE_CASE = f"""
mutation Merge($input: MergeCaseInput!) {{
  mergeCase(input: $input) {{ case {{ id status }} {ERRORS} }}
}}
"""

WHISTLE_CASE = f"""
mutation Whistle($input: WhistleCaseInput!) {{
  whistleCase(input: $input) {{
    case {{ {CASE_FIELDS} }}
    whistle {{ id dueAt status }}
    {ERRORS}
  }}
}}
"""

CLAIM_CASE = f"""
mutation Claim($input: ClaimCaseInput!) {{
  claimCase(input: $input) {{ role onTime case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""

ARRIVE_ON_SITE = f"""
mutation Arrive($input: ArriveOnSiteInput!) {{
  arriveOnSite(input: $input) {{ case {{ id status arrivedAt }} {ERRORS} }}
}}
"""

RESOLVE_CASE = f"""
mutation Resolve($input: ResolveCaseInput!) {{
  resolveCase(input: $input) {{ case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""

RATE_CASE = f"""
mutation Rate($input: RateCaseInput!) {{
  rateCase(input: $input) {{ case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""

REOPEN_CASE = f"""
mutation Reopen($input: ReasonInput!) {{
  reopenCase(input: $input) {{ case {{ id status }} {ERRORS} }}
}}
"""

CLOSE_CASE = f"""
mutation Close($input: ReasonInput!) {{
  closeCase(input: $input) {{ case {{ id status closedAt }} {ERRORS} }}
}}
"""

ESCALATE_CASE = f"""
mutation Escalate($input: ReasonInput!) {{
  escalateCase(input: $input) {{ case {{ id status level }} {ERRORS} }}
}}
"""

COMMENT_ON_CASE = f"""
mutation Comment($input: CommentOnCaseInput!) {{
  commentOnCase(input: $input) {{ case {{ id }} {ERRORS} }}
}}
"""

CASE = f"""
query Case($id: ID!) {{ node(id: $id) {{ ... on Case {{ {CASE_FIELDS} }} }} }}
"""

EVENTS = """
query Events($regionId: ID!, $since: Int!) {
  events(regionId: $regionId, since: $since, first: 100) { seq kind subjectId payload }
}
"""
