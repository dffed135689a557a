/**
 * Apache Spark for the tests that run printed Hive/Spark DDL: the PyPI `pyspark` package (which ships Spark's
 * jars, the Hive metastore client, Derby and the `spark-sql` CLI) in a virtualenv under the services cache,
 * installed on first use (about 25 s here). Needs Java 17 and python3 on PATH, like the other services.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { HOME } from '../scripts/services/cli.js';
import { run } from '../scripts/services/util.js';

/** Pinned pyspark (Spark 3.5 runs on Java 17; its jars include Hive 2.3 metastore support). */
export const PYSPARK_VERSION = '3.5.9';

const venv = () => `${process.env.VIEWERSHIP_CACHE_DIR ?? `${HOME}/cache`}/pyspark-venv`;
/** SPARK_HOME of the pip install: the `pyspark` package directory (asked from the venv's Python). */
async function sparkHome(): Promise<string> {
  const r = await run(`${venv()}/bin/python`, ['-c', 'import os, pyspark; print(os.path.dirname(pyspark.__file__))']);
  return r.stdout.trim();
}

/** Install pyspark into its virtualenv unless already there; returns the milliseconds spent installing (0 when cached). */
export async function ensureSpark(log: (m: string) => void = () => undefined): Promise<number> {
  const stamp = `${venv()}/.installed-pyspark-${PYSPARK_VERSION}`;
  if (existsSync(stamp)) return 0;
  const t0 = Date.now();
  log(`installing pyspark==${PYSPARK_VERSION} into ${venv()}`);
  rmSync(venv(), { recursive: true, force: true }); // a half-done install (killed run) starts over
  await run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venv()]);
  await run(
    `${venv()}/bin/pip`,
    ['install', '--quiet', '--no-cache-dir', '--disable-pip-version-check', `pyspark==${PYSPARK_VERSION}`],
    { timeoutMs: 10 * 60_000 },
  );
  if (!existsSync(`${await sparkHome()}/bin/spark-sql`))
    throw new Error(`pyspark installed but ${await sparkHome()}/bin/spark-sql is missing`);
  writeFileSync(stamp, new Date().toISOString());
  return Date.now() - t0;
}

/**
 * Run a SQL script with the `spark-sql` CLI (local mode, Hive support, an embedded Derby metastore and a
 * warehouse in `workDir`). Returns the rows the script's queries printed, as tab-separated fields.
 */
export async function sparkSql(script: string, workDir: string): Promise<string[][]> {
  mkdirSync(workDir, { recursive: true });
  writeFileSync(`${workDir}/script.sql`, script);
  const home = await sparkHome();
  const r = await run(
    `${home}/bin/spark-sql`,
    [
      '--master',
      'local[2]',
      '--conf',
      'spark.ui.enabled=false',
      '--conf',
      'spark.driver.host=127.0.0.1',
      '--conf',
      'spark.sql.session.timeZone=UTC',
      '--conf',
      `spark.sql.warehouse.dir=${workDir}/warehouse`,
      '--conf',
      `spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=${workDir}/metastore_db;create=true`,
      '--driver-java-options',
      `-Dderby.system.home=${workDir}`,
      '-f',
      `${workDir}/script.sql`,
    ],
    { cwd: workDir, env: { ...process.env, SPARK_HOME: home, SPARK_LOCAL_IP: '127.0.0.1' }, timeoutMs: 10 * 60_000 },
  );
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}
