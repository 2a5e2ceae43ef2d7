import { routes, type RouteDef } from '../routes';
import { problemSchema } from '../shared/schemas';
import * as z from '../shared/zod';

type ZodType = z.ZodMiniType;

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

const toSchema = (schema: ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
};

function parameters(schema: ZodType | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function operation(route: RouteDef) {
  const problem = { description: 'Problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const contentType = response.contentType ?? (Number(status) >= 400 ? 'application/problem+json' : 'application/json');
    responses[status] = response.schema
      ? { description: response.description, content: { [contentType]: { schema: toSchema(response.schema, 'output') } } }
      : Number(status) >= 400
        ? { ...problem, description: response.description }
        : { description: response.description };
  }
  responses['400'] ??= { ...problem, description: 'validation_failed: the errors name each bad field' };
  if (route.auth === 'user') responses['401'] ??= { ...problem, description: 'No valid bearer token' };
  responses['500'] = { ...problem, description: 'A bug' };
  return {
    operationId: route.handler.replace(/^functions\//, '').replace(/\.ts$/, '').replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase()),
    summary: route.summary,
    tags: [route.tag],
    ...(route.auth === 'user' ? { security: [{ bearer: [] }] } : { security: [] }),
    parameters: [...parameters(route.request?.params, 'path'), ...parameters(route.request?.query, 'query')],
    ...(route.request?.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.request.body, 'input') } } } }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document, built from the route table and the zod schemas that validate requests. */
export function openApiDocument(serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trust access platform',
      version: '0.1.0',
      description: 'Accounts, organisation tree and access decisions for groups of schools.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Cognito access token' } },
      schemas: { Problem: toSchema(problemSchema, 'output') },
    },
  };
}
