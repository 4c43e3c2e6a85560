import { inject } from 'vitest';
import { buildApp, type App, type AppOptions } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';

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

export interface Gateway {
  app: App;
  url: string;
  config: Config;
  /** POSTs a GraphQL operation over real HTTP. */
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { key?: string | null; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<T>>;
  /** Like gql, but fails the test (printing the query and the body) unless it has data and no errors. */
  ok<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { key?: string | null; headers?: Record<string, string> },
  ): Promise<T>;
  /** A new account through createAccount, with its API key. */
  createAccount(displayName?: string): Promise<{ accountId: string; name: string; apiKey: string }>;
  stop(): Promise<void>;
}

export async function startGateway(overrides: Partial<Config> = {}, options: AppOptions = {}): Promise<Gateway> {
  const config = testConfig(overrides);
  const app = buildApp(config, options);
  const { url } = await app.start();
  const gql: Gateway['gql'] = async (query, variables, options = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (options.key) headers.authorization = `Api-Key ${options.key}`;
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
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
  const ok: Gateway['ok'] = async (query, variables, options) => {
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
    gql,
    ok,
    async createAccount(displayName = 'Test shop') {
      const data = await ok(
        `mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { name displayName } apiKey } }`,
        { input: { displayName } },
        { key: ADMIN_KEY },
      );
      const name: string = data.createAccount.account.name;
      return { accountId: name.split('/')[1]!, name, apiKey: data.createAccount.apiKey };
    },
    stop: () => app.stop(),
  };
}

export const CREATE_SESSION = `
  mutation Create($input: CreateCheckoutSessionInput!) {
    createCheckoutSession(input: $input) {
      id name state amount currency formattedAmount clientReferenceId url paid successUrl cancelUrl metadata
      expireTime createTime updateTime
      paymentIntent { id name state amount currency }
    }
  }`;

/** Creates a session with sensible defaults; returns the createCheckoutSession object. */
export async function createSession(gateway: Gateway, key: string, input: Record<string, unknown> = {}) {
  const data = await gateway.ok(CREATE_SESSION, { input: { amount: '10000', currency: 'GBP', ...input } }, { key });
  return data.createCheckoutSession;
}

export function errorCodes(response: GraphQLResponse): string[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}
