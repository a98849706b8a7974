export const handler = async (event) => {
  const name = event.pathParameters?.name ?? JSON.parse(event.body ?? '{}').name ?? 'stranger'
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message: `${process.env.GREETING}, ${name}!`,
      stage: process.env.STAGE,
      caller: event.requestContext.authorizer?.lambda?.caller ?? null,
    }),
  }
}
