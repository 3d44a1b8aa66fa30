/** Stable error codes; the HTTP layer maps them to statuses, the domain never knows about HTTP. */
export type ErrorCode =
  | 'not_found'
  | 'invalid_transition'
  | 'conflict'
  | 'validation_failed'
  | 'forbidden'
  | 'unauthenticated'
  | 'account_locked'
  | 'release_blocked'
  | 'idempotency_mismatch'
  | 'service_unavailable'
  | 'rate_limited'
  | 'waiver_not_allowed'
  | 'platform_not_allowed'
  | 'platform_not_registered';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what}不存在`);
export const forbidden = (message: string, details?: unknown) => new DomainError('forbidden', message, details);
export const conflict = (message: string, details?: unknown) => new DomainError('conflict', message, details);
export const invalidTransition = (message: string, details?: unknown) => new DomainError('invalid_transition', message, details);
export const validationFailed = (message: string, details?: unknown) => new DomainError('validation_failed', message, details);
