/**
 * @module
 * Nested stacks (`AWS::CloudFormation::Stack` with `TemplateURL`, `AWS::Serverless::Application`
 * with `Location`) whose template is a local file: their outputs answer `!GetAtt
 * Nested.Outputs.Name` in the parent, and their APIs and functions are served with the
 * parent's. Remote templates (`https://`, `s3://`, a Serverless Application Repository
 * application) cannot be read offline and are named in a warning instead.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { isObj, str } from './values.js'

export const NESTED_STACK_TYPES: ReadonlySet<string> = new Set(['AWS::CloudFormation::Stack', 'AWS::Serverless::Application'])
/** Nesting deeper than this is refused (CloudFormation's own limit is far higher; a cycle hits this first). */
export const MAX_NESTED_DEPTH = 5

/** The property that names a nested stack's template. */
export const locationProperty = (type: string): string => (type === 'AWS::CloudFormation::Stack' ? 'TemplateURL' : 'Location')

export type NestedLocation =
  | { readonly kind: 'local'; readonly file: string }
  | { readonly kind: 'remote'; readonly description: string }
  | { readonly kind: 'missing'; readonly file: string }

/** Where a nested stack's template is, from its evaluated location property. */
export function nestedLocation(location: unknown, baseDir: string): NestedLocation {
  const text = str(location)
  if (text === undefined) {
    // AWS::Serverless::Application: { ApplicationId, SemanticVersion } is a SAR application.
    const id = isObj(location) ? str(location['ApplicationId']) : undefined
    return { kind: 'remote', description: id !== undefined ? `application ${id}` : 'a template that is not a path' }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return { kind: 'remote', description: text }
  const file = resolve(baseDir, text)
  return existsSync(file) ? { kind: 'local', file } : { kind: 'missing', file }
}

/** Nested stack parameters are strings; lists are passed comma-joined, as CloudFormation does. */
export function nestedParameters(value: unknown): Record<string, string> {
  if (!isObj(value)) return {}
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).join(',') : str(v) ?? JSON.stringify(v)]))
}
