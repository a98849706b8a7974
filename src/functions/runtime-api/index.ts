/**
 * @module
 * The Lambda Runtime API (2018-06-01) that process-based execution environments speak.
 * This file is the folder's surface.
 */
export { RuntimeApiServer, type RuntimeApiListener } from './server.js'
export type { RuntimeInvocation } from './calls.js'
export * from './answers.js'
