/**
 * @module
 * CloudFormation pseudo parameters (`AWS::Region`, `AWS::Partition`, ...) for a stack that
 * is served locally and therefore never really deployed: region, account and stack name
 * come from the caller, everything else is derived from them the way AWS derives it.
 */
import { stableUuid } from './ids.js'

/** Used when the caller gives no region (the region the AWS CLI falls back to in most docs). */
export const DEFAULT_REGION = 'us-east-1'
/** The account id AWS documentation uses in examples; never a real account. */
export const DEFAULT_ACCOUNT_ID = '123456789012'
/** Stack name used when the caller gives none. */
export const DEFAULT_STACK_NAME = 'gatehouse'

export interface StackIdentity {
  readonly region: string
  readonly accountId: string
  readonly stackName: string
}

/** `aws-cn` for the China regions (cn-*), `aws-us-gov` for GovCloud (us-gov-*), `aws` elsewhere. */
export function partitionFor(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

/** The domain suffix of service endpoints: China regions use `amazonaws.com.cn`. */
export function urlSuffixFor(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'
}

/** The stack ARN; the trailing UUID is derived from the stack identity so it is stable across runs. */
export function stackIdFor(stack: StackIdentity): string {
  const partition = partitionFor(stack.region)
  const uuid = stableUuid(`${stack.region}/${stack.accountId}/${stack.stackName}`)
  return `arn:${partition}:cloudformation:${stack.region}:${stack.accountId}:stack/${stack.stackName}/${uuid}`
}

/** Every pseudo parameter except `AWS::NoValue`, which is not a value (the evaluator removes the property). */
export function pseudoParameters(stack: StackIdentity): ReadonlyMap<string, string | readonly string[]> {
  return new Map<string, string | readonly string[]>([
    ['AWS::Region', stack.region],
    ['AWS::AccountId', stack.accountId],
    ['AWS::StackName', stack.stackName],
    ['AWS::StackId', stackIdFor(stack)],
    ['AWS::Partition', partitionFor(stack.region)],
    ['AWS::URLSuffix', urlSuffixFor(stack.region)],
    // A local stack sends no SNS notifications.
    ['AWS::NotificationARNs', []],
  ])
}

export const NO_VALUE_PSEUDO_PARAMETER = 'AWS::NoValue'
