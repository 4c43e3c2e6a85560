const graphql = String.raw;

export const endpointList = graphql`
  fragment EndpointList_query on Query
  @refetchable(queryName: "EndpointListPaginationQuery")
  @argumentDefinitions(first: { type: "Int", defaultValue: 16 }, after: { type: "String" }) {
    webhookEndpoints(first: $first, after: $after) @connection(key: "EndpointList_webhookEndpoints") {
      edges {
        node {
          id
          ...EndpointList_endpoint
        }
      }
    }
  }
`;

export const endpoint = graphql`
  fragment EndpointList_endpoint on WebhookEndpoint @refetchable(queryName: "EndpointListEndpointRefetchQuery") {
    id
    name
    url
    enabledEvents
    allEventsEnabled
    disabled
    disabledReason
    deliveries(first: 5) {
      edges {
        node {
          id
          state
          attempts {
            id
            statusCode
            succeeded
          }
        }
      }
    }
  }
`;

export const createEndpoint = graphql`
  mutation EndpointListCreateMutation($input: CreateWebhookEndpointInput!, $connections: [ID!]!) {
    createWebhookEndpoint(input: $input) {
      webhookEndpoint @prependNode(connections: $connections, edgeTypeName: "WebhookEndpointEdge") {
        ...EndpointList_endpoint
      }
      secret
    }
  }
`;

export const updateEndpoint = graphql`
  mutation EndpointListUpdateMutation($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) {
      webhookEndpoint {
        ...EndpointList_endpoint
      }
    }
  }
`;

export const deleteEndpoint = graphql`
  mutation EndpointListDeleteMutation($input: DeleteWebhookEndpointInput!, $connections: [ID!]!) {
    deleteWebhookEndpoint(input: $input) {
      deletedWebhookEndpointId @deleteEdge(connections: $connections)
    }
  }
`;
