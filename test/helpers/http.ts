import { request as undiciRequest } from 'undici'

export interface HttpResult {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: Buffer
  readonly text: string
  json<T = unknown>(): T
}

export interface HttpOptions {
  readonly method?: string
  readonly headers?: Record<string, string | string[]>
  readonly body?: string | Buffer
}

/** One real HTTP request with undici; the body is read whole. */
export async function http(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  const res = await undiciRequest(url, {
    method: (options.method ?? 'GET') as 'GET',
    headers: options.headers ?? {},
    body: options.body ?? null,
  })
  const body = Buffer.from(await res.body.arrayBuffer())
  const text = body.toString('utf8')
  return {
    status: res.statusCode,
    headers: res.headers,
    body,
    text,
    json: <T>() => JSON.parse(text) as T,
  }
}
