/**
 * @module
 * The surface of `functions/`: what the rest of Gatehouse may use from it.
 */
export { FunctionPool, type FunctionPoolOptions } from './function-pool.js'
export { checkHandlerModule, HANDLER_CHECK_TIMEOUT_MS, type HandlerCheck } from './check-handler.js'
