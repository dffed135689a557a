/**
 * `/openapi.json` is generated from the routes' schemas: it lists every registered route, documents the query
 * parameters the route validates, and a request that breaks a documented rule gets the 400 the document describes.
 * Runs the Fastify app in memory (`inject`), without services: validation answers before any backing service.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema } from './schema-check.js';
import { buildApp, servedPaths } from './server.js';

describe('/openapi.json generated from the route schemas', () => {
  let app: FastifyInstance;
  let doc: Record<string, any>;

  beforeAll(async () => {
    app = await buildApp({ resources: {} as never, checkTimeoutMs: 1 });
    const res = await app.inject({ url: '/openapi.json' });
    expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'application/json; charset=utf-8']);
    doc = res.json();
  });
  afterAll(() => app?.close());

  it('lists every registered route, and only those', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(servedPaths(app)).toEqual([
      '/',
      '/api/ads',
      '/api/customers/{id}',
      '/api/health',
      '/api/revenue',
      '/api/viewership',
      '/assets/{file}',
      '/openapi.json',
    ]);
    expect(Object.keys(doc.paths).sort()).toEqual(servedPaths(app));
    for (const [path, item] of Object.entries<any>(doc.paths))
      expect([path, Object.keys(item)]).toEqual([path, ['get']]);
  });

  it('documents the query parameters each route validates', () => {
    const names = (path: string) => doc.paths[path].get.parameters.map((p: { name: string }) => p.name);
    expect(names('/api/viewership')).toEqual(['from', 'to', 'interval', 'groupBy', 'metrics', 'limit']);
    expect(names('/api/ads')).toEqual(['from', 'to', 'interval', 'groupBy', 'limit']);
    expect(names('/api/revenue')).toEqual(['from', 'to', 'groupBy']);
    expect(names('/api/customers/{id}')).toEqual(['id']);
    const interval = doc.paths['/api/viewership'].get.parameters.find((p: { name: string }) => p.name === 'interval');
    expect(interval.schema).toMatchObject({ enum: ['minute', 'hour', 'day'], default: 'hour' });
    const limit = doc.paths['/api/ads'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 10_000 });
    expect(Object.keys(doc.paths['/api/viewership'].get.responses['503'].headers)).toEqual(['Retry-After']);
  });

  it('answers a request that breaks a documented rule with the documented 400', async () => {
    const cases: [string, string, string][] = [
      ['/api/viewership', 'interval=week', 'interval'],
      ['/api/viewership', 'limit=0&groupBy=plan', 'limit'],
      ['/api/viewership', 'size=3', 'size'],
      ['/api/ads', 'limit=10001&groupBy=device', 'limit'],
      ['/api/ads', 'groupBy=colour', 'groupBy'],
      ['/api/revenue', 'groupBy=colour', 'groupBy'],
    ];
    for (const [path, qs, parameter] of cases) {
      const res = await app.inject({ url: `${path}?${qs}` });
      const documented = doc.paths[path].get.responses['400'];
      expect([qs, res.statusCode, res.json().parameter]).toEqual([qs, 400, parameter]);
      expect(documented.description).toMatch(/bad parameter/i);
      expect(checkSchema(documented.content['application/json'].schema, res.json(), doc)).toEqual([]);
    }
  });
});
