/**
 * @module
 * The surface of `admin/`: what the rest of Gatehouse may use from it.
 */
export { createAdminServer } from './server.js'
