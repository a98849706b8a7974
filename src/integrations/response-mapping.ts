/**
 * @module
 * Applies an integration's response parameter mapping (spec 4.3.2), shared by Lambda and
 * HTTP proxy integrations. A mapping that cannot be applied (a status code that is not one)
 * is an integration failure, explained in `$context.integrationErrorMessage`.
 */
import type { RequestContext } from '../model/index.js'
import type { MappedResponse, MappingInput, ResponseParameterMapping } from './parameter-mapping/index.js'

export function mapResponse(
  ctx: RequestContext,
  mapping: ResponseParameterMapping,
  input: MappingInput,
  statusCode: number,
  headers: ReadonlyArray<readonly [string, string]>
): MappedResponse | null {
  const outcome = mapping.apply(input, statusCode, headers)
  if (outcome.ok) return outcome.response
  ctx.integrationErrorMessage = `Response parameter mapping failed: ${outcome.reason}`
  return null
}
