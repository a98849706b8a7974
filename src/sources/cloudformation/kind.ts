/**
 * @module
 * Tells which kind of project file a loaded value is, so "serve an existing project" can
 * pick the right reader without asking the user.
 */
import { isPlainObject } from './intrinsics.js'

export type TemplateKind = 'sam' | 'cloudformation' | 'serverless' | 'gatehouse' | 'unknown'

/** The transform that makes a CloudFormation template a SAM template. */
export const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31'

/** The names listed under `Transform` (a string or a list of strings; macro objects are skipped). */
export function transformsOf(template: unknown): string[] {
  if (!isPlainObject(template)) return []
  const transform = template['Transform']
  const list = Array.isArray(transform) ? transform : [transform]
  return list.filter((t): t is string => typeof t === 'string')
}

export function detectTemplateKind(value: unknown): TemplateKind {
  if (!isPlainObject(value)) return 'unknown'
  if (transformsOf(value).includes(SAM_TRANSFORM)) return 'sam'
  const resources = value['Resources']
  const hasTypedResources =
    isPlainObject(resources) && Object.values(resources).some((r) => isPlainObject(r) && typeof r['Type'] === 'string')
  if (hasTypedResources || 'AWSTemplateFormatVersion' in value) return 'cloudformation'
  // serverless.yml also has a `functions` key, so it is checked before Gatehouse's own format.
  if ('service' in value && 'provider' in value) return 'serverless'
  if (('apis' in value || 'functions' in value) && !('Resources' in value)) return 'gatehouse'
  return 'unknown'
}
