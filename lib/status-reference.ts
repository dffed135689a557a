/**
 * Loads the HTTP status reference from XML: the IANA registry format (`http-status-codes.xml`, namespace
 * http://www.iana.org/assignments; a record's value is a code or a range like `105-199`) or the project's simple
 * custom format (`<statusCodes><status code="200" description="OK"/></statusCodes>`). A broken file stops with
 * a ReferenceDataError naming the file and the problem (with line and column for XML syntax errors).
 */
import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { StatusReference, type StatusEntry } from '../common/status.js';
import { ReferenceDataError } from './errors.js';

/** Default reference shipped with the project. */
export const DEFAULT_STATUS_REFERENCE = new URL('../reference/http-status-codes.xml', import.meta.url).pathname;

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

function fail(file: string, problem: string): never {
  throw new ReferenceDataError(`HTTP status reference ${file}: ${problem}`, { file });
}

function parseValue(file: string, raw: unknown, where: string): { from: number; to: number } {
  const text = String(raw ?? '').trim();
  const m = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(text);
  if (!m) fail(file, `${where}: value "${text}" is not a status code or a range like 105-199`);
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  if (from < 100 || to > 599 || to < from) fail(file, `${where}: value "${text}" is outside 100-599 or reversed`);
  return { from, to };
}

/** Parse reference XML text (either format). `file` is used in error messages only. */
export function parseStatusReference(xml: string, file: string): StatusReference {
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    fail(
      file,
      `malformed XML at line ${valid.err.line}${valid.err.col === undefined ? '' : `, column ${valid.err.col}`}: ${valid.err.msg}`,
    );
  let doc: Record<string, any>;
  try {
    doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      removeNSPrefix: true,
      parseTagValue: false,
    }).parse(xml) as Record<string, any>;
  } catch (err) {
    // The validator passes some documents the parser refuses (a malformed or external entity in the DOCTYPE,
    // an element or attribute named __proto__ or constructor): the same typed error, not a bare Error.
    fail(file, `cannot be parsed: ${(err as Error).message}`);
  }
  const entries: StatusEntry[] = [];
  if ('registry' in doc) {
    // IANA: records sit in the nested <registry id="http-status-codes-1"> (or directly under the root).
    const root = (doc.registry || {}) as Record<string, any>;
    const registries = [root, ...asArray(root.registry)];
    const records = registries.flatMap((r) => asArray(r.record));
    records.forEach((rec: Record<string, any>, i: number) => {
      const where = `record ${i + 1}`;
      if (rec.value === undefined) fail(file, `${where}: missing <value>`);
      const { from, to } = parseValue(file, rec.value, where);
      const xref = asArray(rec.xref)[0] as Record<string, string> | undefined;
      entries.push({ from, to, description: String(rec.description ?? '').trim(), reference: xref?.['@data'] ?? '' });
    });
  } else if ('statusCodes' in doc) {
    asArray((doc.statusCodes || {}).status).forEach((s: Record<string, string>, i: number) => {
      const where = `<status> ${i + 1}`;
      const { from, to } = parseValue(file, s['@code'], where);
      entries.push({ from, to, description: String(s['@description'] ?? '').trim(), reference: s['@reference'] ?? '' });
    });
  } else {
    fail(
      file,
      `unknown root element <${Object.keys(doc).filter((k) => !k.startsWith('?'))[0] ?? 'none'}> (expected IANA <registry> or <statusCodes>)`,
    );
  }
  if (entries.length === 0) fail(file, 'no status records found');
  const overlaps = findOverlap(entries);
  if (overlaps) fail(file, overlaps);
  return new StatusReference(entries, file);
}

function findOverlap(entries: StatusEntry[]): string | undefined {
  const sorted = [...entries].sort((a, b) => a.from - b.from);
  for (let i = 1; i < sorted.length; i++) {
    const [p, c] = [sorted[i - 1]!, sorted[i]!];
    if (c.from <= p.to) return `entries ${p.from}-${p.to} and ${c.from}-${c.to} overlap`;
  }
  return undefined;
}

/** Read and parse a reference file; a missing file is a ReferenceDataError naming the path. */
export function loadStatusReference(file: string = DEFAULT_STATUS_REFERENCE): StatusReference {
  let xml: string;
  try {
    xml = readFileSync(file, 'utf8');
  } catch (err) {
    fail(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseStatusReference(xml, file);
}
