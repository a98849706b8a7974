/**
 * @module
 * The Runtime API's calls as its state machine (server.ts) takes them, whichever transport
 * brought them: HTTP on loopback (every runtime) or the private framing on a socket pair
 * (Gatehouse's own bootstraps, channel.ts).
 */
import type { FunctionErrorPayload } from '../../model/index.js'

/** One invocation as the runtime receives it from `/next`. */
export interface RuntimeInvocation {
  readonly awsRequestId: string
  /** The event as JSON text (the body of `/next`). */
  readonly event: string
  /** Epoch ms at which the function times out (`Lambda-Runtime-Deadline-Ms`). */
  readonly deadlineMs: number
  readonly invokedFunctionArn: string
  readonly traceId: string
  /** JSON text, only for invocations that carry one (mobile SDK callers); API Gateway's do not. */
  readonly clientContext?: string
  readonly cognitoIdentity?: string
}

/** Answers a call with a status and a body (`202` is not sent on the channel, except to an init error). */
export type RuntimeReply = (status: number, body: string, contentType?: string) => void

/** A `/next` call: where its invocation (or its refusal) goes. */
export interface NextCall {
  readonly deliver: (invocation: RuntimeInvocation) => void
  readonly refuse: RuntimeReply
  /** Replaced by a newer `/next` of the same runtime: never answered. */
  readonly drop: () => void
  /** Calls `onGone` once the call can no longer be answered (its connection closed). */
  readonly whenGone: (onGone: () => void) => void
}

/** A posted body, at most `MAX_RUNTIME_PAYLOAD_BYTES` kept; the rest only counted. */
export interface PostedBody {
  readonly text: string
  readonly bytes: number
  readonly tooLarge: boolean
}

/** What a transport hands the state machine. */
export interface RuntimeApiCalls {
  next(call: NextCall): void
  /** A response or error post has started; its body is being read (the HTTP path's pipelining: see server.ts). */
  answering(): void
  response(awsRequestId: string, body: PostedBody, reply: RuntimeReply): void
  invocationError(awsRequestId: string, error: FunctionErrorPayload, reply: RuntimeReply): void
  initError(error: FunctionErrorPayload, reply: RuntimeReply): void
}
