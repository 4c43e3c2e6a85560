// Relay documents of a dashboard (compiled by relay-compiler in test/clients.test.ts). Relay finds
// them by the `graphql` tag; the runtime's own tag is not needed to compile them.
const graphql = String.raw;

export const sessionRow = graphql`
  fragment SessionRow_session on CheckoutSession @refetchable(queryName: "SessionRowRefetchQuery") {
    id
    name
    state
    formattedAmount(locale: "en-GB")
    url
    paid
    paymentIntent {
      id
      state
      cardLast4
    }
  }
`;

export const expireSession = graphql`
  mutation SessionRowExpireMutation($name: String!) {
    expireCheckoutSession(name: $name) {
      ...SessionRow_session
    }
  }
`;
