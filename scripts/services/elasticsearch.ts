/**
 * Elasticsearch 8.x single node built from Maven Central jars (the Elastic download site is out of reach):
 * the real server `org.elasticsearch:elasticsearch` plus its real HTTP/transport layer
 * `org.elasticsearch.plugin:transport-netty4`, started by a small Java main compiled at install time
 * (`elasticsearch/java/`), which loads those as classpath plugins instead of a distribution's `modules/`.
 * Two endpoints that the distribution serves from modules not published for 8.x are supplied by
 * `LocalCompatPlugin`: `GET /` (module rest-root) and synchronous `_delete_by_query` (module reindex).
 * Security is absent (no x-pack), HTTP and transport bind 127.0.0.1 only, discovery is single-node.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceContext, ServiceDef } from './types.js';
import { httpGet, javaBin, mavenCopyDeps, portFrom, run, spawnDetached } from './util.js';

/** Pinned Elasticsearch version (must match `elasticsearch/pom.xml`). */
export const ELASTICSEARCH_VERSION = '8.19.21';

const MAIN_CLASS = 'org.elasticsearch.node.LocalElasticsearch';
const supportDir = join(dirname(fileURLToPath(import.meta.url)), 'elasticsearch');

const ports = (env: NodeJS.ProcessEnv) => ({
  // 9200/9300+ belong to OpenSearch.
  http: portFrom(env, 'ELASTICSEARCH_PORT', 9201),
  transport: portFrom(env, 'ELASTICSEARCH_TRANSPORT_PORT', 9401),
});

const paths = (ctx: Pick<ServiceContext, 'cacheDir'>) => {
  const base = `${ctx.cacheDir}/elasticsearch`;
  return { base, lib: `${base}/lib`, classes: `${base}/classes` };
};

/** Java sources of the launcher, sorted, relative to the support dir. */
function javaSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.java')) out.push(p);
    }
  };
  walk(join(supportDir, 'java'));
  return out.sort();
}

/** `javac` next to the `java` the services use. */
function javacBin(env: NodeJS.ProcessEnv): string {
  const java = javaBin(env);
  return java.endsWith('/java') ? `${java}c` : 'javac';
}

/** The Elasticsearch service definition. */
export const elasticsearchService: ServiceDef = {
  name: 'elasticsearch',
  version: `Elasticsearch ${ELASTICSEARCH_VERSION} (single node from Maven Central jars, no security)`,
  address: (ctx) => `http://127.0.0.1:${ports(ctx.env).http}`,
  async install(ctx) {
    const p = paths(ctx);
    await mavenCopyDeps({
      pomFile: join(supportDir, 'pom.xml'),
      libDir: p.lib,
      cacheDir: ctx.cacheDir,
      log: ctx.log,
      label: 'elasticsearch',
    });
    // Compile the launcher once per source revision (stamp = hash of the sources and the jar set).
    const sources = javaSources();
    const hash = createHash('sha256');
    for (const f of sources) hash.update(f).update(readFileSync(f));
    hash.update(readdirSync(p.lib).sort().join('\n'));
    const stamp = hash.digest('hex');
    const marker = `${p.classes}/.stamp`;
    if (existsSync(marker) && readFileSync(marker, 'utf8') === stamp) return;
    ctx.log('elasticsearch: compiling the launcher (javac)');
    rmSync(p.classes, { recursive: true, force: true });
    mkdirSync(p.classes, { recursive: true });
    await run(javacBin(ctx.env), ['-nowarn', '-encoding', 'UTF-8', '-d', p.classes, '-cp', `${p.lib}/*`, ...sources]);
    writeFileSync(marker, stamp);
  },
  async start(ctx) {
    const p = paths(ctx);
    const pt = ports(ctx.env);
    const heap = ctx.env.ELASTICSEARCH_HEAP || '1g';
    const tmp = `${ctx.dataDir}/tmp`;
    mkdirSync(tmp, { recursive: true });
    const args = [
      `-Xms256m`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:+ExitOnOutOfMemoryError',
      '-Dfile.encoding=UTF-8',
      '-Djava.awt.headless=true',
      '-Dlog4j2.disable.jmx=true',
      // As the distribution's jvm.options: Elasticsearch closes log4j itself, so shutdown is logged too.
      '-Dlog4j.shutdownHookEnabled=false',
      // Only 127.0.0.1 is bound; an IPv4 socket makes `ss` show it plainly.
      '-Djava.net.preferIPv4Stack=true',
      `-Djava.io.tmpdir=${tmp}`,
      '-cp',
      `${p.classes}:${p.lib}/*`,
      MAIN_CLASS,
      `${ctx.dataDir}/home`,
      `${ctx.dataDir}/data`,
      String(pt.http),
      String(pt.transport),
    ];
    // Stays in the foreground of its own process group; the provisioner kills the group.
    return spawnDetached(javaBin(ctx.env), args, { cwd: ctx.dataDir, logFile: ctx.logFile });
  },
  async ready(ctx) {
    const base = `http://127.0.0.1:${ports(ctx.env).http}`;
    try {
      const root = await httpGet(`${base}/`);
      if (root.status !== 200) return false;
      const info = JSON.parse(root.body) as { version?: { number?: string } };
      if (!info.version?.number?.startsWith('8.')) return false;
      const health = await httpGet(`${base}/_cluster/health?timeout=2s`);
      if (health.status !== 200) return false;
      const status = (JSON.parse(health.body) as { status?: string }).status;
      return status === 'green' || status === 'yellow';
    } catch {
      return false;
    }
  },
  startTimeoutMs: 120_000,
};
