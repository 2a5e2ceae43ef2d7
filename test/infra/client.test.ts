import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_SCHEMA_FILE, clientSchemaSource } from '../../infra/scripts/generate-client';

describe('client/schema.d.ts', () => {
  it('is what `npm run client` generates from the current /openapi.json (run it after changing a route or schema)', async () => {
    expect(readFileSync(CLIENT_SCHEMA_FILE, 'utf8') === (await clientSchemaSource()), 'client/schema.d.ts is stale: run `npm run client`').toBe(true);
  });
});
