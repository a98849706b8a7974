/**
 * @module
 * Reads a request body whole, enforcing the payload quota while streaming: a trustworthy
 * `Content-Length` over the limit is refused before reading, and a chunked body is counted
 * as it arrives and refused as soon as it passes the limit.
 */
import type { IncomingMessage } from 'node:http'
import { firstHeader } from './headers.js'

export type BodyResult = Buffer | 'too-large' | 'aborted'

const EMPTY = Buffer.alloc(0)

export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> | BodyResult {
  const length = firstHeader(req.rawHeaders, 'content-length')
  const chunked = firstHeader(req.rawHeaders, 'transfer-encoding') !== undefined
  if (!chunked) {
    if (length === undefined || length === '0') return EMPTY
    if (Number(length) > limit) return 'too-large'
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (result: BodyResult) => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onError)
      resolve(result)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.pause()
        done('too-large')
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size))
    const onError = () => done('aborted')
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onError)
  })
}
