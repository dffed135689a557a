import { describe, expect, it } from 'vitest';
import { ReferenceDataError } from './errors.js';
import { loadStatusReference, parseStatusReference } from './status-reference.js';

describe('HTTP status reference', () => {
  it('parses the shipped IANA registry, with ranges', () => {
    const ref = loadStatusReference();
    expect(ref.lookup(200)).toEqual({ code: 200, category: '2xx', description: 'OK', known: true });
    expect(ref.lookup(418).description).toBe('(Unused)');
    expect(ref.lookup(150)).toMatchObject({ category: '1xx', description: 'Unassigned', known: true }); // inside 104-199
    expect(ref.size).toBe(500); // 100..599 all covered by codes or ranges
  });

  it('keeps codes the reference does not list, with the category from the first digit', () => {
    const ref = parseStatusReference(
      '<statusCodes><status code="200" description="OK"/><status code="500" description="Oops"/></statusCodes>',
      'custom.xml',
    );
    expect(ref.lookup(200).description).toBe('OK');
    expect(ref.lookup(299)).toEqual({ code: 299, category: '2xx', description: 'Unknown', known: false });
    expect(ref.lookup(999).category).toBe('other');
  });

  it('accepts IANA ranges such as 105-199', () => {
    const xml = `<registry xmlns="http://www.iana.org/assignments" id="http-status-codes"><registry id="x">
      <record><value>100</value><description>Continue</description></record>
      <record><value>105-199</value><description>Unassigned</description></record></registry></registry>`;
    const ref = parseStatusReference(xml, 'iana.xml');
    expect(ref.lookup(105).known).toBe(true);
    expect(ref.lookup(199).known).toBe(true);
    expect(ref.lookup(104).known).toBe(false);
  });

  it('names the file, line and problem of malformed XML', () => {
    expect(() => parseStatusReference('<registry>\n  <record><value>200</value>\n</registry>', '/etc/ref.xml')).toThrow(
      /HTTP status reference \/etc\/ref\.xml: malformed XML at line \d+, column \d+/,
    );
  });

  it('rejects bad values, unknown formats, empty files, overlaps and missing files with typed errors', () => {
    const bad = (xml: string) => () => parseStatusReference(xml, 'r.xml');
    expect(bad('<statusCodes><status code="20x"/></statusCodes>')).toThrow(
      /<status> 1: value "20x" is not a status code/,
    );
    expect(bad('<statusCodes><status code="300-200"/></statusCodes>')).toThrow(/reversed/);
    expect(bad('<codes/>')).toThrow(/unknown root element <codes>/);
    expect(bad('<statusCodes></statusCodes>')).toThrow(/no status records/);
    expect(bad('<statusCodes><status code="100-199"/><status code="150"/></statusCodes>')).toThrow(/overlap/);
    expect(() => loadStatusReference('/nonexistent/ref.xml')).toThrow(ReferenceDataError);
    expect(() => loadStatusReference('/nonexistent/ref.xml')).toThrow(
      /\/nonexistent\/ref\.xml: cannot be read \(ENOENT\)/,
    );
  });
});
