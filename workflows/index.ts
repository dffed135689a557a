/** Every workflow type the workers register (the worker bundles this file). */
export { systemHealth } from './health.js';
