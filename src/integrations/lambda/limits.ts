/**
 * @module
 * Lambda's own synchronous-invocation payload limits, which apply to Lambda integrations
 * independently of API Gateway's 10 MB request limit (spec 13.2).
 */

/** Largest event Lambda accepts for `RequestResponse` invocations (6 MB). */
export const LAMBDA_MAX_REQUEST_BYTES = 6_291_456
/** Largest result Lambda returns; Lambda's error message names this figure. */
export const LAMBDA_MAX_RESPONSE_BYTES = 6_291_556
