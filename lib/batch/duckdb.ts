/** A short-lived DuckDB session for one batch step: opened with the configured limits, always closed. */
import { mkdirSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** Limits of a DuckDB session. */
export interface DuckDbSettings {
  memoryLimit: string;
  threads: number;
  /** Spill directory for operators that exceed the memory limit. */
  tempDir: string;
}

/** Query helper bound to one connection. */
export interface DuckSession {
  conn: DuckDBConnection;
  run(sql: string): Promise<void>;
  /** Rows as plain JS objects (cast counts to INTEGER/DOUBLE in SQL to get numbers). */
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Another connection to the same database (for concurrent queries), closed with the session. */
  fork(): Promise<DuckSession>;
  /** DuckDB threads of the database. */
  threads: number;
}

/** Run `f` with a fresh in-memory DuckDB; the instance is closed afterwards whatever happens. */
export async function withDuckDb<T>(s: DuckDbSettings, f: (db: DuckSession) => Promise<T>): Promise<T> {
  mkdirSync(s.tempDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(s.threads),
    memory_limit: s.memoryLimit,
    temp_directory: s.tempDir,
    preserve_insertion_order: 'true',
  });
  const conns: DuckDBConnection[] = [];
  const session = async (): Promise<DuckSession> => {
    const conn = await instance.connect();
    conns.push(conn);
    return {
      conn,
      run: async (sql) => {
        await conn.run(sql);
      },
      rows: async <R>(sql: string) => (await (await conn.runAndReadAll(sql)).getRowObjectsJS()) as R[],
      fork: session,
      threads: s.threads,
    };
  };
  try {
    return await f(await session());
  } finally {
    for (const c of conns) c.closeSync();
    instance.closeSync();
  }
}
