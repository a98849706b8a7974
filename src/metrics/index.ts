/**
 * @module
 * The surface of `metrics/`: what the rest of Gatehouse may use from it.
 */
export { MetricsRegistry, NO_ROUTE_LABEL } from './registry.js'
