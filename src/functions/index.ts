/**
 * @module
 * The surface of `functions/`: what the rest of Gatehouse may use from it.
 */
export { FunctionPool, type FunctionPoolOptions } from './function-pool.js'
export { EnvironmentBudget, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_ENVIRONMENTS, type EnvironmentLimits } from './environment-budget.js'
