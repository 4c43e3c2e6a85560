const graphql = String.raw;

export const eventList = graphql`
  fragment EventList_query on Query
  @refetchable(queryName: "EventListPaginationQuery")
  @argumentDefinitions(first: { type: "Int", defaultValue: 20 }, after: { type: "String" }, types: { type: "[EventType!]" }) {
    events(first: $first, after: $after, filter: { types: $types }) @connection(key: "EventList_events") {
      edges {
        node {
          ...EventList_event
        }
      }
    }
  }
`;

export const eventItem = graphql`
  fragment EventList_event on CheckoutSessionEvent @refetchable(queryName: "EventListEventRefetchQuery") {
    id
    type
    createTime
    checkoutSessionSnapshot {
      id
      state
      url
    }
    checkoutSession {
      ...SessionRow_session
    }
  }
`;

export const liveEvents = graphql`
  subscription EventListSubscription($after: String, $connections: [ID!]!) {
    events(after: $after, types: [CHECKOUT_SESSION_CREATED, CHECKOUT_SESSION_PAID, CHECKOUT_SESSION_EXPIRED]) @prependNode(connections: $connections, edgeTypeName: "CheckoutSessionEventEdge") {
      ...EventList_event
    }
  }
`;
