/**
 * Domain errors carry a stable snake_case `code`; functions/http/errors.ts maps
 * each class to an HTTP status in one table.
 */
export interface FieldError {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  readonly errors: FieldError[];
  constructor(message: string, options?: { errors?: FieldError[]; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.errors = options?.errors ?? [];
  }
}

/** Bad input that a schema cannot see (unknown parent, a school as parent…). */
export class InvalidInputError extends DomainError {
  readonly code: string;
  constructor(code: string, message: string, errors: FieldError[]) {
    super(message, { errors });
    this.name = 'InvalidInputError';
    this.code = code;
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code: string;
  constructor(code = 'unauthenticated', message = 'Authentication required') {
    super(message);
    this.name = 'UnauthenticatedError';
    this.code = code;
  }
}

export class ForbiddenError extends DomainError {
  readonly code: string;
  constructor(message = 'You are not allowed to do this', code = 'forbidden') {
    super(message);
    this.name = 'ForbiddenError';
    this.code = code;
  }
}

export class ConflictError extends DomainError {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ConflictError';
    this.code = code;
  }
}

/** The If-Match version is not the stored one. */
export class VersionConflictError extends DomainError {
  readonly code = 'version_conflict';
  constructor(message = 'The resource was changed by someone else; reload it and try again') {
    super(message);
    this.name = 'VersionConflictError';
  }
}

export class PreconditionRequiredError extends DomainError {
  readonly code = 'precondition_required';
  constructor() {
    super('This change needs an If-Match header with the version you last read', {
      errors: [{ path: 'If-Match', message: 'required' }],
    });
    this.name = 'PreconditionRequiredError';
  }
}

export class ThrottledError extends DomainError {
  readonly code = 'throttled';
  /** Seconds until a retry can succeed (the `Retry-After` header); 1 when unknown. */
  readonly retryAfterSeconds: number;
  constructor(options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super('Too many requests; try again shortly', options);
    this.name = 'ThrottledError';
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 1;
  }
}

/** A dependency (the mail service) failed after retries; the request can be repeated. */
export class UnavailableError extends DomainError {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'UnavailableError';
    this.code = code;
  }
}

/** A request over a documented size limit (413); the message names the limit. */
export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
  constructor(message: string) {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}

/** Something that existed once and is gone for good (410), such as an import plan past its hour. */
export class GoneError extends DomainError {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'GoneError';
    this.code = code;
  }
}

/** The request is well formed but cannot be processed as sent (an Idempotency-Key reused with another body). */
export class UnprocessableError extends DomainError {
  readonly code: string;
  constructor(code: string, message: string, errors: FieldError[] = []) {
    super(message, { errors });
    this.name = 'UnprocessableError';
    this.code = code;
  }
}
