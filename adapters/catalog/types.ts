/**
 * Lake catalog contract: which partitions of which lake table are complete and may be read, with their files,
 * row and byte counts and a content fingerprint. Writers register a partition once its files are final;
 * readers list files from here, never from a directory listing.
 */
import type { LakeTable, PartitionValues } from '../../common/lake.js';

/** One file of a registered partition. */
export interface CatalogFile {
  /** Path relative to the table's directory (`date=…/hour=…/part-….parquet`). */
  path: string;
  rows: number;
  bytes: number;
  /** SHA-256 of the file's content, hex. */
  sha256: string;
}

/** One registered partition. */
export interface CatalogPartition {
  table: LakeTable;
  /** `date=YYYY-MM-DD/hour=HH` (see `partitionPath`). */
  path: string;
  values: PartitionValues;
  files: CatalogFile[];
  rows: number;
  bytes: number;
  /** SHA-256 over the files' relative paths and content hashes (equal content, equal fingerprint). */
  fingerprint: string;
  registeredAt: Date;
  /** Workflow id / run id of the producer. */
  producer: string;
}

/** A partition to register (counts and fingerprint are derived from the files). */
export type PartitionRegistration = Pick<CatalogPartition, 'values' | 'files'>;

/** Where the catalog of one lake (one LAKE_DIR root) is kept. */
export interface LakeCatalog {
  /**
   * Register partitions of `table` in one transaction (a partition registered again replaces its entry).
   * `replace` drops registrations first: those of a date (a re-run of a date that lost an hour) and/or of the
   * named partition paths. `hooks.beforeCommit` runs inside the transaction after the writes, just before
   * COMMIT (a writer moves its files into place there; when it throws, nothing is registered).
   */
  register(
    table: LakeTable,
    partitions: PartitionRegistration[],
    producer: string,
    replace?: { date?: string; paths?: readonly string[] },
    hooks?: { beforeCommit?: () => Promise<void> },
  ): Promise<void>;
  /** Drop registrations (e.g. a date being rebuilt); returns how many. */
  unregister(table: LakeTable, paths: string[]): Promise<number>;
  /** Registered partitions, oldest first; optionally one table and/or a day range [fromDate, toDate] (by date or minute). */
  list(filter?: { table?: LakeTable; fromDate?: string; toDate?: string }): Promise<CatalogPartition[]>;
  close(): Promise<void>;
}
