/**
 * @module
 * Per-route metrics named after API Gateway's CloudWatch metrics, in Prometheus text format.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { MetricsRegistry, NO_ROUTE_LABEL, renderMetrics, sumFigures, type SeriesFigures } from './registry.js'
