import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { getOperationAST, Kind, parse, type DocumentNode } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { Principal } from '../../domain/accounts.js';
import type { Db } from '../../db/client.js';
import {
  acceptsOnlyTrustedDocuments,
  checkManifest,
  documentIdsOf,
  findTrustedDocument,
  sha256Hex,
  type Manifest,
} from '../../domain/trusted-documents.js';

/**
 * Requests that name a document instead of sending it: trusted documents (registered with
 * registerTrustedDocuments, or loaded from TRUSTED_DOCUMENTS_FILE for every account), sent as
 * `documentId` (the GraphQL-over-HTTP persisted-documents convention) or as
 * `extensions.persistedQuery.sha256Hash`; and Apollo's automatic persisted queries, which
 * register a document by sending it once with its hash.
 *
 * Every look-up is a map read once warm: documents are immutable by id (the id is their hash),
 * so found ones are kept; an account's "only trusted documents" setting is kept a few seconds.
 */

const POLICY_TTL_MS = 5_000;
/** Bounds on what is kept in memory (entries, and characters for APQ's client-sent documents). */
const TRUSTED_CACHE_ENTRIES = 5_000;
const APQ_MAX_CHARACTERS = 5_000_000;

/** A Map that forgets its oldest entries past a bound. */
class Bounded<V> {
  private readonly entries = new Map<string, V>();
  private weight = 0;
  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    if (this.entries.has(key)) return;
    this.entries.set(key, value);
    this.weight += this.weigh(value);
    for (const [oldest, old] of this.entries) {
      if (this.weight <= this.maxWeight) break;
      this.entries.delete(oldest);
      this.weight -= this.weigh(old);
    }
  }
}

/** Reads TRUSTED_DOCUMENTS_FILE; any problem stops the start with the file's name in it. */
export function loadManifestFile(path: string | undefined, check: (document: string) => string | undefined): Manifest {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`TRUSTED_DOCUMENTS_FILE: cannot read ${path} as JSON (${(error as Error).message})`);
  }
  try {
    return checkManifest(parsed, [], check);
  } catch (error) {
    const issues = (error as { details?: { issues?: { path: unknown[]; message: string }[] } }).details?.issues ?? [];
    throw new Error(
      `TRUSTED_DOCUMENTS_FILE: ${path}: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
}

export interface TrustedDocuments {
  plugins: Plugin[];
  /** Call after an account's registration or policy changed on this process. */
  forget(accountId: string): void;
}

/** Whether a document's operation selects registerTrustedDocuments and nothing else. */
function managesTrustedDocumentsOnly(query: string | DocumentNode, operationName: string | null | undefined): boolean {
  try {
    const operation = getOperationAST(
      typeof query === 'string' ? parse(query, { maxTokens: 2000 }) : query,
      operationName,
    );
    return (
      operation?.operation === 'mutation' &&
      operation.selectionSet.selections.every(
        (selection) => selection.kind === Kind.FIELD && selection.name.value === 'registerTrustedDocuments',
      )
    );
  } catch {
    return false;
  }
}

const onlyTrustedError = () =>
  createGraphQLError(
    'This account accepts only its registered (trusted) documents: send the document\'s id as "documentId" instead of its text, or register it with registerTrustedDocuments.',
    { extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
  );

interface Params {
  query?: unknown;
  documentId?: unknown;
  extensions?: { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } & Record<string, unknown>;
}

function persistedQueryHash(params: Params): string | undefined {
  const persisted = params.extensions?.persistedQuery;
  return persisted && persisted.version === 1 && typeof persisted.sha256Hash === 'string'
    ? persisted.sha256Hash
    : undefined;
}

export function createTrustedDocuments(options: {
  db: () => Db;
  everyAccount: Manifest;
  /** Resolves the request's key without charging the rate limit. */
  identify(authorization: string | null, request: Request): Promise<Principal | null>;
  /** Charges the rate limit (throws RATE_LIMITED): a look-up that reaches the database costs one request. */
  charge(authorization: string | null, request: Request): Promise<unknown>;
}): TrustedDocuments {
  const trusted = new Bounded<string>(TRUSTED_CACHE_ENTRIES);
  const policies = new Map<string, { only: boolean; expires: number }>();
  const automatic = new Bounded<string>(APQ_MAX_CHARACTERS, (document) => document.length);

  const accountOf = async (request: Request): Promise<string | undefined> => {
    const principal = await options.identify(request.headers.get('authorization'), request);
    return principal?.role === 'account' ? principal.accountId : undefined;
  };

  async function onlyTrusted(accountId: string): Promise<boolean> {
    const cached = policies.get(accountId);
    if (cached && cached.expires > Date.now()) return cached.only;
    const only = await acceptsOnlyTrustedDocuments(options.db(), accountId);
    policies.set(accountId, { only, expires: Date.now() + POLICY_TTL_MS });
    return only;
  }

  async function lookUp(documentId: string, request: Request): Promise<string | null> {
    const fromFile = options.everyAccount[documentId];
    if (fromFile !== undefined) return fromFile;
    const accountId = await accountOf(request);
    if (accountId === undefined) return automatic.get(documentId) ?? null;
    const key = `${accountId} ${documentId}`;
    const cached = trusted.get(key);
    if (cached !== undefined) return cached;
    await options.charge(request.headers.get('authorization'), request);
    const found = await findTrustedDocument(options.db(), accountId, documentId);
    if (found !== undefined) {
      trusted.set(key, found);
      return found;
    }
    // Documents a client registered through APQ are not trusted ones.
    return (await onlyTrusted(accountId)) ? null : (automatic.get(documentId) ?? null);
  }

  const persisted = usePersistedOperations({
    extractPersistedOperationId: (params: Params) =>
      typeof params.documentId === 'string' ? params.documentId : (persistedQueryHash(params) ?? null),
    getPersistedOperation: (documentId, request) => lookUp(documentId, request),
    // Checked below, where the document is visible (see documentsSentAsText).
    allowArbitraryOperations: true,
    customErrors: {
      // Apollo's persisted-query link recognises this message and code, and then sends the
      // document with its hash (APQ); a documentId client learns the id is not registered.
      notFound: {
        message: 'PersistedQueryNotFound',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 200 } },
      },
      keyNotFound: {
        message: 'Send a GraphQL document as "query", or the id of a registered document as "documentId".',
        extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
      },
    },
  }) as Plugin;

  /**
   * Documents sent as text. An account that accepts only trusted documents is refused them,
   * except a call of registerTrustedDocuments alone, so that it can always manage its list and
   * switch back. Otherwise a document sent with its hash (APQ's second step) is kept under that
   * hash, checked. This runs before the look-up above, so it sees only what the client sent,
   * never a document that a look-up of an account's trusted documents put in the params.
   */
  const documentsSentAsText: Plugin = {
    async onParams({ params, request }) {
      const p = params as Params;
      if (typeof p.query !== 'string') return;
      const accountId = await accountOf(request);
      if (
        accountId !== undefined &&
        (await onlyTrusted(accountId)) &&
        !managesTrustedDocumentsOnly(p.query, (params as { operationName?: string }).operationName)
      ) {
        throw onlyTrustedError();
      }
      const hash = persistedQueryHash(p);
      if (hash === undefined) return;
      if (sha256Hex(p.query) !== hash) {
        throw createGraphQLError('extensions.persistedQuery.sha256Hash is not the SHA-256 of the query.', {
          extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
        });
      }
      if (accountId === undefined || !(await onlyTrusted(accountId))) automatic.set(hash, p.query);
    },
  };

  /** Whether a document's text is trusted for the account (its own list or the file's). */
  async function isTrusted(accountId: string, text: string): Promise<boolean> {
    for (const id of documentIdsOf(text)) {
      if (options.everyAccount[id] === text) return true;
      const key = `${accountId} ${id}`;
      if (trusted.get(key) === text) return true;
    }
    for (const id of documentIdsOf(text)) {
      const found = await findTrustedDocument(options.db(), accountId, id);
      if (found === text) {
        trusted.set(`${accountId} ${id}`, found);
        return true;
      }
    }
    return false;
  }

  /**
   * The same rule where every transport meets, at execution: graphql-ws and graphql-sse send
   * documents as text only, so an account that accepts only trusted documents may run there
   * exactly the texts it registered.
   */
  async function refusal(args: { document: DocumentNode; operationName?: string | null; contextValue: unknown }) {
    const principal = (args.contextValue as { principal?: Principal | null }).principal;
    if (principal?.role !== 'account' || !(await onlyTrusted(principal.accountId))) return undefined;
    const text = args.document.loc?.source.body;
    if (text !== undefined && (await isTrusted(principal.accountId, text))) return undefined;
    if (managesTrustedDocumentsOnly(args.document, args.operationName)) return undefined;
    return { errors: [onlyTrustedError()] };
  }
  const trustedAtExecution: Plugin = {
    async onExecute({ args, setResultAndStopExecution }) {
      const refused = await refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const refused = await refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
  };

  return {
    plugins: [documentsSentAsText, persisted, trustedAtExecution],
    forget(accountId) {
      policies.delete(accountId);
    },
  };
}
