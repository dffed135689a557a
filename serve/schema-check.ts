/**
 * A small JSON Schema checker for the subset the generated OpenAPI document uses (type incl. type arrays, enum,
 * properties, required, additionalProperties, propertyNames, items, oneOf, anyOf, local $ref, format date-time).
 * Returns every mismatch with its JSON path, so a test can say exactly where a real response departs from the
 * document `/openapi.json` serves.
 */

type Schema = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function resolve(ref: string, root: Schema): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref are supported (got ${ref})`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (!node) throw new Error(`unresolved $ref ${ref}`);
  return node as Schema;
}

const KNOWN = new Set([
  'type',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'oneOf',
  '$ref',
  'format',
  'description',
  'default',
  'minimum',
  'maximum',
  'example',
  'anyOf',
  'propertyNames',
  '$schema',
  '$id',
]);

/** Mismatches of `value` against `schema` (empty when it conforms); `root` resolves `$ref`s. */
export function checkSchema(schema: Schema, value: unknown, root: Schema, path = '$'): string[] {
  for (const k of Object.keys(schema))
    if (!KNOWN.has(k)) return [`${path}: schema keyword "${k}" is not supported by this checker`];
  if (typeof schema.$ref === 'string') return checkSchema(resolve(schema.$ref, root), value, root, path);
  if (Array.isArray(schema.oneOf)) {
    const matches = (schema.oneOf as Schema[]).filter((s) => checkSchema(s, value, root, path).length === 0).length;
    return matches === 1 ? [] : [`${path}: matches ${matches} of the oneOf schemas (exactly 1 expected)`];
  }
  if (Array.isArray(schema.anyOf)) {
    const each = (schema.anyOf as Schema[]).map((s) => checkSchema(s, value, root, path));
    if (each.some((e) => e.length === 0)) return [];
    return [`${path}: matches none of anyOf (${each.map((e) => e[0]!.slice(path.length + 2)).join(' | ')})`];
  }
  const errs: string[] = [];
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];
    const ok = types.includes(t) || (t === 'integer' && types.includes('number'));
    if (!ok) return [`${path}: expected ${types.join('|')}, got ${t}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errs.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (schema.format === 'date-time' && typeof value === 'string' && Number.isNaN(Date.parse(value)))
    errs.push(`${path}: "${value}" is not a date-time`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      errs.push(`${path}: ${value} < minimum ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      errs.push(`${path}: ${value} > maximum ${schema.maximum}`);
  }
  if (t === 'object') {
    const o = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[])
      if (!(r in o)) errs.push(`${path}: missing required property "${r}"`);
    for (const k of Object.keys(o))
      if (schema.propertyNames) errs.push(...checkSchema(schema.propertyNames as Schema, k, root, `${path}[key ${k}]`));
    for (const [k, v] of Object.entries(o)) {
      if (props[k]) errs.push(...checkSchema(props[k], v, root, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}: property "${k}" is not in the schema`);
      else if (typeof schema.additionalProperties === 'object')
        errs.push(...checkSchema(schema.additionalProperties as Schema, v, root, `${path}.${k}`));
    }
  }
  if (t === 'array' && schema.items)
    (value as unknown[]).forEach((v, i) => errs.push(...checkSchema(schema.items as Schema, v, root, `${path}[${i}]`)));
  return errs;
}
