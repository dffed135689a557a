/**
 * The dashboard's static files: `index.html` and `/assets/{file}` from `PUBLIC_DIR` (plain names with a known
 * extension only, so no path can leave the directory), and the third-party files on the allow-list of
 * `serve/vendor.ts` from node_modules.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';
import { VENDOR_FILES } from './vendor.js';
import { PUBLIC_DIR } from './public-dir.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Answer with a file of the public directory (404 JSON when there is no such file). */
export async function sendPublicFile(reply: FastifyReply, name: string): Promise<FastifyReply> {
  const ext = name.slice(name.lastIndexOf('.'));
  const type = TYPES[ext];
  if (!/^[a-z0-9][a-z0-9-]*\.[a-z]+$/.test(name) || !type)
    return reply.code(404).send({ error: `no such file: ${name}` });
  let data: Buffer;
  try {
    data = await readFile(`${PUBLIC_DIR}${name}`);
  } catch {
    return reply.code(404).send({ error: `no such file: ${name}` });
  }
  return reply.type(type).send(data);
}

/** Answer `/assets/{file}`: a vendored file when its path is on the allow-list, else a public file. */
export async function sendAsset(reply: FastifyReply, file: string): Promise<FastifyReply> {
  const vendor = VENDOR_FILES[`/assets/${file}`];
  if (vendor) return reply.type(vendor.type).send(await readFile(vendor.file));
  return sendPublicFile(reply, file);
}
