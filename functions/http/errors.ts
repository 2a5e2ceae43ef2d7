import type * as z from '../shared/zod';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  GoneError,
  InvalidInputError,
  PayloadTooLargeError,
  NotFoundError,
  PreconditionRequiredError,
  ThrottledError,
  UnavailableError,
  UnauthenticatedError,
  UnprocessableError,
  VersionConflictError,
  type FieldError,
} from '../../domain/errors';
import { AccountLockedError } from '../../domain/identity/login';
import { LinkGoneError } from '../../domain/identity/tokens';

/** Domain error class → HTTP status: the one place this mapping lives. */
const STATUS_BY_ERROR: [new (...args: never[]) => DomainError, number][] = [
  [InvalidInputError, 400],
  [UnauthenticatedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [LinkGoneError, 410],
  [GoneError, 410],
  [PayloadTooLargeError, 413],
  [VersionConflictError, 412],
  [PreconditionRequiredError, 428],
  [UnprocessableError, 422],
  [AccountLockedError, 423],
  [ThrottledError, 429],
  [UnavailableError, 503],
];

export class RequestValidationError extends DomainError {
  readonly code: string;
  constructor(errors: FieldError[], code = 'validation_failed', message = 'The request is not valid') {
    super(message, { errors });
    this.name = 'RequestValidationError';
    this.code = code;
  }
}

type Issue = { code?: string; path: PropertyKey[]; message: string; keys?: string[]; errors?: Issue[][] };

/**
 * The issues as fields at fault: an unknown key is named itself
 * (`memberships.0.colour`, not the object holding it), and a union whose
 * input has the type of exactly one of its options (the import's `{ planId }`
 * beside the CSV text) answers that option's issues, not "invalid input" at
 * the union.
 */
function fieldIssues(issue: Issue): Issue[] {
  if (issue.code === 'unrecognized_keys') return issue.keys!.map((key) => ({ path: [...issue.path, key], message: 'Unrecognized key' }));
  const ofItsType = issue.code === 'invalid_union' ? issue.errors?.filter((option) => !option.some((i) => i.code === 'invalid_type' && !i.path.length)) : undefined;
  return ofItsType?.length === 1 ? ofItsType[0]!.flatMap((i) => fieldIssues({ ...i, path: [...issue.path, ...i.path] })) : [issue];
}

export function fieldErrors(error: z.core.$ZodError, prefix: string): FieldError[] {
  return (error.issues as Issue[]).flatMap(fieldIssues).map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || prefix,
    message: issue.message,
  }));
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors: FieldError[];
}

/**
 * API.md's problem shape, every field present: `detail` is this occurrence's
 * explanation (today the same text as `title`, which consumers already show)
 * and `errors` is always a list, empty unless fields were at fault.
 */
export function problem(status: number, code: string, title: string, errors?: FieldError[]): Problem {
  return { type: `urn:trust-access:problem:${code}`, title, status, detail: title, code, errors: errors ?? [] };
}

/**
 * middy's own answer a second before Lambda's timeout (`@middy/core`'s
 * TimeoutError; `TIMEOUT_MARGIN_MS` in handler.ts). middy answers while the
 * handler's work may still be under way (it is not cancelled, and in Lambda it
 * may go on when the container is next used), so the outcome is unknown: each
 * write is one whole transaction, but some may have landed. The caller looks
 * before trying again.
 */
const isFunctionTimeout = (error: unknown): boolean =>
  error instanceof Error && error.name === 'TimeoutError' && (error.cause as { package?: string } | undefined)?.package === '@middy/core';

const TIMEOUT_TITLE = 'The request ran out of time; part of it may have been done, so check before trying again, or send less at once';

/**
 * Maps anything thrown to a problem document; a function timeout becomes a
 * 503 `timeout` (logged as an error all the same), anything else unknown a
 * bare 500.
 */
export function toProblem(error: unknown): { problem: Problem; known: boolean } {
  if (isFunctionTimeout(error)) return { problem: problem(503, 'timeout', TIMEOUT_TITLE), known: false };
  if (error instanceof RequestValidationError) {
    return { problem: problem(400, error.code, error.message, error.errors), known: true };
  }
  if (error instanceof DomainError) {
    const status = STATUS_BY_ERROR.find(([type]) => error instanceof type)?.[1];
    if (status) return { problem: problem(status, error.code, error.message, error.errors), known: true };
  }
  return { problem: problem(500, 'internal_error', 'Something went wrong on our side'), known: false };
}
