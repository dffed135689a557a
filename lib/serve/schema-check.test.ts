import { describe, expect, it } from 'vitest';
import { OPENAPI } from './openapi.js';
import { checkSchema } from './schema-check.js';

const root = OPENAPI as Record<string, unknown>;
const bucket = { $ref: '#/components/schemas/Bucket' };

describe('checkSchema', () => {
  it('accepts a conforming bucket and reports each mismatch with its path', () => {
    const ok = {
      start: '2026-11-23T00:00:00.000Z',
      end: '2026-11-24T00:00:00.000Z',
      source: 'speed',
      group: { country: null },
      metrics: { events: 3, byStatusCategory: { '2xx': 3 } },
    };
    expect(checkSchema(bucket, ok, root)).toEqual([]);
    expect(checkSchema(bucket, { ...ok, source: 'lake' }, root)).toEqual([
      '$.source: "lake" is not one of ["batch","speed"]',
    ]);
    expect(checkSchema(bucket, { ...ok, start: 'soon', extra: 1 }, root)).toEqual([
      '$.start: "soon" is not a date-time',
      '$: property "extra" is not in the schema',
    ]);
    const { end: _end, ...noEnd } = ok;
    expect(checkSchema(bucket, noEnd, root)).toEqual(['$: missing required property "end"']);
    expect(checkSchema(bucket, { ...ok, metrics: { events: 'many' } }, root)).toEqual([
      '$.metrics.events: expected number|null, got string',
    ]);
  });

  it('handles oneOf and refuses keywords it does not implement', () => {
    const s = { oneOf: [{ type: 'null' }, { type: 'integer' }] };
    expect(checkSchema(s, null, root)).toEqual([]);
    expect(checkSchema(s, 'x', root)).toHaveLength(1);
    expect(checkSchema({ pattern: 'a' }, 'a', root)[0]).toMatch(/not supported/);
  });
});
