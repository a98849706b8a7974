/**
 * @module
 * Stable stand-ins for the physical ids and names AWS would generate at deploy time.
 * They are derived from hashes of the logical id so a template served twice gets the same
 * ids (URLs, ARNs and logs stay comparable between runs).
 */
import { createHash } from 'node:crypto'

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz'

/** API Gateway API ids are 10 lowercase alphanumerics (e.g. `a1b2c3d4e5`). */
export const API_ID_LENGTH = 10
/** Route, integration, authorizer and deployment ids are 7 lowercase alphanumerics. */
export const SUBRESOURCE_ID_LENGTH = 7

/** `length` lowercase alphanumerics taken from SHA-256 of `seed` (each byte mod 36). */
export function stableId(seed: string, length: number): string {
  const digest = createHash('sha256').update(seed).digest()
  let out = ''
  for (let i = 0; i < length; i++) out += BASE36[(digest[i % digest.length] ?? 0) % 36]
  return out
}

/**
 * API_ID_RULE: the id of an `AWS::ApiGatewayV2::Api` / `AWS::Serverless::HttpApi` is the
 * first 10 base-36 characters of SHA-256(`api:` + logical id). Only the logical id goes in,
 * so renaming the stack does not change the API's URL.
 */
export function derivedApiId(logicalId: string): string {
  return stableId(`api:${logicalId}`, API_ID_LENGTH)
}

/** Same rule for routes, integrations and authorizers, with their own prefix and 7 characters. */
export function derivedSubresourceId(logicalId: string): string {
  return stableId(`sub:${logicalId}`, SUBRESOURCE_ID_LENGTH)
}

/**
 * GENERATED_NAME_RULE: a resource without an explicit name (FunctionName, RoleName, ...) is
 * called `${stackName}-${logicalId}`, cut to the service's maximum length. CloudFormation
 * appends a random suffix as well; a local gateway leaves it off so names are predictable.
 */
export function generatedPhysicalName(stackName: string, logicalId: string, maxLength: number): string {
  return `${stackName}-${logicalId}`.slice(0, maxLength)
}

/** A UUID-shaped string from SHA-256 of `seed` (for AWS::StackId). */
export function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}
