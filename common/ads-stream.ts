/**
 * How the ad stream fits the streaming workflow's offsets (pure, workflow-safe): the workflow keeps one number
 * per key; the impressions topic's partition p is key p and the clicks topic's partition p is key
 * `CLICK_OFFSET_KEY + p`. The watermark is kept per partition p over both topics.
 */

/** Offset key of the clicks topic's partition 0. */
export const CLICK_OFFSET_KEY = 1_000_000;

/** The offsets key of the clicks topic's partition `p`. */
export const clickKey = (p: number): number => CLICK_OFFSET_KEY + p;

/** Whether an offsets key is a clicks-topic partition. */
export const isClickKey = (k: number): boolean => k >= CLICK_OFFSET_KEY;

/** Default workflow id of the ad stream (ADS_STREAM_WORKFLOW_ID overrides). */
export const DEFAULT_ADS_WORKFLOW_ID = 'stream-ads';
