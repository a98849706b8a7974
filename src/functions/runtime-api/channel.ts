/**
 * @module
 * The Runtime API on a channel: the gateway's end of the socket pair a Gatehouse bootstrap is
 * handed, speaking the private framing of frames.ts. Each frame becomes the call its HTTP
 * request would be, on the same state machine (server.ts), with the same answers.
 */
import type { Socket } from 'node:net'
import type { NextCall, RuntimeApiCalls, RuntimeReply } from './calls.js'
import { encodeFrame, FrameReader, GatewayFrame, RUNTIME_FRAME_KINDS, RuntimeFrame, type ReceivedFrame } from './frames.js'
import { postedError } from './posted-error.js'

/** The answer to a frame the gateway cannot read; the channel is closed after it. [EMU] Gatehouse's own words. */
export function invalidFrameBody(reason: string): string {
  return JSON.stringify({ errorMessage: `Invalid Runtime API frame: ${reason}`, errorType: 'InvalidFrame' })
}

export function serveChannel(socket: Socket, calls: RuntimeApiCalls): void {
  const write = (frame: Buffer): void => {
    if (!socket.destroyed) socket.write(frame)
  }
  // A `202` is not sent, except to an init error: the runtime waits for that one before it exits.
  const answerTo =
    (kind: number): RuntimeReply =>
    (status, body) => {
      if (status !== 202 || kind === RuntimeFrame.InitError) write(encodeFrame(GatewayFrame.Answer, `${status}\0${String.fromCharCode(kind)}`, body))
    }
  const replies = {
    response: answerTo(RuntimeFrame.Response),
    invocationError: answerTo(RuntimeFrame.InvocationError),
    initError: answerTo(RuntimeFrame.InitError),
  }
  let gone: (() => void) | undefined
  // One `/next` at a time on a channel: one call object serves them all.
  const next: NextCall = {
    deliver: (inv) =>
      write(
        encodeFrame(
          GatewayFrame.Invocation,
          `${inv.awsRequestId}\0${inv.deadlineMs}\0${inv.invokedFunctionArn}\0${inv.traceId}\0${inv.clientContext ?? ''}\0${inv.cognitoIdentity ?? ''}`,
          inv.event
        )
      ),
    refuse: answerTo(RuntimeFrame.Next),
    drop: () => {},
    whenGone: (onGone) => (gone = onGone),
  }
  const onFrame = (frame: ReceivedFrame): void => {
    switch (frame.kind) {
      case RuntimeFrame.Next:
        return calls.next(next)
      case RuntimeFrame.Response:
        calls.answering()
        return calls.response(frame.head, frame.body, replies.response)
      case RuntimeFrame.InvocationError: {
        const nul = frame.head.indexOf('\0')
        calls.answering()
        const id = nul < 0 ? frame.head : frame.head.slice(0, nul)
        return calls.invocationError(id, postedError(nul < 0 ? undefined : frame.head.slice(nul + 1), frame.body), replies.invocationError)
      }
      case RuntimeFrame.InitError:
        return calls.initError(postedError(frame.head, frame.body), replies.initError)
    }
  }
  const reader = new FrameReader(RUNTIME_FRAME_KINDS, onFrame, (reason) => {
    if (!socket.destroyed) socket.end(encodeFrame(GatewayFrame.Answer, '400\0?', invalidFrameBody(reason)))
  })
  socket.on('data', (chunk: Buffer) => reader.push(chunk))
  socket.on('close', () => gone?.())
  // A runtime gone mid-write (EPIPE, ECONNRESET): its exit is what is reported.
  socket.on('error', () => {})
}
