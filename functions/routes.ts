import { z, type ZodType } from 'zod';
import { auditPageSchema, auditQuerySchema } from './audit/audit.schema';
import { loginBodySchema, refreshBodySchema, tokensSchema } from './auth/auth.schema';
import { createNodeBodySchema, nodeListSchema, nodeSchema, updateNodeBodySchema } from './nodes/node.schema';
import { idParamsSchema } from './shared/schemas';

/**
 * The route table: the one source the CDK API, the local gateway and
 * /openapi.json are all built from. `handler` is the module (relative to the
 * project root) whose `handler` export Lambda runs.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDef {
  method: HttpMethod;
  path: string;
  handler: string;
  /** `public`: no bearer token (auth, health, docs, pages). `user`: a Cognito access token. */
  auth: 'public' | 'user';
  summary: string;
  tag: string;
  /** Least-privilege grants for the function. */
  table: 'none' | 'read' | 'write';
  cognito?: boolean;
  ses?: boolean;
  request?: { body?: ZodType; query?: ZodType; params?: ZodType };
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string }>;
}

const ok = (schema: ZodType, description = 'OK') => ({ description, schema });

export const routes: RouteDef[] = [
  {
    method: 'GET', path: '/health', handler: 'functions/health/get-health.ts', auth: 'public',
    summary: 'Liveness check', tag: 'Service', table: 'none',
    responses: { 200: ok(z.object({ status: z.literal('ok') })) },
  },
  {
    method: 'GET', path: '/openapi.json', handler: 'functions/docs/get-openapi.ts', auth: 'public',
    summary: 'This OpenAPI document', tag: 'Service', table: 'none',
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
  },
  {
    method: 'POST', path: '/auth/login', handler: 'functions/auth/login.ts', auth: 'public',
    summary: 'Sign in with email and password', tag: 'Authentication', table: 'write', cognito: true,
    request: { body: loginBodySchema },
    responses: { 200: ok(tokensSchema), 401: { description: 'invalid_credentials' } },
  },
  {
    method: 'POST', path: '/auth/refresh', handler: 'functions/auth/refresh.ts', auth: 'public',
    summary: 'New access and id tokens from a refresh token', tag: 'Authentication', table: 'read', cognito: true,
    request: { body: refreshBodySchema },
    responses: { 200: ok(tokensSchema), 401: { description: 'invalid_refresh_token' } },
  },
  {
    method: 'GET', path: '/nodes', handler: 'functions/nodes/list-nodes.ts', auth: 'user',
    summary: "The caller's whole organisation tree", tag: 'Organisation', table: 'read',
    responses: { 200: ok(nodeListSchema) },
  },
  {
    method: 'POST', path: '/nodes', handler: 'functions/nodes/create-node.ts', auth: 'user',
    summary: 'Add a cluster or school', tag: 'Organisation', table: 'write',
    request: { body: createNodeBodySchema },
    responses: { 201: ok(nodeSchema, 'Created'), 409: { description: 'name_taken' } },
  },
  {
    method: 'PATCH', path: '/nodes/{id}', handler: 'functions/nodes/update-node.ts', auth: 'user',
    summary: 'Rename, relabel or move a node (its subtree moves with it)', tag: 'Organisation', table: 'write',
    request: { params: idParamsSchema, body: updateNodeBodySchema },
    responses: { 200: ok(nodeSchema), 409: { description: 'cycle' }, 412: { description: 'version_conflict' } },
  },
  {
    method: 'DELETE', path: '/nodes/{id}', handler: 'functions/nodes/delete-node.ts', auth: 'user',
    summary: 'Delete an empty node', tag: 'Organisation', table: 'write',
    request: { params: idParamsSchema },
    responses: { 204: { description: 'Deleted' }, 409: { description: 'not_empty' } },
  },
  {
    method: 'GET', path: '/audit', handler: 'functions/audit/list-audit.ts', auth: 'user',
    summary: 'Audit records, newest first', tag: 'Audit', table: 'read',
    request: { query: auditQuerySchema },
    responses: { 200: ok(auditPageSchema) },
  },
];

/** Scheduled functions: the CDK schedules them, the local gateway runs them on POST /_local/run/{job}. */
export interface JobDef {
  name: string;
  handler: string;
  /** EventBridge schedule expression. */
  schedule: string;
  table: 'none' | 'read' | 'write';
}

export const jobs: JobDef[] = [];
