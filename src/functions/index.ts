/**
 * @module
 * The surface of `functions/`: what the rest of Gatehouse may use from it.
 */
export { FunctionPool, type FunctionPoolOptions } from './function-pool.js'
