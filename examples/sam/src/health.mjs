export const handler = async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' })
