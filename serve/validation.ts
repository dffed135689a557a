/**
 * How the serving routes validate requests and answer errors. Query parameters go through the route's strict zod
 * schema by `parseParams` (lib/views/params.ts), so a repeated, unknown or invalid parameter is a
 * `BadParameterError` naming it — the same rule the unit and property tests check — and every error maps to its
 * JSON answer: 400 `{error, parameter}`, 503 (+ Retry-After when busy), 504, or 500 for a bug.
 */
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod/v4';
import { BUSY_RETRY_AFTER_S } from '../lib/views/limits.js';
import { BadParameterError, parseParams } from '../lib/views/params.js';
import { ClientGoneError, DeadlineError, SearchFailedError } from './deadline.js';
import { BusyError } from './gate.js';

/** The query string as Fastify hands it to validation: every pair, in order, repeats kept. */
export const parseQueryString = (text: string): Record<string, unknown> =>
  new URLSearchParams(text) as unknown as Record<string, unknown>;

/** Validators: the query string by `parseParams` (named 400s), path parameters by the zod provider. */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) => {
  if (route.httpPart !== 'querystring') return zodValidatorCompiler(route);
  const schema = route.schema as unknown as z.ZodObject;
  return (data: unknown) => {
    try {
      return { value: parseParams(data as URLSearchParams, schema) };
    } catch (err) {
      return { error: err as Error };
    }
  };
};

/** A validator that hands the query string on unchanged, for a route whose handler checks it itself. */
export const passThroughValidator: FastifySchemaCompiler<unknown> = () => (data: unknown) => ({ value: data });

/** Answer an error of a route (or of its validation) with its JSON status. */
export function answerError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply | void {
  if (err instanceof ClientGoneError || reply.raw.destroyed) {
    reply.hijack();
    reply.raw.destroy();
    return;
  }
  const expected =
    err instanceof BadParameterError ||
    err instanceof BusyError ||
    err instanceof DeadlineError ||
    err instanceof SearchFailedError;
  const status = (err as FastifyError).statusCode;
  if (!expected && !(status && status < 500))
    console.error(`[serve] ${req.url.split('?')[0]}: ${err.stack ?? String(err)}`);
  if (reply.sent || reply.raw.headersSent) {
    reply.raw.destroy();
    return;
  }
  if (err instanceof BadParameterError) return reply.code(400).send({ error: err.message, parameter: err.parameter });
  if (err instanceof BusyError)
    return reply
      .code(503)
      .header('retry-after', String(BUSY_RETRY_AFTER_S))
      .send({ error: `${err.message}; retry later` });
  if (err instanceof DeadlineError) return reply.code(504).send({ error: err.message });
  if (err instanceof SearchFailedError) return reply.code(503).send({ error: err.message });
  // Fastify's own client errors (e.g. an unsupported body) keep their status.
  if (status && status >= 400 && status < 500) return reply.code(status).send({ error: err.message });
  return reply.code(500).send({ error: err.message });
}
