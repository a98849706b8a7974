/**
 * @module
 * Resolves a Lambda integration URI to a function name (spec 3.1). Accepted forms:
 * a function name, a function ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`)
 * and the API Gateway invocation ARN
 * (`arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/{functionArn}/invocations`).
 * `${stageVariables.name}` references are substituted first.
 */

const INVOCATION_ARN = /^arn:aws[a-z-]*:apigateway:[^:]*:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/
const STAGE_VARIABLE_REF = /\$\{stageVariables\.([A-Za-z0-9_]+)\}/g

/** A Lambda invocation ARN: on an `AWS` (non-proxy) WebSocket integration, it runs a local function. */
export function isLambdaInvocation(uri: string): boolean {
  return INVOCATION_ARN.test(uri)
}

export function usesStageVariables(uri: string): boolean {
  return uri.includes('${stageVariables.')
}

export type Substitution = { ok: true; value: string } | { ok: false; missing: string }

/** Replaces `${stageVariables.x}`; names a variable the stage does not define. */
export function substituteStageVariables(uri: string, variables: Readonly<Record<string, string>>): Substitution {
  let missing: string | undefined
  const value = uri.replace(STAGE_VARIABLE_REF, (_, name: string) => {
    const v = variables[name]
    if (v === undefined) missing ??= name
    return v ?? ''
  })
  return missing !== undefined ? { ok: false, missing } : { ok: true, value }
}

/** The function name a URI (or a `functions` key) designates. */
export function functionNameOf(uri: string): string {
  const invocation = INVOCATION_ARN.exec(uri)
  const arn = invocation?.[1] ?? uri
  return FUNCTION_ARN.exec(arn)?.[1] ?? arn
}

export function functionArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`
}

/** The function a URI names in a stage: stage variables substituted, then reduced to a name. */
export function resolveFunctionName(uri: string, stageVariables: Readonly<Record<string, string>>): string {
  const sub = substituteStageVariables(uri, stageVariables)
  return functionNameOf(sub.ok ? sub.value : uri)
}
