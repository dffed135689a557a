import { describe, expect, it } from 'vitest';
import { checkSchema } from './schema-check.js';
import { openApiDocument } from './server.js';

const root = await openApiDocument();
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
      '$.metrics.events: matches none of anyOf (expected number, got string | expected null, got string)',
    ]);
  });

  it('handles oneOf, anyOf and propertyNames, and refuses keywords it does not implement', () => {
    const s = { oneOf: [{ type: 'null' }, { type: 'integer' }] };
    expect(checkSchema(s, null, root)).toEqual([]);
    expect(checkSchema(s, 'x', root)).toHaveLength(1);
    const a = { anyOf: [{ type: 'number' }, { type: 'integer' }] };
    expect(checkSchema(a, 2, root)).toEqual([]);
    expect(checkSchema(a, 'x', root)).toHaveLength(1);
    const keys = { type: 'object', propertyNames: { enum: ['a'] } };
    expect(checkSchema(keys, { a: 1 }, root)).toEqual([]);
    expect(checkSchema(keys, { b: 1 }, root)).toEqual(['$[key b]: "b" is not one of ["a"]']);
    expect(checkSchema({ pattern: 'a' }, 'a', root)[0]).toMatch(/not supported/);
  });
});
