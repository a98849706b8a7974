/**
 * @module
 * HTTP API first-class (AWS service) integrations: `integrationSubtype` (spec 4.5).
 */
export { awsServiceIntegration, NO_AWS_CREDENTIALS, type AwsServiceSettings } from './invoke.js'
export { integrationSubtype, integrationSubtypeNames, SQS_API_VERSION, type Subtype, type SubtypeParameter } from './subtypes.js'
