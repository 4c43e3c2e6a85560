const graphql = String.raw;

export const sessionList = graphql`
  fragment SessionList_query on Query
  @refetchable(queryName: "SessionListPaginationQuery")
  @argumentDefinitions(first: { type: "Int", defaultValue: 20 }, after: { type: "String" }, state: { type: "CheckoutSessionState" }) {
    checkoutSessions(first: $first, after: $after, filter: { state: $state }) @connection(key: "SessionList_checkoutSessions") {
      edges {
        node {
          id
          ...SessionRow_session
        }
      }
    }
  }
`;

export const dashboard = graphql`
  query SessionListDashboardQuery {
    account {
      id
      displayName
    }
    ...SessionList_query
    ...EventList_query
    ...EndpointList_query
  }
`;
