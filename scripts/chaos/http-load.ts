/**
 * The chaos run's HTTP load: a few concurrent clients asking the run's own `viewership serve` for the speed view,
 * the batch days and health, recording every answer's status and time (5xx are judged later against the
 * windows in which a service was down; a 503 with Retry-After is load shedding, counted apart).
 */

/** One answer that was not a success (kept with its time for attribution). */
export interface HttpIncident {
  /** When the request was sent and when its answer (or error) came. */
  atMs: number;
  endMs: number;
  path: string;
  /** `5xx:<status>`, `shed` (503 + Retry-After) or `network` (no answer at all). */
  kind: string;
  detail: string;
}

/** What the load generator saw. */
export interface HttpFigures {
  requests: number;
  byStatus: Record<string, number>;
  incidents: HttpIncident[];
  /** Answers slower than 5 s. */
  slow: number;
}

/** Start `clients` loops against `baseUrl`, each picking one of `paths()` per request; `stop()` returns the figures. */
export function startHttpLoad(
  baseUrl: string,
  paths: () => string[],
  o: { clients: number; pauseMs: number; seed: number },
): { stop: () => Promise<HttpFigures> } {
  const f: HttpFigures = { requests: 0, byStatus: {}, incidents: [], slow: 0 };
  let stopping = false;
  let n = o.seed;
  const loop = async () => {
    while (!stopping) {
      const list = paths();
      const path = list[n++ % list.length]!;
      const t0 = Date.now();
      let status = 'network';
      try {
        const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(30_000) });
        const body = await res.text();
        status = String(res.status);
        if (res.status >= 500) {
          const shed = res.status === 503 && res.headers.get('retry-after') !== null;
          f.incidents.push({
            atMs: t0,
            endMs: Date.now(),
            path,
            kind: shed ? 'shed' : `5xx:${res.status}`,
            detail: body.slice(0, 200),
          });
          if (shed) status = '503-shed';
        }
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const detail = `${(err as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`;
        f.incidents.push({ atMs: t0, endMs: Date.now(), path, kind: 'network', detail: detail.slice(0, 200) });
      }
      if (Date.now() - t0 > 5000) f.slow++;
      f.requests++;
      f.byStatus[status] = (f.byStatus[status] ?? 0) + 1;
      if (o.pauseMs > 0) await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  };
  const loops = Array.from({ length: o.clients }, () => loop());
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return f;
    },
  };
}
