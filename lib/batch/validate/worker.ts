/**
 * Worker-thread body of parallel validation (started by parallel.ts): validates the byte range in
 * `workerData.task`, posting `{ type: 'progress', bytes }` after each read and `{ type: 'done', counts }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanRange, type RangeTask } from './range.js';

const port = parentPort!;
const counts = scanRange((workerData as { task: RangeTask }).task, (bytes) =>
  port.postMessage({ type: 'progress', bytes }),
);
port.postMessage({ type: 'done', counts });
