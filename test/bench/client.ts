/** What a merchant and a customer do, over real HTTP: the bench's set-up steps. */
import { randomBytes } from 'node:crypto';

export async function graphql<T = any>(
  url: string,
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Api-Key ${key}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!response.ok || body.errors || !body.data) {
    throw new Error(`GraphQL failed (${response.status}): ${query}\n${JSON.stringify(body)}`);
  }
  return body.data;
}

export interface BenchAccount {
  accountId: string;
  apiKey: string;
}

export async function createAccount(url: string, adminKey: string, displayName: string): Promise<BenchAccount> {
  const data = await graphql(
    url,
    adminKey,
    'mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { name } apiKey } }',
    {
      input: { displayName },
    },
  );
  return { accountId: String(data.createAccount.account.name).split('/')[1]!, apiKey: data.createAccount.apiKey };
}

/** The create mutation the bench measures: the fields a merchant's server typically reads back. */
export const CREATE_MUTATION = `mutation Create($input: CreateCheckoutSessionInput!) {
  createCheckoutSession(input: $input) { id name state amount currency url expireTime }
}`;

/** The same with the payment intent selected (what a merchant's server may read back too). */
export const CREATE_MUTATION_WITH_INTENT = `mutation CreateWithIntent($input: CreateCheckoutSessionInput!) {
  createCheckoutSession(input: $input) { id name state amount currency url expireTime paymentIntent { name state amount currency } }
}`;

export const CREATE_INPUT = {
  amount: '10000',
  currency: 'GBP',
  clientReferenceId: 'order_12345',
  successUrl: 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}',
  metadata: { cart: '42' },
};

export async function createSession(url: string, key: string): Promise<{ id: string; name: string }> {
  const data = await graphql(url, key, CREATE_MUTATION, { input: CREATE_INPUT });
  const name: string = data.createCheckoutSession.name;
  // `id` is the Relay global id; events and webhooks name the session by its own id (cs_…).
  return { id: name.split('/').pop()!, name };
}

/**
 * Pays a session as a customer's browser would without JavaScript: the hosted form POSTed with
 * the double-submit CSRF token in cookie and field. Resolves once the gateway answered, which it
 * does after the payment committed.
 */
export async function payOnHostedPage(url: string, sessionName: string): Promise<void> {
  const sessionId = sessionName.split('/').pop()!;
  const token = randomBytes(24).toString('hex').slice(0, 32);
  const form = new URLSearchParams({
    csrf_token: token,
    card_number: '4242 4242 4242 4242',
    expiry: '12/34',
    security_code: '123',
    name_on_card: 'Bench Customer',
  });
  const response = await fetch(`${url}/checkout?s_checkout_session=${encodeURIComponent(sessionId)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `checkout_csrf=${token}` },
    body: form.toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  if (response.status !== 303)
    throw new Error(`paying ${sessionId} on the hosted page answered ${response.status}, not 303`);
}
