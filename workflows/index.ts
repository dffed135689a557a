/** Every workflow type the workers register (the worker bundles this file). */
export { systemHealth } from './health.js';
export { batchBackfill, batchDay, scheduledBatch, validateFiles } from './batch.js';
export { batchEventsDay } from './batch-events.js';
export { refreshProfileCaches } from './profile-cache.js';
export { streamViewership } from './stream.js';
export { ordersDay } from './orders.js';
export { refreshLoyalty } from './loyalty.js';
