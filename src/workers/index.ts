/**
 * @module
 * `gatehouse serve --workers N`: N gateway processes on one port, with the throttle buckets,
 * the WebSocket connection directory and reloads coordinated by the primary process.
 */
export { runPrimary, WORKER_ENV, type PrimaryOptions } from './primary.js'
export { joinPrimary, workerSlot, type WorkerLink } from './worker.js'
export { WorkerRateLimiter } from './limiter.js'
export { WorkerConnectionDirectory, WORKER_FORWARD_TIMEOUT_MS } from './directory.js'
export { defaultWorkers, PRODUCTION_ENV } from './defaults.js'
