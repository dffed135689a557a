/**
 * Property tests of the XML status-reference parser: any text gives a StatusReference or a ReferenceDataError
 * naming the file (never another exception), and generated valid references (either format) round-trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReferenceDataError } from './errors.js';
import { parseStatusReference } from './status-reference.js';

const FILE = '/ref/codes.xml';
const RUNS = { numRuns: 400 };

/** Typed outcome of parsing: the reference, or the ReferenceDataError (anything else is thrown on). */
function outcome(xml: string) {
  try {
    return parseStatusReference(xml, FILE);
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(ReferenceDataError);
    expect((err as Error).message).toContain(`HTTP status reference ${FILE}: `);
    expect((err as Error).message).not.toMatch(/line undefined|column undefined/);
    return err as ReferenceDataError;
  }
}

const name = fc.constantFrom(
  'registry',
  'record',
  'value',
  'description',
  'xref',
  'statusCodes',
  'status',
  'a:registry',
  '__proto__',
  'constructor',
  'toString',
  'x',
);
const attr = fc
  .tuple(
    fc.constantFrom('code', 'description', 'reference', 'data', 'type', 'xmlns', 'xmlns:a', '__proto__'),
    fc.string({ maxLength: 8 }),
  )
  .map(([k, v]) => ` ${k}="${v.replace(/[<&"]/g, '')}"`);
const text = fc.oneof(
  fc.constantFrom(
    '200',
    '100-199',
    ' 404 ',
    '600',
    '300-200',
    '20x',
    '&amp;',
    '&a;',
    '&#65;',
    ']]>',
    '<![CDATA[200]]>',
    '<!-- c -->',
  ),
  fc.string({ maxLength: 10 }),
);
const element: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
  el: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(name, fc.array(attr, { maxLength: 2 })).map(([n, a]) => `<${n}${a.join('')}/>`),
    fc
      .tuple(name, fc.array(attr, { maxLength: 2 }), fc.array(fc.oneof(text, tie('el')), { maxLength: 4 }))
      .map(([n, a, c]) => `<${n}${a.join('')}>${c.join('')}</${n}>`),
  ),
})).el;
const prolog = fc.constantFrom(
  '',
  '<?xml version="1.0" encoding="UTF-8"?>\n',
  '<!DOCTYPE r [<!ENTITY a "200">]>',
  '<!DOCTYPE r [<!ENTITY a b "x">]>',
  '<!DOCTYPE r [<!ENTITY a SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE r [<!ENTITY . "x">]>',
  '<!DOCTYPE r [<!ELEMENT>]>',
  '<!DOCTYPE r [<!ENTITY a "&a;&a;&a;&a;&a;&a;">]>',
  '<!DOCTYPE',
  '\uFEFF',
);
/** Mutate a document: cut it, or splice in junk. */
const xmlish = fc.oneof(
  fc.tuple(prolog, element).map(([p, e]) => p + e),
  fc.tuple(prolog, element, fc.nat(), fc.string({ maxLength: 5 })).map(([p, e, at, junk]) => {
    const s = p + e;
    const i = at % (s.length + 1);
    return s.slice(0, i) + junk + s.slice(i);
  }),
  fc.string({ maxLength: 60 }),
);

describe('parseStatusReference', () => {
  it('any text gives a reference or a ReferenceDataError naming the file', () => {
    fc.assert(
      fc.property(xmlish, (xml) => void outcome(xml)),
      RUNS,
    );
  });

  it('regressions: entity declarations and reserved names the parser refuses are ReferenceDataErrors', () => {
    for (const xml of [
      '<!DOCTYPE r [<!ENTITY a b "x">]><statusCodes/>',
      '<!DOCTYPE r [<!ENTITY a SYSTEM "file:///etc/passwd">]><statusCodes/>',
      '<statusCodes><__proto__ code="200"/></statusCodes>',
      '<registry><constructor/></registry>',
    ]) {
      expect(() => parseStatusReference(xml, FILE), xml).toThrow(ReferenceDataError);
    }
    expect(() => parseStatusReference('', FILE)).toThrow(/malformed XML at line 1: Start tag expected/);
  });

  /** Disjoint ranges within 100-599 (from a sorted set of distinct cut points). */
  const ranges = fc.uniqueArray(fc.integer({ min: 100, max: 599 }), { minLength: 1, maxLength: 40 }).chain((cuts) => {
    const sorted = [...cuts].sort((a, b) => a - b);
    const pairs: [number, number][] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) pairs.push([sorted[i]!, sorted[i + 1]!]);
    if (sorted.length % 2) pairs.push([sorted.at(-1)!, sorted.at(-1)!]);
    return fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length });
  });
  const desc = fc.string({ maxLength: 20 }).map((s) => s.trim());
  const xmlEsc = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const clean = (s: string) => s.replace(/[^\x20-\x7e]/g, ''); // XML 1.0 text: printable ASCII keeps the property about the parser, not character classes

  it('a valid reference in either format round-trips: every code resolves to its entry', () => {
    fc.assert(
      fc.property(ranges, fc.array(desc, { minLength: 40, maxLength: 40 }), fc.boolean(), (rs, descs, iana) => {
        const entries = rs.map(([from, to], i) => ({ from, to, description: clean(descs[i]!).trim() }));
        const value = (e: { from: number; to: number }) => (e.from === e.to ? `${e.from}` : `${e.from}-${e.to}`);
        const xml = iana
          ? `<?xml version="1.0"?><registry xmlns="http://www.iana.org/assignments" id="http-status-codes"><registry id="http-status-codes-1">${entries
              .map(
                (e) =>
                  `<record><value>${value(e)}</value><description>${xmlEsc(e.description)}</description><xref type="rfc" data="rfc9110"/></record>`,
              )
              .join('')}</registry></registry>`
          : `<statusCodes>${entries.map((e) => `<status code="${value(e)}" description="${xmlEsc(e.description)}"/>`).join('')}</statusCodes>`;
        const ref = outcome(xml);
        if (ref instanceof ReferenceDataError) throw ref;
        expect(ref.entries).toHaveLength(entries.length);
        for (const e of entries)
          for (const code of [e.from, e.to])
            expect(ref.lookup(code), `${code}`).toMatchObject({ known: true, description: e.description });
      }),
      { numRuns: 200 },
    );
  });
});
