/** Minimal `KEY=VALUE` env-file parsing (comments and blank lines allowed), with errors naming file and line. */

/** Parse env-file text; throws on a malformed line with `file:line`. */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected KEY=VALUE, got "${line.slice(0, 40)}"`);
    out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  });
  return out;
}
