/**
 * The data lake's tables as the product writes them: names, Hive partition layout and the `web_events`
 * columns the stream sinks. Pure and workflow-safe (no I/O): the stream sink, the catalog, the CLI and the
 * batch recomputation all take the layout from here.
 */

/** Lake tables known to the catalog (later issues add theirs). */
export const LAKE_TABLES = ['weblogs', 'web_events', 'orders', 'ad_views_report'] as const;
/** A lake table name. */
export type LakeTable = (typeof LAKE_TABLES)[number];

/** Hive partition columns of the hourly lake tables, in path order. */
export const PARTITION_COLUMNS = ['date', 'hour'] as const;
/** Hive partition columns of the ad stream's per-minute report, in path order. */
export const AD_REPORT_PARTITION_COLUMNS = ['network_id', 'minute'] as const;
/** Every Hive partition column of the lake, in path order within a table. */
export const ALL_PARTITION_COLUMNS = [...PARTITION_COLUMNS, ...AD_REPORT_PARTITION_COLUMNS] as const;
/** A Hive partition column. */
export type PartitionColumn = (typeof ALL_PARTITION_COLUMNS)[number];
/**
 * Hive partition columns of each lake table, in path order (`orders` is partitioned by date only, the ad report
 * by network and minute).
 */
export const TABLE_PARTITION_COLUMNS: Record<LakeTable, readonly PartitionColumn[]> = {
  weblogs: PARTITION_COLUMNS,
  web_events: PARTITION_COLUMNS,
  orders: ['date'],
  ad_views_report: AD_REPORT_PARTITION_COLUMNS,
};

/**
 * Partition values of one Hive partition: `date=YYYY-MM-DD/hour=HH` (or `date=YYYY-MM-DD` for a daily table), or
 * `network_id=N/minute=YYYY-MM-DDTHH:MM` for the ad report. Values are as they appear in the path.
 */
export interface PartitionValues {
  date?: string;
  hour?: string;
  network_id?: string;
  minute?: string;
}

/** The day (`YYYY-MM-DD`) a partition belongs to: its `date`, or its `minute`'s day (undefined when it has neither). */
export const partitionDay = (v: PartitionValues): string | undefined => v.date ?? v.minute?.slice(0, 10);

/** Partition values of an hourly table's partition. */
export interface HourPartitionValues extends PartitionValues {
  date: string;
  hour: string;
}

/**
 * Relative path of a partition under its table: its present columns in path order (`date=YYYY-MM-DD/hour=HH`,
 * `date=YYYY-MM-DD` without an hour, `network_id=N/minute=YYYY-MM-DDTHH:MM` for the ad report).
 */
export const partitionPath = (v: PartitionValues): string =>
  ALL_PARTITION_COLUMNS.filter((c) => v[c] !== undefined)
    .map((c) => `${c}=${v[c]}`)
    .join('/');

/** Partition values of an event time (UTC hour). */
export function hourPartition(tMs: number): HourPartitionValues {
  const iso = new Date(tMs).toISOString();
  return { date: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** Start (epoch ms) of a partition's hour. */
export const partitionStartMs = (v: HourPartitionValues): number => Date.parse(`${v.date}T${v.hour}:00:00.000Z`);

/** Parse `date=YYYY-MM-DD/hour=HH` (undefined when it is not one). */
export function parsePartitionPath(path: string): HourPartitionValues | undefined {
  const m = /^date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})$/.exec(path);
  if (!m) return undefined;
  const v = { date: m[1]!, hour: m[2]! };
  return Number.isNaN(partitionStartMs(v)) || hourPartition(partitionStartMs(v)).date !== v.date ? undefined : v;
}

/**
 * Columns of `web_events` (the validated, de-duplicated, enriched speed-layer events) in file order, with their
 * DuckDB types. `kafka_partition` + `kafka_offset` identify each row's message: compaction keeps one row per
 * offset, which is what makes the sink exactly once.
 */
export const WEB_EVENT_COLUMNS = [
  ['event_time_ms', 'BIGINT'],
  ['event_id', 'VARCHAR'],
  ['customer_id', 'VARCHAR'],
  ['event_type', 'VARCHAR'],
  ['content_id', 'VARCHAR'],
  ['device', 'VARCHAR'],
  ['http_status', 'SMALLINT'],
  ['status_category', 'VARCHAR'],
  ['watch_ms', 'DOUBLE'],
  ['country', 'VARCHAR'],
  ['plan', 'VARCHAR'],
  ['unknown_customer', 'BOOLEAN'],
  ['kafka_partition', 'INTEGER'],
  ['kafka_offset', 'BIGINT'],
] as const;

/**
 * Columns of `weblogs` (the batch layer's validated web-log rows, written by lib/batch/partition.ts) in file
 * order, with their DuckDB types. lib/lake/ddl.test.ts checks them against a file that writePartition writes.
 */
export const WEBLOG_COLUMNS = [
  ['event_time', 'TIMESTAMPTZ'],
  ['customer_id', 'VARCHAR'],
  ['session_id', 'VARCHAR'],
  ['ip', 'VARCHAR'],
  ['method', 'VARCHAR'],
  ['path', 'VARCHAR'],
  ['http_status', 'SMALLINT'],
  ['bytes_sent', 'BIGINT'],
  ['response_ms', 'BIGINT'],
  ['user_agent', 'VARCHAR'],
  ['referrer', 'VARCHAR'],
  ['device', 'VARCHAR'],
  ['content_id', 'VARCHAR'],
  ['status_category', 'VARCHAR'],
  ['source_file', 'VARCHAR'],
] as const;

/**
 * Columns of `orders` (the transactional database's orders, imported incrementally by `ordersDay`; one file per
 * created date, the latest version of each order) in file order, with their DuckDB types. Amounts are exact.
 */
export const ORDER_COLUMNS = [
  ['order_id', 'VARCHAR'],
  ['customer_id', 'VARCHAR'],
  ['kind', 'VARCHAR'],
  ['content_id', 'VARCHAR'],
  ['amount', 'DECIMAL(12,2)'],
  ['currency', 'VARCHAR'],
  ['status', 'VARCHAR'],
  ['created_at', 'TIMESTAMPTZ'],
  ['updated_at', 'TIMESTAMPTZ'],
] as const;

/**
 * Columns of `ad_views_report` (the ad stream's per-minute report of closed minutes, lib/ads/report.ts; one file
 * per network and minute) in file order, with their DuckDB types. `cost` is exact (6 decimal places).
 */
export const AD_REPORT_COLUMNS = [
  ['campaign_id', 'VARCHAR'],
  ['avg_duration', 'DOUBLE'],
  ['total_count', 'BIGINT'],
  ['clicks', 'BIGINT'],
  ['ctr', 'DOUBLE'],
  ['cost', 'DECIMAL(18,6)'],
] as const;

/** DuckDB type names used by the lake's columns. */
export type LakeColumnType = (
  typeof WEBLOG_COLUMNS | typeof WEB_EVENT_COLUMNS | typeof ORDER_COLUMNS | typeof AD_REPORT_COLUMNS
)[number][1];

/** Data columns (without the partition columns) of every lake table, in file order. */
export const LAKE_COLUMNS: Record<LakeTable, readonly (readonly [string, LakeColumnType])[]> = {
  weblogs: WEBLOG_COLUMNS,
  web_events: WEB_EVENT_COLUMNS,
  orders: ORDER_COLUMNS,
  ad_views_report: AD_REPORT_COLUMNS,
};
