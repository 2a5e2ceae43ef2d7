import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../functions/docs/openapi';

/**
 * Every response the e2e suites receive is checked against /openapi.json: the
 * operation is found by method and path template, its status must be
 * documented, and a body must be of the documented media type and match the
 * documented schema. A handler and the document that drift apart fail a test.
 * The document is built by the same function the docs handler serves.
 */
type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };

const document = openApiDocument();
const DOC_ID = 'https://trust-access.local/openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...document, $id: DOC_ID });

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const templates = Object.entries(document.paths as Record<string, Record<string, Operation>>).map(([template, operations]) => ({
  template,
  operations,
  pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
}))
  // A literal path wins over a template that would also match it.
  .sort((a, b) => a.template.split('{').length - b.template.split('{').length);

const validators = new Map<string, ValidateFunction>();
function validatorFor(template: string, method: string, status: string, mediaType: string): ValidateFunction {
  const pointer = `#/paths/${escape(template)}/${method}/responses/${status}/content/${escape(mediaType)}/schema`;
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOC_ID}${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

/** The operation a request went to, or undefined for paths outside the API (`/_local/*`, unknown paths). */
export function findOperation(method: string, path: string) {
  const pathname = new URL(path, 'http://x').pathname;
  const lower = method.toLowerCase();
  const match = templates.find((entry) => entry.pattern.test(pathname) && entry.operations[lower]);
  return match ? { template: match.template, method: lower, operation: match.operations[lower]! } : undefined;
}

export class ResponseConformanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseConformanceError';
  }
}

/** Throws when the response is not one the document promises for this operation. */
export function assertConforms(method: string, path: string, status: number, contentType: string | null, body: unknown, text: string): void {
  const found = findOperation(method, path);
  if (!found) return;
  const where = `${method.toUpperCase()} ${found.template} (${path}) → ${status}`;
  const documented = found.operation.responses[String(status)];
  if (!documented) {
    throw new ResponseConformanceError(`${where}: status not documented in /openapi.json (documented: ${Object.keys(found.operation.responses).join(', ')}); body ${text.slice(0, 300)}`);
  }
  const mediaType = (contentType ?? '').split(';')[0]!.trim();
  const content = documented.content;
  if (!content) {
    if (text !== '') throw new ResponseConformanceError(`${where}: documented without a body, answered ${mediaType} ${text.slice(0, 300)}`);
    return;
  }
  if (!content[mediaType]) {
    throw new ResponseConformanceError(`${where}: answered ${mediaType || 'no content type'}, documented ${Object.keys(content).join(', ')}; body ${text.slice(0, 300)}`);
  }
  const validate = validatorFor(found.template, found.method, String(status), mediaType);
  const value = /json/.test(mediaType) ? body : text;
  if (!validate(value)) {
    throw new ResponseConformanceError(`${where}: body does not match the documented schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}; body ${text.slice(0, 500)}`);
  }
}
