/** What the CLI needs of a running gateway: GraphQL over HTTP with an API key. */

export class CliError extends Error {}

export interface GatewayOptions {
  url: string;
  apiKey: string;
}

export function authorization(apiKey: string): string {
  return `Api-Key ${apiKey}`;
}

/** Runs one operation; GraphQL errors become a CliError naming the code and the message. */
export async function request<T>(
  gateway: GatewayOptions,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(new URL('/graphql', gateway.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: authorization(gateway.apiKey) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`${gateway.url} answered ${response.status} without GraphQL: ${text.slice(0, 200)}`);
  }
  if (body.errors?.length) {
    const [first] = body.errors;
    const code = first!.extensions?.code;
    if (code === 'UNAUTHENTICATED')
      throw new CliError(
        `The API key was refused (${first!.message}). Pass a valid one with --api-key or CHECKOUT_API_KEY.`,
      );
    throw new CliError(`${code ?? 'ERROR'}: ${first!.message}`);
  }
  return body.data as T;
}

/** The account behind the key; also how a bad key is found before anything else happens. */
export async function accountOf(gateway: GatewayOptions): Promise<{ name: string; displayName: string }> {
  const data = await request<{ account: { name: string; displayName: string } }>(
    gateway,
    'query { account { name displayName } }',
  );
  return data.account;
}
