import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { trustedDocumentPolicyTable, trustedDocumentTable } from '../db/schema.js';
import { badInput, type InputIssue } from './errors.js';

/**
 * Trusted documents: the operations a frontend ships, registered ahead of time as a persisted-
 * documents manifest (`{ "<id>": "<document text>" }`, as graphql-codegen's client preset
 * writes it), so that requests can send the id alone and an account can refuse anything else.
 */

const MAX_DOCUMENTS_PER_REGISTRATION = 1000;
const MAX_DOCUMENT_LENGTH = 100_000;

export type Manifest = Record<string, string>;

function hex(algorithm: 'sha1' | 'sha256', text: string): string {
  return createHash(algorithm).update(text).digest('hex');
}

export function sha256Hex(text: string): string {
  return hex('sha256', text);
}

/**
 * The ids a document may be registered under: its SHA-256 or SHA-1 in hex (the client preset's
 * two hash algorithms), optionally written `sha256:<hex>` as the GraphQL-over-HTTP persisted-
 * documents convention has it. An id that is a hash of its text cannot be re-pointed at another
 * document, by this account or by anyone else.
 */
function documentIdMatches(id: string, document: string): boolean {
  return documentIdsOf(document).includes(id);
}

/** Every id the document may be registered under. */
export function documentIdsOf(document: string): string[] {
  const sha256 = sha256Hex(document);
  return [sha256, `sha256:${sha256}`, hex('sha1', document)];
}

/** Checks a manifest's shape; `check` adds problems of the documents themselves (syntax, schema). */
export function checkManifest(
  manifest: unknown,
  path: (string | number)[],
  check?: (document: string) => string | undefined,
): Manifest {
  const issues: InputIssue[] = [];
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw badInput([{ path, message: 'must be a JSON object mapping each document id to its text' }]);
  }
  const entries = Object.entries(manifest);
  if (entries.length > MAX_DOCUMENTS_PER_REGISTRATION) {
    issues.push({
      path,
      message: `must hold at most ${MAX_DOCUMENTS_PER_REGISTRATION} documents; register a larger manifest in parts`,
    });
  }
  for (const [id, document] of entries.slice(0, MAX_DOCUMENTS_PER_REGISTRATION)) {
    if (typeof document !== 'string' || document.length === 0 || document.length > MAX_DOCUMENT_LENGTH) {
      issues.push({
        path: [...path, id],
        message: `must be the document's text, 1 to ${MAX_DOCUMENT_LENGTH} characters`,
      });
      continue;
    }
    if (!documentIdMatches(id, document)) {
      issues.push({
        path: [...path, id],
        message: "the id must be the document's SHA-256 (or SHA-1) in hex, as the client preset writes it",
      });
      continue;
    }
    const problem = check?.(document);
    if (problem) issues.push({ path: [...path, id], message: problem });
  }
  if (issues.length) throw badInput(issues);
  return Object.fromEntries(entries) as Manifest;
}

/** Registers documents for an account (again is harmless) and, when given, sets its policy. */
export async function registerTrustedDocuments(
  db: Db,
  accountId: string,
  manifest: Manifest,
  onlyTrustedDocuments: boolean | undefined,
): Promise<{ documentIds: string[]; onlyTrustedDocuments: boolean }> {
  const rows = Object.entries(manifest).map(([documentId, document]) => ({ accountId, documentId, document }));
  return db.transaction(async (tx) => {
    if (rows.length) await tx.insert(trustedDocumentTable).values(rows).onConflictDoNothing();
    if (onlyTrustedDocuments !== undefined) {
      await tx
        .insert(trustedDocumentPolicyTable)
        .values({ accountId, onlyTrustedDocuments })
        .onConflictDoUpdate({
          target: trustedDocumentPolicyTable.accountId,
          set: { onlyTrustedDocuments, updateTime: sql`now()` },
        });
    }
    const [policy] = await tx
      .select()
      .from(trustedDocumentPolicyTable)
      .where(eq(trustedDocumentPolicyTable.accountId, accountId));
    return {
      documentIds: rows.map((row) => row.documentId),
      onlyTrustedDocuments: policy?.onlyTrustedDocuments ?? false,
    };
  });
}

/** The text registered under `documentId` for the account, if any. */
export async function findTrustedDocument(db: Db, accountId: string, documentId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ document: trustedDocumentTable.document })
    .from(trustedDocumentTable)
    .where(and(eq(trustedDocumentTable.accountId, accountId), eq(trustedDocumentTable.documentId, documentId)));
  return row?.document;
}

export async function acceptsOnlyTrustedDocuments(db: Db, accountId: string): Promise<boolean> {
  const [row] = await db
    .select({ only: trustedDocumentPolicyTable.onlyTrustedDocuments })
    .from(trustedDocumentPolicyTable)
    .where(eq(trustedDocumentPolicyTable.accountId, accountId));
  return row?.only ?? false;
}
