import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RouteDef } from '../../functions/routes';
import { createGateway } from '../../infra/local/gateway';

const route: RouteDef = {
  method: 'GET', path: '/slow', handler: 'test/fixtures/handlers/slow-log.ts', auth: 'public',
  summary: 'test', tag: 'test', table: 'none', responses: { 200: { description: 'ok' } },
};

/** The same handler behind a route with a 2 s timeout. */
const shortRoute: RouteDef = { ...route, path: '/slow-short', timeoutSeconds: 2 };

describe('the local gateway', () => {
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const server = createGateway({ root: resolve(import.meta.dirname, '../..'), routes: [route, shortRoute], verify: async () => undefined });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((done) => server.close(() => done()));
  });
  afterAll(() => close());

  it("logs each request's own id on its lines even when requests overlap", async () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const level = process.env.POWERTOOLS_LOG_LEVEL;
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    try {
      // The first waits longest, so every other request logs in between its two lines.
      const answers = await Promise.all([300, 200, 100, 0].map((wait) => fetch(`${url}/slow?wait=${wait}`).then((r) => r.json() as Promise<{ requestId: string }>)));
      expect(new Set(answers.map((a) => a.requestId)).size).toBe(4);
    } finally {
      write.mockRestore();
      process.env.POWERTOOLS_LOG_LEVEL = level;
    }
    const logs = lines.flatMap((chunk) => chunk.split('\n')).filter((line) => line.includes('checkpoint')).map((line) => JSON.parse(line) as { requestId: string; expected: string; message: string });
    expect(logs).toHaveLength(8);
    for (const log of logs) expect(log.requestId).toBe(log.expected);
  });

  it("gives each function its route's timeout, as Lambda does: past it the answer is 503 timeout (review L: it gave every route 29 s)", async () => {
    const late = await fetch(`${url}/slow-short?wait=2500`);
    expect(late.status).toBe(503);
    expect(await late.json()).toMatchObject({ code: 'timeout' });
    // The default route (15 s) waits as long.
    expect((await fetch(`${url}/slow?wait=2500`)).status).toBe(200);
  });
});
