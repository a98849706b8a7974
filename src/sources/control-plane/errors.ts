/**
 * @module
 * The control plane's errors (spec 12.6): an exception name, its HTTP status, and the body
 * members AWS sends (`message`, and `resourceType` / `limitType` where the model has them).
 * Lambda's errors use the same wire form with Lambda's names (`ResourceNotFoundException`, …).
 */

export type ApiGatewayErrorType =
  | 'BadRequestException'
  | 'AccessDeniedException'
  | 'NotFoundException'
  | 'ConflictException'
  | 'TooManyRequestsException'

export type LambdaErrorType =
  | 'InvalidParameterValueException'
  | 'ResourceNotFoundException'
  | 'ResourceConflictException'
  | 'InvalidRequestContentException'
  | 'RequestTooLargeException'
  | 'AccessDeniedException'
  | 'ServiceException'
  | 'TooManyRequestsException'

const STATUS: Readonly<Record<string, number>> = {
  BadRequestException: 400,
  AccessDeniedException: 403,
  NotFoundException: 404,
  ConflictException: 409,
  TooManyRequestsException: 429,
  InvalidParameterValueException: 400,
  InvalidRequestContentException: 400,
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  RequestTooLargeException: 413,
  ServiceException: 500,
  UnknownOperationException: 404,
  InvalidSignatureException: 403,
  UnrecognizedClientException: 403,
  PayloadTooLargeException: 413,
}

export class ControlPlaneError extends Error {
  readonly type: string
  readonly status: number
  /** Extra body members (`resourceType`, `limitType`). */
  readonly members: Readonly<Record<string, string>>

  constructor(type: ApiGatewayErrorType | LambdaErrorType | 'UnknownOperationException' | 'InvalidSignatureException' | 'UnrecognizedClientException' | 'PayloadTooLargeException', message: string, members: Record<string, string> = {}) {
    super(message)
    this.type = type
    this.status = STATUS[type] ?? 400
    this.members = members
  }
}

export const badRequest = (message: string): ControlPlaneError => new ControlPlaneError('BadRequestException', message)
export const conflict = (message: string): ControlPlaneError => new ControlPlaneError('ConflictException', message)
export const notFound = (message: string, resourceType: string): ControlPlaneError => new ControlPlaneError('NotFoundException', message, { resourceType })
