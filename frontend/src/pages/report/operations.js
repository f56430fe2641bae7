// The GraphQL operations of the instant-photo page.
const NAMES = "nameKo nameZh nameEn";
const ERRORS = "userErrors { field message code }";
const AREA = `id level code ${NAMES} geometry centerLat centerLng`;

export const CATEGORIES = `query ReportCategories { categories { id code ${NAMES} parent { id } } }`;

// The regions an account reports in, then the children (grids, or a street's communities)
// of some of them: two small queries rather than one deep one, which the cost limit refuses.
export const AREAS = `query ReportAreas($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Region { ${AREA} parent { ${AREA} } } }
}`;

export const CHILDREN = `query ReportAreaChildren($parentId: ID!) {
  regions(parentId: $parentId) { ${AREA} }
}`;

export const CASE_FIELDS = `
  id number title description status urgency address latitude longitude createdAt updatedAt
  satisfaction
  category { id ${NAMES} parent { id ${NAMES} } }
  region { id ${NAMES} }
  photos { id thumbnailUrl url width height }
  timeline {
    id kind statusAfter note data createdAt actorName department { id ${NAMES} }
  }
`;

export const REPORT_CASE = `mutation ReportCase($input: ReportCaseInput!) {
  reportCase(input: $input) { case { ${CASE_FIELDS} } ${ERRORS} }
}`;

export const MY_CASES = `query MyCases($first: Int!, $after: String) {
  cases(first: $first, after: $after, filter: { mine: true }, orderBy: CREATED_DESC) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${CASE_FIELDS} }
  }
}`;

export const CASE_UPDATED = `subscription CaseUpdated($id: ID!) {
  caseUpdated(id: $id) { ${CASE_FIELDS} }
}`;

export const RATE_CASE = `mutation RateCase($input: RateCaseInput!) {
  rateCase(input: $input) { case { ${CASE_FIELDS} } ${ERRORS} }
}`;
