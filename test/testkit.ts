import { inject } from 'vitest';
import { buildApp, type App, type AppOptions } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { graphql } from './__generated__/gql.js';
import type { CreateCheckoutSessionInput, CreateMutation, TypedDocumentString } from './__generated__/graphql.js';

export const ADMIN_KEY = 'admin_test_key_0123456789abcdef';

/** The database the suite runs on: a PostgreSQL URL, or '' for in-memory PGlite. */
export function testDatabaseUrl(): string {
  return inject('databaseUrl');
}

function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ADMIN_API_KEY: ADMIN_KEY }),
    port: 0,
    host: '127.0.0.1',
    databaseUrl: testDatabaseUrl() || undefined,
    dataDir: null,
    ...overrides,
  };
}

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: {
    data?: T;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, any> }[];
    extensions?: Record<string, any>;
  };
}

interface RequestOptions {
  key?: string | null;
  headers?: Record<string, string>;
}

export interface Gateway {
  app: App;
  url: string;
  config: Config;
  /**
   * POSTs a GraphQL operation over real HTTP. A typed document (`graphql(…)` from
   * test/__generated__) types the variables and the data; a plain string is untyped.
   */
  gql<R, V>(query: TypedDocumentString<R, V>, variables: V, options?: RequestOptions): Promise<GraphQLResponse<R>>;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<T>>;
  /** Like gql, but fails the test (printing the query and the body) unless it has data and no errors. */
  ok<R, V>(query: TypedDocumentString<R, V>, variables: V, options?: RequestOptions): Promise<R>;
  ok<T = any>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<T>;
  /** A new account through createAccount, with its API key. */
  createAccount(displayName?: string): Promise<{ accountId: string; name: string; apiKey: string }>;
  stop(): Promise<void>;
}

export async function startGateway(overrides: Partial<Config> = {}, options: AppOptions = {}): Promise<Gateway> {
  const config = testConfig(overrides);
  const app = buildApp(config, options);
  const { url } = await app.start();
  // One implementation behind the typed and the untyped signature: a typed document is a String.
  const gql = async (
    query: string | TypedDocumentString<unknown, unknown>,
    variables?: unknown,
    options: RequestOptions = {},
  ): Promise<GraphQLResponse> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (options.key) headers.authorization = `Api-Key ${options.key}`;
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: String(query), variables }),
    });
    const text = await response.text();
    let body: any; // the JSON body, typed by the caller's T
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`Non-JSON response ${response.status} to\n${query}\n${text}`);
    }
    return { status: response.status, headers: response.headers, body };
  };
  const ok = async (
    query: string | TypedDocumentString<unknown, unknown>,
    variables?: unknown,
    options?: RequestOptions,
  ): Promise<any> => {
    const response = await gql(query, variables, options);
    if (response.body.errors || !response.body.data) {
      throw new Error(
        `GraphQL operation failed.\nQuery: ${query}\nVariables: ${JSON.stringify(variables)}\nResponse ${response.status}: ${JSON.stringify(response.body, null, 2)}`,
      );
    }
    return response.body.data;
  };
  return {
    app,
    url,
    config,
    gql: gql as Gateway['gql'],
    ok: ok as Gateway['ok'],
    async createAccount(displayName = 'Test shop') {
      const data = await (ok as Gateway['ok'])(CREATE_ACCOUNT, { input: { displayName } }, { key: ADMIN_KEY });
      const name = data.createAccount.account.name;
      return { accountId: name.split('/')[1]!, name, apiKey: data.createAccount.apiKey };
    },
    stop: () => app.stop(),
  };
}

export const CREATE_SESSION = graphql(`
  mutation Create($input: CreateCheckoutSessionInput!) {
    createCheckoutSession(input: $input) {
      id name state amount currency formattedAmount clientReferenceId url paid successUrl cancelUrl metadata
      expireTime createTime updateTime
      paymentIntent { id name state amount currency }
    }
  }`);

const CREATE_ACCOUNT = graphql(`
  mutation CreateAccount($input: CreateAccountInput!) {
    createAccount(input: $input) { account { name displayName } apiKey }
  }`);

type CreatedSession = CreateMutation['createCheckoutSession'];

/** Creates a session with sensible defaults; returns the createCheckoutSession object. */
export async function createSession(
  gateway: Gateway,
  key: string,
  input: Partial<CreateCheckoutSessionInput> = {},
): Promise<CreatedSession & { url: string }> {
  const data = await gateway.ok(CREATE_SESSION, { input: { amount: '10000', currency: 'GBP', ...input } }, { key });
  const session = data.createCheckoutSession;
  // A new session is OPEN, and an OPEN session always has its payment page.
  if (session.url === null) throw new Error(`a new session without a url: ${JSON.stringify(session)}`);
  return { ...session, url: session.url };
}

export function errorCodes(response: GraphQLResponse): string[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}
