/**
 * @module
 * Calling AWS services as API Gateway does for service integrations: service ARNs, endpoints
 * per service (config, `AWS_ENDPOINT_URL_*`, AWS), credentials where the SDKs find them, and
 * SigV4-signed calls.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { signRequest, rfc3986, type AwsCredentials, type RequestToSign, type ServiceRequestLine, type SigningScope } from './sign.js'
export { findCredentials, type CredentialSource } from './credentials.js'
export { awsService, awsServiceNames, serviceEndpoint, type AwsService } from './services.js'
export { callService, type ServiceAnswer, type ServiceCall } from './call.js'
export { parseServiceUri, type ServiceUri } from './service-uri.js'
