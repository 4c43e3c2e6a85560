/** The contract's error codes (api.md §3). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'FAILED_PRECONDITION'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

export interface InputIssue {
  path: (string | number)[];
  message: string;
}

/** An expected failure: its code and message are safe to show to the caller. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { issues?: InputIssue[]; retryAfter?: number } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function notFound(what: string): DomainError {
  return new DomainError('NOT_FOUND', `${what} not found.`);
}

export function badInput(issues: InputIssue[]): DomainError {
  const first = issues[0];
  const summary = first ? `${first.path.join('.') || 'input'}: ${first.message}` : 'Invalid input.';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new DomainError('BAD_USER_INPUT', `Invalid input: ${summary}${more}`, { issues });
}
